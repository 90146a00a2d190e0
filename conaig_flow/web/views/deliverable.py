"""What a person sees on a deliverable's page: its documents (with an access-checked
download), the actions they may take now and what each still needs, and the review queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.engine import Evidence, Scope, by_hand_message
from conaig_flow.domain.lifecycle import GUARD_REQUIREMENTS
from conaig_flow.errors import ConaigError, InvalidInput, NotFound, PermissionDenied
from conaig_flow.i18n import fecha
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.deliverables.records import DeliverableView, EventView
from conaig_flow.services.sessions.common import IT, S, session_label
from conaig_flow.services.sessions.evidence import SessionEvidence, history_evidence
from conaig_flow.store.tables import DeliverableDocumentRow, DocumentRow

DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]
DOC = DocumentRow.__table__  # type: ignore[attr-defined]
_SELECT_DOCUMENTS = (
    select(DD, DOC.c.size, DOC.c.media_type)
    .join(DOC, DOC.c.sha256 == DD.c.sha256)
    .where(DD.c.deliverable_id == bindparam("deliverable_id"))
    .order_by(DD.c.id)
)

#: Roles that work the review queue (reviewers see only what they advise on).
QUEUE_ROLES = frozenset({"secretariat", "admin", "reviewer"})
REQUIREMENT_LABELS = {
    "document": "documento",
    "comment": "comentario",
    "norm_reference": "norma institucional",
    "session": "referencia de la sesión",
    "no_consultation": "sin consulta registrada",
}


@dataclass(frozen=True)
class DocumentView:
    id: int
    deliverable_id: int
    name: str
    sha256: str
    size: int
    media_type: str
    uploaded_by: str
    uploaded_at: datetime
    event_seq: int | None


@dataclass(frozen=True)
class ActionView:
    trigger: str
    label: str
    description: str | None
    requires: tuple[str, ...]
    missing: tuple[str, ...]  # what must still be given, in plain Spanish
    in_session: bool


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Overview:
    """Everything a deliverable's page shows, read in one transaction."""

    deliverable: DeliverableView
    documents: list[DocumentView]
    actions: list[ActionView]
    events: list[EventView]
    #: event seq -> the session agreement that took that step (in-session steps)
    sessions: dict[int, SessionEvidence] = field(default_factory=dict)
    steps_elsewhere: list[StepElsewhere] = field(default_factory=list)


def _documents_in(conn: Connection, deliverable_id: int) -> list[DocumentView]:
    rows = conn.execute(_SELECT_DOCUMENTS, {"deliverable_id": deliverable_id}).all()
    return [
        DocumentView(r.id, r.deliverable_id, r.name, r.sha256, r.size, r.media_type, r.uploaded_by, r.uploaded_at, r.event_seq)
        for r in rows
    ]


def documents(app: App, actor: Actor, deliverable_id: int) -> list[DocumentView]:
    with app.db.read() as conn:
        deliverables._load_visible(app, conn, actor, deliverable_id)
        return _documents_in(conn, deliverable_id)


def _actions_for(app: App, conn: Connection, actor: Actor, row: Any, scope: Scope) -> list[ActionView]:
    """What ``actor`` may fire by hand now. Steps of a session or a consultation are never
    among them (only the system fires those); a transition whose guard does not hold (e.g.
    the way out of «En consulta» when a consultation exists) is not offered."""
    engine = app.engine()
    out = []
    for t in engine.allowed(row.kind, row.state):
        if t.fired_by is not None:
            continue
        try:
            engine.authorize(t, actor, scope)
        except PermissionDenied:
            continue
        conditions = deliverables.external_conditions(app, conn, t, row.id)
        if any(conditions.get(req) for req in GUARD_REQUIREMENTS):
            continue
        out.append(
            ActionView(
                trigger=t.trigger, label=t.label, description=t.description, requires=tuple(t.requires),
                missing=tuple(engine.missing(t, Evidence(conditions=conditions))),
                in_session=t.in_session,
            )
        )
    return out


@dataclass(frozen=True)
class StepElsewhere:
    """A next step of the deliverable that is taken elsewhere (a session, a consultation):
    what it is, how it is done, and where."""

    label: str
    how: str
    links: tuple[tuple[str, str], ...]  # (href, text)


def _steps_elsewhere(app: App, conn: Connection, actor: Actor, row: Any) -> list[StepElsewhere]:
    """For the secretariat: the session or consultation steps open from the current state."""
    if actor.role != "secretariat":
        return []
    lc = app.definitions().lifecycles[row.kind]
    out: list[StepElsewhere] = []
    for t in lc.transitions_from(row.state):
        if t.fired_by == "session" and lc.state(t.dest).outcome == "approved":
            out.append(StepElsewhere(t.label, by_hand_message(lc, t), tuple(session_links(app, conn, row.id))))
        elif t.consultation == "opens":
            out.append(StepElsewhere(t.label, by_hand_message(lc, t),
                                     ((f"/consultas?entregable={row.id}#open-form", "Ir al formulario de la consulta"),)))
        elif t.consultation == "closes":
            from conaig_flow.services.consultation.consultations import latest_consultation

            cid = latest_consultation(app, conn, row.id)
            links = ((f"/consultas/{cid}#cerrar", f"Ir a la consulta N° {cid} para cerrarla"),) if cid else ()
            out.append(StepElsewhere(t.label, by_hand_message(lc, t), links))
    return out


