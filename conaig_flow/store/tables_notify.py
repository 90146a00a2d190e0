"""Tables of reminders and notifications (issue 4): the outbox, the sweep mark, and the extra
non-working days decreed for the public sector."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from conaig_flow.store.tables import NonWorkingDayRow, _ts


class OutboxRow(SQLModel, table=True):
    """One message to send. ``key`` is unique: a reminder (deliverable, rule, deadline) or an
    event (deliverable, event seq) is written once however many sweeps or workers run.

    status: pending → sending (claimed, with a lease) → sent | pending (retry) | dead;
    cancelled when the deliverable reached a state that makes the reminder moot.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_status_available", "status", "available_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str
    kind: str  # reminder | event | convocatoria | message
    template: str
    deliverable_id: int | None = Field(default=None, index=True)
    recipients: str  # JSON {"to": [...], "cc": [...]}
    context: str  # JSON, what the template needs
    attachments: str = "[]"  # JSON [{"filename", "content_type", "text"}]
    status: str = "pending"
    attempts: int = 0
    available_at: datetime = Field(sa_column=_ts())
    lease_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    claimed_by: str | None = None
    created_at: datetime = Field(sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    smtp_reply: str | None = None
    last_error: str | None = None


class ReminderSweepRow(SQLModel, table=True):
    """The instant up to which reminders have been swept (one row per plan)."""

    __tablename__ = "reminder_sweeps"
    plan_code: str = Field(primary_key=True)
    swept_until: datetime = Field(sa_column=_ts())


# ``NonWorkingDayRow`` lives in ``tables`` (the calendar of every deadline reads it); named here too.
__all__ = ["NonWorkingDayRow", "OutboxRow", "ReminderSweepRow"]
