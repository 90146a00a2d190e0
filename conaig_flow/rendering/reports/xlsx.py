"""The progress report as an XLSX workbook (openpyxl): one sheet per table, typed cells
(numbers as numbers, dates as dates in Lima time), so the secretariat can filter and chart."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from conaig_flow.clock import LIMA
from conaig_flow.domain.progress import Group, Tally
from conaig_flow.domain.report_document import ProgressReport
from conaig_flow.i18n import fecha
from conaig_flow.rendering.cells import append_row
from conaig_flow.rendering.reports import text

TALLY_COLUMNS = ("Total", "Aprobados", "A tiempo", "Con retraso", "En plazo", "Vencidos", "Retirados",
                 "% avance", "% oportunidad")


def _local(value: datetime | None) -> datetime | None:
    """Excel has no time zones: Lima wall-clock time, naive."""
    return None if value is None else value.astimezone(LIMA).replace(tzinfo=None)


def _tally(t: Tally) -> list[object]:
    return [t.total, t.approved, t.approved_on_time, t.approved_late, t.in_term, t.overdue, t.withdrawn,
            t.progress_pct, t.on_time_pct]


def _sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(ws, r)
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(60, len(h) + 4))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"


def _groups(groups: Sequence[Group]) -> list[list[object]]:
    return [[g.code, g.label, *_tally(g.tally)] for g in groups]


def render_xlsx(report: ProgressReport) -> bytes:
    h = report.heading
    p = report.progress
    wb = Workbook()
    ws = wb.active
    ws.title = "Resumen"
    for line in (h.entity_name, h.unit_name, h.role, f"«{h.year_name}»" if h.year_name else "", h.number,
                 f"Asunto: {h.subject}", f"Fecha: {h.place}, {fecha(h.issued_at)}"):
        append_row(ws, [line])
    ws["A5"].font = Font(bold=True, size=12)
    ws.append([])
    ws.append(["Fecha de corte", _local(p.as_of)])
    ws.append(["Período", p.period or "todo el plan"])
    if report.verify_url:
        ws.append(["Verificación", report.verify_url])
    ws.append([])
    ws.append(["Ámbito", "Código", *TALLY_COLUMNS])
    ws.append(["Total del plan", p.plan_code, *_tally(p.totals)])
    for g in p.by_objective:
        ws.append(["Objetivo", g.code, *_tally(g.tally)])
    for g in p.by_period:
        ws.append(["Período", g.code, *_tally(g.tally)])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 18

    _sheet(wb, "Entregables",
           ("ID", "Objetivo", "Actividad", "Responsable", "Período", "Título", "Vence", "Estado", "Situación",
            "Aprobado el", "Norma", "Sesión", "Días de atraso", "Observaciones"),
           [[i.deliverable.id, i.objective, i.deliverable.activity, i.deliverable.owner, i.deliverable.period,
             i.deliverable.title, _local(i.due), i.state_label, i.status_label, _local(i.approved_at),
             i.norm_reference, i.session_ref, i.days_late, i.observations] for i in p.items])
    _sheet(wb, "Por actividad", ("Actividad", "Nombre", *TALLY_COLUMNS), _groups(p.by_activity))
    _sheet(wb, "Oportunidad", ("Responsable", "Nombre", *TALLY_COLUMNS, "Atraso máx. (días)", "Atraso prom. (días)"),
           [[r.owner, r.owner_name, *_tally(r.tally), r.max_days_late, r.avg_days_late] for r in p.scorecard])
    _sheet(wb, "Vencidos", ("ID", "Actividad", "Responsable", "Estado", "Venció", "Días de atraso", "Observaciones"),
           [[i.deliverable.id, i.deliverable.activity, i.deliverable.owner, i.state_label, _local(i.due),
             i.days_late, i.observations] for i in p.overdue])
    periods = [c.period for c in p.programming[0].cells] if p.programming else []
    _sheet(wb, "Programación",
           ("OP", "Actividad", "Producto", *(f"{c} {k}" for c in periods for k in ("programado", "aprobados"))),
           [[r.objective_number, f"{r.activity} {r.title}", r.product,
             *(v for c in r.cells for v in ("X" if c.planned else "", c.approved_in_period))] for r in p.programming])
    if report.agreements is not None:
        _sheet(wb, "Acuerdos", ("Sesión", "Fecha", "Acuerdo", "Resultado", "Votación", "Entregable", "Actividad", "Acta"),
               [[a.session_ref, _local(a.at), a.text, a.result, a.votes, a.deliverable_id, a.activity, a.acta]
                for a in report.agreements])
    if report.reminders is not None:
        _sheet(wb, "Recordatorios", text.REMINDER_HEADERS,
               [[r.owner, r.owner_name, r.sent, r.escalations, _local(r.last_sent), r.pending, r.dead] for r in report.reminders])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
