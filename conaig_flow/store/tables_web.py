"""Tables of the web app: server-side sessions, login attempts (throttling), calendar tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from conaig_flow.store.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random id; only its sha256 is stored here."""

    __tablename__ = "web_sessions"
    id_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str
    created_at: datetime = Field(sa_column=_ts())
    last_seen_at: datetime = Field(sa_column=_ts())
    address: str = ""
    user_agent: str = ""


class LoginAttemptRow(SQLModel, table=True):
    """Every sign-in attempt, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts())
    account: str
    address: str
    succeeded: bool


class CalendarTokenRow(SQLModel, table=True):
    """The unguessable token of an entity's calendar feed (.ics)."""

    __tablename__ = "calendar_tokens"
    entity_code: str = Field(foreign_key="entities.code", primary_key=True)
    token: str = Field(unique=True, index=True)
    created_at: datetime = Field(sa_column=_ts())
    created_by: str