def session_links(app: App, conn: Connection, deliverable_id: int) -> list[tuple[str, str]]:
    """Where a deliverable approved in session goes: the session whose agenda already holds it,
    else the sessions still open to agenda items, and the list where a session is programmed."""
    plan = app.definitions().plan
    held = conn.execute(
        select(S).join(IT, IT.c.session_id == S.c.id)
        .where(IT.c.deliverable_id == deliverable_id, S.c.status != "closed").order_by(S.c.scheduled_at)
    ).all()
    if held:
        return [(f"/sesiones/{s.id}#h-agenda", f"En la agenda de la {session_label(plan, s)} del {fecha(s.scheduled_at)}")
                for s in held]
    planned = conn.execute(
        select(S).where(S.c.status == "planned", S.c.kind != "trabajo").order_by(S.c.scheduled_at)
    ).all()
    links = [(f"/sesiones/{s.id}#form-agenda", f"Agregarlo a la agenda de la {session_label(plan, s)} del {fecha(s.scheduled_at)}")
             for s in planned]
    links.append(("/sesiones", "Programar una sesión de la comisión"))
    return links


def overview(app: App, actor: Actor, deliverable_id: int) -> Overview:
    """The deliverable, its documents, the actor's actions and its history (404 if not visible)."""
    with app.db.read() as conn:
        row, scope = deliverables._load_visible(app, conn, actor, deliverable_id)
        events = deliverables.history_in(conn, deliverable_id)
        docs = _documents_in(conn, deliverable_id)
        actions = _actions_for(app, conn, actor, row, scope)
        evidence = history_evidence(conn, app, row.kind, events)
        elsewhere = _steps_elsewhere(app, conn, actor, row)
        calendar = calendar_for(app, conn)
    return Overview(deliverables.view(app.definitions(), row, calendar), docs, actions, events, evidence, elsewhere)


def acta(app: App, actor: Actor, deliverable_id: int, session_id: int, fmt: str) -> Download:
    """The acta of a session whose agreement took a step of this deliverable, for whoever may
    see the deliverable (the link of its history); 404 for any other session."""
    from conaig_flow.rendering.session_documents import FORMATS
    from conaig_flow.services.sessions import actas

    try:
        with app.db.read() as conn:
            row, _ = deliverables._load_visible(app, conn, actor, deliverable_id)
            evidence = history_evidence(conn, app, row.kind, deliverables.history_in(conn, deliverable_id))
        if fmt not in FORMATS:
            raise InvalidInput(f"Formato desconocido «{fmt}»: se espera {', '.join(FORMATS)}.")
        if not any(ev.session_id == session_id and ev.acta_code for ev in evidence.values()):
            raise NotFound(f"Ningún acuerdo de la sesión {session_id} consta en el historial del entregable {deliverable_id}.")
        name, content = actas.document(app, session_id, "acta", fmt)
        return Download(name, MEDIA_TYPES[fmt], content)
    except ConaigError as exc:
        record_refusal(app, actor, "download", f"acta de la sesión {session_id} (entregable {deliverable_id})", exc.message)
        raise


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def download(app: App, actor: Actor, deliverable_id: int, document_id: int) -> Download:
    """A document's content, only for those who may see its deliverable (404 otherwise)."""
    try:
        for d in documents(app, actor, deliverable_id):
            if d.id == document_id:
                return Download(d.name, d.media_type, app.documents.read(d.sha256))
        raise NotFound(f"No existe el documento {document_id} del entregable {deliverable_id}.")
    except ConaigError as exc:
        record_refusal(app, actor, "download", f"documento {document_id} del entregable {deliverable_id}", exc.message)
        raise


def actions(app: App, actor: Actor, deliverable_id: int) -> list[ActionView]:
    """The transitions ``actor`` may fire now, each with what it still needs."""
    with app.db.read() as conn:
        row, scope = deliverables._load_visible(app, conn, actor, deliverable_id)
        return _actions_for(app, conn, actor, row, scope)


def next_step(app: App, d: DeliverableView) -> str:
    """In plain Spanish, what comes next for a deliverable and who does it."""
    from conaig_flow.i18n import role_label

    if d.terminal:
        return "Ninguna: el entregable está cerrado."
    options = app.engine().allowed(d.kind, d.state)
    if not options:
        return "Ninguna."
    lc = app.definitions().lifecycles[d.kind]
    parts = []
    for t in options:
        if t.trigger == "withdraw" or GUARD_REQUIREMENTS & set(t.requires):
            continue  # not a next step: the exit, and the ways out of an exceptional state
        if t.fired_by == "session":
            if lc.state(t.dest).outcome == "approved":
                parts.append(f"{t.label} (acuerdo de una sesión de la comisión)")
            continue
        if t.fired_by == "consultation":
            parts.append(f"{t.label} (desde la consulta, Secretaría Técnica)")
            continue
        who = " o ".join(role_label(r) for r in t.roles if r != "system")
        parts.append(f"{t.label} ({who})")
    return "; ".join(parts) or "Ninguna."


def review_queue(app: App, actor: Actor) -> list[DeliverableView]:
    """Deliverables waiting for review (state «submitted»), oldest update first."""
    if actor.role not in QUEUE_ROLES:
        exc = PermissionDenied("La bandeja de revisión es de la Secretaría Técnica y de los revisores.")
        record_refusal(app, actor, "review_queue", "bandeja de revisión", exc.message)
        raise exc
    items = deliverables.list_deliverables(app, actor, state="submitted")
    return sorted(items, key=lambda d: (d.updated_at, d.id))
