"""Votes, the presidency's casting vote, and closing a session: agreements and their effects.

Closing decides every voted item (domain.voting), writes its agreement, numbers the acta and,
in the same transaction, carries each agreement out: a passed approval fires the deliverable's
``approve`` (the session, the agreement and the acta as evidence); a rejected one fires the
``record_agreement`` self-loop, so the agreement is in the deliverable's hash-chained history
without changing its state; a passed team formation creates the team and its deliverables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain import quorum
from conaig_flow.domain.acta import acta_code
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.ballot import admit
from conaig_flow.domain.engine import Evidence
from conaig_flow.domain.planning import for_team
from conaig_flow.domain.session_time import check_closing_time, check_meeting_end, check_vote_time, spoken
from conaig_flow.domain.voting import SENSES, Decision, Sense, decide
from conaig_flow.errors import InvalidInput, PermissionDenied, QuorumNotMet, SessionRuleViolation
from conaig_flow.i18n import cuenta, fecha
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.plans import ensure_deliverables
from conaig_flow.services.sessions.common import (
    AC,
    AG,
    AT,
    CF,
    IT,
    S,
    V,
    is_secretariat_code,
    load_item,
    load_session,
    not_cancelled,
    refusals,
    require_secretariat,
    session_label,
    stays,
)
from conaig_flow.services.sessions.sessions import approvable, forming_activity
from conaig_flow.store.tables import TeamMemberRow, TeamRow
from conaig_flow.store.tables_sessions import VoteHistoryRow

T = TeamRow.__table__  # type: ignore[attr-defined]
TM = TeamMemberRow.__table__  # type: ignore[attr-defined]
VH = VoteHistoryRow.__table__  # type: ignore[attr-defined]
VOTED_KINDS = ("approve", "form_team", "other")


def _open_item(conn: Connection, session_id: int, position: int) -> tuple[Any, Any]:
    row = load_session(conn, session_id, lock=True)
    if row.kind == "trabajo":
        raise SessionRuleViolation("En una reunión de trabajo no se vota.")
    not_cancelled(row)
    if row.status == "closed":
        raise SessionRuleViolation("La sesión ya concluyó: no se vota después de su conclusión.")
    if row.status != "open":
        raise SessionRuleViolation("Solo se vota en una sesión instalada (con quórum): esta sesión aún no se instala.")
    item = load_item(conn, session_id, position)
    if item.kind not in VOTED_KINDS:
        raise SessionRuleViolation(f"El punto {position} es informativo (se toma conocimiento): no se vota.")
    return row, item


def vote(
    app: App,
    actor: Actor,
    session_id: int,
    position: int,
    entity: str,
    sense: str,
    *,
    reason: str | None = None,
    at: datetime | None = None,
    singular: bool = False,
) -> None:
    """Record one member entity's vote on an item. The first vote fixes the instant of the
    vote (after the installation, not later than the clock), when quorum is checked again
    with arrivals and departures. The ballot is checked against the plan's rules (abstention,
    reasons of a dissent, voto singular: ``domain.ballot``). A second ballot for the same
    entity is refused here: changing a vote is a correction (``correct``), kept in history."""
    with refusals(app, actor, "session vote", f"sesión {session_id}, punto {position}, {entity}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            cast_in(app, conn, actor, session_id, position, entity, sense, reason=reason, at=at, singular=singular,
                    live=at is None)


def correct(
    app: App, actor: Actor, session_id: int, position: int, entity: str, sense: str, *,
    reason: str | None = None, singular: bool = False,
) -> None:
    """Correct an entity's vote while the item's vote is open: the new ballot counts, the earlier
    one stays in ``session_vote_history`` with who cast it."""
    with refusals(app, actor, "session vote correct", f"sesión {session_id}, punto {position}, {entity}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            cast_in(app, conn, actor, session_id, position, entity, sense, reason=reason, singular=singular, correction=True,
                    live=True)


def check_ballot(app: App, entity: str, sense: str, reason: str | None, singular: bool) -> Any:
    """The entity may vote at all and the ballot is admissible; returns the plan's entity."""
    plan = app.definitions().plan
    if is_secretariat_code(plan, entity):
        raise PermissionDenied("La Secretaría Técnica participa con voz y sin voto: no puede votar.")
    try:
        ent = plan.entity(entity)
    except KeyError:
        raise InvalidInput(f"Entidad desconocida «{entity}».") from None
    if not ent.has_vote:
        raise PermissionDenied(
            f"{ent.name} ({ent.code}) participa como entidad invitada, con voz y sin voto: no puede votar."
        )
    if sense not in SENSES:
        raise InvalidInput("El sentido del voto es a favor, en contra o abstención.")
    admit(plan.session_rules, sense, reason, singular)
    return ent


