"""Spanish wording shared by every renderer: percentages, counts, the fixed paragraphs and
the table rows of the report, so HTML, Markdown, PDF, DOCX and XLSX say the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from babel.numbers import format_decimal

from conaig_flow.clock import LIMA
from conaig_flow.domain.progress import Group, ItemProgress, ProgrammingCell, Progress, Tally
from conaig_flow.domain.report_document import ProgressReport
from conaig_flow.i18n import LOCALE, cuenta, fecha, fecha_hora

NO_DATA = "—"

TALLY_HEADERS = ("Total", "Aprobados", "A tiempo", "Con retraso", "En plazo", "Vencidos", "Retirados", "% avance",
                 "% oportunidad")
ITEM_HEADERS = ("ID", "Responsable", "Período", "Estado", "Vence", "Aprobado el", "Evidencia", "Días de atraso")
OVERDUE_HEADERS = ("ID", "Actividad", "Responsable", "Estado", "Venció", "Días de atraso", "Observaciones")
SCORE_HEADERS = ("Responsable", "Nombre", "Total", "Aprobados", "A tiempo", "Con retraso", "Vencidos", "Retirados",
                 "% oportunidad", "Atraso máx. (días)", "Atraso prom. (días)")
AGREEMENT_HEADERS = ("Sesión", "Fecha", "Acuerdo", "Resultado", "Votación", "Acta")
REMINDER_HEADERS = ("Responsable", "Nombre", "Recordatorios", "Escalamientos", "Último envío", "Pendientes",
                    "No entregados")


def short_date(value: datetime) -> str:
    """'30/06/2022' (Lima calendar day), for table cells."""
    return value.astimezone(LIMA).strftime("%d/%m/%Y")


def percent(value: float | None) -> str:
    return NO_DATA if value is None else f"{format_decimal(value, format='0.0', locale=LOCALE)} %"


def tally_cells(t: Tally) -> list[str]:
    return [str(t.total), str(t.approved), str(t.approved_on_time), str(t.approved_late), str(t.in_term),
            str(t.overdue), str(t.withdrawn), percent(t.progress_pct), percent(t.on_time_pct)]


def item_cells(i: ItemProgress) -> list[str]:
    d = i.deliverable
    return [str(d.id), d.owner, d.period, i.state_label, short_date(i.due),
            short_date(i.approved_at) if i.approved_at else NO_DATA, i.evidence or NO_DATA,
            str(i.days_late) if i.days_late else NO_DATA]


def overdue_cells(i: ItemProgress) -> list[str]:
    d = i.deliverable
    return [str(d.id), d.activity, d.owner, i.state_label, short_date(i.due), str(i.days_late), str(i.observations)]


def score_rows(report: ProgressReport) -> list[list[str]]:
    return [
        [r.owner, r.owner_name, str(r.tally.total), str(r.tally.approved), str(r.tally.approved_on_time),
         str(r.tally.approved_late), str(r.tally.overdue), str(r.tally.withdrawn), percent(r.tally.on_time_pct),
         str(r.max_days_late) if r.max_days_late else NO_DATA,
         NO_DATA if r.avg_days_late is None else format_decimal(r.avg_days_late, format="0.0", locale=LOCALE)]
        for r in report.progress.scorecard
    ]


def agreement_rows(report: ProgressReport) -> list[list[str]]:
    return [[a.session_ref, short_date(a.at), a.text, a.result or NO_DATA, a.votes or NO_DATA, a.acta or NO_DATA]
            for a in report.agreements or ()]


def reminder_rows(report: ProgressReport) -> list[list[str]]:
    return [[r.owner, r.owner_name, str(r.sent), str(r.escalations), short_date(r.last_sent) if r.last_sent else NO_DATA,
             str(r.pending), str(r.dead)]
            for r in report.reminders or ()]


def cell_mark(c: ProgrammingCell) -> str:
    """'X' planned; '✔ n' approvals dated in the period; '' otherwise."""
    parts = []
    if c.planned:
        parts.append("X")
    if c.approved_in_period:
        parts.append(f"✔ {c.approved_in_period}")
    return " ".join(parts)


def programming_headers(progress: Progress) -> list[str]:
    first = progress.programming[0].cells if progress.programming else ()
    return ["OP", "Actividad", "Producto", *(c.period for c in first)]


def programming_rows(progress: Progress) -> list[list[str]]:
    return [[str(r.objective_number), f"{r.activity} {r.title}", r.product, *(cell_mark(c) for c in r.cells)]
            for r in progress.programming]


def background(report: ProgressReport) -> list[str]:
    """Section I: fixed paragraphs built from the plan's data."""
    p = report.progress
    h = report.heading
    paras = [
        f"El {report.plan_title} organiza y programa las actividades que requiere realizar la "
        f"{report.commission_name} ({report.commission_code}) para cumplir su objeto y funciones."
        + (f" Su {report.follow_up[0]} dispone: «{report.follow_up[1].rstrip('.')}»." if report.follow_up else ""),
    ]
    if report.legal_basis:
        paras.append("Marco normativo: " + "; ".join(report.legal_basis) + ".")
    window = f"del {fecha(p.window_start)} al {fecha(p.window_end)}" if p.period else f"hasta el {fecha(p.as_of)}"
    paras.append(
        f"El presente informe da cuenta del avance al {fecha_hora(p.as_of)} (hora de Lima)"
        + (f", con énfasis en el período {p.period} ({window})" if p.period else "")
        + ". Las cifras se obtienen del registro de cada entregable en el sistema de seguimiento del plan "
        f"(historial auditable), a cargo de la {h.unit_name}."
    )
    return paras


