"""Helpers of the notify tests: point an App at the capture SMTP server, add the people
reminders go to, walk a deliverable through its lifecycle."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.messages import NewMessage
from conaig_flow.notify.outbox import enqueue_many
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import add_people, pdf_bytes
from tests.smtp_capture import SmtpCapture


def use_smtp(app: App, server: SmtpCapture, **extra: Any) -> None:
    extra.setdefault("smtp_from", "CONAIG - Secretaría Técnica <no-responder@conaig.example.pe>")
    app.settings = dataclasses.replace(
        app.settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_tls="none", smtp_timeout=10.0, **extra,
    )


def people(app: App) -> None:
    """add_people plus the titulars of MINSA and MINEDU (escalation copies them)."""
    add_people(app)
    users.add_user(app, "titular.minsa@example.pe", "Titular MINSA", "MINSA", "member", capacity="titular")
    users.add_user(app, "titular.minedu@example.pe", "Titular MINEDU", "MINEDU", "member", capacity="titular")
    users.add_user(app, "alterno.minsa@example.pe", "Alterno MINSA", "MINSA", "member", capacity="alterno")


def approve_protocol(app: App, clock: FixedClock, entity: str, at: datetime) -> int:
    """Submit, accept and approve ``entity``'s A1.1 protocol at ``at``; returns its id."""
    clock.set(at)
    officer = users.actor_for(app, f"enlace.{entity.lower()}@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
    deliverables.advance(app, officer, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, d.id, "accept")
    deliverables.advance(
        app, officer, d.id, "approve", norm_reference=f"Resolución Ministerial N° 123-2022-{entity}",
        documents=[("rm.pdf", pdf_bytes("rm"))],
    )
    return d.id


def lima(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LIMA)


def bulk_messages(app: App, count: int, prefix: str = "carga") -> None:
    """``count`` due messages (convocatoria template) in one transaction."""
    context = {
        "commission": "Comisión", "plan_title": "Plan", "session_title": "Sesión de prueba", "kind": "ordinaria",
        "modality": "virtual", "starts_at": "2022-05-20T10:00:00-05:00", "place": "", "agenda": ["Punto"],
        "convened_by": "la Presidencia",
    }
    msgs = [
        NewMessage(key=f"{prefix}:{i}", kind="message", template="convocatoria", to=[f"p{i % 7}@example.pe"],
                   context=context)
        for i in range(count)
    ]
    with app.db.write() as conn:
        enqueue_many(conn, msgs, app.clock.now())
