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


class LoginThrottleRow(SQLModel, table=True):
    """Failed sign-ins of one account from one address, and when the next check may run.

    One row per (account, address) pair: an attacker's failures from one address delay only
    that pair, never the real owner signing in from elsewhere. The next check is claimed with
    one conditional UPDATE, so concurrent attempts cannot all slip past the count.
    """

    __tablename__ = "login_throttle"
    account: str = Field(primary_key=True)
    address: str = Field(primary_key=True)
    failures: int = 0
    next_allowed_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class PasswordResetRow(SQLModel, table=True):
    """A request to reset a password. Only the token's sha256 is kept; it works once, briefly.

    Requests for unknown or inactive accounts are written too (``user_id`` empty, no token), so
    that both cases do the same work and neither the answer nor its timing tells them apart.
    """

    __tablename__ = "password_resets"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str | None = Field(default=None, unique=True)
    account: str = Field(index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    address: str = ""
    requested_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class AdminLogRow(SQLModel, table=True):
    """Every change an administrator makes to a user: who, when, what it was and what it is."""

    __tablename__ = "admin_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts(index=True))
    actor_email: str
    action: str
    target: str
    before: str  # JSON
    after: str  # JSON


class PublicAddressRow(SQLModel, table=True):
    """The address people use to reach the web app, as the last ``conaig serve`` (or
    ``conaig demo``) that started recorded it: ``CONAIG_PUBLIC_URL`` if it had one, else the
    address it actually listens on. Processes with no address of their own (``conaig worker``,
    the CLI) put it in the links of the emails and documents they render. One row."""

    __tablename__ = "public_address"
    id: int = Field(default=1, primary_key=True)
    url: str
    source: str  # "CONAIG_PUBLIC_URL" | "escucha"
    recorded_at: datetime = Field(sa_column=_ts())
    recorded_by: str = ""  # host:pid of the process that recorded it
