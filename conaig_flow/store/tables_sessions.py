"""Tables of sessions of the commission (issue 3): sessions and working meetings, agenda
items, attendance, declarations of conflict, votes, agreements, actas and their signatures,
and the documents of a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from conaig_flow.store.tables import _ts


class SessionRow(SQLModel, table=True):
    """A session (ordinaria / extraordinaria) or a working meeting (trabajo)."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("plan_code", "kind", "year", "number", name="uq_session_number"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str
    kind: str  # ordinaria | extraordinaria | trabajo
    year: int
    number: int
    modality: str  # presencial | virtual
    place: str | None = None  # a room, or the link of a virtual session
    title: str | None = None  # working meetings: what the meeting is
    activity: str | None = None  # working meetings: the plan activity it serves (A3.1)
    scheduled_at: datetime = Field(sa_column=_ts())
    second_call_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    status: str  # planned | convened | open | closed | cancelled
    sequence: int = 0  # the calendar event's SEQUENCE: raised by every postponement and the cancellation
    convened_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    opened_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    call: str | None = None  # first | second
    quorum_required: int | None = None
    quorum_present: int | None = None
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    summary: str | None = None  # working meetings
    checkin_open: bool = False  # members may check in from their own devices (issue 13)
    created_by: str
    created_at: datetime = Field(sa_column=_ts())


class SessionItemRow(SQLModel, table=True):
    __tablename__ = "session_items"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_session_item_position"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    position: int
    kind: str  # approve | form_team | note | other
    text: str
    deliverable_id: int | None = Field(default=None, foreign_key="deliverables.id")
    fulfils_id: int | None = Field(default=None, foreign_key="deliverables.id")  # a session_acta deliverable
    team_code: str | None = None
    team_members: str | None = None  # JSON list of entity codes
    out_of_agenda: bool = False
    summary: str | None = None  # deliberation
    vote_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    casting: str | None = None  # the presidency's deciding vote on a tie
    vote_closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # no ballot nor correction after
    added_at: datetime = Field(sa_column=_ts())