def summary(report: ProgressReport) -> str:
    t = report.progress.totals
    return (
        f"Al {fecha(report.progress.as_of)}, de {cuenta(t.applicable, 'entregable exigible')} "
        f"({cuenta(t.total, 'registrado')}, {cuenta(t.withdrawn, 'retirado')}), {t.approved} "
        f"{_n(t.approved, 'está aprobado', 'están aprobados')} ({percent(t.progress_pct)} de avance): "
        f"{t.approved_on_time} a tiempo y {t.approved_late} con retraso. {t.overdue} "
        f"{_n(t.overdue, 'está vencido', 'están vencidos')} y {t.in_term} {_n(t.in_term, 'sigue', 'siguen')} en plazo. "
        "Oportunidad: {percent(t.on_time_pct)} de los entregables evaluables "
        "(aprobados o con plazo vencido) se aprobaron a tiempo."
        + period_summary(report)
    )


def _n(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def period_summary(report: ProgressReport) -> str:
    p = report.progress
    if p.period is None:
        return ""
    g = next(g for g in p.by_period if g.code == p.period)
    t = g.tally
    return (f" En el período {g.code} ({g.label.lower()}) {_n(t.applicable, 'vencía', 'vencían')} "
            f"{cuenta(t.applicable, 'entregable exigible')}: {cuenta(t.approved, 'aprobado')} ({percent(t.progress_pct)}), {t.approved_on_time} de ellos a tiempo; "
            f"{cuenta(t.overdue, 'vencido')} y {t.in_term} en plazo.")


def alerts_intro(report: ProgressReport) -> str:
    p = report.progress
    if not p.overdue:
        return f"Al {fecha(p.as_of)} no hay entregables vencidos."
    owners = sorted({i.deliverable.owner for i in p.overdue})
    return (f"Al {fecha(p.as_of)} hay {cuenta(len(p.overdue), 'entregable vencido')} sin aprobar, a cargo de "
            f"{cuenta(len(owners), 'responsable')}: {', '.join(owners)}.")


def items_of(progress: Progress, activity: str) -> Sequence[ItemProgress]:
    return [i for i in progress.items if i.deliverable.activity == activity]


def group_rows(groups: Sequence[Group], *, by_code: bool = False, total: Tally | None = None) -> list[list[str]]:
    rows = [[g.code if by_code else g.label, *tally_cells(g.tally)] for g in groups]
    if total is not None:
        rows.append(["Total", *tally_cells(total)])
    return rows


def overdue_rows(items: Sequence[ItemProgress], columns: int = len(OVERDUE_HEADERS)) -> list[list[str]]:
    return [overdue_cells(i)[:columns] for i in items]
