"""Tables of public consultations: organisations, consultations, invitations, contributions
and the answers of the systematisation matrix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from conaig_flow.store.tables import _ts


class OrganisationRow(SQLModel, table=True):
    __tablename__ = "organisations"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str
    region: str
    emails: str  # JSON list
    created_at: datetime = Field(sa_column=_ts())


class ConsultationRow(SQLModel, table=True):
    __tablename__ = "consultations"
    id: int | None = Field(default=None, primary_key=True)
    deliverable_id: int = Field(foreign_key="deliverables.id", index=True)
    title: str
    document_sha256: str = Field(foreign_key="documents.sha256")
    document_name: str
    opens_at: datetime = Field(sa_column=_ts())
    closes_at: datetime = Field(sa_column=_ts())
    public: bool = False
    created_by: str
    created_at: datetime = Field(sa_column=_ts())


class ConsultationQuestionRow(SQLModel, table=True):
    __tablename__ = "consultation_questions"
    __table_args__ = (UniqueConstraint("consultation_id", "seq", name="uq_question_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id")
    seq: int
    text: str


class InvitationRow(SQLModel, table=True):
    __tablename__ = "consultation_invitations"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id", name="uq_invitation"),)
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id")
    organisation_id: int = Field(foreign_key="organisations.id")
    token_sha256: str = Field(unique=True)  # the token itself is only in the invitation email
    invited_at: datetime = Field(sa_column=_ts())


class ContributionRow(SQLModel, table=True):
    """Never edited after submission; a correction is a new row that supersedes it."""

    __tablename__ = "contributions"
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    invitation_id: int | None = Field(default=None, foreign_key="consultation_invitations.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id")
    submitter_name: str
    submitter_organisation: str
    submitter_email: str
    question_id: int | None = Field(default=None, foreign_key="consultation_questions.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    attachment_sha256: str | None = Field(default=None, foreign_key="documents.sha256")
    attachment_name: str | None = None
    source: str  # invitation | public | secretariat
    client_address: str | None = None
    supersedes_id: int | None = Field(default=None, foreign_key="contributions.id")
    received_at: datetime = Field(sa_column=_ts(index=True))


class ContributionAnswerRow(SQLModel, table=True):
    __tablename__ = "contribution_answers"
    contribution_id: int = Field(foreign_key="contributions.id", primary_key=True)
    decision: str  # accepted | partly_accepted | not_accepted
    reason: str = Field(sa_column=Column(Text, nullable=False))
    change_location: str | None = None
    answered_by: str
    answered_at: datetime = Field(sa_column=_ts())
