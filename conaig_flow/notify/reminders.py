"""The reminder sweep: what the policy says is due becomes outbox rows, in one transaction;
and the forecast of every reminder still to come.

The sweep reads the distinct deadlines of open deliverables (an index scan), asks the pure
policy which of them have a reminder due since the last sweep, fetches only the deliverables
with those deadlines, and inserts one row per (deliverable, rule, deadline) with
``ON CONFLICT DO NOTHING``: two sweeps at the same instant, or two workers, write each once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.definitions import Definitions
from conaig_flow.domain.reminder_policy import (
    OpenDeliverable,
    Reminder,
    deadline_day,
    deadlines_due,
    forecast,
    window_open,
)
from conaig_flow.notify.ics import DEADLINE_ICS, deadline_uid
from conaig_flow.notify.outbox import AUDIENCE, NewMessage, enqueue_many
from conaig_flow.notify.recipients import Directory
from conaig_flow.services.calendar import calendar_for
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import ReminderSweepRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
SW = ReminderSweepRow.__table__  # type: ignore[attr-defined]
ICS_DOMAIN = "conaig-flow"


@dataclass(frozen=True)
class Planned:
    """A reminder the sweep writes (or, in a dry run, would write)."""

    message: NewMessage
    reminder: Reminder
    entity: str

    @property
    def why(self) -> str:
        o = self.reminder.occurrence
        return f"regla {o.rule} del plazo {o.deadline.isoformat()} (día de envío {o.send_on.isoformat()})"


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    since: datetime | None
    planned: list[Planned]
    written: int


def open_states(defs: Definitions) -> set[str]:
    """State names that are not terminal in some lifecycle (reminders apply to them)."""
    return {s.name for lc in defs.lifecycles.values() for s in lc.states if not s.terminal}


def _is_open(defs: Definitions, kind: str, state: str) -> bool:
    try:
        return not defs.lifecycles[kind].state(state).terminal
    except KeyError:
        return False


def deliverable_context(defs: Definitions, row: Any, cache: dict[tuple[str, ...], Any] | None = None) -> dict[str, Any]:
    """What the templates say about a deliverable (the plan's title and the commission's
    name are template globals, see ``notify.dispatch.renderer_for``)."""
    cache = {} if cache is None else cache
    key = (row.activity, row.owner, row.kind, row.state)
    if key not in cache:
        act = defs.plan.activity(row.activity)
        cache[key] = {
            "entity": defs.plan.owner_name(row.owner),
            "entity_code": row.owner,
            "activity": row.activity,
            "activity_title": act.title,
            "product": act.product.name.rstrip("."),
            "state_label": defs.lifecycles[row.kind].label(row.state),
        }
    return {**cache[key], "deliverable_id": row.id, "title": row.title, "period": row.period}


def _planned(
    defs: Definitions, directory: Directory, row: Any, reminder: Reminder, now: datetime, cache: dict[tuple[str, ...], Any]
) -> Planned:
    policy = defs.plan.reminders
    occ = reminder.occurrence
    groups = list(policy.recipients)
    cc_groups = list(policy.escalate_overdue) if occ.escalate else []
    to = directory.audience(defs.plan, groups, row.owner, row.owner_kind, row.activity)
    cc = directory.audience(defs.plan, cc_groups, row.owner, row.owner_kind, row.activity) if cc_groups else []
    original = deadline_day(row.due_at)
    context = deliverable_context(defs, row, cache) | {
        "rule": occ.rule,
        "deadline": occ.deadline.isoformat(),
        "original_deadline": original.isoformat(),
        "moved": occ.deadline != original,
        "days_left": (occ.deadline - now.astimezone(LIMA).date()).days,
        "overdue": occ.rule.startswith("overdue"),
        "escalated": bool(cc),
        AUDIENCE: {"to": groups, "cc": cc_groups, "owner": row.owner, "owner_kind": row.owner_kind,
                   "activity": row.activity},
    }
    context[DEADLINE_ICS] = {
        "uid": deadline_uid(row.id, ICS_DOMAIN), "day": occ.deadline.isoformat(),
        "summary": f"Vence: {context['product']} — {context['entity']}", "description": row.title,
    }
    template = "recordatorio_vencido" if context["overdue"] else "recordatorio"
    msg = NewMessage(
        key=reminder.key, kind="reminder", template=template, to=to, cc=cc, context=context, deliverable_id=row.id,
    )
    return Planned(msg, reminder, row.owner)


def sweep(app: App, *, dry_run: bool = False) -> SweepReport:
    """Turn the reminders due since the last sweep into outbox rows (one transaction)."""
    defs = app.definitions()
    policy = defs.plan.reminders
    now = app.clock.now()
    states = open_states(defs)
    with app.db.read() if dry_run else app.db.write() as conn:
        since = conn.execute(select(SW.c.swept_until).where(SW.c.plan_code == defs.plan.code)).scalar_one_or_none()
        cal = calendar_for(app, conn)
        if not window_open(policy, cal, now) or (since is not None and since >= now):
            return SweepReport(now, since, [], 0)
        # a database holds one plan: no plan_code filter, so this is a scan of the
        # (state, due_at) index alone, not of the table
        dues = conn.execute(select(D.c.due_at).where(D.c.state.in_(states)).distinct()).scalars()
        hits = deadlines_due(dues, policy, cal, now, since)
        planned: list[Planned] = []
        if hits:
            directory = Directory.load(conn)
            columns = (D.c.id, D.c.activity, D.c.kind, D.c.owner, D.c.owner_kind, D.c.period, D.c.title, D.c.due_at, D.c.state)
            rows = conn.execute(
                select(*columns).where(D.c.state.in_(states), D.c.due_at.in_(list(hits)))
            ).all()
            cache: dict[tuple[str, ...], Any] = {}
            for row in rows:
                if _is_open(defs, row.kind, row.state):
                    planned.append(_planned(defs, directory, row, Reminder(row.id, hits[row.due_at]), now, cache))
        if dry_run:
            return SweepReport(now, since, planned, 0)
        written = enqueue_many(conn, [p.message for p in planned], now)
        _mark(conn, defs.plan.code, now)
    return SweepReport(now, since, planned, written)


def _mark(conn: Connection, plan_code: str, now: datetime) -> None:
    values = {"plan_code": plan_code, "swept_until": now}
    if conn.dialect.name == "postgresql":
        stmt: Any = postgresql.insert(SW).values(values)
    else:
        stmt = sqlite.insert(SW).values(values)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["plan_code"], set_={"swept_until": now}, where=SW.c.swept_until < now)
    )


@dataclass(frozen=True)
class Forecast:
    deliverable_id: int
    entity: str
    entity_name: str
    title: str
    rule: str
    send_at: datetime
    deadline: date
    days_left: int
    escalate: bool


def forecast_reminders(app: App, *, entity: str | None = None, until: date | None = None) -> list[Forecast]:
    """Every reminder the policy will send from now on (up to ``until``, default the end of
    the plan's last period plus 90 days), assuming nothing changes state."""
    defs = app.definitions()
    policy = defs.plan.reminders
    now = app.clock.now()
    last = max(p.end for p in defs.plan.periods)
    horizon = until or date.fromordinal(last.toordinal() + 90)
    query = select(D).where(D.c.plan_code == defs.plan.code, D.c.state.in_(open_states(defs)))
    if entity:
        query = query.where(D.c.owner == entity)
    with app.db.read() as conn:
        cal = calendar_for(app, conn)
        rows = [r for r in conn.execute(query) if _is_open(defs, r.kind, r.state)]
    by_id = {r.id: r for r in rows}
    items: Iterable[Reminder] = forecast((OpenDeliverable(r.id, r.due_at) for r in rows), policy, cal, now, horizon)
    return [
        Forecast(
            r.deliverable_id, by_id[r.deliverable_id].owner, defs.plan.owner_name(by_id[r.deliverable_id].owner),
            by_id[r.deliverable_id].title, r.occurrence.rule, r.occurrence.send_at, r.occurrence.deadline,
            r.occurrence.days_left, r.occurrence.escalate,
        )
        for r in items
    ]
