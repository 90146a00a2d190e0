"""The weekly summary of overdue deliverables for the Technical Secretariat.

A deliverable's holder gets at most ``reminders.overdue_notices`` overdue notices; once they
are over (or when nobody holds its next step, e.g. it waits for a session), it is no longer
notified one by one. Each week, on its first business day at ``send_at``, one message to the
``overdue_summary`` audience lists everything still overdue. Its outbox key is one per plan
and ISO week, so however many sweeps or workers run that week, it is written once.

Written by the sweep (``services.notifications.reminders.sweep``) in the sweep's transaction, after one
index lookup per open state says some deliverable is no longer notified. The list of open
deliverables due before now is read once a week (a key lookup says whether the week's
summary exists) when it is sent, at most ``LISTED`` of them; the rest are counted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import effective_deadline
from conaig_flow.domain.reminder_policy import notices_over_through, summary_due
from conaig_flow.notify.messages import AUDIENCE, NewMessage
from conaig_flow.notify.outbox import enqueue
from conaig_flow.notify.recipients import Directory
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.notifications.steps import open_states, reminded_steps
from conaig_flow.store.public_address import OVERDUE_PAGE
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import OutboxRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
OB = OutboxRow.__table__  # type: ignore[attr-defined]
TEMPLATE = "resumen_vencidos"
LISTED = 100  # the oldest ones; the rest are counted ("… y N más")


def summary_key(plan_code: str, day: Any) -> str:
    return f"overdue_summary:{plan_code}:{day.isoformat()}"


def _no_longer_notified(conn: Connection, states: list[str], reminded: set[str], kinds: dict[str, set[str]],
                        before: datetime | None, now: datetime) -> bool:
    """Whether some open deliverable is overdue and no longer notified: one due before
    ``before`` in a reminded state (its notices are over), or one due before ``now`` in a
    state nobody is reminded of. One index lookup per state."""
    for state in states:
        fully_reminded = all(f"{k}:{state}" in reminded for k in kinds[state])
        limit = before if fully_reminded else now
        if limit is None:
            continue
        if conn.execute(select(D.c.id).where(D.c.state == state, D.c.due_at < limit).limit(1)).first() is not None:
            return True
    return False


def write_summary(app: App, conn: Connection, calendar: Calendar, now: datetime) -> int:
    """This week's summary, if its instant has come, it is not written yet and some overdue
    deliverable is no longer notified; returns 1 when written. The row stores the week and
    the cut-off; the list itself is read when it is sent (``listing``), like a reminder's
    deliverable."""
    defs = app.definitions()
    plan = defs.plan
    policy = plan.reminders
    day = summary_due(policy, calendar, now)
    if day is None:
        return 0
    key = summary_key(plan.code, day)
    if conn.execute(select(OB.c.id).where(OB.c.key == key)).first() is not None:
        return 0
    today = now.astimezone(LIMA).date()
    through = notices_over_through(policy, calendar, today)
    states = sorted(open_states(defs))
    kinds = {s: {k for k, lc in defs.lifecycles.items() if any(st.name == s and not st.terminal for st in lc.states)}
             for s in states}
    before = None if through is None else datetime.combine(through + timedelta(days=1), time(0), LIMA)
    if not _no_longer_notified(conn, states, set(reminded_steps(defs)), kinds, before, now):
        return 0
    directory = Directory.load(conn)
    groups = list(policy.overdue_summary)
    commission = plan.commission.code
    first_activity = plan.activities[0].code
    to = directory.audience(plan, groups, commission, "commission", first_activity)
    context = {
        "as_of": today.isoformat(), "notices": policy.overdue_notices,
        "notices_over_through": None if through is None else through.isoformat(),
        "week_of": (day - timedelta(days=day.weekday())).isoformat(),
        "items": None, "total": None, "more": 0,  # read when sent
        "link": OVERDUE_PAGE,
        AUDIENCE: {"to": groups, "cc": [], "owner": commission, "owner_kind": "commission",
                   "activity": first_activity},
    }
    return int(enqueue(conn, NewMessage(key=key, kind="summary", template=TEMPLATE, to=to, context=context), now))


def listing(app: App, conn: Connection, calendar: Calendar, stored: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The summary's context with everything still overdue at ``now`` (the oldest ``LISTED``,
    the rest counted), each marked whether its holder's notices are over."""
    defs = app.definitions()
    plan = defs.plan
    through_text = stored.get("notices_over_through")
    through = date.fromisoformat(through_text) if through_text else None
    reminded = reminded_steps(defs)
    # per open state: an index range of (state, due_at), counted and read up to LISTED rows
    total = 0
    found: list[Any] = []
    for state in sorted(open_states(defs)):
        total += conn.execute(select(func.count()).where(D.c.state == state, D.c.due_at < now)).scalar_one()
        found += conn.execute(
            select(D.c.id, D.c.activity, D.c.kind, D.c.owner, D.c.state, D.c.due_at)
            .where(D.c.state == state, D.c.due_at < now).order_by(D.c.due_at, D.c.id).limit(LISTED)
        ).all()
    found = sorted(found, key=lambda r: (r.due_at, r.id))[:LISTED]
    today = now.astimezone(LIMA).date()
    items: list[dict[str, Any]] = []
    for r in found:
        lc = defs.lifecycles.get(r.kind)
        if lc is None or lc.state(r.state).terminal:
            continue
        deadline = effective_deadline(r.due_at, calendar)
        if not deadline.is_overdue(now):
            continue
        over = (through is not None and deadline.planned_day <= through) or f"{r.kind}:{r.state}" not in reminded
        items.append({
            "id": r.id, "activity": r.activity, "entity": plan.owner_name(r.owner), "state_label": lc.label(r.state),
            "deadline": deadline.effective_day.isoformat(), "days_late": (today - deadline.effective_day).days,
            "notices_over": over,
        })
    more = max(0, total - LISTED)
    return {**stored, "items": items, "total": len(items) + more, "more": more, "link": stored.get("link") or OVERDUE_PAGE}


def expand_summary(app: App, stored: dict[str, Any]) -> dict[str, Any]:
    """The summary's full context when it is sent (``App.message_expanders["summary"]``)."""
    with app.db.read() as conn:
        return listing(app, conn, calendar_for(app, conn), stored, app.clock.now())
