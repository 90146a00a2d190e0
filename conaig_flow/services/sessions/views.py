"""The read model of a session: everything ``session show``, the acta and the convocatoria
need, as plain records (no table rows cross this boundary)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain import quorum
from conaig_flow.domain.acta import ACTA_STATES, SIGNER_LABELS, WHY_LABELS
from conaig_flow.domain.ballot import grounds_state
from conaig_flow.domain.quorum import Presence
from conaig_flow.services.plan_amendments import definitions_at
from conaig_flow.services.sessions.common import (
    AC,
    AG,
    AT,
    CAPACITY_LABELS,
    CF,
    CH,
    IT,
    KIND_LABELS,
    SD,
    SENSE_LABELS,
    STATUS_LABELS,
    V,
    entity_name,
    load_session,
    session_label,
    stays,
)
from conaig_flow.services.sessions.signers import signers_in
from conaig_flow.store.tables_sessions import VoteHistoryRow
from conaig_flow.store.tables_signatures import PdfSignatureRow, SignedDocumentRow

RESULT_LABELS = {"passed": "Aprobado", "rejected": "No aprobado", "no_quorum": "Sin acuerdo, por falta de quórum", "incomplete": "Votación en curso",
                 "tie": "Empate (dirime la Presidencia)"}


PSIG = PdfSignatureRow.__table__  # type: ignore[attr-defined]
SDOC = SignedDocumentRow.__table__  # type: ignore[attr-defined]
VH = VoteHistoryRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AttendeeView:
    entity: str
    entity_name: str
    capacity: str
    capacity_label: str
    person: str | None
    arrived_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class VoteView:
    entity: str
    entity_name: str
    capacity: str
    person: str | None
    sense: str
    sense_label: str
    reason: str | None
    singular: bool = False
    grounds: str | None = None  # a voto singular's written grounds
    grounds_status: str | None = None  # received | waived | pending | lapsed
    grounds_label: str | None = None
    recorded_by: str | None = None  # the account that cast the ballot that counts


@dataclass(frozen=True)
class BallotView:
    """One ballot in an item's history: the first one of an entity, or a correction."""

    entity: str
    capacity: str
    sense_label: str
    reason: str | None
    cast_by: str
    by_member: bool
    correction: bool
    cast_at: datetime
    replaced_grounds: str | None = None  # the written grounds of the voto singular this correction replaced
    replaced_grounds_waived: bool = False  # ... or their waiver


@dataclass(frozen=True)
class ItemView:
    position: int
    kind: str
    text: str
    deliverable_id: int | None
    out_of_agenda: bool
    summary: str | None
    vote_at: datetime | None
    quorum_required: int | None
    quorum_present: int | None
    votes: list[VoteView]
    conflicts: list[tuple[str, str]]  # (entity, reason)
    votes_for: int
    against: int
    abstentions: int
    result: str | None  # passed | rejected | tie | incomplete | no_quorum | None (not voted)
    result_label: str
    agreement_number: int | None
    agreement_text: str | None
    vote_closed_at: datetime | None = None
    history: list[BallotView] = field(default_factory=list)
    left_without_voting: list[str] = field(default_factory=list)  # present when called, gone before voting


@dataclass(frozen=True)
class SignatureView:
    entity: str
    role: str
    role_label: str
    person: str | None
    signed_at: datetime


@dataclass(frozen=True)
class SignerView:
    """One of the acta's signers (computed: Ley N° 27444 art. 102) and whether it signed."""

    entity: str
    role: str
    role_label: str
    why_label: str
    signed: bool