class AttendanceRow(SQLModel, table=True):
    __tablename__ = "session_attendance"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    capacity: str  # titular | alterno | invited | secretariat
    person_name: str | None = None
    arrived_at: datetime = Field(sa_column=_ts())
    left_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ConflictRow(SQLModel, table=True):
    __tablename__ = "session_conflicts"
    __table_args__ = (UniqueConstraint("item_id", "entity_code", name="uq_conflict_item_entity"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="session_items.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    reason: str
    declared_at: datetime = Field(sa_column=_ts())


class VoteRow(SQLModel, table=True):
    __tablename__ = "session_votes"
    __table_args__ = (UniqueConstraint("item_id", "entity_code", name="uq_vote_item_entity"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="session_items.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    capacity: str  # titular | alterno
    person_name: str | None = None
    sense: str  # for | against | abstain
    reason: str | None = None
    recorded_by: str
    cast_at: datetime = Field(sa_column=_ts())
    singular: bool = False  # a voto singular: written grounds may follow (Ley N° 27444 art. 97.3)
    grounds: str | None = None  # the voto singular's written grounds
    grounds_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    grounds_waived_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class AgreementRow(SQLModel, table=True):
    __tablename__ = "session_agreements"
    __table_args__ = (UniqueConstraint("session_id", "number", name="uq_agreement_number"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    item_id: int = Field(foreign_key="session_items.id", unique=True)
    number: int
    result: str  # passed | rejected
    votes_for: int
    against: int
    abstentions: int
    electorate: int
    present: int
    tie_broken: bool = False
    text: str
    decided_at: datetime = Field(sa_column=_ts())


class ActaRow(SQLModel, table=True):
    __tablename__ = "session_actas"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", unique=True)
    code: str = Field(unique=True)  # ACTA N° 001-2022-CONAIG
    year: int
    number: int
    state: str  # draft | approved | signed
    drafted_at: datetime = Field(sa_column=_ts())
    approved_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    approved_in: int | None = Field(default=None, foreign_key="sessions.id")
    signed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    document_sha256: str | None = Field(default=None, foreign_key="documents.sha256")


class SignatureRow(SQLModel, table=True):
    __tablename__ = "session_acta_signatures"
    __table_args__ = (UniqueConstraint("acta_id", "entity_code", "role", name="uq_signature"),)
    id: int | None = Field(default=None, primary_key=True)
    acta_id: int = Field(foreign_key="session_actas.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    role: str  # presidency | secretariat | member
    person_name: str | None = None
    signed_at: datetime = Field(sa_column=_ts())


class SignRequestRow(SQLModel, table=True):
    """An attendee who asked to sign the acta (Ley N° 27444 art. 102): a signer too."""

    __tablename__ = "session_acta_sign_requests"
    __table_args__ = (UniqueConstraint("acta_id", "entity_code", name="uq_sign_request"),)
    id: int | None = Field(default=None, primary_key=True)
    acta_id: int = Field(foreign_key="session_actas.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    requested_at: datetime = Field(sa_column=_ts())


class SessionChangeRow(SQLModel, table=True):
    """A session cancelled or postponed before its installation, with its reason."""

    __tablename__ = "session_changes"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    kind: str  # cancel | postpone
    reason: str
    previous_at: datetime = Field(sa_column=_ts())
    new_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    new_second_call_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sequence: int
    changed_by: str
    changed_at: datetime = Field(sa_column=_ts())


class SessionDocumentRow(SQLModel, table=True):
    __tablename__ = "session_documents"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    sha256: str = Field(foreign_key="documents.sha256")
    name: str
    role: str  # agenda (documents of the convocatoria) | result (working meeting) | acta
    uploaded_by: str
    uploaded_at: datetime = Field(sa_column=_ts())


class VoteHistoryRow(SQLModel, table=True):
    """Every ballot cast on an item, in order: the first one and each correction, with who cast
    it (the secretariat for the entity, or the member from their own device). The one that
    counts is in ``session_votes`` (one per entity and item): the latest while the vote is open."""

    __tablename__ = "session_vote_history"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="session_items.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    capacity: str  # titular | alterno
    person_name: str | None = None
    sense: str
    reason: str | None = None
    singular: bool = False
    cast_by: str  # the account's email
    cast_by_role: str  # secretariat | admin | member
    correction: bool = False  # it replaced an earlier ballot of the same entity
    cast_at: datetime = Field(sa_column=_ts())
    # A correction that replaced a voto singular whose written grounds were already handed or
    # waived keeps them here, so nothing received is lost (a correction to the same voto
    # singular leaves them on the counting row, and nothing here).
    # cast as it happened (no instant given: the console, a member's phone, a page or command
    # without a time), so ``cast_at`` is when the representative voted; otherwise recorded
    # afterwards with the vote's instant, and ``cast_at`` is only when it was typed
    live: bool = False
    replaced_grounds: str | None = None
    replaced_grounds_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    replaced_grounds_waived_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class CheckInRow(SQLModel, table=True):
    """A member's check-in from their own device: the secretariat confirms (an attendance row)
    or declines it."""

    __tablename__ = "session_checkins"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    capacity: str  # titular | alterno
    user_email: str
    person_name: str | None = None
    requested_at: datetime = Field(sa_column=_ts())
    status: str = "pending"  # pending | confirmed | declined
    answered_by: str | None = None
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ItemRequestRow(SQLModel, table=True):
    """A member's request to put an item on the agenda (Ley N° 27444 art. 97.4), accepted or
    declined with a reason by the secretariat."""

    __tablename__ = "session_item_requests"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    entity_code: str = Field(foreign_key="entities.code")
    user_email: str
    text: str
    requested_at: datetime = Field(sa_column=_ts())
    status: str = "pending"  # pending | accepted | declined
    reason: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    position: int | None = None  # the agenda item it became
