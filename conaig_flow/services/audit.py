"""The audit trail: refused attempts, and verification of every deliverable's hash chain."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import insert, select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.audit_chain import ChainBreak, verify_chain
from conaig_flow.store.tables import DeliverableRow, EventRow, RefusedAttemptRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]
R = RefusedAttemptRow.__table__  # type: ignore[attr-defined]


def record_refusal(app: App, actor: Actor, action: str, target: str, reason: str) -> None:
    """Write a refused attempt in its own transaction (the refused one was rolled back)."""
    with app.db.write() as conn:
        conn.execute(
            insert(R).values(
                at=app.clock.now(), actor_email=actor.email, actor_role=actor.role,
                actor_entity=actor.entity, action=action, target=target, reason=reason,
            )
        )


@dataclass(frozen=True)
class RefusedAttempt:
    at: str
    actor_email: str
    actor_role: str
    actor_entity: str
    action: str
    target: str
    reason: str


def refused_attempts(app: App, limit: int = 100) -> list[RefusedAttempt]:
    app.definitions()  # NotInitialised (a clear message) before the tables exist
    with app.db.read() as conn:
        rows = conn.execute(select(R).order_by(R.c.id.desc()).limit(limit)).all()
    return [
        RefusedAttempt(r.at.isoformat(), r.actor_email, r.actor_role, r.actor_entity, r.action, r.target, r.reason)
        for r in rows
    ]


@dataclass(frozen=True)
class AuditResult:
    deliverables: int
    events: int
    first_break: ChainBreak | None


def verify(app: App) -> AuditResult:
    """Walk every deliverable's chain; report the first broken event (by deliverable, then seq)."""
    defs = app.definitions()
    n_events = 0
    with app.db.read() as conn:
        deliverables = conn.execute(select(D).order_by(D.c.id)).all()
        events_by: dict[int, list[dict[str, object]]] = {}
        for mapping in conn.execute(select(E).order_by(E.c.id)).mappings():
            n_events += 1
            data: dict[str, object] = dict(mapping)
            data["documents"] = json.loads(str(mapping["documents"]))
            data["at"] = mapping["at"].isoformat()
            events_by.setdefault(int(mapping["deliverable_id"]), []).append(data)
    known = {d.id for d in deliverables}
    for orphan in sorted(set(events_by) - known):
        ev = events_by[orphan][0]
        return AuditResult(len(deliverables), n_events, ChainBreak(orphan, int(str(ev["id"])), int(str(ev["seq"])), "evento de un entregable inexistente"))
    for d in deliverables:
        brk = verify_chain(
            d.id, events_by.get(d.id, []), d.head_hash, d.state, defs.lifecycles[d.kind].initial, d.version
        )
        if brk is not None:
            return AuditResult(len(deliverables), n_events, brk)
    return AuditResult(len(deliverables), n_events, None)
