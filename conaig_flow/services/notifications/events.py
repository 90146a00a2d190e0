"""Notifications caused by events, written to the outbox inside the transaction that causes
them: a deliverable's state change (a transition listener) and a session's convocatoria."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from conaig_flow.notify.messages import AUDIENCE, Attachment, NewMessage
from conaig_flow.notify.outbox import cancel_reminders, enqueue
from conaig_flow.notify.recipients import Directory
from conaig_flow.store.public_address import deliverable_page

if TYPE_CHECKING:
    from conaig_flow.app import App
    from conaig_flow.services.deliverables.records import TransitionRecord


def on_transition(app: App, conn: Connection, record: TransitionRecord) -> None:
    """Registered in bootstrap: called by ``advance_in`` after the event row is written."""
    defs = app.definitions()
    d = record.deliverable
    policy = defs.plan.reminders
    if d.terminal:
        cancel_reminders(conn, d.id, f"El entregable pasó a «{d.state_label}»: ya no corresponde recordarlo.")
    elif policy.step_index(d.kind, record.from_state) != policy.step_index(d.kind, record.to_state):
        cancel_reminders(conn, d.id, f"El entregable pasó a «{d.state_label}»: el siguiente paso lo tiene otro.")
    rules = [
        r
        for r in defs.plan.reminders.events
        if r.state == record.to_state and (record.trigger in r.triggers or (not r.triggers and record.from_state != record.to_state))
    ]
    if not rules:
        return
    act = defs.plan.activity(d.activity)
    # only the people this deliverable's notices can go to (its entity or team, its advisory
    # entities, the secretariat): a state change reads a handful of rows, not every user
    directory = Directory.load(conn, {d.owner, *(a.entity for a in act.advisory)}, teams=d.owner_kind == "team")
    lc = defs.lifecycles[d.kind]
    context: dict[str, Any] = {
        "deliverable_id": d.id,
        "link": deliverable_page(d.id),
        "entity": d.owner_name,
        "entity_code": d.owner,
        "activity": d.activity,
        "activity_title": act.title,
        "product": act.product.name.rstrip("."),
        "title": d.title,
        "period": d.period,
        "deadline": d.deadline.effective_day.isoformat(),
        "original_deadline": d.deadline.planned_day.isoformat(),
        "moved": d.deadline.moved,
        "state_label": d.state_label,
        "from_label": lc.label(record.from_state),
        "trigger_label": next((t.label for t in lc.transitions if t.trigger == record.trigger), record.trigger),
        "actor_name": record.actor.name,
        "actor_entity": defs.plan.owner_name(record.actor.entity) if record.actor.entity else "",
        "comment": record.evidence.comment or "",
        "norm_reference": record.evidence.norm_reference or "",
        "session_ref": record.evidence.session_ref or "",
        "at": record.at.isoformat(),
        "plan_title": defs.plan.plan.title,
        "commission": defs.plan.commission.name,
    }
    for rule in rules:
        to = directory.audience(defs.plan, rule.notify, d.owner, d.owner_kind, d.activity)
        audience = {"to": list(rule.notify), "cc": [], "owner": d.owner, "owner_kind": d.owner_kind, "activity": d.activity}
        enqueue(
            conn,
            NewMessage(
                key=f"event:{d.id}:{record.seq}:{rule.template}", kind="event", template=rule.template, to=to,
                context={**context, AUDIENCE: audience}, deliverable_id=d.id,
            ),
            record.at,
        )


def enqueue_convocatoria(
    app: App,
    conn: Connection,
    *,
    key: str,
    context: Mapping[str, Any],
    ics: Attachment | None = None,
    recipients: Sequence[str] | None = None,
    template: str = "convocatoria",
) -> bool:
    """A session's convocatoria, inside the session service's transaction. ``recipients``
    defaults to every commission member (titular and alterno). ``context`` needs at least:
    ``session_title``, ``kind`` (ordinaria/extraordinaria), ``modality``, ``starts_at`` (ISO
    datetime), ``place``, ``agenda`` (list of strings) and ``convened_by``. Returns whether the
    key was new (a convocatoria is written once per key)."""
    to = list(recipients) if recipients is not None else Directory.load(conn).members()
    defs = app.definitions()
    full = {"commission": defs.plan.commission.name, "plan_title": defs.plan.plan.title, **context}
    message = NewMessage(
        key=key, kind="convocatoria", template=template, to=to, context=full, attachments=(ics,) if ics else ()
    )
    return enqueue(conn, message, app.clock.now())
