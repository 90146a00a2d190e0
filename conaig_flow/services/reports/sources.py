"""The report's optional sections read from the features that own the facts: the agreements
taken in sessions (sessions tables: agreement, agenda item, votes, acta) and the reminders
of the outbox (sent, pending, dead letters per responsible party).

Both run inside the report's read transaction (see ``services.reports.Providers``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import Connection, func, select

from conaig_flow.app import App
from conaig_flow.domain.report_document import Agreement, ReminderLine
from conaig_flow.services.sessions.common import AC, AG, IT, S, session_label
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import OutboxRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
OB = OutboxRow.__table__  # type: ignore[attr-defined]
RESULT_LABELS = {"passed": "Aprobado", "rejected": "No aprobado"}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def votes_summary(votes_for: int, against: int, abstentions: int, tie_broken: bool) -> str:
    """'18 a favor, 2 en contra, 1 abstención' (and who broke a tie)."""
    text = (f"{votes_for} a favor, {against} en contra, "
            f"{_count(abstentions, 'abstención', 'abstenciones')}")
    return text + ("; empate dirimido por la Presidencia" if tie_broken else "")


def agreements_from_sessions(
    app: App, conn: Connection, defs: Definitions, start: datetime, end: datetime
) -> list[Agreement]:
    """Every agreement decided in a session of the plan inside the window, in order: session,
    date, agreement, the agenda item it decides, result, votes and the session's acta."""
    plan = defs.plan
    rows = conn.execute(
        select(
            AG.c.number, AG.c.result, AG.c.votes_for, AG.c.against, AG.c.abstentions, AG.c.tie_broken, AG.c.text,
            AG.c.decided_at, S.c.kind, S.c.number.label("session_number"), S.c.year, IT.c.position,
            IT.c.text.label("item"), func.coalesce(IT.c.deliverable_id, IT.c.fulfils_id).label("deliverable_id"),
            D.c.activity, AC.c.code.label("acta"),
        )
        .join(S, S.c.id == AG.c.session_id)
        .join(IT, IT.c.id == AG.c.item_id)
        .outerjoin(D, D.c.id == func.coalesce(IT.c.deliverable_id, IT.c.fulfils_id))
        .outerjoin(AC, AC.c.session_id == AG.c.session_id)
        .where(S.c.plan_code == plan.code, AG.c.decided_at >= start, AG.c.decided_at <= end)
        .order_by(AG.c.decided_at, AG.c.session_id, AG.c.number)
    ).all()
    return [
        Agreement(
            session_ref=session_label(plan, SimpleNamespace(kind=r.kind, number=r.session_number, year=r.year)),
            at=r.decided_at, text=r.text, deliverable_id=r.deliverable_id, activity=r.activity, acta=r.acta,
            number=r.number, item=f"{r.position}. {r.item}", result=RESULT_LABELS.get(r.result, r.result),
            votes=votes_summary(r.votes_for, r.against, r.abstentions, r.tie_broken),
        )
        for r in rows
    ]


def reminders_from_outbox(app: App, conn: Connection, defs: Definitions, as_of: datetime) -> list[ReminderLine]:
    """Per responsible party, the reminders written up to ``as_of``: sent by then (and how many
    of them were escalations of an overdue deadline), still pending, and dead letters."""
    plan = defs.plan
    rows = conn.execute(
        select(OB.c.status, OB.c.sent_at, OB.c.context, D.c.owner)
        .join(D, D.c.id == OB.c.deliverable_id)
        .where(OB.c.kind == "reminder", D.c.plan_code == plan.code, OB.c.created_at <= as_of)
    ).all()
    sent: dict[str, int] = defaultdict(int)
    escalations: dict[str, int] = defaultdict(int)
    pending: dict[str, int] = defaultdict(int)
    dead: dict[str, int] = defaultdict(int)
    last: dict[str, datetime] = {}
    for r in rows:
        if r.status == "sent" and r.sent_at is not None and r.sent_at <= as_of:
            sent[r.owner] += 1
            escalations[r.owner] += bool(json.loads(r.context).get("escalated"))
            last[r.owner] = max(last.get(r.owner, r.sent_at), r.sent_at)
        elif r.status == "dead":
            dead[r.owner] += 1
        elif r.status != "cancelled":
            pending[r.owner] += 1  # pending, being sent, or sent after the cut-off
    owners = sorted(set(sent) | set(pending) | set(dead))
    return [
        ReminderLine(o, plan.owner_name(o), sent[o], escalations[o], last.get(o), pending[o], dead[o]) for o in owners
    ]