@dataclass(frozen=True)
class ChangeView:
    kind: str  # cancel | postpone
    kind_label: str
    reason: str
    previous_at: datetime
    new_at: datetime | None
    changed_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    id: int
    label: str
    kind: str
    kind_label: str
    modality: str
    place: str | None
    title: str | None
    activity: str | None
    scheduled_at: datetime
    second_call_at: datetime | None
    status: str
    status_label: str
    convened_at: datetime | None
    opened_at: datetime | None
    call: str | None
    quorum_required: int | None
    quorum_present: int | None
    closed_at: datetime | None
    summary: str | None
    commission: str
    commission_name: str
    presidency: str
    presidency_name: str
    secretariat: str
    voting_members: int
    quorum_now_required: int
    quorum_now_present: int
    attendees: list[AttendeeView]
    items: list[ItemView]
    acta_code: str | None = None
    acta_state: str | None = None
    acta_state_label: str | None = None
    acta_approved_at: datetime | None = None
    acta_approved_in: str | None = None
    signatures: list[SignatureView] = field(default_factory=list)
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # (name, role, sha256)
    #: Who attended the session itself: stays overlapping its installation and conclusion
    #: (a first call that did not install, the day before, is not part of it).
    acta_attendees: list[AttendeeView] = field(default_factory=list)
    signers: list[SignerView] = field(default_factory=list)
    grounds_pending: bool = False  # a voto singular's written grounds are still awaited
    changes: list[ChangeView] = field(default_factory=list)
    sequence: int = 0
    checkin_open: bool = False

    def to_json(self) -> dict[str, Any]:
        def conv(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.astimezone(LIMA).isoformat()
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [conv(v) for v in value]
            return value

        data: dict[str, Any] = conv(asdict(self))
        return data


def session_record(app: App, session_id: int) -> SessionRecord:
    with app.db.read() as conn:
        return record_in(app, conn, session_id)


def record_in(app: App, conn: Connection, session_id: int) -> SessionRecord:
    from conaig_flow.services.sessions.votes import decision_for, left_without_voting

    row = load_session(conn, session_id)
    # a concluded session names the entities as they were named when it concluded
    plan = definitions_at(app, conn, row.closed_at).plan
    rules = plan.session_rules
    voting = [e.code for e in plan.voting_members]
    all_stays = stays(conn, session_id)
    rule = rules.quorum_second_call if row.call == "second" else rules.quorum_first_call
    now = app.clock.now()
    now_q = quorum.check(rule, voting, all_stays, now)
    sec = plan.commission.secretariat
    attendees = [
        AttendeeView(a.entity_code if a.capacity != "secretariat" else sec.unit_code,
                     entity_name(plan, a.entity_code) if a.capacity != "secretariat" else sec.unit_name,
                     a.capacity, CAPACITY_LABELS.get(a.capacity, a.capacity), a.person_name, a.arrived_at, a.left_at)
        for a in conn.execute(select(AT).where(AT.c.session_id == session_id).order_by(AT.c.arrived_at, AT.c.id))
    ]
    order = {e.code: i for i, e in enumerate(plan.entities)}
    items: list[ItemView] = []
    for it in conn.execute(select(IT).where(IT.c.session_id == session_id).order_by(IT.c.position)).all():
        votes = sorted((_vote_view(plan, v, it.vote_at, now) for v in conn.execute(select(V).where(V.c.item_id == it.id))),
                       key=lambda v: order.get(v.entity, 999))
        conflicts = [(c.entity_code, c.reason) for c in conn.execute(select(CF).where(CF.c.item_id == it.id).order_by(CF.c.id))]
        ag = conn.execute(select(AG).where(AG.c.item_id == it.id)).first()
        q_required = q_present = None
        gone: list[str] = []
        if it.vote_at is not None:
            q = quorum.check(rule, voting, all_stays, it.vote_at)
            ballots = {v.entity for v in votes}
            end = it.vote_closed_at or (row.closed_at if row.status == "closed" else None) or now
            gone = sorted(left_without_voting(all_stays, set(q.present), dict.fromkeys(ballots), it.vote_at, end),
                          key=lambda e: order.get(e, 999))
            # those present when the vote was called, less those who left without voting (as the tally counts)
            q_required, q_present = q.required, q.count - len(gone)
        if ag is not None:
            result: str | None = ag.result
        elif it.kind == "note":
            result = None
        else:
            decision = decision_for(app, conn, row, it)
            result = decision.outcome if decision is not None else None
        label = RESULT_LABELS.get(result or "", "Se tomó conocimiento" if it.kind == "note" else "Sin votación")
        items.append(ItemView(
            it.position, it.kind, it.text, it.deliverable_id, it.out_of_agenda, it.summary, it.vote_at, q_required,
            q_present, votes, conflicts, sum(v.sense == "for" for v in votes), sum(v.sense == "against" for v in votes),
            sum(v.sense == "abstain" for v in votes), result, label, ag.number if ag else None, ag.text if ag else None,
            it.vote_closed_at, [
                BallotView(h.entity_code, h.capacity, SENSE_LABELS[h.sense], h.reason, h.cast_by,
                           h.cast_by_role == "member", bool(h.correction), h.cast_at, h.replaced_grounds,
                           h.replaced_grounds_waived_at is not None)
                for h in conn.execute(select(VH).where(VH.c.item_id == it.id).order_by(VH.c.id))
            ] if it.vote_at is not None else [], gone,
        ))
    acta = conn.execute(select(AC).where(AC.c.session_id == session_id)).first()
    signatures: list[SignatureView] = []
    signer_views: list[SignerView] = []
    approved_in = None
    if acta is not None:
        # a signer has signed only when its PAdES signature verified (pdf_signatures), never
        # because a row says so
        pades = conn.execute(
            select(PSIG.c.slot_key, PSIG.c.signer_name, PSIG.c.recorded_at)
            .join(SDOC, SDOC.c.id == PSIG.c.signed_document_id).where(SDOC.c.acta_id == acta.id).order_by(PSIG.c.id)
        ).all()
        by_slot = {str(r.slot_key): r for r in pades}

        def slot(role: str, entity: str) -> str:
            return f"member:{entity}" if role == "member" else role

        computed = signers_in(app, conn, session_id, acta.id)
        signer_views = [SignerView(g.entity, g.role, SIGNER_LABELS.get(g.role, g.role), WHY_LABELS[g.why],
                                   slot(g.role, g.entity) in by_slot) for g in computed]
        signatures = [SignatureView(g.entity, g.role, SIGNER_LABELS.get(g.role, g.role),
                                    str(by_slot[slot(g.role, g.entity)].signer_name),
                                    by_slot[slot(g.role, g.entity)].recorded_at)
                      for g in computed if slot(g.role, g.entity) in by_slot]
        if acta.approved_in is not None:
            approved_in = session_label(plan, load_session(conn, acta.approved_in))
    documents = [(d.name, d.role, d.sha256) for d in conn.execute(select(SD).where(SD.c.session_id == session_id).order_by(SD.c.id))]
    return SessionRecord(
        id=row.id, label=session_label(plan, row), kind=row.kind, kind_label=KIND_LABELS[row.kind],
        modality=row.modality, place=row.place, title=row.title, activity=row.activity,
        scheduled_at=row.scheduled_at, second_call_at=row.second_call_at, status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status), convened_at=row.convened_at, opened_at=row.opened_at,
        call=row.call, quorum_required=row.quorum_required, quorum_present=row.quorum_present, closed_at=row.closed_at,
        summary=row.summary, commission=plan.commission.code, commission_name=plan.commission.name,
        presidency=plan.commission.presidency, presidency_name=entity_name(plan, plan.commission.presidency),
        secretariat=f"{plan.commission.secretariat.unit_name} ({plan.commission.secretariat.unit_code})",
        voting_members=len(voting), quorum_now_required=now_q.required, quorum_now_present=now_q.count,
        attendees=attendees, items=items,
        acta_code=acta.code if acta else None, acta_state=acta.state if acta else None,
        acta_state_label=ACTA_STATES.get(acta.state) if acta else None,
        acta_approved_at=acta.approved_at if acta else None, acta_approved_in=approved_in,
        signatures=signatures, documents=documents,
        acta_attendees=[a for a in attendees if _within(a, row.opened_at, row.closed_at)] if row.opened_at else attendees,
        signers=signer_views,
        grounds_pending=any(v.grounds_status == "pending" for i in items for v in i.votes),
        changes=[ChangeView(c.kind, CHANGE_LABELS[c.kind], c.reason, c.previous_at, c.new_at, c.changed_at)
                 for c in conn.execute(select(CH).where(CH.c.session_id == session_id).order_by(CH.c.id))],
        sequence=int(row.sequence), checkin_open=bool(row.checkin_open),
    )


