"""Open data: deliverables, events and agreements as tables for a transparency portal, with
their column dictionary. The dictionary below is the single source: it is written into every
export (``diccionario.csv`` / the "diccionario" key / the "Diccionario" sheet) and
``docs/open-data.md`` is generated from it (a test keeps them equal).

Personal data (Ley N° 29733) stays out: events carry the actor's role and entity, never the
person's email or name; free-text comments are left out for the same reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from conaig_flow.clock import LIMA
from conaig_flow.domain.progress import Progress, lima_day
from conaig_flow.domain.report_document import Agreement
from conaig_flow.rendering.cells import append_row, csv_value


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str  # file / sheet name
    title: str
    description: str
    columns: tuple[Column, ...]


_CUT = Column("FECHA_CORTE", "fecha-hora", "Fecha y hora de corte de los datos (ISO 8601, hora de Lima, -05:00).")
_DT = "fecha-hora"

DATASETS: tuple[Dataset, ...] = (
    Dataset("entregables", "Entregables del plan de trabajo",
            "Un registro por entregable: cada producto del plan a cargo de un responsable, con su situación a la fecha de corte.",
            (
                _CUT,
                Column("PLAN", "texto", "Código del plan de trabajo (p. ej. conaig-2021-2022)."),
                Column("COMISION", "texto", "Siglas de la comisión multisectorial."),
                Column("ID_ENTREGABLE", "entero", "Identificador del entregable en el sistema."),
                Column("OBJETIVO", "texto", "Código del objetivo prioritario (p. ej. OP1)."),
                Column("ACTIVIDAD", "texto", "Código de la actividad del plan (p. ej. A1.1)."),
                Column("NOMBRE_ACTIVIDAD", "texto", "Nombre de la actividad según el plan."),
                Column("TIPO_PRODUCTO", "texto", "Tipo de producto (define su ciclo de vida), p. ej. protocol_norm."),
                Column("PRODUCTO", "texto", "Nombre del entregable: producto y responsable."),
                Column("RESPONSABLE", "texto", "Código de la entidad, comisión o equipo responsable."),
                Column("TIPO_RESPONSABLE", "texto", "entity (entidad), commission (la comisión) o team (equipo de trabajo)."),
                Column("NOMBRE_RESPONSABLE", "texto", "Nombre del responsable."),
                Column("PERIODO", "texto", "Período cuyo último día es el plazo (p. ej. I-2022)."),
                Column("FECHA_LIMITE", "fecha-hora", "Plazo: 23:59:59 hora de Lima del último día del período."),
                Column("ESTADO", "texto", "Estado del entregable en su ciclo de vida (código)."),
                Column("NOMBRE_ESTADO", "texto", "Estado del entregable, en palabras."),
                Column("SITUACION", "texto", "approved_on_time, approved_late, in_term, overdue o withdrawn."),
                Column("NOMBRE_SITUACION", "texto", "Aprobado a tiempo, Aprobado con retraso, En plazo, Vencido o Retirado."),
                Column("FECHA_APROBACION", _DT, "Fecha y hora de la aprobación (vacío si no está aprobado)."),
                Column("NORMA_APROBACION", "texto", "Norma institucional que lo aprueba (protocolos), si corresponde."),
                Column("SESION_APROBACION", "texto", "Sesión de la comisión que lo aprobó, si corresponde."),
                Column("DIAS_ATRASO", "entero", "Días calendario de atraso: de la fecha límite a la aprobación, o a la fecha de corte si sigue pendiente; 0 si no hay atraso."),
                Column("NUM_OBSERVACIONES", "entero", "Veces que fue observado (devuelto para corrección)."),
            )),
    Dataset("eventos", "Historial de acciones sobre los entregables",
            "Un registro por acción: cada cambio de estado, en orden, encadenado por huellas SHA-256.",
            (
                _CUT,
                Column("ID_EVENTO", "entero", "Identificador del evento."),
                Column("ID_ENTREGABLE", "entero", "Entregable al que se refiere (ver entregables.ID_ENTREGABLE)."),
                Column("SECUENCIA", "entero", "Número de orden del evento dentro del entregable (1, 2, …)."),
                Column("FECHA_HORA", _DT, "Momento de la acción (ISO 8601, hora de Lima)."),
                Column("ACCION", "texto", "Acción realizada (submit, observe, resubmit, accept, approve, withdraw, opine)."),
                Column("ESTADO_ORIGEN", "texto", "Estado antes de la acción."),
                Column("ESTADO_DESTINO", "texto", "Estado después de la acción."),
                Column("ROL_ACTOR", "texto", "Rol de quien actuó: officer, secretariat, reviewer, member, system."),
                Column("ENTIDAD_ACTOR", "texto", "Entidad de quien actuó (vacío para el sistema)."),
                Column("NORMA", "texto", "Norma institucional registrada con la acción, si la hubo."),
                Column("SESION", "texto", "Sesión de la comisión registrada con la acción, si la hubo."),
                Column("NUM_DOCUMENTOS", "entero", "Documentos adjuntados en la acción."),
                Column("HUELLA", "texto", "Huella SHA-256 del evento (integridad del historial)."),
                Column("HUELLA_ANTERIOR", "texto", "Huella del evento anterior del mismo entregable (64 ceros para el primero)."),
            )),
    Dataset("acuerdos", "Acuerdos adoptados en sesión",
            "Un registro por acuerdo de una sesión de la comisión.",
            (
                _CUT,
                Column("SESION", "texto", "Referencia de la sesión."),
                Column("FECHA", _DT, "Fecha y hora del acuerdo (hora de Lima)."),
                Column("ACUERDO", "texto", "Texto del acuerdo."),
                Column("ID_ENTREGABLE", "entero", "Entregable al que se refiere el acuerdo, si corresponde."),
                Column("ACTIVIDAD", "texto", "Actividad del plan a la que se refiere, si corresponde."),
                Column("ACTA", "texto", "Número del acta de la sesión, si está registrada."),
                Column("NUM_ACUERDO", "entero", "Número del acuerdo en su sesión."),
                Column("PUNTO", "texto", "Punto de agenda que el acuerdo decide."),
                Column("RESULTADO", "texto", "Aprobado / No aprobado."),
                Column("VOTACION", "texto", "Resumen de la votación (a favor, en contra, abstenciones)."),
            )),
)

FORMATS = ("csv", "json", "xlsx")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LIMA).isoformat(timespec="seconds")


def rows(
    progress: Progress,
    plan_info: Mapping[str, str],
    events: Sequence[Mapping[str, Any]],
    agreements: Sequence[Agreement],
) -> dict[str, list[dict[str, Any]]]:
    """The three tables, keyed by dataset name, with the dictionary's column names."""
    cut = _iso(progress.as_of)
    deliverables = [
        {
            "FECHA_CORTE": cut, "PLAN": plan_info["plan"], "COMISION": plan_info["commission"],
            "ID_ENTREGABLE": i.deliverable.id, "OBJETIVO": i.objective, "ACTIVIDAD": i.deliverable.activity,
            "NOMBRE_ACTIVIDAD": plan_info.get(f"activity:{i.deliverable.activity}", ""),
            "TIPO_PRODUCTO": i.deliverable.kind, "PRODUCTO": i.deliverable.title, "RESPONSABLE": i.deliverable.owner,
            "TIPO_RESPONSABLE": i.deliverable.owner_kind,
            "NOMBRE_RESPONSABLE": plan_info.get(f"owner:{i.deliverable.owner}", i.deliverable.owner),
            "PERIODO": i.deliverable.period, "FECHA_LIMITE": _iso(i.deliverable.due), "ESTADO": i.state,
            "NOMBRE_ESTADO": i.state_label, "SITUACION": i.status.value, "NOMBRE_SITUACION": i.status_label,
            "FECHA_APROBACION": _iso(i.approved_at), "NORMA_APROBACION": i.norm_reference,
            "SESION_APROBACION": i.session_ref, "DIAS_ATRASO": i.days_late, "NUM_OBSERVACIONES": i.observations,
        }
        for i in progress.items
    ]
    history = [
        {
            "FECHA_CORTE": cut, "ID_EVENTO": e["id"], "ID_ENTREGABLE": e["deliverable_id"], "SECUENCIA": e["seq"],
            "FECHA_HORA": _iso(e["at"]), "ACCION": e["trigger"], "ESTADO_ORIGEN": e["from_state"],
            "ESTADO_DESTINO": e["to_state"], "ROL_ACTOR": e["actor_role"], "ENTIDAD_ACTOR": e["actor_entity"],
            "NORMA": e["norm_reference"], "SESION": e["session_ref"], "NUM_DOCUMENTOS": len(json.loads(e["documents"])),
            "HUELLA": e["hash"], "HUELLA_ANTERIOR": e["prev_hash"],
        }
        for e in events
    ]
    agreed = [
        {"FECHA_CORTE": cut, "SESION": a.session_ref, "FECHA": _iso(a.at), "ACUERDO": a.text,
         "ID_ENTREGABLE": a.deliverable_id, "ACTIVIDAD": a.activity, "ACTA": a.acta, "NUM_ACUERDO": a.number,
         "PUNTO": a.item, "RESULTADO": a.result, "VOTACION": a.votes}
        for a in agreements
    ]
    return {"entregables": deliverables, "eventos": history, "acuerdos": agreed}


