"""The composition root: an App built from Settings, with its listeners and requirement
checks wired in. It sits on top: only the faces (cli, web, the scheduler's worker) and tests
import it; services and adapters take the ``App`` type from ``conaig_flow.app``."""

from __future__ import annotations

from conaig_flow.app import App, InvitationListener, RequirementCheck, Settings, TransitionListener
from conaig_flow.clock import Clock, ShiftedClock, SystemClock, parse_instant
from conaig_flow.services.consultation import contributions
from conaig_flow.services.consultation.notices import on_invitations
from conaig_flow.services.notifications.events import on_transition
from conaig_flow.store.db import Database
from conaig_flow.store.documents import DocumentStore

__all__ = ["App", "InvitationListener", "RequirementCheck", "Settings", "TransitionListener", "bootstrap"]


def bootstrap(settings: Settings, clock: Clock | None = None) -> App:
    if clock is None:
        clock = ShiftedClock(parse_instant(settings.now)) if settings.now else SystemClock()
    db = Database(settings.db_url, synchronous=settings.sqlite_synchronous)
    documents = DocumentStore(settings.home / "documents", settings.max_document_bytes)
    app = App(settings=settings, clock=clock, db=db, documents=documents)
    app.requirement_checks["contributions_answered"] = contributions.unanswered_requirement
    app.invitation_listeners.append(on_invitations)
    app.transition_listeners.append(on_transition)
    return app
