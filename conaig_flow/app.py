"""The application's types: Settings (read once, from the environment) and App (the clock, the
database, the document store and the listeners the composition root wires in).

This module sits below the services and adapters that take an ``App``: it imports only the
store, the clock, the errors and the domain's engine, never a service. ``bootstrap.py``, on
top, builds an ``App`` and registers the listeners and requirement checks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import Connection

from conaig_flow.clock import Clock
from conaig_flow.errors import InvalidInput
from conaig_flow.store.db import Database, sqlite_url
from conaig_flow.store.definition_bundles import newest_definitions_id, stored_definitions_with_id
from conaig_flow.store.documents import DEFAULT_MAX_BYTES, DocumentStore
from conaig_flow.store.public_address import DEFAULT_PUBLIC_URL, check_public_url, recorded

if TYPE_CHECKING:
    from conaig_flow.domain.engine import LifecycleEngine

    # a type only, never imported at run time: the record services hand to listeners
    from conaig_flow.services.deliverables.records import TransitionRecord
    from conaig_flow.store.definitions import Definitions

#: Called inside the transaction of every state change, after its event row is written
#: (e.g. to put the notifications it causes into the outbox, atomically).
TransitionListener = Callable[["App", Connection, "TransitionRecord"], None]

#: Checks an external lifecycle requirement (e.g. ``contributions_answered``) for one
#: deliverable inside the transition's transaction: returns what is missing, or None.
RequirementCheck = Callable[["App", Connection, int], "str | None"]

#: Called inside the transaction that creates consultation invitations (consultation id and
#: the new invitations, each with its one-time token), e.g. to put the invitation emails in
#: the outbox atomically.
InvitationListener = Callable[["App", Connection, int, list[Any]], None]

#: Builds the full template context of an outbox message of some kind from what its row
#: stores, when it is sent or shown (e.g. the weekly overdue summary reads its list then).
MessageExpander = Callable[["App", dict[str, Any]], dict[str, Any]]


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conaig-flow"


#: the sender when none is configured: the messages name the commission's secretariat
#: (``notify.render.Renderer``), the address is a local one nobody answers
DEFAULT_SMTP_FROM = "Secretaría Técnica <no-responder@localhost>"


@dataclass(frozen=True)
class Settings:
    """Read once; its repr hides the secrets (the database URL is shown masked)."""

    home: Path
    db_url: str = field(repr=False)
    now: str | None = None
    max_document_bytes: int = DEFAULT_MAX_BYTES
    sqlite_synchronous: str = "FULL"
    sqlite_busy_timeout: float = 30.0  # seconds a writer waits for another process's lock
    # notify (issue 4): SMTP from the environment; no host → Maildir under home
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # starttls | implicit | none
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = DEFAULT_SMTP_FROM
    smtp_timeout: float = 30.0
    smtp_ca_file: Path | None = None  # CA bundle the SMTP server's certificate must chain to (default: the system's)
    notifications_dir: Path | None = None  # Jinja2 templates; default: the shipped notifications/
    outbox_lease_seconds: int = 300
    outbox_max_attempts: int = 8
    outbox_batch: int = 50
    # test-only: after claiming, write the claimed ids to this file and wait to be killed
    dispatch_hold_after_claim: str | None = None
    # the address people use to reach the web app (links in emails and documents), when set;
    # otherwise ``App.public_url()`` finds it (see there)
    public_url: str | None = None
    # key for derived secrets (consultation invitation links); default: <home>/secret.key
    secret_key: str | None = field(default=None, repr=False)
    # worker threads of a web process for the synchronous routes (database work); see web/app.py
    web_threads: int = 12
    # signatures (issue 16): the audit checkpoints' Ed25519 key file (default <home>/auditoria/),
    # a timestamp authority (PAdES B-T), the trusted roots (file or folder of certificates;
    # default <home>/confianza) and how revocation is checked
    audit_key: str | None = None
    tsa_url: str | None = None
    trust_roots: str | None = None
    revocation_mode: str = "hard-fail"
    # addresses of the reverse proxies whose X-Forwarded-For is believed (none by default)
    trusted_proxies: tuple[str, ...] = ()

    @property
    def safe_db_url(self) -> str:
        from conaig_flow.store.db import mask_url

        return mask_url(self.db_url)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"Settings(db_url={self.safe_db_url!r}, {shown})"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        home: str | Path | None = None,
        db_url: str | None = None,
        now: str | None = None,
    ) -> Settings:
        env = os.environ if env is None else env
        home_path = Path(home or env.get("CONAIG_HOME") or default_home()).expanduser()
        url = db_url or env.get("CONAIG_DB") or sqlite_url(home_path / "conaig.db")
        max_bytes = int(env.get("CONAIG_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES))
        return cls(
            home=home_path,
            db_url=url,
            now=now or env.get("CONAIG_NOW") or None,
            max_document_bytes=max_bytes,
            sqlite_synchronous=env.get("CONAIG_SQLITE_SYNCHRONOUS", "FULL").upper(),
            sqlite_busy_timeout=float(env.get("CONAIG_SQLITE_BUSY_TIMEOUT", "30")),
            public_url=_public_url(env.get("CONAIG_PUBLIC_URL", "")),
            secret_key=env.get("CONAIG_SECRET_KEY") or None,
            web_threads=max(1, int(env.get("CONAIG_WEB_THREADS", "12"))),
            audit_key=env.get("CONAIG_AUDIT_KEY") or None,
            tsa_url=env.get("CONAIG_TSA_URL") or None,
            trust_roots=env.get("CONAIG_TRUST_ROOTS") or None,
            revocation_mode=env.get("CONAIG_REVOCATION", "hard-fail"),
            trusted_proxies=tuple(a.strip() for a in env.get("CONAIG_TRUSTED_PROXIES", "").split(",") if a.strip()),
            **_notify_settings(env),
        )


def _public_url(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return check_public_url(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


class _NotifySettings(TypedDict):
    smtp_host: str | None
    smtp_port: int
    smtp_tls: str
    smtp_user: str | None
    smtp_password: str | None
    smtp_from: str
    smtp_timeout: float
    smtp_ca_file: Path | None
    notifications_dir: Path | None
    outbox_lease_seconds: int
    outbox_max_attempts: int
    outbox_batch: int
    dispatch_hold_after_claim: str | None


def _notify_settings(env: Mapping[str, str]) -> _NotifySettings:
    port = env.get("CONAIG_SMTP_PORT")
    tls = env.get("CONAIG_SMTP_TLS", "starttls").lower()
    templates = env.get("CONAIG_NOTIFICATIONS_DIR")
    return {
        "smtp_host": env.get("CONAIG_SMTP_HOST") or None,
        "smtp_port": int(port) if port else (465 if tls == "implicit" else 25 if tls == "none" else 587),
        "smtp_tls": tls,
        "smtp_user": env.get("CONAIG_SMTP_USER") or None,
        "smtp_password": env.get("CONAIG_SMTP_PASSWORD") or None,
        "smtp_from": env.get("CONAIG_SMTP_FROM") or DEFAULT_SMTP_FROM,
        "smtp_timeout": float(env.get("CONAIG_SMTP_TIMEOUT", "30")),
        "smtp_ca_file": Path(env["CONAIG_SMTP_CA_FILE"]) if env.get("CONAIG_SMTP_CA_FILE") else None,
        "notifications_dir": Path(templates) if templates else None,
        "outbox_lease_seconds": int(env.get("CONAIG_OUTBOX_LEASE_SECONDS", "300")),
        "outbox_max_attempts": int(env.get("CONAIG_OUTBOX_MAX_ATTEMPTS", "8")),
        "outbox_batch": int(env.get("CONAIG_OUTBOX_BATCH", "50")),
        "dispatch_hold_after_claim": env.get("CONAIG_TEST_HOLD_AFTER_CLAIM") or None,
    }


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    documents: DocumentStore
    transition_listeners: list[TransitionListener] = field(default_factory=list)
    requirement_checks: dict[str, RequirementCheck] = field(default_factory=dict)
    invitation_listeners: list[InvitationListener] = field(default_factory=list)
    message_expanders: dict[str, MessageExpander] = field(default_factory=dict)
    #: Per-process results kept by services between calls (e.g. the dashboard's figures);
    #: each service checks its entry against the database before reusing it.
    memo: dict[str, Any] = field(default_factory=dict)
    #: The address this process serves the web app on, once bound (``conaig serve``/``demo``).
    listening_url: str | None = None
    #: Seconds (of a monotonic timer, not the plan's clock) during which the kept definitions are
    #: used without looking up the newest stored row again; 0 looks it up on every call.
    definitions_max_age: float = 1.0
    _definitions: Definitions | None = None
    _definitions_id: int | None = None
    _definitions_checked: float = 0.0
    _engine: LifecycleEngine | None = None

    def definitions(self) -> Definitions:
        """The plan and lifecycles in force (the newest loaded into the database). The kept
        copy is used while it is still the newest stored row, looked up (one indexed query) at
        most once every ``definitions_max_age`` seconds: a plan loaded or amended by another
        process is in force here too within that time, and this process's own loads and
        amendments at once (they call ``use_definitions``). A lookup on every call cost a
        connection and a query each time the hot paths read the plan (150 µs on SQLite, 520 µs
        on PostgreSQL, several times per transition)."""
        now = time.monotonic()
        if self._definitions is not None and now - self._definitions_checked < self.definitions_max_age:
            return self._definitions
        if self._definitions is None or newest_definitions_id(self.db) != self._definitions_id:
            row_id, defs = stored_definitions_with_id(self.db)
            self.use_definitions(defs)
            self._definitions_id = row_id
        self._definitions_checked = now
        assert self._definitions is not None
        return self._definitions

    def engine(self) -> LifecycleEngine:
        """The state engine: one Machine per lifecycle, built once per process."""
        self.definitions()
        assert self._engine is not None
        return self._engine

    def use_definitions(self, definitions: Definitions) -> None:
        from conaig_flow.domain.engine import LifecycleEngine  # transitions: only when a command needs it

        self._definitions_checked = float("-inf")  # a load or amendment just stored: its row id is read next time
        if self._definitions is not None and self._definitions.plan_source == definitions.plan_source and (
            self._definitions.lifecycle_sources == definitions.lifecycle_sources
        ):
            return
        self._definitions = definitions
        self._engine = LifecycleEngine(definitions.lifecycles.values())

    def forget_definitions(self) -> None:
        """Read the definitions and figures again (the database was replaced, e.g. restored)."""
        self._definitions = None
        self._definitions_id = None
        self._engine = None
        self.memo.clear()

    def public_url(self) -> str:
        """The address people use to reach the web app, for the links in emails and documents
        (no trailing slash): ``CONAIG_PUBLIC_URL`` when set; else the address this process
        listens on (``conaig serve``/``demo``); else the one the last serving process recorded
        in the database (so ``conaig worker`` and the CLI, which listen on nothing, link to
        the running server); else ``http://127.0.0.1:8000``, serve's default."""
        if self.settings.public_url:
            return self.settings.public_url
        if self.listening_url:
            return self.listening_url
        return recorded(self.db) or DEFAULT_PUBLIC_URL

    def secret(self) -> bytes:
        """The installation's secret key: CONAIG_SECRET_KEY, else ``<home>/secret.key``
        (created once with 32 random bytes, readable by its owner only)."""
        if self.settings.secret_key:
            return self.settings.secret_key.encode("utf-8")
        path = self.settings.home / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
        return path.read_bytes()

    def close(self) -> None:
        self.db.dispose()
