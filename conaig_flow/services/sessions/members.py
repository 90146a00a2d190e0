"""Members of the commission on their own devices: check in when the secretariat opens
check-in (the secretariat confirms or declines), vote on the item put to the vote, correct
their vote while it is open, ask to sign the acta.

Who a member is comes from their account (``users``: entity and capacity, titular or
alterno). A member votes only for their own entity and only as the one present: the titular,
or the alterno when the titular is absent (the attendance never holds both at once). Their
ballot is the entity's one vote on the item, as if the secretariat had recorded it: whichever
comes later while the vote is open is a correction and counts; the history keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, NotFound, PermissionDenied, SessionRuleViolation
from conaig_flow.services.sessions.actas import ask_to_sign_in
from conaig_flow.services.sessions.attendance import attend_in
from conaig_flow.services.sessions.common import (
    CAPACITY_LABELS,
    S,
    V,
    load_item,
    load_session,
    not_cancelled,
    refusals,
    require_secretariat,
    stays,
)
from conaig_flow.services.sessions.sessions import U
from conaig_flow.services.sessions.votes import cast_in
from conaig_flow.store.tables_sessions import CheckInRow

CI = CheckInRow.__table__  # type: ignore[attr-defined]
CHECKIN_LABELS = {"pending": "por confirmar", "confirmed": "confirmada", "declined": "no confirmada"}


@dataclass(frozen=True)
class Membership:
    entity: str
    capacity: str  # titular | alterno
    name: str


def membership_in(conn: Connection, actor: Actor) -> Membership:
    """The member's entity and capacity, from their account."""
    if actor.role != "member":
        raise PermissionDenied("Solo los integrantes de la comisión (titular o alterno) participan desde su dispositivo.")
    row = conn.execute(select(U.c.entity_code, U.c.capacity, U.c.name).where(U.c.email == actor.email)).first()
    if row is None or row.capacity not in ("titular", "alterno"):
        raise PermissionDenied(
            "Su cuenta no indica si es titular o alterno de su entidad: pida a la administración que lo registre."
        )
    return Membership(str(row.entity_code), str(row.capacity), str(row.name))


def membership(app: App, actor: Actor) -> Membership:
    with app.db.read() as conn:
        return membership_in(conn, actor)


