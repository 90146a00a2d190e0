"""The composition root: settings are read once here and the adapters wired together."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from conaig_flow.clock import Clock, ShiftedClock, SystemClock, parse_instant
from conaig_flow.store.db import Database, sqlite_url
from conaig_flow.store.documents import DEFAULT_MAX_BYTES, DocumentStore

if TYPE_CHECKING:
    from conaig_flow.definitions import Definitions
    from conaig_flow.domain.engine import LifecycleEngine
    from conaig_flow.services.records import TransitionRecord

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


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conaig-flow"


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    now: str | None = None
    max_document_bytes: int = DEFAULT_MAX_BYTES
    sqlite_synchronous: str = "FULL"

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
        )


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    documents: DocumentStore
    transition_listeners: list[TransitionListener] = field(default_factory=list)
    requirement_checks: dict[str, RequirementCheck] = field(default_factory=dict)
    invitation_listeners: list[InvitationListener] = field(default_factory=list)
    _definitions: Definitions | None = None
    _engine: LifecycleEngine | None = None

    def definitions(self) -> Definitions:
        """The plan and lifecycles in force (the newest loaded into the database)."""
        if self._definitions is None:
            from conaig_flow.services.plans import load_definitions

            self.use_definitions(load_definitions(self))
        assert self._definitions is not None
        return self._definitions

    def engine(self) -> LifecycleEngine:
        """The state engine: one Machine per lifecycle, built once per process."""
        self.definitions()
        assert self._engine is not None
        return self._engine

    def use_definitions(self, definitions: Definitions) -> None:
        from conaig_flow.domain.engine import LifecycleEngine

        if self._definitions is not None and self._definitions.plan_source == definitions.plan_source and (
            self._definitions.lifecycle_sources == definitions.lifecycle_sources
        ):
            return
        self._definitions = definitions
        self._engine = LifecycleEngine(definitions.lifecycles.values())

    def close(self) -> None:
        self.db.dispose()


def bootstrap(settings: Settings, clock: Clock | None = None) -> App:
    if clock is None:
        clock = ShiftedClock(parse_instant(settings.now)) if settings.now else SystemClock()
    db = Database(settings.db_url, synchronous=settings.sqlite_synchronous)
    documents = DocumentStore(settings.home / "documents", settings.max_document_bytes)
    app = App(settings=settings, clock=clock, db=db, documents=documents)
    from conaig_flow.services import contributions

    app.requirement_checks["contributions_answered"] = contributions.unanswered_requirement
    return app
