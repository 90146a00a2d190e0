"""The progress report as a document: its heading (entity, official name of the year, number,
date in Spanish) and its optional sections (session agreements, reminders), around the
figures of ``progress``. Pure: every renderer (HTML, Markdown, PDF, DOCX, XLSX, JSON) reads
this one object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conaig_flow.domain.plan import Plan
from conaig_flow.domain.progress import Progress, Tally, lima_day
from conaig_flow.i18n import fecha

BLANK_NUMBER = "_____"


@dataclass(frozen=True)
class Agreement:
    """An agreement taken in a session of the commission."""

    session_ref: str
    at: datetime
    text: str
    deliverable_id: int | None = None
    activity: str | None = None
    acta: str | None = None
    number: int | None = None  # the agreement's number in its session
    item: str | None = None  # the agenda item it decides
    result: str | None = None  # "Aprobado" / "No aprobado"
    votes: str | None = None  # "18 a favor, 2 en contra, 1 abstención"


@dataclass(frozen=True)
class ReminderLine:
    """Reminders sent to one responsible party up to the report's date."""

    owner: str
    owner_name: str
    sent: int
    escalations: int
    last_sent: datetime | None
    pending: int = 0  # written to the outbox, not yet sent
    dead: int = 0  # given up on (dead letter): someone must look


@dataclass(frozen=True)
class Heading:
    entity_name: str  # Ministerio de la Mujer y Poblaciones Vulnerables
    unit_name: str  # Dirección General de Igualdad de Género y no Discriminación
    role: str  # Secretaría Técnica de la CONAIG
    year_name: str | None
    number: str  # INFORME N° 001-2022-MIMP/DGIGND
    addressee: str
    sender: str
    subject: str
    issued_at: datetime
    place: str = "Lima"


@dataclass(frozen=True)
class ProgressReport:
    heading: Heading
    plan_title: str
    commission_code: str
    commission_name: str
    legal_basis: tuple[str, ...]
    progress: Progress
    agreements: tuple[Agreement, ...] | None  # None: no source of agreements is connected
    reminders: tuple[ReminderLine, ...] | None  # None: no source of reminders is connected
    #: "sección V" where the plan has a programming section (the schedule table's heading)
    programming_ref: str | None = None
    #: ("sección VI", its words) where the plan has a follow-up section the report answers to
    follow_up: tuple[str, str] | None = None
    #: the audit checkpoint written when the report was issued: "N° 4 (…) · 3F2A-9C01-77B4-D2E8"
    audit_root: str | None = None
    #: where the signed report's signatures can be checked (the public address's
    #: verification page, ``App.public_url()``); None: not stated
    verify_url: str | None = None

    @property
    def verification_note(self) -> str | None:
        """The sentence every format ends with, pointing to where the signed report is checked."""
        if not self.verify_url:
            return None
        return (f"La autenticidad e integridad de la versión de este informe firmada digitalmente (PDF) pueden "
                f"contrastarse en {self.verify_url}")

    @property
    def programming_heading(self) -> str:
        ref = f" ({self.programming_ref} del plan)" if self.programming_ref else ""
        return f"Programación{ref}: programado y ejecutado"


def heading(plan: Plan, issued_at: datetime, as_of: datetime, number: int | None) -> Heading:
    c = plan.commission
    sec = c.secretariat
    year = lima_day(issued_at).year
    text = plan.report.number_pattern.format(
        number=f"{number:03d}" if number is not None else BLANK_NUMBER,
        year=year, entity=sec.entity, unit=sec.unit_code,
    )
    return Heading(
        entity_name=plan.entity(sec.entity).name,
        unit_name=sec.unit_name,
        role=f"Secretaría Técnica de la {c.code}",
        year_name=plan.report.year_names.get(year),
        number=text,
        addressee=plan.report.addressee or f"Integrantes de la {c.name} ({c.code})",
        sender=f"{sec.unit_name} — Secretaría Técnica de la {c.code}",
        subject=f"Informe de avances de la implementación del {plan.plan.title}, al {fecha(as_of)}",
        issued_at=issued_at,
    )


def _tally_json(t: Tally) -> dict[str, Any]:
    return t.to_json()


def report_json(report: ProgressReport) -> dict[str, Any]:
    """The whole report as JSON-ready data (dates ISO 8601)."""
    p = report.progress
    h = report.heading
    return {
        "encabezado": {
            "entidad": h.entity_name, "organo": h.unit_name, "rol": h.role, "denominacion_del_anio": h.year_name,
            "numero": h.number, "a": h.addressee, "de": h.sender, "asunto": h.subject,
            "fecha": h.issued_at.isoformat(),
        },
        "plan": p.plan_code,
        "verificacion": report.verify_url,
        "corte": p.as_of.isoformat(),
        "periodo": p.period,
        "ventana": {"desde": p.window_start.isoformat(), "hasta": p.window_end.isoformat()},
        "totales": _tally_json(p.totals),
        "por_objetivo": [{"codigo": g.code, "nombre": g.label, **_tally_json(g.tally)} for g in p.by_objective],
        "por_actividad": [{"codigo": g.code, "nombre": g.label, **_tally_json(g.tally)} for g in p.by_activity],
        "por_periodo": [{"codigo": g.code, "nombre": g.label, **_tally_json(g.tally)} for g in p.by_period],
        "oportunidad_por_responsable": [
            {"responsable": r.owner, "nombre": r.owner_name, **_tally_json(r.tally),
             "max_dias_atraso": r.max_days_late, "promedio_dias_atraso": r.avg_days_late}
            for r in p.scorecard
        ],
        "entregables": [
            {
                "id": i.deliverable.id, "objetivo": i.objective, "actividad": i.deliverable.activity,
                "responsable": i.deliverable.owner, "periodo": i.deliverable.period, "titulo": i.deliverable.title,
                "vence": i.due.isoformat(), "vence_plan": i.deliverable.due.isoformat(), "estado": i.state, "estado_nombre": i.state_label,
                "situacion": i.status.value, "situacion_nombre": i.status_label,
                "aprobado_el": i.approved_at.isoformat() if i.approved_at else None,
                "norma": i.norm_reference, "sesion": i.session_ref, "dias_atraso": i.days_late,
                "observaciones": i.observations,
            }
            for i in p.items
        ],
        "vencidos": [i.deliverable.id for i in p.overdue],
        "por_vencer": [i.deliverable.id for i in p.due_soon],
        "programacion": [
            {
                "objetivo": r.objective_number, "actividad": r.activity, "producto": r.product,
                "periodos": [
                    {"periodo": c.period, "programado": c.planned, "aprobados_en_periodo": c.approved_in_period,
                     "con_plazo_en_periodo": c.due_in_period, "aprobados_de_los_con_plazo": c.approved_of_due}
                    for c in r.cells
                ],
            }
            for r in p.programming
        ],
        "acuerdos": None if report.agreements is None else [
            {"sesion": a.session_ref, "fecha": a.at.isoformat(), "acuerdo": a.text, "entregable": a.deliverable_id,
             "actividad": a.activity, "acta": a.acta, "numero": a.number, "punto": a.item, "resultado": a.result,
             "votacion": a.votes}
            for a in report.agreements
        ],
        "recordatorios": None if report.reminders is None else [
            {"responsable": r.owner, "nombre": r.owner_name, "enviados": r.sent, "escalamientos": r.escalations,
             "ultimo": r.last_sent.isoformat() if r.last_sent else None, "pendientes": r.pending,
             "no_entregados": r.dead}
            for r in report.reminders
        ],
    }
