"""What the secretariat's console and the members' page read: the session record, who is
present now and in which capacity, who may vote on each item, the pending check-ins and
requests for items, the earlier actas still to approve, and the live part (quorum line,
attendance, tallies) that open pages poll."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import NotFound
from conaig_flow.services.sessions import agenda, members
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions.agenda import ItemRequest
from conaig_flow.services.sessions.members import CheckIn, Membership
from conaig_flow.services.sessions.views import ItemView, SessionRecord
from conaig_flow.web.views import sessions as session_pages


@dataclass(frozen=True)
class EntityLine:
    """One line of the attendance form: an entity and its capacity present now (or None)."""

    code: str
    name: str
    has_vote: bool
    present_as: str | None


@dataclass(frozen=True)
class Live:
    """The part of a page that follows the session without reloading."""

    record: SessionRecord
    quorum_line: str
    quorum_met: bool
    pending_checkins: list[CheckIn]
    pending_requests: int
    #: Changes when what the page offers changes (a vote opened or closed, check-in opened,
    #: the session installed or closed): a member's page then reloads itself.
    shape: str


@dataclass(frozen=True)
class Console:
    live: Live
    entities: list[EntityLine]
    invited: list[EntityLine]
    secretariat: EntityLine
    voters: dict[int, list[str]]  # item position → entities present and entitled to vote
    requests: list[ItemRequest]
    earlier_actas: list[session_pages.Candidate]
    abstention_allowed: bool
    names: dict[str, str] = field(default_factory=dict)
    out_of_agenda_basis: str = ""  # the article that allows an item outside the agenda


def quorum_line(app: App, record: SessionRecord) -> tuple[str, bool]:
    rules = app.definitions().plan.session_rules
    basis = rules.legal_basis.quorum_second_call if record.call == "second" else rules.legal_basis.quorum_first_call
    met = record.quorum_now_present >= record.quorum_now_required
    head = "Hay quórum" if met else "Sin quórum"
    return (f"{head}: {record.quorum_now_present} de {record.voting_members}; "
            f"se requieren {record.quorum_now_required} ({basis})."), met


def _shape(record: SessionRecord) -> str:
    parts = [record.status, str(record.checkin_open), record.acta_state or ""]
    parts += [f"{i.position}:{i.vote_at is not None}:{i.vote_closed_at is not None}" for i in record.items]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def live(app: App, actor: Actor, session_id: int) -> Live:
    record = session_pages.record_for(app, actor, session_id)
    line, met = quorum_line(app, record)
    run = session_pages.can_run(actor)
    pending = [c for c in members.checkins(app, session_id) if c.status == "pending"] if run else []
    requests = sum(r.status == "pending" for r in agenda.requests_for(app, session_id)) if run else 0
    return Live(record, line, met, pending, requests, _shape(record))


def present_now(record: SessionRecord) -> dict[str, str]:
    """Entity code → capacity of its open stay (no departure) now."""
    return {a.entity: a.capacity for a in record.attendees if a.left_at is None}


def console(app: App, actor: Actor, session_id: int) -> Console:
    session_pages.require_runner(app, actor, "session console")
    lv = live(app, actor, session_id)
    plan = app.definitions().plan
    here = present_now(lv.record)
    voters = {i.position: session_console.voters(app, session_id, i.position)
              for i in lv.record.items if _votable(lv.record, i)}
    sec = plan.commission.secretariat
    return Console(
        out_of_agenda_basis=plan.session_rules.legal_basis.out_of_agenda,
        live=lv,
        entities=[EntityLine(e.code, e.name, True, here.get(e.code)) for e in plan.voting_members],
        invited=[EntityLine(e.code, e.name, False, here.get(e.code)) for e in plan.entities if not e.has_vote],
        secretariat=EntityLine(sec.unit_code, sec.unit_name, False, here.get(sec.unit_code)),
        voters=voters,
        requests=agenda.requests_for(app, session_id),
        earlier_actas=[session_pages.Candidate(s.id, f"{s.acta_code} ({s.label})")
                       for s in session_views.list_sessions(app)
                       if s.id != session_id and s.acta_code and _draft(app, s.id)],
        abstention_allowed=plan.session_rules.abstention.allowed,
        names={e.code: e.name for e in plan.entities},
    )


def _draft(app: App, session_id: int) -> bool:
    return session_views.session_record(app, session_id).acta_state == "draft"


def _votable(record: SessionRecord, item: ItemView) -> bool:
    return record.status == "open" and item.kind != "note" and item.vote_closed_at is None and item.agreement_number is None


@dataclass(frozen=True)
class MemberPage:
    live: Live
    me: Membership
    my_checkins: list[CheckIn]
    my_votes: dict[int, Any]  # position → the vote that counts for my entity (VoteView)
    represented_by: str | None  # capacity of my entity's representative present now
    requests: list[ItemRequest]
    abstention_allowed: bool


def member_page(app: App, actor: Actor, session_id: int) -> MemberPage:
    me = members.membership(app, actor)
    lv = live(app, actor, session_id)
    mine = {i.position: next((v for v in i.votes if v.entity == me.entity), None) for i in lv.record.items}
    return MemberPage(
        live=lv, me=me, my_checkins=members.checkins(app, session_id, email=actor.email), my_votes=mine,
        represented_by=present_now(lv.record).get(me.entity),
        requests=[r for r in agenda.requests_for(app, session_id) if r.user_email == actor.email],
        abstention_allowed=app.definitions().plan.session_rules.abstention.allowed,
    )


def attachment_for(app: App, actor: Actor, session_id: int, sha256: str) -> tuple[str, bytes]:
    """(name, content) of a document attached to the session, for whoever may read the session."""
    record = session_pages.record_for(app, actor, session_id)
    match = next((d for d in record.documents if d[2] == sha256), None)
    if match is None:
        raise NotFound("La sesión no tiene ese documento.")
    return match[0], app.documents.read(sha256)