def dictionary_rows() -> list[dict[str, str]]:
    return [
        {"CONJUNTO": d.name, "COLUMNA": c.name, "TIPO": c.type, "DESCRIPCION": c.description}
        for d in DATASETS for c in d.columns
    ]


def csv_text(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: "" if v is None else csv_value(v) for k, v in r.items()})
    return buf.getvalue()


def write(tables: Mapping[str, list[dict[str, Any]]], fmt: str, out: Path, dictionary_md: str) -> list[Path]:
    """Write the export into folder ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, data: str | bytes) -> None:
        path = out / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8", newline="")
        else:
            path.write_bytes(data)
        written.append(path)

    if fmt == "csv":
        for d in DATASETS:
            put(f"{d.name}.csv", csv_text(tables[d.name], [c.name for c in d.columns]))
        put("diccionario.csv", csv_text(dictionary_rows(), ["CONJUNTO", "COLUMNA", "TIPO", "DESCRIPCION"]))
    elif fmt == "json":
        payload = {"diccionario": dictionary_rows(), **{d.name: tables[d.name] for d in DATASETS}}
        put("datos-abiertos.json", json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for d in DATASETS:
            ws = wb.create_sheet(d.name)
            names = [c.name for c in d.columns]
            ws.append(names)
            for r in tables[d.name]:
                append_row(ws, [r[n] for n in names])
        ws = wb.create_sheet("diccionario")
        ws.append(["CONJUNTO", "COLUMNA", "TIPO", "DESCRIPCION"])
        for r in dictionary_rows():
            append_row(ws, r.values())
        buf = io.BytesIO()
        wb.save(buf)
        put("datos-abiertos.xlsx", buf.getvalue())
    put("LEEME.md", dictionary_md)
    return written


def cut_off_day(progress: Progress) -> str:
    return lima_day(progress.as_of).isoformat()


def dictionary_markdown() -> str:
    """The column dictionary as a Markdown document (``docs/open-data.md``, ``LEEME.md``)."""
    from conaig_flow.rendering.reports.templating import render

    return render("open-data.md.j2", datasets=DATASETS)