def fix_vote_instant(app: App, conn: Connection, row: Any, item: Any, at: datetime | None) -> datetime:
    """The item's vote instant: fixed by the first ballot (or by opening the vote), after the
    installation and not later than the clock, with quorum at that instant."""
    if item.vote_at is not None:
        return item.vote_at  # type: ignore[no-any-return]
    plan = app.definitions().plan
    rules = plan.session_rules
    now = app.clock.now()
    instant = at or now
    check_vote_time(row.opened_at, instant, now)
    if item.kind == "approve" and item.deliverable_id is not None:
        # still to be approved (not decided meanwhile by another session, nor sent back): else the
        # agreement could not be carried out and the session could not conclude
        approvable(app, conn, int(item.deliverable_id))
    if instant < item.added_at:
        raise SessionRuleViolation(
            f"El punto {item.position} se agregó el {spoken(item.added_at)}: no pudo votarse antes "
            f"(se indicó el {spoken(instant)})."
        )
    second = row.call == "second"
    rule = rules.quorum_second_call if second else rules.quorum_first_call
    basis = rules.legal_basis.quorum_second_call if second else rules.legal_basis.quorum_first_call
    q = quorum.check(rule, [e.code for e in plan.voting_members], stays(conn, row.id), instant)
    if not q.met:
        raise QuorumNotMet(q.required, q.count, f"para votar el punto {item.position}", basis)
    conn.execute(update(IT).where(IT.c.id == item.id).values(vote_at=instant))
    return instant


