"""Gathering the facts of the progress report and of the open-data export.

The figures themselves are pure (``domain.progress``); this module reads deliverables and
events with Core selects in one read transaction, and asks small *providers* for the
optional sections: the agreements taken in sessions (read from the sessions tables: agenda
item, votes, acta) and the reminders of the outbox (sent, pending, dead letters), both in
``services.report_sources``. A provider returning None leaves its section out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.plan import Plan
from conaig_flow.domain.progress import DeliverableFact, EventFact, Progress, compute_progress
from conaig_flow.domain.report_document import Agreement, ProgressReport, ReminderLine, heading
from conaig_flow.errors import InvalidInput
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.reports.sources import agreements_from_sessions, reminders_from_outbox
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.public_address import VERIFY_PAGE
from conaig_flow.store.tables import DeliverableRow, EventRow
from conaig_flow.store.tables_sessions import ActaRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]
AC = ActaRow.__table__  # type: ignore[attr-defined]
#: The acta states whose agreements the open data publishes.
PUBLISHED_ACTA_STATES = ("approved", "signed")

#: (app, connection, definitions, window start, window end) -> agreements, or None when unknown.
AgreementProvider = Callable[[App, Connection, Definitions, datetime, datetime], Sequence[Agreement] | None]
#: (app, connection, definitions, as_of) -> reminders per responsible party, or None when unknown.
ReminderProvider = Callable[[App, Connection, Definitions, datetime], Sequence[ReminderLine] | None]


@dataclass(frozen=True)
class Providers:
    agreements: AgreementProvider = agreements_from_sessions
    reminders: ReminderProvider = reminders_from_outbox


#: What ``progress_report`` uses unless told otherwise; tests or other plans may replace fields with
#: ``dataclasses.replace(reports.DEFAULT_PROVIDERS, agreements=...)``.
DEFAULT_PROVIDERS = Providers()


def parse_as_of(text: str) -> datetime:
    """``--as-of``: a date means the end of that day in Lima; a datetime is Lima if naive."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max, LIMA)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"Fecha de corte no válida: «{text}». Se espera AAAA-MM-DD (fin de ese día, hora de Lima) "
            "o AAAA-MM-DDTHH:MM."
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=LIMA)


def read_facts(conn: Connection, plan_code: str, as_of: datetime | None = None) -> tuple[list[DeliverableFact], list[EventFact]]:
    """Deliverables and events (up to ``as_of`` when given), as plain domain facts."""
    dq = select(
        D.c.id, D.c.activity, D.c.kind, D.c.owner, D.c.owner_kind, D.c.period, D.c.title, D.c.due_at, D.c.created_at
    ).where(D.c.plan_code == plan_code)
    eq = select(
        E.c.deliverable_id, E.c.seq, E.c.trigger, E.c.from_state, E.c.to_state, E.c.at, E.c.norm_reference,
        E.c.session_ref,
    )
    if as_of is not None:
        dq = dq.where(D.c.created_at <= as_of)
        eq = eq.where(E.c.at <= as_of)
    deliverables = [
        DeliverableFact(r.id, r.activity, r.kind, r.owner, r.owner_kind, r.period, r.title, r.due_at, r.created_at)
        for r in conn.execute(dq)
    ]
    events = [
        EventFact(r.deliverable_id, r.seq, r.trigger, r.from_state, r.to_state, r.at, r.norm_reference, r.session_ref)
        for r in conn.execute(eq)
    ]
    return deliverables, events