CHANGE_LABELS = {"cancel": "Suspendida", "postpone": "Reprogramada"}


def _within(a: AttendeeView, opened_at: datetime, closed_at: datetime | None) -> bool:
    """The stay overlaps the installed session (from its installation to its conclusion)."""
    ends = Presence(a.entity, a.capacity, a.arrived_at, a.left_at).ends_at
    return a.arrived_at <= (closed_at or ends) and ends > opened_at


def _vote_view(plan: Any, v: Any, vote_at: datetime | None, now: datetime) -> VoteView:
    g = grounds_state(plan.session_rules, vote_at or v.cast_at, v.grounds, v.grounds_waived_at is not None, now) \
        if v.singular else None
    return VoteView(v.entity_code, entity_name(plan, v.entity_code), v.capacity, v.person_name, v.sense,
                    SENSE_LABELS[v.sense], v.reason, bool(v.singular), v.grounds, g.status if g else None,
                    g.label if g else None, v.recorded_by)


@dataclass(frozen=True)
class SessionSummary:
    id: int
    label: str
    kind: str
    scheduled_at: datetime
    status: str
    status_label: str
    acta_code: str | None


def list_sessions(app: App) -> list[SessionSummary]:
    from conaig_flow.services.sessions.common import S

    plan = app.definitions().plan
    with app.db.read() as conn:
        rows = conn.execute(select(S).order_by(S.c.scheduled_at, S.c.id)).all()
        actas = {a.session_id: a.code for a in conn.execute(select(AC.c.session_id, AC.c.code))}
    return [SessionSummary(r.id, session_label(plan, r), r.kind, r.scheduled_at, r.status,
                           STATUS_LABELS.get(r.status, r.status), actas.get(r.id)) for r in rows]