def cast_in(
    app: App, conn: Connection, actor: Actor, session_id: int, position: int, entity: str, sense: str, *,
    reason: str | None = None, at: datetime | None = None, singular: bool = False, correction: bool = False,
    capacity: str | None = None, live: bool = False,
) -> str:
    """One ballot inside the caller's transaction. One vote per entity and item: a first ballot
    inserts it; a correction (only while the item's vote is open) replaces it; every ballot is
    a row of the history with who cast it. ``capacity``: a member voting for themselves must
    be the one of the entity present (titular, or alterno when the titular is absent).
    Returns the capacity of the entity's representative who voted."""
    reason = reason.strip() if reason and reason.strip() else None
    ent = check_ballot(app, entity, sense, reason, singular)
    row, item = _open_item(conn, session_id, position)
    if conn.execute(select(AG.c.id).where(AG.c.item_id == item.id)).first() is not None:
        raise SessionRuleViolation(f"El punto {position} ya fue decidido.")
    if item.vote_closed_at is not None:
        raise SessionRuleViolation(
            f"La votación del punto {position} ya se cerró: no admite votos ni correcciones."
        )
    if item.casting is not None:
        raise SessionRuleViolation(
            f"La Presidencia ya dirimió el empate del punto {position}: su votación no admite más votos ni correcciones."
        )
    instant = fix_vote_instant(app, conn, row, item, at)
    stay = next(
        (s for s in stays(conn, session_id)
         if s.entity == entity and s.capacity in ("titular", "alterno") and s.holds(instant)),
        None,
    )
    if stay is None:
        raise SessionRuleViolation(
            f"{ent.name} no está presente (titular o alterno) al momento de votar el punto {position}."
        )
    if at is not None and item.vote_at is not None:
        # a ballot recorded afterwards for an item whose vote was already called: cast at ``at``,
        # between the call and now, by the representative present at the call, still there
        if at < instant or at > app.clock.now():
            raise SessionRuleViolation(
                f"La votación del punto {position} se abrió el {spoken(instant)}: un voto se emite desde entonces y "
                f"hasta ahora (se indicó el {spoken(at)})."
            )
        if not remains(stays(conn, session_id), entity, instant, at):
            raise SessionRuleViolation(
                f"El {stay.capacity} de {ent.name}, presente al abrirse la votación del punto {position}, ya se había "
                f"retirado el {spoken(at)}: no se registra un voto después de su salida."
            )
    if live and not remains(stays(conn, session_id), entity, instant, app.clock.now()):
        raise SessionRuleViolation(
            f"El {stay.capacity} de {ent.name}, presente al abrirse la votación del punto {position}, se retiró "
            "sin votar: no se registra un voto después de su salida, ni el de quien llegó después de abrirse la votación."
        )
    if capacity is not None and stay.capacity != capacity:
        raise SessionRuleViolation(
            f"{ent.name} está representada en la sesión por su {stay.capacity}: vota quien asiste "
            f"(el alterno solo vota en ausencia del titular); usted es su {capacity}."
        )
    if conn.execute(select(CF.c.id).where(CF.c.item_id == item.id, CF.c.entity_code == entity)).first():
        raise SessionRuleViolation(f"{ent.name} declaró conflicto de intereses en el punto {position}: no vota.")
    earlier = conn.execute(select(V).where(V.c.item_id == item.id, V.c.entity_code == entity)).first()
    if earlier is not None and not correction:
        raise SessionRuleViolation(
            f"{ent.name} ya votó el punto {position}; para cambiar su voto use «Corregir» mientras la votación siga abierta."
        )
    if earlier is None and correction:
        raise InvalidInput(f"{ent.name} aún no votó el punto {position}: no hay voto que corregir.")
    person = conn.execute(
        select(AT.c.person_name).where(
            AT.c.session_id == session_id, AT.c.entity_code == entity, AT.c.capacity == stay.capacity
        ).order_by(AT.c.id.desc())
    ).scalar()
    values = {"capacity": stay.capacity, "person_name": person, "sense": sense, "reason": reason,
              "recorded_by": actor.email, "singular": singular}
    replaced: dict[str, Any] = {}
    if earlier is None:
        conn.execute(insert(V).values(item_id=item.id, entity_code=entity, cast_at=instant, **values))
    else:
        # The written grounds belong to the voto singular they explain: they stay with a
        # correction that keeps the same voto singular (its oral reason, say), and otherwise
        # leave the counting row, kept in this correction's history row.
        same_dissent = bool(earlier.singular) and singular and earlier.sense == sense
        cleared: dict[str, Any] = {}
        if not same_dissent:
            cleared = {"grounds": None, "grounds_at": None, "grounds_waived_at": None}
            if earlier.grounds is not None or earlier.grounds_waived_at is not None:
                replaced = {"replaced_grounds": earlier.grounds, "replaced_grounds_at": earlier.grounds_at,
                            "replaced_grounds_waived_at": earlier.grounds_waived_at}
        conn.execute(update(V).where(V.c.id == earlier.id).values(**cleared, **values))
    conn.execute(insert(VH).values(
        item_id=item.id, entity_code=entity, capacity=stay.capacity, person_name=person, sense=sense, reason=reason,
        singular=singular, cast_by=actor.email, cast_by_role=actor.role, correction=earlier is not None,
        cast_at=app.clock.now(), live=live, **replaced,
    ))
    return stay.capacity


