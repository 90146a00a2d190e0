"""Writing a step the way versions before issue 11 did: a person fired it by hand, with no
session agreement or consultation behind it. Used to build databases that already hold such
steps (hand approvals, a deliverable «En consulta» without a consultation), through the
store exactly as the old ``advance_in`` wrote them: the deliverable row moved with its
version, and an event chained to the previous one."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import insert, select, update

from conaig_flow.bootstrap import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.audit_chain import event_hash
from conaig_flow.store.tables import DeliverableRow, EventRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]


def old_hand_step(
    app: App, deliverable_id: int, trigger: str, actor: Actor, *, comment: str | None = None,
    session_ref: str | None = None,
) -> str:
    """Fire ``trigger`` as the old code did for ``actor``; returns the new state."""
    defs = app.definitions()
    now = app.clock.now().astimezone(UTC)
    with app.db.write() as conn:
        row = conn.execute(select(D).where(D.c.id == deliverable_id)).one()
        t = defs.lifecycles[row.kind].transition(trigger, row.state)
        assert t is not None, (trigger, row.state)
        fields = {
            "deliverable_id": deliverable_id, "seq": row.version, "actor_email": actor.email,
            "actor_role": actor.role, "actor_entity": actor.entity, "trigger": trigger,
            "from_state": row.state, "to_state": t.dest, "comment": comment, "documents": [],
            "norm_reference": None, "session_ref": session_ref, "at": now.isoformat(), "prev_hash": row.head_hash,
        }
        digest = event_hash(fields)
        conn.execute(update(D).where(D.c.id == deliverable_id, D.c.version == row.version).values(
            state=t.dest, version=row.version + 1, head_hash=digest, updated_at=now))
        conn.execute(insert(E).values({**fields, "documents": "[]", "at": now, "hash": digest}))
    return t.dest
