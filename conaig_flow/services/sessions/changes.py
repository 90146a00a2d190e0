"""Cancelling or postponing a session before it is installed, with a reason.

Once convened, the members were told: each gets a notice through the outbox (Spanish email)
with the calendar invitation updated in place — the same UID, the ``SEQUENCE`` raised:
``METHOD:CANCEL`` for a cancellation, ``METHOD:REQUEST`` at the new time for a
postponement. The calendar feed shows the new time and drops cancelled sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.notice import BusinessDay
from conaig_flow.domain.session_time import check_second_call, spoken
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.notify.ics import session_cancel_ics, session_ics
from conaig_flow.services.notifications.events import enqueue_convocatoria
from conaig_flow.services.sessions.common import CH, KIND_LABELS, S, load_session, refusals, require_secretariat
from conaig_flow.services.sessions.sessions import SESSION_LENGTH, check_notice, convocatoria_in, session_uid
from conaig_flow.store.public_address import session_page


@dataclass(frozen=True)
class Changed:
    label: str
    status: str
    scheduled_at: datetime
    sequence: int
    notified: int  # outbox messages written


def _changeable(row: Any, what: str) -> None:
    status = row.status
    if status in ("planned", "convened"):
        return
    said = {"open": "ya fue instalada", "closed": "ya concluyó", "cancelled": "ya fue suspendida"}.get(status, status)
    raise SessionRuleViolation(f"Solo se {what} una sesión antes de su instalación: esta sesión {said}.")


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput("Indique el motivo: se comunica a los integrantes y queda en el registro de la sesión.")
    return text


def cancel(app: App, actor: Actor, session_id: int, *, reason: str) -> Changed:
    """Cancel (suspend) a session or working meeting not yet installed."""
    with refusals(app, actor, "session cancel", f"sesión {session_id}"):
        require_secretariat(actor)
        text = _reason(reason)
        now = app.clock.now()
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            _changeable(row, "suspende")
            sequence = int(row.sequence) + 1
            conn.execute(update(S).where(S.c.id == session_id).values(status="cancelled", sequence=sequence))
            conn.execute(insert(CH).values(session_id=session_id, kind="cancel", reason=text, previous_at=row.scheduled_at,
                                           sequence=sequence, changed_by=actor.email, changed_at=now))
            notified = 0
            if row.convened_at is not None:
                notified = _notify(app, conn, actor, session_id, "cancel", text, row.scheduled_at)
            label = convocatoria_in(app, conn, session_id, actor).label
    return Changed(label, "cancelled", row.scheduled_at, sequence, notified)


def postpone(
    app: App,
    actor: Actor,
    session_id: int,
    *,
    scheduled_at: datetime,
    reason: str,
    second_call_at: datetime | None = None,
    is_business_day: BusinessDay | None = None,
) -> Changed:
    """Move a session not yet installed to a new time (and second call, checked against the
    plan's rule); a convened one must respect the notice period again, counted from now."""
    plan = app.definitions().plan
    with refusals(app, actor, "session postpone", f"sesión {session_id}"):
        require_secretariat(actor)
        text = _reason(reason)
        now = app.clock.now()
        if scheduled_at <= now:
            raise SessionRuleViolation(
                f"La nueva fecha de la sesión debe ser posterior a ahora ({spoken(now)}); se indicó el {spoken(scheduled_at)}."
            )
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            _changeable(row, "reprograma")
            if second_call_at is not None:
                if row.kind == "trabajo":
                    raise InvalidInput("Una reunión de trabajo no tiene segunda convocatoria: no requiere quórum.")
                check_second_call(plan.session_rules, scheduled_at, second_call_at)
            if row.convened_at is not None:
                check_notice(app, conn, now, scheduled_at, is_business_day)
            sequence = int(row.sequence) + 1
            conn.execute(update(S).where(S.c.id == session_id).values(
                scheduled_at=scheduled_at, second_call_at=second_call_at, sequence=sequence))
            conn.execute(insert(CH).values(
                session_id=session_id, kind="postpone", reason=text, previous_at=row.scheduled_at, new_at=scheduled_at,
                new_second_call_at=second_call_at, sequence=sequence, changed_by=actor.email, changed_at=now,
            ))
            notified = 0
            if row.convened_at is not None:
                notified = _notify(app, conn, actor, session_id, "postpone", text, row.scheduled_at)
            label = convocatoria_in(app, conn, session_id, actor).label
    return Changed(label, str(row.status), scheduled_at, sequence, notified)


def _notify(app: App, conn: Connection, actor: Actor, session_id: int, kind: str, reason: str, previous_at: datetime) -> int:
    """One message per member (titular and alterno), keyed by session, sequence and address."""
    plan = app.definitions().plan
    c = convocatoria_in(app, conn, session_id, actor)
    row = load_session(conn, session_id)
    uid, stamp, end = session_uid(session_id), app.clock.now(), c.scheduled_at + SESSION_LENGTH
    if kind == "cancel":
        ics = session_cancel_ics(uid, c.scheduled_at, end, c.label, stamp, int(row.sequence), f"Suspendida: {reason}")
        template = "sesion_cancelada"
    else:
        agenda = "\n".join(f"{n}. {t}" for n, t in enumerate(c.agenda, 1))
        ics = session_ics(uid, c.scheduled_at, end, c.label, f"Agenda:\n{agenda}", stamp, location=c.place,
                          sequence=int(row.sequence))
        template = "sesion_reprogramada"
    context = {
        "session_title": c.label, "kind": c.kind, "modality": c.modality, "place": c.place or "",
        "starts_at": c.scheduled_at.astimezone(LIMA).isoformat(), "previous_at": previous_at.astimezone(LIMA).isoformat(),
        "second_call_at": c.second_call_at.astimezone(LIMA).isoformat() if c.second_call_at else "",
        "agenda": list(c.agenda), "reason": reason, "convened_by": f"la Presidencia de la {plan.commission.code}",
        "kind_label": KIND_LABELS.get(c.kind, c.kind), "link": session_page(session_id),
    }
    return sum(
        enqueue_convocatoria(app, conn, key=f"{kind}:{session_id}:{row.sequence}:{email}", context=context, ics=ics,
                             recipients=[email], template=template)
        for email in sorted({r.email for r in c.recipients})
    )


def changes(conn: Connection, session_id: int) -> list[tuple[str, str, datetime, datetime | None, datetime]]:
    """(kind, reason, previous time, new time, when) of a session's cancellations and postponements."""
    rows = conn.execute(select(CH).where(CH.c.session_id == session_id).order_by(CH.c.id)).all()
    return [(r.kind, r.reason, r.previous_at, r.new_at, r.changed_at) for r in rows]