def progress_report(
    app: App,
    as_of: datetime,
    *,
    period: str | None = None,
    number: int | None = None,
    providers: Providers = DEFAULT_PROVIDERS,
    checkpoint: bool = False,
) -> ProgressReport:
    """The secretariat's progress report as of ``as_of`` (figures replayed from the events).
    ``checkpoint``: the report is being issued, so an audit checkpoint is written first and
    its root printed in the report.

    Public figures: no actor is needed (the public and auditors read progress too).
    """
    defs = app.definitions()
    plan = defs.plan
    if period is not None and period not in {p.code for p in plan.periods}:
        codes = ", ".join(p.code for p in plan.periods)
        raise InvalidInput(f"Período desconocido «{period}». Períodos del plan: {codes}.")
    if number is not None and number < 1:
        raise InvalidInput("El número del informe debe ser un entero positivo.")
    audit_root = None
    if checkpoint:
        from conaig_flow.services import checkpoints

        audit_root = checkpoints.write(app, f"informe de avance con corte al {as_of.date().isoformat()}").label
    with app.db.read() as conn:
        facts, events = read_facts(conn, plan.code, as_of)
        progress = compute_progress(plan, defs.lifecycles, facts, events, as_of, period, calendar_for(app, conn))
        agreements = providers.agreements(app, conn, defs, progress.window_start, progress.window_end)
        reminders = providers.reminders(app, conn, defs, as_of)
    return ProgressReport(
        heading=heading(plan, app.clock.now(), as_of, number),
        plan_title=plan.plan.title,
        commission_code=plan.commission.code,
        commission_name=plan.commission.name,
        legal_basis=tuple(plan.commission.legal_basis),
        progress=progress,
        agreements=None if agreements is None else tuple(agreements),
        reminders=None if reminders is None else tuple(reminders),
        programming_ref=plan.plan.section_ref("programming"),
        follow_up=_follow_up(plan),
        audit_root=audit_root,
        verify_url=f"{app.public_url()}{VERIFY_PAGE}",
    )


def _follow_up(plan: Plan) -> tuple[str, str] | None:
    section = plan.plan.sections.get("follow_up")
    if section is None or not section.text:
        return None
    return f"sección {section.number} («{section.title}»)", section.text


__all__ = [
    "DEFAULT_PROVIDERS",
    "AgreementProvider",
    "OpenDataFacts",
    "Providers",
    "ReminderProvider",
    "agreements_from_sessions",
    "open_data",
    "parse_as_of",
    "progress_report",
    "read_facts",
    "reminders_from_outbox",
]


@dataclass(frozen=True)
class OpenDataFacts:
    progress: Progress
    plan_info: dict[str, str]
    events: list[dict[str, Any]]
    agreements: tuple[Agreement, ...]


def open_data(app: App, providers: Providers = DEFAULT_PROVIDERS) -> OpenDataFacts:
    """Everything the open-data export publishes, as of now (one read transaction)."""
    defs = app.definitions()
    plan = defs.plan
    now = app.clock.now()
    info = {"plan": plan.code, "commission": plan.commission.code}
    info.update({f"activity:{a.code}": a.title for a in plan.activities})
    with app.db.read() as conn:
        facts, events = read_facts(conn, plan.code, now)
        progress = compute_progress(plan, defs.lifecycles, facts, events, now, calendar=calendar_for(app, conn))
        info.update({f"owner:{d.owner}": plan.owner_name(d.owner) for d in facts})
        rows = [
            dict(r)
            for r in conn.execute(
                select(E.c.id, E.c.deliverable_id, E.c.seq, E.c.at, E.c.trigger, E.c.from_state, E.c.to_state,
                       E.c.actor_role, E.c.actor_entity, E.c.norm_reference, E.c.session_ref, E.c.documents,
                       E.c.hash, E.c.prev_hash)
                .join(D, D.c.id == E.c.deliverable_id)
                .where(D.c.plan_code == plan.code, E.c.at <= now)
                .order_by(E.c.deliverable_id, E.c.seq)
            ).mappings()
        ]
        agreements = providers.agreements(app, conn, defs, progress.window_start, now)
        # an agreement is published once its session's acta is approved (the official record)
        approved = set(conn.execute(select(AC.c.code).where(AC.c.state.in_(PUBLISHED_ACTA_STATES))).scalars())
    return OpenDataFacts(progress, info, rows, tuple(a for a in agreements or () if a.acta in approved))
