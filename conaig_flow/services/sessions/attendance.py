"""Attendance (arrivals and departures, titular or alterno, invited, secretariat) and the
opening of a session with quorum, in first or second call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain import quorum
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.plan import Plan
from conaig_flow.domain.quorum import Presence
from conaig_flow.domain.session_time import installation_call, not_in_future, spoken
from conaig_flow.errors import InvalidInput, QuorumNotMet, SessionRuleViolation
from conaig_flow.services.sessions.common import (
    AT,
    CAPACITY_LABELS,
    IT,
    STATUS_LABELS,
    VH,
    S,
    V,
    entity_name,
    is_secretariat_code,
    load_session,
    not_cancelled,
    refusals,
    require_secretariat,
    stays,
)
from conaig_flow.services.sessions.sessions import U, formal, not_closed


def _votes_keep_their_electorate(
    conn: Connection, session_id: int, entity: str, before: list[Presence], after: list[Presence], what: str
) -> None:
    """An arrival or departure recorded afterwards may not change who was present at a vote that
    already has ballots or was closed: in which capacity the entity was there when the item was
    put to the vote, whether it was still there at each of its ballots, and whether it was
    still there when the vote closed (who left without voting is not counted). Otherwise the
    tally, the quorum at the vote and the acta would disagree. A departure recorded as it
    happens, during an open vote, changes none of these."""
    from conaig_flow.services.sessions.votes import instant_capacity, remains

    voted = conn.execute(
        select(IT.c.id, IT.c.position, IT.c.vote_at, IT.c.vote_closed_at).where(
            IT.c.session_id == session_id, IT.c.vote_at.is_not(None),
            exists().where(V.c.item_id == IT.c.id) | IT.c.vote_closed_at.is_not(None),
        ).order_by(IT.c.position)
    ).all()
    for item_id, position, vote_at, closed_at in voted:
        ballots = list(conn.execute(  # the moments its representative voted (ballots cast as they happened)
            select(VH.c.cast_at).where(VH.c.item_id == item_id, VH.c.entity_code == entity, VH.c.live)).scalars())
        checkpoints = [*ballots, *([closed_at] if closed_at is not None else [])]

        def presence(stays_: list[Presence], at: datetime, checks: list[datetime]) -> tuple[object, ...]:
            return (instant_capacity(stays_, entity, at), *(remains(stays_, entity, at, t) for t in checks))

        if presence(before, vote_at, checkpoints) != presence(after, vote_at, checkpoints):
            raise SessionRuleViolation(
                f"No se puede registrar {what} de {entity} a esa hora: cambiaría quiénes estaban presentes "
                f"en la votación del punto {position}, que ya tiene votos (al abrirse, al votar o al cerrarse). "
                "Registre una hora posterior a esa votación."
            )


def _installation_keeps_its_quorum(
    plan: Plan, row: Any, entity: str, before: list[Presence], after: list[Presence], what: str, at: datetime
) -> None:
    """An arrival or departure recorded afterwards may not change which voting members were
    present when the session was installed: the record keeps their count as the installation
    quorum (art. 99.1, or 99.2 on second call), and the acta would contradict its own
    attendance. A departure recorded as it happens, or an arrival after the installation,
    changes nothing there."""
    if row.opened_at is None:
        return
    voting = [e.code for e in plan.voting_members]
    was = entity in quorum.voting_present_at(before, voting, row.opened_at)
    would_be = entity in quorum.voting_present_at(after, voting, row.opened_at)
    if was == would_be:
        return
    rules = plan.session_rules
    second = row.call == "second"
    basis = rules.legal_basis.quorum_second_call if second else rules.legal_basis.quorum_first_call
    call = "segunda" if second else "primera"
    among = f"entre ellos {entity}" if was else f"sin {entity}"
    raise SessionRuleViolation(
        f"No se puede registrar {what} de {entity_name(plan, entity)} ({entity}) el {spoken(at)}: la sesión se "
        f"instaló el {spoken(row.opened_at)}, en {call} convocatoria, con quórum de {row.quorum_present} "
        f"integrantes con voto presentes ({basis}), {among}; con esa hora el acta ya no coincidiría con su "
        f"asistencia. Registre {what} con una hora posterior a la instalación."
    )


def _member_name(conn: Connection, entity: str, capacity: str) -> str | None:
    row = conn.execute(
        select(U.c.name).where(U.c.entity_code == entity, U.c.role == "member", U.c.capacity == capacity).order_by(U.c.id)
    ).first()
    return str(row.name) if row is not None else None


def attend(
    app: App,
    actor: Actor,
    session_id: int,
    entity: str,
    *,
    alterno: bool = False,
    at: datetime | None = None,
    leave: datetime | None = None,
    person: str | None = None,
) -> str:
    """Record an arrival (and/or a departure). Returns the capacity recorded.

    Voting members attend as titular or alterno (never both at once); entities without vote
    as invited; the secretariat by its unit code (e.g. DGIGND). An arrival may be earlier
    than the session's time; no time is later than the clock."""
    with refusals(app, actor, "session attend", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            return attend_in(app, conn, session_id, entity, alterno=alterno, at=at, leave=leave, person=person)


def attend_in(
    app: App, conn: Connection, session_id: int, entity: str, *, alterno: bool = False,
    at: datetime | None = None, leave: datetime | None = None, person: str | None = None,
) -> str:
    """``attend`` inside the caller's transaction (the session row locked here)."""
    plan = app.definitions().plan
    if is_secretariat_code(plan, entity):
        entity, capacity = plan.commission.secretariat.entity, "secretariat"
    else:
        try:
            ent = plan.entity(entity)
        except KeyError:
            raise InvalidInput(f"Entidad desconocida «{entity}».") from None
        capacity = ("alterno" if alterno else "titular") if ent.has_vote else "invited"
    now = app.clock.now()
    if at is not None:
        not_in_future(at, now, "la llegada")
    if leave is not None:
        not_in_future(leave, now, "la salida")
    row = load_session(conn, session_id, lock=True)
    not_closed(row)
    mine = conn.execute(
        select(AT).where(AT.c.session_id == session_id, AT.c.entity_code == entity).order_by(AT.c.id)
    ).all()
    if at is None and leave is not None:
        open_stays = [s for s in mine if s.left_at is None and (s.capacity == capacity or (capacity in ("titular", "alterno") and s.capacity in ("titular", "alterno")))]
        if not open_stays:
            raise InvalidInput(f"{entity} no tiene una asistencia abierta en esta sesión.")
        stay = open_stays[-1]
        if leave <= stay.arrived_at:
            raise InvalidInput("La hora de salida debe ser posterior a la de llegada.")
        before = [Presence(s.entity_code, s.capacity, s.arrived_at, s.left_at) for s in mine]
        after = [Presence(s.entity_code, s.capacity, s.arrived_at, leave if s.id == stay.id else s.left_at) for s in mine]
        _installation_keeps_its_quorum(plan, row, entity, before, after, "la salida", leave)
        _votes_keep_their_electorate(conn, session_id, entity, before, after, "la salida")
        conn.execute(update(AT).where(AT.c.id == stay.id).values(left_at=leave))
        return str(stay.capacity)
    arrived = at or now
    if leave is not None and leave <= arrived:
        raise InvalidInput("La hora de salida debe ser posterior a la de llegada.")
    new = Presence(entity, capacity, arrived, leave)
    for s in mine:
        other = Presence(s.entity_code, s.capacity, s.arrived_at, s.left_at)
        if not new.overlaps(other):
            continue
        if s.capacity == capacity:
            raise InvalidInput(f"{entity} ya figura presente como {CAPACITY_LABELS.get(capacity, capacity)} en ese horario.")
        if {s.capacity, capacity} == {"titular", "alterno"}:
            raise SessionRuleViolation(
                f"{entity_name(plan, entity)} ya está representada por su {CAPACITY_LABELS.get(s.capacity, s.capacity)}: el titular y el "
                "alterno de una entidad no pueden estar presentes a la vez (un solo voto por entidad)."
            )
    before = [Presence(s.entity_code, s.capacity, s.arrived_at, s.left_at) for s in mine]
    _installation_keeps_its_quorum(plan, row, entity, before, [*before, new], "la llegada", arrived)
    _votes_keep_their_electorate(conn, session_id, entity, before, [*before, new], "la llegada")
    name = person or (_member_name(conn, entity, capacity) if capacity in ("titular", "alterno") else None)
    conn.execute(
        insert(AT).values(session_id=session_id, entity_code=entity, capacity=capacity,
                          person_name=name, arrived_at=arrived, left_at=leave)
    )
    return capacity


@dataclass(frozen=True)
class Opening:
    call: str
    required: int
    present: int


def open_session(app: App, actor: Actor, session_id: int, *, at: datetime | None = None) -> Opening:
    """Install the session: from the time of the call used (first, or second from its own
    time) and within that call's day, never later than the clock; with that call's quorum."""
    plan = app.definitions().plan
    rules = plan.session_rules
    with refusals(app, actor, "session open", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            formal(row)
            not_cancelled(row)
            if row.status != "convened":
                state = STATUS_LABELS.get(row.status, row.status)
                raise SessionRuleViolation(
                    f"Solo se instala una sesión convocada y aún no instalada (estado: {state})."
                )
            now = app.clock.now()
            instant = at or now
            call = installation_call(row.scheduled_at, row.second_call_at, instant, now)
            second = call == "second"
            rule = rules.quorum_second_call if second else rules.quorum_first_call
            basis = rules.legal_basis.quorum_second_call if second else rules.legal_basis.quorum_first_call
            voting = [e.code for e in plan.voting_members]
            q = quorum.check(rule, voting, stays(conn, session_id), instant)
            if not q.met:
                raise QuorumNotMet(q.required, q.count, "en segunda convocatoria" if second else "en primera convocatoria",
                                   basis)
            conn.execute(
                update(S).where(S.c.id == session_id).values(
                    status="open", opened_at=instant, call=call, quorum_required=q.required, quorum_present=q.count
                )
            )
    return Opening(call, q.required, q.count)
