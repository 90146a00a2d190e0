"""What a person sees on a deliverable's page: its documents (with an access-checked
download), the actions they may take now and what each still needs, and the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.engine import Evidence, Scope
from conaig_flow.errors import ConaigError, NotFound, PermissionDenied
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.records import DeliverableView, EventView
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
    engine = app.engine()
    out = []
    for t in engine.allowed(row.kind, row.state):
        try:
            engine.authorize(t, actor, scope)
        except PermissionDenied:
            continue
        out.append(
            ActionView(
                trigger=t.trigger, label=t.label, description=t.description, requires=tuple(t.requires),
                missing=tuple(engine.missing(t, Evidence(conditions=deliverables.external_conditions(app, conn, t, row.id)))),
                in_session=t.in_session,
            )
        )
    return out


def overview(app: App, actor: Actor, deliverable_id: int) -> Overview:
    """The deliverable, its documents, the actor's actions and its history (404 if not visible)."""
    with app.db.read() as conn:
        row, scope = deliverables._load_visible(app, conn, actor, deliverable_id)
        events = deliverables.history_in(conn, deliverable_id)
        docs = _documents_in(conn, deliverable_id)
        actions = _actions_for(app, conn, actor, row, scope)
    return Overview(deliverables.view(app.definitions(), row), docs, actions, events)


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
    parts = []
    for t in options:
        if t.trigger == "withdraw":
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
