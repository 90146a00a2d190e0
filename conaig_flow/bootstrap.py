"""The composition root: an App built from Settings, with its listeners and requirement
checks wired in. It sits on top: only the faces (cli, web, the scheduler's worker) and tests
import it; services and adapters take the ``App`` type from ``conaig_flow.app``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from conaig_flow.app import App, InvitationListener, RequirementCheck, Settings, TransitionListener
from conaig_flow.clock import Clock, ShiftedClock, SystemClock, parse_instant
from conaig_flow.services.deliverables.records import TransitionRecord
from conaig_flow.store.db import Database
from conaig_flow.store.documents import DocumentStore

__all__ = ["App", "InvitationListener", "RequirementCheck", "Settings", "TransitionListener", "bootstrap"]


def bootstrap(settings: Settings, clock: Clock | None = None) -> App:
    if clock is None:
        clock = ShiftedClock(parse_instant(settings.now)) if settings.now else SystemClock()
    db = Database(settings.db_url, synchronous=settings.sqlite_synchronous, busy_timeout=settings.sqlite_busy_timeout)
    documents = DocumentStore(settings.home / "documents", settings.max_document_bytes)
    app = App(settings=settings, clock=clock, db=db, documents=documents)
    app.requirement_checks["contributions_answered"] = _contributions_answered
    app.requirement_checks["consultation_registered"] = _consultation_registered
    app.requirement_checks["no_consultation"] = _no_consultation
    app.invitation_listeners.append(_on_invitations)
    app.transition_listeners.append(_on_transition)
    return app


# The listeners and checks are wired here; each imports its feature's module when first called,
# so a command that changes no deliverable (``status``, ``--help`` …) does not load the
# notification and consultation code (their tables, templates, calendar files).


def _on_transition(app: App, conn: Connection, record: TransitionRecord) -> None:
    from conaig_flow.services.notifications.events import on_transition

    on_transition(app, conn, record)


def _on_invitations(app: App, conn: Connection, consultation_id: int, invitations: list[Any]) -> None:
    from conaig_flow.services.consultation.notices import on_invitations

    on_invitations(app, conn, consultation_id, invitations)


def _contributions_answered(app: App, conn: Connection, deliverable_id: int) -> str | None:
    from conaig_flow.services.consultation.contributions import unanswered_requirement

    return unanswered_requirement(app, conn, deliverable_id)


def _consultation_registered(app: App, conn: Connection, deliverable_id: int) -> str | None:
    from conaig_flow.services.consultation.consultations import consultation_registered_requirement

    return consultation_registered_requirement(app, conn, deliverable_id)


def _no_consultation(app: App, conn: Connection, deliverable_id: int) -> str | None:
    from conaig_flow.services.consultation.consultations import no_consultation_requirement

    return no_consultation_requirement(app, conn, deliverable_id)
