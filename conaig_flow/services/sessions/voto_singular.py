"""The written grounds of a voto singular (Ley N° 27444 art. 97.3): handed by the member
until the end of the day after the vote, or waived; the acta waits for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.ballot import Grounds, grounds_state
from conaig_flow.domain.session_time import spoken
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.services.sessions.common import (
    IT,
    V,
    entity_name,
    load_item,
    load_session,
    refusals,
    require_secretariat,
)


@dataclass(frozen=True)
class SingularVote:
    position: int
    entity: str
    grounds: Grounds


def singular_votes(app: App, conn: Connection, session_id: int) -> list[SingularVote]:
    """Every voto singular of the session, with where its grounds stand now."""
    rules = app.definitions().plan.session_rules
    now = app.clock.now()
    rows = conn.execute(
        select(V, IT.c.position, IT.c.vote_at).join(IT, IT.c.id == V.c.item_id)
        .where(IT.c.session_id == session_id, V.c.singular.is_(True)).order_by(IT.c.position, V.c.id)
    ).all()
    return [SingularVote(r.position, r.entity_code,
                         grounds_state(rules, r.vote_at or r.cast_at, r.grounds, r.grounds_waived_at is not None, now))
            for r in rows]


def _singular_vote(conn: Connection, session_id: int, position: int, entity: str) -> tuple[Any, Any]:
    item = load_item(conn, session_id, position)
    vote = conn.execute(select(V).where(V.c.item_id == item.id, V.c.entity_code == entity)).first()
    if vote is None or not vote.singular:
        raise InvalidInput(f"{entity} no emitió un voto singular en el punto {position}.")
    return vote, item


def _open_grounds(app: App, conn: Connection, session_id: int, position: int, entity: str) -> int:
    """The vote's id, refused when its grounds were handed, waived or are late."""
    rules = app.definitions().plan.session_rules
    load_session(conn, session_id, lock=True)
    vote, item = _singular_vote(conn, session_id, position, entity)
    state = grounds_state(rules, item.vote_at or vote.cast_at, vote.grounds, vote.grounds_waived_at is not None,
                          app.clock.now())
    if state.status == "received":
        raise SessionRuleViolation(f"El fundamento del voto singular de {entity} en el punto {position} ya fue entregado.")
    if state.status == "waived":
        raise SessionRuleViolation(f"{entity} ya renunció a fundamentar por escrito su voto singular del punto {position}.")
    if state.status == "lapsed":
        raise SessionRuleViolation(
            f"El plazo para fundamentar por escrito el voto singular venció el {spoken(state.deadline)} "
            f"({rules.legal_basis.voto_singular}): ya no se recibe."
        )
    return int(vote.id)


def hand_grounds(app: App, actor: Actor, session_id: int, position: int, entity: str, text: str) -> None:
    """Record the written grounds of a member's voto singular (received now)."""
    plan = app.definitions().plan
    with refusals(app, actor, "session grounds", f"sesión {session_id}, punto {position}, {entity}"):
        require_secretariat(actor)
        if not text.strip():
            raise InvalidInput(f"Escriba el fundamento del voto singular de {entity_name(plan, entity)}.")
        with app.db.write() as conn:
            vote_id = _open_grounds(app, conn, session_id, position, entity)
            conn.execute(update(V).where(V.c.id == vote_id).values(grounds=text.strip(), grounds_at=app.clock.now()))


def waive_grounds(app: App, actor: Actor, session_id: int, position: int, entity: str) -> None:
    """The member waives the written grounds of its voto singular: the acta need not wait."""
    with refusals(app, actor, "session grounds waive", f"sesión {session_id}, punto {position}, {entity}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            vote_id = _open_grounds(app, conn, session_id, position, entity)
            conn.execute(update(V).where(V.c.id == vote_id).values(grounds_waived_at=app.clock.now()))
