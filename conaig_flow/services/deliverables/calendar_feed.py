"""Per-entity calendar feed (.ics) of deadlines and of the commission's sessions, reached by
an unguessable token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from icalendar import Calendar, Event
from sqlalchemy import delete, insert, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import NotFound, PermissionDenied
from conaig_flow.i18n import fecha
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions.sessions import SESSION_LENGTH, session_uid
from conaig_flow.store.tables import EntityRow
from conaig_flow.store.tables_web import CalendarTokenRow

CT = CalendarTokenRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]
MANAGERS = frozenset({"secretariat", "admin"})


def _check(app: App, actor: Actor, entity: str) -> None:
    if actor.role in MANAGERS or (actor.role == "officer" and actor.entity == entity):
        return
    exc = PermissionDenied("Solo los enlaces de la entidad, la Secretaría Técnica o la administración gestionan su calendario.")
    record_refusal(app, actor, "calendar_token", f"calendario de {entity}", exc.message)
    raise exc


def token_for(app: App, actor: Actor, entity: str, *, renew: bool = False) -> str:
    """The entity's feed token, created on first use; ``renew`` invalidates the old URL."""
    _check(app, actor, entity)
    with app.db.write() as conn:
        if conn.execute(select(ENT.c.code).where(ENT.c.code == entity)).first() is None:
            raise NotFound(f"No existe la entidad «{entity}».")
        if renew:
            conn.execute(delete(CT).where(CT.c.entity_code == entity))
        current = conn.execute(select(CT.c.token).where(CT.c.entity_code == entity)).scalar_one_or_none()
        if current is not None:
            return str(current)
        token = secrets.token_urlsafe(32)
        conn.execute(insert(CT).values(entity_code=entity, token=token, created_at=app.clock.now(), created_by=actor.email))
    return token


def feed(app: App, token: str) -> bytes:
    """The iCalendar document of the token's entity; NotFound for an unknown token."""
    with app.db.read() as conn:
        row = conn.execute(select(CT.c.entity_code, CT.c.token).where(CT.c.token == token)).first()
    if row is None or not secrets.compare_digest(str(row.token), token):
        raise NotFound("Calendario no encontrado.")
    entity = str(row.entity_code)
    defs = app.definitions()
    cal = Calendar()
    cal.add("prodid", "-//conaig-flow//calendario de plazos//ES")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Plazos de {entity} — {defs.plan.commission.code}")
    cal.add("x-wr-timezone", "America/Lima")
    stamp = app.clock.now()
    for d in deliverables.list_deliverables(app, entity=entity):
        ev = Event()
        ev.add("uid", f"entregable-{d.id}@conaig-flow")
        ev.add("dtstamp", stamp)
        ev.add("summary", f"Vence: {d.activity} — {d.title}")
        ev.add("dtstart", d.due.astimezone(LIMA).date())
        ev.add("description", f"Estado: {d.state_label}. Plazo: {fecha(d.due)}.")
        cal.add_component(ev)
    for s in session_views.list_sessions(app):
        if s.status == "cancelled":
            continue  # a suspended session leaves the calendar (its invitation got METHOD:CANCEL)
        cal.add_component(_session_event(app, s.id, stamp))
    return bytes(cal.to_ical())


def _session_event(app: App, session_id: int, stamp: datetime) -> Event:
    """A session (or working meeting) as an event; its status, modality and agenda inside."""
    r = session_views.session_record(app, session_id)
    ev = Event()
    ev.add("uid", session_uid(r.id))  # the same event as the convocatoria's invitation
    ev.add("dtstamp", stamp)
    ev.add("sequence", r.sequence)  # raised by each postponement, as in the invitations
    ev.add("summary", r.label + (f": {r.title}" if r.title else ""))
    ev.add("dtstart", r.scheduled_at.astimezone(UTC))  # UTC: no VTIMEZONE needed
    closed = r.closed_at is not None and r.closed_at > r.scheduled_at
    ev.add("dtend", (r.closed_at if closed and r.closed_at else r.scheduled_at + SESSION_LENGTH).astimezone(UTC))
    if r.place:
        ev.add("location", r.place)
    agenda = "; ".join(f"{i.position}. {i.text}" for i in r.items)
    ev.add("description", f"Estado: {r.status_label}. Modalidad: {r.modality}."
           + (f" Orden del día: {agenda}." if agenda else ""))
    ev.add("status", "CONFIRMED" if r.status in ("convened", "open", "closed") else "TENTATIVE")
    return ev