def live_version(app: App, session_id: int) -> str:
    """A short key that changes whenever the live part of a session page would (attendance,
    ballots, items' votes, check-ins, requests, agreements, the acta, the Lima day): a few
    aggregate queries instead of the whole record, so an unchanged session answers 304 cheaply."""
    from sqlalchemy import func

    from conaig_flow.services.sessions.common import S
    from conaig_flow.store.tables_sessions import CheckInRow, ItemRequestRow

    ci = CheckInRow.__table__  # type: ignore[attr-defined]
    ir = ItemRequestRow.__table__  # type: ignore[attr-defined]
    with app.db.read() as conn:
        row = conn.execute(select(S.c.status, S.c.checkin_open, S.c.opened_at, S.c.closed_at).where(S.c.id == session_id)).first()
        parts: list[object] = [tuple(row) if row is not None else None, app.clock.now().astimezone(LIMA).date()]
        parts.append(tuple(conn.execute(select(func.count(), func.max(AT.c.id), func.count(AT.c.left_at))
                                        .where(AT.c.session_id == session_id)).one()))
        parts.append(tuple(conn.execute(select(func.count(), func.count(IT.c.vote_at), func.count(IT.c.vote_closed_at),
                                               func.max(IT.c.id), func.count(IT.c.casting))
                                        .where(IT.c.session_id == session_id)).one()))
        items = select(IT.c.id).where(IT.c.session_id == session_id)
        parts.append(tuple(conn.execute(select(func.count(), func.max(VH.c.id)).where(VH.c.item_id.in_(items))).one()))
        parts.append(tuple(conn.execute(select(func.count(), func.max(CF.c.id)).where(CF.c.item_id.in_(items))).one()))
        parts.append(conn.execute(select(func.count()).select_from(AG).where(AG.c.session_id == session_id)).scalar())
        parts.append(tuple(conn.execute(select(func.max(ci.c.id), func.count(ci.c.answered_at))
                                        .where(ci.c.session_id == session_id)).one()))
        parts.append(tuple(conn.execute(select(func.max(ir.c.id), func.count(ir.c.answered_at))
                                        .where(ir.c.session_id == session_id)).one()))
        parts.append(conn.execute(select(AC.c.state).where(AC.c.session_id == session_id)).scalar())
    return repr(parts)