def tiebreak(app: App, actor: Actor, session_id: int, position: int, sense: str) -> None:
    """The presidency's deciding vote on a tied item (when it did not vote for or against)."""
    with refusals(app, actor, "session tiebreak", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        if sense not in ("for", "against"):
            raise InvalidInput("El voto dirimente es a favor o en contra.")
        with app.db.write() as conn:
            row, item = _open_item(conn, session_id, position)
            if item.casting is not None:
                raise SessionRuleViolation(
                    f"La Presidencia ya dirimió el empate del punto {position}: su voto dirimente no se cambia."
                )
            presidency = app.definitions().plan.commission.presidency
            stays_ = stays(conn, row.id)
            if item.vote_at is not None and not _presidency_at_vote(app, conn, item, stays_):
                raise SessionRuleViolation(
                    f"La Presidencia ({presidency}) no estaba presente en la votación del punto {position} (o se retiró "
                    "antes de concluir): no puede dirimir el empate, y el punto no se aprueba."
                )
            if item.vote_at is not None and not remains(stays_, presidency, item.vote_at, app.clock.now()):
                raise SessionRuleViolation(
                    f"La Presidencia ({presidency}) ya no está en la sesión: el voto dirimente lo da quien preside, "
                    f"presente; sin él el empate del punto {position} subsiste y el punto no se aprueba "
                    f"({app.definitions().plan.session_rules.legal_basis.tie_breaker})."
                )
            if presidency_impeded(conn, item, presidency):
                raise SessionRuleViolation(
                    f"La Presidencia ({presidency}) declaró conflicto de intereses en el punto {position}: está impedida "
                    "de intervenir en él y no puede dirimir el empate; el punto no se aprueba "
                    f"({app.definitions().plan.session_rules.legal_basis.obligation_to_vote})."
                )
            decision = decision_for(app, conn, row, item)
            if decision is None or decision.outcome != "tie":
                raise SessionRuleViolation(
                    f"El punto {position} no está empatado: no hay voto dirimente que registrar."
                )
            conn.execute(update(IT).where(IT.c.id == item.id).values(casting=sense))


def presidency_impeded(conn: Connection, item: Any, presidency: str) -> bool:
    """Whether the presidency declared a conflict of interest on ``item``."""
    return conn.execute(select(CF.c.id).where(CF.c.item_id == item.id, CF.c.entity_code == presidency)).first() is not None


def instant_capacity(stays_: list[Any], entity: str, at: datetime) -> str | None:
    """The capacity (titular or alterno) in which ``entity`` was present at ``at``, or None."""
    stay = next((s for s in stays_ if s.entity == entity and s.capacity in ("titular", "alterno") and s.holds(at)), None)
    return str(stay.capacity) if stay is not None else None


def remains(stays_: list[Any], entity: str, vote_at: datetime, at: datetime) -> bool:
    """The representative of ``entity`` present when the item was put to the vote (the titular,
    or the alterno) is in the session at ``at`` too — still, or back. An alterno who arrived
    after the titular left was not there when the vote was called, and does not vote on it."""
    capacity = instant_capacity(stays_, entity, vote_at)
    return capacity is not None and any(
        s.entity == entity and s.capacity == capacity and s.holds(at) for s in stays_
    )


def left_without_voting(stays_: list[Any], present: set[str], ballots: Mapping[str, Any], vote_at: datetime,
                        end: datetime) -> set[str]:
    """Entities present when the item was put to the vote whose representative had left when the
    vote ended, without casting a ballot: they did not vote and are not counted among those
    present at it (nobody may be recorded as voting after leaving, and nobody present may
    abstain from voting: art. 101.1 applies to those who stay)."""
    return {e for e in present if e not in ballots and not remains(stays_, e, vote_at, end)}


def decision_for(app: App, conn: Connection, row: Any, item: Any, end: datetime | None = None) -> Decision | None:
    """The decision an item's ballots give now (None when it was never put to the vote).
    ``end``: when the vote ends (its recorded closing, else this instant or the session's)."""
    if item.vote_at is None:
        return None
    plan = app.definitions().plan
    rules = plan.session_rules
    voting = [e.code for e in plan.voting_members]
    rule = rules.quorum_second_call if row.call == "second" else rules.quorum_first_call
    stays_ = stays(conn, row.id)
    q = quorum.check(rule, voting, stays_, item.vote_at)
    ballots: dict[str, Sense] = {v.entity_code: v.sense for v in conn.execute(select(V).where(V.c.item_id == item.id))}
    impeded = set(conn.execute(select(CF.c.entity_code).where(CF.c.item_id == item.id)).scalars())
    gone = left_without_voting(stays_, set(q.present), ballots, item.vote_at, item.vote_closed_at or end or app.clock.now())
    presidency = plan.commission.presidency
    own = ballots.get(presidency)
    casting: Sense | None = item.casting if item.casting else (own if own in ("for", "against") else None)
    # the casting vote is the presidency's in the room and free to intervene: absent when the item
    # was put to the vote, gone before it ended, or impeded on the item (a declared conflict of
    # interest: art. 101.1 asks a vote only of those «no impedidos legalmente de intervenir»), it
    # breaks no tie, and a tie leaves the item not approved
    present_now = set(q.present) - gone
    # a casting vote not yet given can only be given by the presidency still in the room at the
    # moment of deciding (the session's conclusion, or now)
    moment = end or row.closed_at or app.clock.now()
    in_room = presidency in present_now and remains(stays_, presidency, item.vote_at, moment)
    can_decide = presidency not in impeded and (
        item.casting is not None or own in ("for", "against") or in_room
    )
    tie_breaker = rules.tie_breaker if can_decide or rules.tie_breaker != "presidency" else "none"
    return decide(
        voting_members=voting, present=present_now, impeded=impeded, ballots=ballots, quorum_required=q.required,
        majority=rules.majority, tie_breaker=tie_breaker, casting=casting, out_of_agenda=item.out_of_agenda,
    )


def _presidency_at_vote(app: App, conn: Connection, item: Any, stays_: list[Any]) -> bool:
    """The presidency was present when the item was put to the vote and had not left without
    voting by now (``stays_``: the session's attendance)."""
    presidency = app.definitions().plan.commission.presidency
    if instant_capacity(stays_, presidency, item.vote_at) is None:
        return False
    voted = conn.execute(select(V.c.id).where(V.c.item_id == item.id, V.c.entity_code == presidency)).first()
    return voted is not None or remains(stays_, presidency, item.vote_at, item.vote_closed_at or app.clock.now())


@dataclass(frozen=True)
class AgreementSummary:
    number: int
    position: int
    text: str
    result: str


@dataclass(frozen=True)
class Closing:
    label: str
    acta: str | None
    agreements: list[AgreementSummary]


def _refuse_undecidable(plan: Any, position: int, decision: Decision) -> None:
    basis = plan.session_rules.legal_basis
    if decision.outcome == "incomplete":
        names = ", ".join(sorted(decision.tally.missing))
        may_abstain = " (o se abstiene, con fundamento escrito)" if plan.session_rules.abstention.allowed else ""
        raise SessionRuleViolation(
            f"En el punto {position} faltan votar: {names}. Todo integrante presente y no impedido vota "
            f"a favor o en contra{may_abstain} ({basis.obligation_to_vote})."
        )
    if decision.outcome == "tie":
        raise SessionRuleViolation(
            f"Empate en el punto {position}: la Presidencia ({plan.commission.presidency}) tiene el voto dirimente "
            f"({basis.tie_breaker}); regístrelo antes de concluir la sesión."
        )
    if decision.outcome == "no_quorum":
        raise SessionRuleViolation(
            f"Según la asistencia registrada, no había quórum al votarse el punto {position} "
            f"({decision.tally.present} presentes con voto, sin contar a quienes se retiraron sin votar): si la "
            "asistencia es correcta, cierre la votación del punto desde la consola (queda sin acuerdo por falta de "
            "quórum); si no, corrija las horas de llegada o salida."
        )


def close(app: App, actor: Actor, session_id: int, *, at: datetime | None = None) -> Closing:
    """Conclude the session: agreements, their effects and the acta's number, in one transaction."""
    defs = app.definitions()
    plan = defs.plan
    with refusals(app, actor, "session close", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            label = session_label(plan, row)
            clock_now = app.clock.now()
            now = at or clock_now
            not_cancelled(row)
            if row.kind == "trabajo":
                if row.status == "closed":
                    raise SessionRuleViolation("La reunión ya concluyó.")
                check_meeting_end(row.scheduled_at, now, clock_now)
                conn.execute(update(S).where(S.c.id == session_id).values(status="closed", closed_at=now))
                return Closing(label, None, [])
            if row.status == "closed":
                raise SessionRuleViolation("La sesión ya concluyó.")
            if row.status != "open":
                raise SessionRuleViolation("Solo se concluye una sesión instalada: esta sesión aún no se instala.")
            items = conn.execute(select(IT).where(IT.c.session_id == session_id).order_by(IT.c.position)).all()
            # the last act of voting: an item put to the vote, a vote closed, a ballot cast as it happened
            acts = [t for i in items for t in (i.vote_at, i.vote_closed_at) if t is not None]
            acts += [t for t in conn.execute(
                select(VH.c.cast_at).join(IT, IT.c.id == VH.c.item_id).where(IT.c.session_id == session_id, VH.c.live)
            ).scalars() if t is not None]
            check_closing_time(row.opened_at, max(acts) if acts else None, now, clock_now)
            decided: list[tuple[Any, Decision]] = []
            for item in items:
                if item.kind not in VOTED_KINDS:
                    continue
                decision = decision_for(app, conn, row, item, now)
                if decision is None:
                    continue
                if decision.outcome == "no_quorum" and item.vote_closed_at is not None:
                    continue  # its vote was closed without quorum: no agreement, as the acta says
                _refuse_undecidable(plan, item.position, decision)
                decided.append((item, decision))
            year = row.year
            last = conn.execute(select(func.max(AC.c.number)).where(AC.c.year == year)).scalar()
            number = int(last or 0) + 1
            code = acta_code(plan.session_rules.acta_number_pattern, number, year, plan.commission.code)
            conn.execute(insert(AC).values(session_id=session_id, code=code, year=year, number=number,
                                           state="draft", drafted_at=now))
            out: list[AgreementSummary] = []
            for n, (item, decision) in enumerate(decided, start=1):
                result = "passed" if decision.passed else "rejected"
                t = decision.tally
                text = _agreement_text(item, decision, plan.session_rules.tie_breaker,
                                       presidency_impeded(conn, item, plan.commission.presidency))
                agreement_id = conn.execute(insert(AG).values(
                    session_id=session_id, item_id=item.id, number=n, result=result, votes_for=t.votes_for,
                    against=t.against, abstentions=t.abstentions, electorate=t.electorate, present=t.present,
                    tie_broken=decision.tie_broken, text=text, decided_at=now,
                ).returning(AG.c.id)).scalar_one()
                ref = f"{label} del {fecha(row.scheduled_at)}, Acuerdo N° {n}, {code}"
                _carry_out(app, conn, item, decision, ref, text, now, int(agreement_id))
                out.append(AgreementSummary(n, item.position, text, result))
            conn.execute(update(IT).where(IT.c.session_id == session_id, IT.c.vote_at.is_not(None),
                                          IT.c.vote_closed_at.is_(None)).values(vote_closed_at=now))
            conn.execute(update(S).where(S.c.id == session_id).values(status="closed", closed_at=now))
    from conaig_flow.services import checkpoints

    checkpoints.write(app, f"cierre de la {label} ({code})")
    return Closing(label, code, out)


def _agreement_text(item: Any, decision: Decision, tie_breaker: str = "presidency", impeded: bool = False) -> str:
    """``impeded``: the presidency declared a conflict of interest on the item."""
    t = decision.tally
    verb = "APROBADO" if decision.passed else "NO APROBADO"
    counts = f"{t.votes_for} a favor, {t.against} en contra, {cuenta(t.abstentions, 'abstención')}"
    tie = "; empate dirimido por la Presidencia" if decision.tie_broken else ""
    if tie_breaker == "presidency" and not decision.passed and not decision.tie_broken \
            and t.votes_for == t.against and t.electorate > 0 and not item.out_of_agenda:
        why = "estaba impedida de intervenir en el punto" if impeded else "no estaba presente"
        tie = f"; empate sin voto dirimente: la Presidencia {why}"
    return f"{item.text}: {verb} ({counts}{tie})"


def _carry_out(
    app: App, conn: Connection, item: Any, decision: Decision, ref: str, text: str, now: datetime, agreement_id: int
) -> None:
    """The agreement's effects. Its steps on deliverables are taken by the system on behalf of
    the session (no person fires an in-session step), with the agreement as their evidence."""
    plan = app.definitions().plan
    evidence = Evidence(session_ref=ref, comment=text, agreement_id=agreement_id)
    if item.kind == "approve" and item.deliverable_id is not None:
        trigger = "approve" if decision.passed else "record_agreement"
        deliverables.advance_in(app, conn, SYSTEM, item.deliverable_id, trigger, evidence)
    if item.kind == "form_team" and decision.passed:
        members = json.loads(item.team_members)
        activity = forming_activity(app)
        name = f"Equipo de trabajo {item.team_code}"
        conn.execute(insert(T).values(code=item.team_code, name=name, activity=activity, formed_at=now, session_ref=ref))
        conn.execute(insert(TM), [{"team_code": item.team_code, "entity_code": m} for m in members])
        ensure_deliverables(app, conn, app.definitions(), for_team(plan, activity, item.team_code, name),
                            f"Creado al conformarse el equipo {item.team_code} ({ref})", now)
    if item.fulfils_id is not None and not decision.passed:
        deliverables.advance_in(app, conn, SYSTEM, item.fulfils_id, "record_agreement", evidence)