def set_checkin(app: App, actor: Actor, session_id: int, *, open_: bool) -> None:
    """The secretariat opens (or closes) members' check-in from their devices."""
    with refusals(app, actor, "session checkin toggle", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            not_cancelled(row)
            if open_ and row.status not in ("convened", "open"):
                raise SessionRuleViolation("El registro de asistencia se abre en una sesión convocada y aún no concluida.")
            conn.execute(update(S).where(S.c.id == session_id).values(checkin_open=open_))


def check_in(app: App, actor: Actor, session_id: int) -> Membership:
    """A member says they are present; the secretariat confirms it."""
    with refusals(app, actor, "session checkin", f"sesión {session_id}"), app.db.write() as conn:
        me = membership_in(conn, actor)
        row = load_session(conn, session_id, lock=True)
        not_cancelled(row)
        if not row.checkin_open or row.status not in ("convened", "open"):
            raise SessionRuleViolation("La Secretaría Técnica aún no abrió el registro de asistencia de esta sesión.")
        pending = conn.execute(select(CI.c.id).where(
            CI.c.session_id == session_id, CI.c.entity_code == me.entity, CI.c.user_email == actor.email,
            CI.c.status == "pending")).first()
        if pending is not None:
            raise InvalidInput("Su asistencia ya fue enviada y espera la confirmación de la Secretaría Técnica.")
        conn.execute(insert(CI).values(
            session_id=session_id, entity_code=me.entity, capacity=me.capacity, user_email=actor.email,
            person_name=me.name, requested_at=app.clock.now(), status="pending",
        ))
    return me


@dataclass(frozen=True)
class CheckIn:
    id: int
    entity: str
    capacity: str
    person: str | None
    requested_at: datetime
    status: str
    status_label: str


def answer_checkin(app: App, actor: Actor, session_id: int, checkin_id: int, *, confirm: bool,
                   capacity: str | None = None) -> CheckIn:
    """Confirm a check-in (an arrival at the time the member checked in; ``capacity`` corrects
    titular/alterno) or decline it."""
    with refusals(app, actor, "session checkin answer", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            req = conn.execute(select(CI).where(CI.c.id == checkin_id, CI.c.session_id == session_id)).first()
            if req is None:
                raise NotFound(f"No existe el registro de asistencia {checkin_id} en la sesión {session_id}.")
            if req.status != "pending":
                raise InvalidInput("Ese registro de asistencia ya fue respondido.")
            if capacity is not None and capacity not in ("titular", "alterno"):
                raise InvalidInput(f"La calidad en que asiste es titular o alterno, no «{capacity}».")
            cap = capacity or req.capacity
            if confirm:
                attend_in(app, conn, session_id, req.entity_code, alterno=cap == "alterno", at=req.requested_at,
                          person=req.person_name if cap == req.capacity else None)
            status = "confirmed" if confirm else "declined"
            conn.execute(update(CI).where(CI.c.id == checkin_id).values(
                status=status, capacity=cap, answered_by=actor.email, answered_at=app.clock.now()))
    return CheckIn(req.id, req.entity_code, cap, req.person_name, req.requested_at, status, CHECKIN_LABELS[status])


def checkins(app: App, session_id: int, *, email: str | None = None) -> list[CheckIn]:
    with app.db.read() as conn:
        query = select(CI).where(CI.c.session_id == session_id)
        if email is not None:
            query = query.where(CI.c.user_email == email)
        rows = conn.execute(query.order_by(CI.c.id)).all()
    return [CheckIn(r.id, r.entity_code, r.capacity, r.person_name, r.requested_at, r.status,
                    CHECKIN_LABELS.get(r.status, r.status)) for r in rows]


def member_vote(app: App, actor: Actor, session_id: int, position: int, sense: str, *,
                reason: str | None = None, singular: bool = False) -> Membership:
    """A member votes for their entity on the item the secretariat put to the vote; a second
    ballot while it is open is a correction (the latest counts; the history keeps both)."""
    with refusals(app, actor, "session member vote", f"sesión {session_id}, punto {position}"), app.db.write() as conn:
        me = membership_in(conn, actor)
        load_session(conn, session_id, lock=True)
        item = load_item(conn, session_id, position)
        if item.vote_at is None:
            raise SessionRuleViolation(f"La Secretaría Técnica aún no abrió la votación del punto {position}.")
        now = app.clock.now()
        mine = [p for p in stays(conn, session_id) if p.entity == me.entity and p.capacity == me.capacity]
        if mine and not any(p.holds(now) for p in mine):  # they were here and their departure is recorded
            raise SessionRuleViolation(
                f"Su salida de la sesión ya está registrada ({CAPACITY_LABELS.get(me.capacity, me.capacity)} de "
                f"{me.entity}): desde su equipo vota solo quien sigue en la sesión."
            )
        voted = conn.execute(select(V.c.id).where(V.c.item_id == item.id, V.c.entity_code == me.entity)).first()
        cast_in(app, conn, actor, session_id, position, me.entity, sense, reason=reason, singular=singular,
                correction=voted is not None, capacity=me.capacity, live=True)
    return me


def member_ask_to_sign(app: App, actor: Actor, session_id: int) -> str:
    """A member who attended asks to sign the acta (its signers: art. 102). Returns its code."""
    with refusals(app, actor, "session acta ask", f"sesión {session_id}"), app.db.write() as conn:
        me = membership_in(conn, actor)
        return ask_to_sign_in(app, conn, session_id, me.entity)


def my_vote(app: App, actor: Actor, session_id: int, position: int) -> Any:
    """The vote that counts for the member's entity on the item (None before any)."""
    with app.db.read() as conn:
        me = membership_in(conn, actor)
        item = load_item(conn, session_id, position)
        return conn.execute(select(V).where(V.c.item_id == item.id, V.c.entity_code == me.entity)).first()
