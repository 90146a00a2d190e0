"""What a reminder's message says, assembled when it is sent: the facts its outbox row stores
(``reminder_facts``, decided by the sweep), the deliverable as it is now, the deadline's
calendar event and the audience to resolve again on retry (``expand``). The outbox (showing
and retrying a row) and the dispatcher read it; the sweep in ``services.notifications``
writes the facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.reminder_policy import NextStep, Occurrence, ReminderPolicy
from conaig_flow.notify.ics import DEADLINE_ICS, ICS_DOMAIN, deadline_uid
from conaig_flow.notify.messages import AUDIENCE, Claimed
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.public_address import deliverable_page
from conaig_flow.store.tables import DeliverableRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]


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


def notice_number(rule: str) -> int:
    """1 for ``overdue_1``, k + 1 for ``overdue_wk``; 0 for a reminder before the deadline."""
    if rule == "overdue_1":
        return 1
    if rule.startswith("overdue_w"):
        return int(rule.removeprefix("overdue_w")) + 1
    return 0


def reminder_facts(occ: Occurrence, day: date, now: datetime, escalated: bool, notices: int = 0) -> dict[str, Any]:
    """What an outbox row of a reminder stores: the same for every deliverable due that day
    (``notices``: how many overdue notices the policy sends in all)."""
    return {
        "notice": notice_number(occ.rule),
        "notices": notices,
        "rule": occ.rule,
        "deadline": occ.deadline.isoformat(),
        "original_deadline": day.isoformat(),
        "moved": occ.deadline != day,
        "days_left": (occ.deadline - now.astimezone(LIMA).date()).days,
        "overdue": occ.rule.startswith("overdue"),
        "escalated": escalated,
    }


def step_groups(step: NextStep, escalate: bool) -> tuple[list[str], list[str]]:
    """Who a reminder of ``step`` goes to, and who is copied when it escalates."""
    return list(step.notify), list(step.escalate) if escalate else []


def step_of(policy: ReminderPolicy, row: Any, stored: dict[str, Any]) -> NextStep:
    """The next step a reminder was written for (stored by the sweep), else the row's now."""
    index = stored.get("step")
    if isinstance(index, int):
        return policy.step_at(index, row.kind, row.state)
    return policy.step_for(row.kind, row.state)


_GROUP_WORDING = {
    "titular": "la persona titular de la entidad ante la comisión",
    "secretariat": "la Secretaría Técnica",
    "members": "los integrantes de la comisión",
    "advisory": "los revisores consultivos",
    "officers": "los enlaces de la entidad",
}


def escalation_wording(groups: Sequence[str]) -> str:
    """'la persona titular de la entidad ante la comisión y la Secretaría Técnica'."""
    words = [_GROUP_WORDING.get(g, g) for g in groups]
    return " y ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def expand(defs: Definitions, row: Any, stored: dict[str, Any]) -> dict[str, Any]:
    """The full template context of a reminder: its stored facts, the deliverable as it is
    now (and since when it is in its state: "pendiente de revisión desde …"), the deadline's
    calendar event, and the audience (to resolve again on retry)."""
    context = deliverable_context(defs, row) | stored
    escalate = bool(stored.get("overdue"))
    step = step_of(defs.plan.reminders, row, stored)
    groups, cc_groups = step_groups(step, escalate)
    context["action"] = step.action
    context["link"] = deliverable_page(row.id)
    context["in_state_since"] = row.updated_at.isoformat()
    context["escalated_to"] = escalation_wording(cc_groups) if stored.get("escalated") else ""
    context[AUDIENCE] = {"to": groups, "cc": cc_groups, "owner": row.owner, "owner_kind": row.owner_kind,
                         "activity": row.activity}
    context[DEADLINE_ICS] = {
        "uid": deadline_uid(row.id, ICS_DOMAIN), "day": stored["deadline"],
        "summary": f"Vence: {context['product']} — {context['entity']}", "description": row.title,
    }
    return context


_EXPAND_COLUMNS = (D.c.id, D.c.activity, D.c.kind, D.c.owner, D.c.owner_kind, D.c.period, D.c.title, D.c.state,
                   D.c.updated_at)
_ROWS_BY_ID = select(*_EXPAND_COLUMNS).where(D.c.id.in_(bindparam("ids", expanding=True)))


def expand_claimed(app: App, items: Sequence[Claimed]) -> list[Claimed]:
    """Claimed reminders with their full context (one read of their deliverables); other
    messages unchanged, but for kinds with an expander of their own (``App.message_expanders``,
    wired in bootstrap: the weekly overdue summary reads its list when it is sent). A
    reminder whose deliverable no longer exists keeps its facts only, and its template then
    fails visibly (dead letter)."""
    items = [replace(i, context=app.message_expanders[i.kind](app, dict(i.context)))
             if i.kind in app.message_expanders else i for i in items]
    ids = sorted({i.deliverable_id for i in items if i.kind == "reminder" and i.deliverable_id is not None})
    if not ids:
        return list(items)
    defs = app.definitions()
    with app.db.read() as conn:
        rows = {r.id: r for r in conn.execute(_ROWS_BY_ID, {"ids": ids})}
    return [
        replace(i, context=expand(defs, rows[i.deliverable_id], i.context))
        if i.kind == "reminder" and i.deliverable_id in rows else i
        for i in items
    ]
