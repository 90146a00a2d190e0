"""What the secretariat's session console does in one step: the attendance of every entity in
one transaction, departures, opening and closing an item's vote, a vote of all present with
its exceptions, and corrections. The rules are those of ``attendance`` and ``votes``.

One vote per entity and item: the first ballot is inserted; a later one is a correction,
allowed only while the item's vote is open; the latest correction counts, and
``session_vote_history`` keeps every ballot with who cast it (the secretariat, or the member
from their own device). Closing an item's vote decides nothing new: it stops ballots and
corrections and shows the tally and the result the session's closing will record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from conaig_flow.app import App
from conaig_flow.domain import quorum
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.voting import Decision
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.services.sessions.attendance import attend_in
from conaig_flow.services.sessions.common import CF, IT, V, load_item, refusals, require_secretariat, stays
from conaig_flow.services.sessions.votes import (
    _open_item,
    _refuse_undecidable,
    cast_in,
    decision_for,
    fix_vote_instant,
    remains,
)

CHOICES = ("titular", "alterno", "absent")


@dataclass(frozen=True)
class AttendanceEntry:
    entity: str
    choice: str  # titular | alterno | absent | present (entities without vote, the secretariat)
    at: datetime | None = None


@dataclass(frozen=True)
class Arrival:
    entity: str
    capacity: str
    at: datetime


def record_attendance(app: App, actor: Actor, session_id: int, entries: Iterable[AttendanceEntry]) -> list[Arrival]:
    """Record every arrival of the form in one transaction: all or none. An entity already
    present in the same capacity is left as it is (the form may be sent again)."""
    out: list[Arrival] = []
    voting = {e.code for e in app.definitions().plan.voting_members}
    with refusals(app, actor, "session attend", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            for e in entries:
                if e.choice == "absent" or not e.choice:
                    continue
                if e.choice not in ("titular", "alterno", "present"):
                    raise InvalidInput(f"Asistencia no válida para {e.entity}: titular, alterno o ausente.")
                if e.choice == "present" and e.entity in voting:
                    raise InvalidInput(
                        f"{e.entity} es integrante con voto: indique si asiste su titular o su alterno."
                    )
                now = app.clock.now()
                at = e.at or now
                current = [s for s in stays(conn, session_id) if s.entity == e.entity and s.holds(now)]
                if any(s.capacity == e.choice or e.choice == "present" for s in current):
                    continue
                capacity = attend_in(app, conn, session_id, e.entity, alterno=e.choice == "alterno", at=at)
                out.append(Arrival(e.entity, capacity, at))
    return out


def depart(app: App, actor: Actor, session_id: int, entity: str, at: datetime | None = None) -> Arrival:
    """An entity leaves the session (now, or at ``at``)."""
    with refusals(app, actor, "session attend", f"sesión {session_id}"):
        require_secretariat(actor)
        when = at or app.clock.now()
        with app.db.write() as conn:
            capacity = attend_in(app, conn, session_id, entity, leave=when)
    return Arrival(entity, capacity, when)


def open_vote(app: App, actor: Actor, session_id: int, position: int) -> datetime:
    """Put an item to the vote now: its instant is fixed and quorum checked at it."""
    with refusals(app, actor, "session vote open", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row, item = _open_item(conn, session_id, position)
            if item.vote_closed_at is not None:
                raise SessionRuleViolation(f"La votación del punto {position} ya se cerró.")
            if item.vote_at is not None:
                raise InvalidInput(f"La votación del punto {position} ya está abierta.")
            return fix_vote_instant(app, conn, row, item, None)


def vote_all(
    app: App, actor: Actor, session_id: int, position: int, *, sense: str = "for",
    exceptions: Mapping[str, tuple[str, str | None]] | None = None,
) -> int:
    """Every entity present and entitled to vote on the item votes ``sense``, except those in
    ``exceptions`` (entity → (sense, reason)). All in one transaction. An entity that already
    voted keeps its vote unless it is among the exceptions (then it is a correction).
    Returns the number of ballots recorded."""
    exceptions = dict(exceptions or {})
    count = 0
    with refusals(app, actor, "session vote all", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row, item = _open_item(conn, session_id, position)
            instant = fix_vote_instant(app, conn, row, item, None)
            entitled = voters_in(app, conn, session_id, position, instant)
            unknown = sorted(set(exceptions) - set(entitled))
            if unknown:
                raise InvalidInput(
                    f"Las excepciones solo pueden ser entidades presentes y con derecho a voto en el punto {position}: "
                    f"{', '.join(unknown)} no lo es."
                )
            voted = set(conn.execute(select(V.c.entity_code).where(V.c.item_id == item.id)).scalars())
            for entity in entitled:
                if entity in exceptions:
                    s, reason = exceptions[entity]
                    cast_in(app, conn, actor, session_id, position, entity, s, reason=reason, correction=entity in voted,
                            live=True)
                elif entity not in voted:
                    cast_in(app, conn, actor, session_id, position, entity, sense, live=True)
                else:
                    continue
                count += 1
    return count


def vote_one(app: App, actor: Actor, session_id: int, position: int, entity: str, sense: str, *,
             reason: str | None = None, singular: bool = False) -> bool:
    """One entity's vote from the console: its first ballot, or a correction when it already
    voted (while the item's vote is open). Returns whether it was a correction."""
    with refusals(app, actor, "session vote", f"sesión {session_id}, punto {position}, {entity}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            _, item = _open_item(conn, session_id, position)
            voted = conn.execute(select(V.c.id).where(V.c.item_id == item.id, V.c.entity_code == entity)).first()
            cast_in(app, conn, actor, session_id, position, entity, sense, reason=reason, singular=singular,
                    correction=voted is not None, live=True)
    return voted is not None


def voters_in(app: App, conn: Connection, session_id: int, position: int, instant: datetime | None = None) -> list[str]:
    """Entities present (titular or alterno) at the item's vote instant — or now, before it
    is fixed — and still present now while the vote is open, with vote and not impeded by a
    conflict of interest, in the plan's order."""
    plan = app.definitions().plan
    item = load_item(conn, session_id, position)
    now = app.clock.now()
    when = instant or item.vote_at or now
    stays_ = stays(conn, session_id)
    present = quorum.voting_present_at(stays_, [e.code for e in plan.voting_members], when)
    if item.vote_closed_at is None:
        present = frozenset(e for e in present if remains(stays_, e, when, now))
    impeded = set(conn.execute(select(CF.c.entity_code).where(CF.c.item_id == item.id)).scalars())
    return [e.code for e in plan.voting_members if e.code in present and e.code not in impeded]


def voters(app: App, session_id: int, position: int) -> list[str]:
    with app.db.read() as conn:
        return voters_in(app, conn, session_id, position)


def close_vote(app: App, actor: Actor, session_id: int, position: int) -> Decision:
    """Close an item's vote: no ballot nor correction after it. Refused while an entity present
    and not impeded has not voted (art. 101.1). Without quorum at the vote it closes with no
    agreement (the item is recorded as not decided for lack of quorum)."""
    plan = app.definitions().plan
    with refusals(app, actor, "session vote close", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row, item = _open_item(conn, session_id, position)
            if item.vote_closed_at is not None:
                raise SessionRuleViolation(f"La votación del punto {position} ya se cerró.")
            decision = decision_for(app, conn, row, item)
            if decision is None:
                raise SessionRuleViolation(f"El punto {position} aún no se sometió a votación.")
            if decision.outcome not in ("tie", "no_quorum"):
                _refuse_undecidable(plan, position, decision)
            # Without quorum at the vote (those who left without voting not counted) no agreement
            # can be adopted: closing the vote records exactly that, and the session may go on.
            conn.execute(update(IT).where(IT.c.id == item.id).values(vote_closed_at=app.clock.now()))
    return decision


__all__ = ["CHOICES", "Arrival", "AttendanceEntry", "close_vote", "depart", "open_vote", "record_attendance",
           "vote_all", "vote_one", "voters", "voters_in"]
