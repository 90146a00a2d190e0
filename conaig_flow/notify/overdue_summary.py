"""The weekly summary of overdue deliverables for the Technical Secretariat.

A deliverable's holder gets at most ``reminders.overdue_notices`` overdue notices; once they
are over (or when nobody holds its next step, e.g. it waits for a session), it is no longer
notified one by one. Each week, on its first business day at ``send_at``, one message to the
``overdue_summary`` audience lists everything still overdue. Its outbox key is one per plan
and ISO week, so however many sweeps or workers run that week, it is written once.

Written by the sweep (``notify.reminders.sweep``) in the sweep's transaction. It reads the
open deliverables due before now only once a week (a key lookup says whether the week's
summary exists), at most ``LISTED`` of them; the rest are counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import effective_deadline
from conaig_flow.domain.reminder_policy import notices_over_through, summary_due
from conaig_flow.notify.outbox import AUDIENCE, NewMessage, enqueue
from conaig_flow.notify.recipients import Directory
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import OutboxRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
OB = OutboxRow.__table__  # type: ignore[attr-defined]
TEMPLATE = "resumen_vencidos"
LISTED = 500


def summary_key(plan_code: str, day: Any) -> str:
    return f"overdue_summary:{plan_code}:{day.isoformat()}"


def write_summary(app: App, conn: Connection, calendar: Calendar, now: datetime) -> int:
    """This week's summary, if its instant has come, it is not written yet and some overdue
    deliverable is no longer notified; returns 1 when written."""
    from conaig_flow.notify.reminders import open_states, reminded_steps

    defs = app.definitions()
    plan = defs.plan
    policy = plan.reminders
    day = summary_due(policy, calendar, now)
    if day is None:
        return 0
    key = summary_key(plan.code, day)
    if conn.execute(select(OB.c.id).where(OB.c.key == key)).first() is not None:
        return 0
    through = notices_over_through(policy, calendar, now.astimezone(LIMA).date())
    reminded = reminded_steps(defs)
    states = sorted(open_states(defs))
    query = (select(D.c.id, D.c.activity, D.c.kind, D.c.owner, D.c.state, D.c.due_at)
             .where(D.c.plan_code == plan.code, D.c.state.in_(states), D.c.due_at < now)
             .order_by(D.c.due_at, D.c.id))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    today = now.astimezone(LIMA).date()
    items: list[dict[str, Any]] = []
    over_any = False
    for r in conn.execute(query.limit(LISTED)):
        lc = defs.lifecycles.get(r.kind)
        if lc is None or lc.state(r.state).terminal:
            continue
        deadline = effective_deadline(r.due_at, calendar)
        if not deadline.is_overdue(now):
            continue
        over = (through is not None and deadline.planned_day <= through) or f"{r.kind}:{r.state}" not in reminded
        over_any = over_any or over
        items.append({
            "id": r.id, "activity": r.activity, "entity": plan.owner_name(r.owner), "state_label": lc.label(r.state),
            "deadline": deadline.effective_day.isoformat(), "days_late": (today - deadline.effective_day).days,
            "notices_over": over,
        })
    if not over_any:
        return 0
    more = max(0, total - LISTED)
    directory = Directory.load(conn)
    groups = list(policy.overdue_summary)
    commission = plan.commission.code
    first_activity = plan.activities[0].code
    to = directory.audience(plan, groups, commission, "commission", first_activity)
    context = {
        "as_of": today.isoformat(), "total": len(items) + more, "items": items,
        "more": more, "notices": policy.overdue_notices,
        "week_of": (day - timedelta(days=day.weekday())).isoformat(),
        AUDIENCE: {"to": groups, "cc": [], "owner": commission, "owner_kind": "commission",
                   "activity": first_activity},
    }
    return int(enqueue(conn, NewMessage(key=key, kind="summary", template=TEMPLATE, to=to, context=context), now))
