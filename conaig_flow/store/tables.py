"""The core tables (issue: plan, deliverables, events, users, documents).

Table models are persistence only: services hand domain objects or plain dicts across
boundaries, never these classes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from conaig_flow.store.types import UTCDateTime

metadata = SQLModel.metadata


def _ts(nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


class DefinitionRow(SQLModel, table=True):
    """Every version of a plan or lifecycle file ever loaded (the newest one is in force)."""

    __tablename__ = "definitions"
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str = Field(index=True)
    kind: str  # "plan" | "lifecycle"
    name: str
    sha256: str
    text: str
    loaded_at: datetime = Field(sa_column=_ts())


class EntityRow(SQLModel, table=True):
    __tablename__ = "entities"
    code: str = Field(primary_key=True)
    name: str
    participation: str  # member | invited | commission
    votes: bool = False


class TeamRow(SQLModel, table=True):
    """A working team formed by the commission (e.g. in A2.1); it may own deliverables."""

    __tablename__ = "teams"
    code: str = Field(primary_key=True)
    name: str
    activity: str
    formed_at: datetime = Field(sa_column=_ts())
    session_ref: str | None = None


class TeamMemberRow(SQLModel, table=True):
    __tablename__ = "team_members"
    team_code: str = Field(foreign_key="teams.code", primary_key=True)
    entity_code: str = Field(foreign_key="entities.code", primary_key=True)


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    name: str
    entity_code: str = Field(foreign_key="entities.code", index=True)
    role: str
    capacity: str | None = None  # for commission members: "titular" | "alterno"
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=_ts())


class DeliverableRow(SQLModel, table=True):
    __tablename__ = "deliverables"
    __table_args__ = (
        UniqueConstraint("plan_code", "activity", "owner", "period", name="uq_deliverable_key"),
        Index("ix_deliverables_state_due", "state", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str
    activity: str
    kind: str
    owner: str = Field(index=True)
    owner_kind: str  # entity | commission | team
    period: str
    title: str
    due_at: datetime = Field(sa_column=_ts())
    state: str
    version: int = 1
    head_hash: str
    origin: str
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())
    # sha256 of the identity fields (domain.audit_chain.IDENTITY_FIELDS), written at creation
    identity_hash: str | None = None


class EventRow(SQLModel, table=True):
    """Append-only history of a deliverable; each row carries the previous row's hash."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("deliverable_id", "seq", name="uq_event_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    deliverable_id: int = Field(foreign_key="deliverables.id")
    seq: int
    actor_email: str
    actor_role: str
    actor_entity: str
    trigger: str
    from_state: str
    to_state: str
    comment: str | None = None
    documents: str = "[]"  # JSON list of sha256
    norm_reference: str | None = None
    session_ref: str | None = None
    at: datetime = Field(sa_column=_ts(index=True))
    prev_hash: str
    hash: str
    #: The session agreement that took this step (``in_session`` transitions; migration 0006).
    #: No foreign key: the core tables do not depend on the sessions branch; the link is
    #: checked when written and by ``conaig audit sessions``.
    agreement_id: int | None = None


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"
    sha256: str = Field(primary_key=True)
    size: int
    media_type: str
    stored_at: datetime = Field(sa_column=_ts())


class DeliverableDocumentRow(SQLModel, table=True):
    __tablename__ = "deliverable_documents"
    id: int | None = Field(default=None, primary_key=True)
    deliverable_id: int = Field(foreign_key="deliverables.id", index=True)
    sha256: str = Field(foreign_key="documents.sha256")
    name: str
    uploaded_by: str
    uploaded_at: datetime = Field(sa_column=_ts())
    event_seq: int | None = None
    # sha256 of the attachment's fields, its name above all (domain.audit_chain.ATTACHMENT_FIELDS)
    row_hash: str | None = None


class RefusedAttemptRow(SQLModel, table=True):
    """Every refused action: who tried what on which target, and why it was refused."""

    __tablename__ = "refused_attempts"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts(index=True))
    actor_email: str
    actor_role: str
    actor_entity: str
    action: str
    target: str
    reason: str


class NonWorkingDayRow(SQLModel, table=True):
    """An extra non-working day for the public sector (beyond the national holidays)."""

    __tablename__ = "non_working_days"
    day: date = Field(primary_key=True)
    note: str
    added_by: str
    added_at: datetime = Field(sa_column=_ts())
