"""«Mis entregables», a deliverable's page (with its actions and documents), the review queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from conaig_flow.app import App
from conaig_flow.errors import ConaigError, InvalidInput
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import deliverable as deliverable_detail
from conaig_flow.web.views import deliverable_search, paging
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)
WIDE_ROLES = frozenset({"secretariat", "admin", "member"})


def rows_for(app: App, items: list[Any]) -> list[dict[str, Any]]:
    now = app.clock.now()
    return [
        {"d": d, "days": None if d.terminal else d.days_left(now), "next": deliverable_detail.next_step(app, d)}
        for d in items
    ]


@router.get("/entregables")
def my_deliverables(
    request: Request, session: Session, entidad: str = "", estado: str = "", buscar: str = "", pagina: str = ""
) -> Response:
    app = conaig(request)
    actor = session.actor
    entity = entidad.strip() or (None if actor.role in WIDE_ROLES or actor.role == "reviewer" else actor.entity)
    search, requested = paging.search_text(buscar), paging.page_number(pagina)
    items = deliverables.list_deliverables(app, actor, entity=entity or None, state=estado.strip() or None)
    found = deliverable_search.matching(items, search)
    keep = {"entidad": entidad.strip(), "estado": estado.strip()}
    pages = paging.paging("/entregables", requested, len(found), {**keep, "buscar": search})
    entities = [e.code for e in app.definitions().plan.entities] if actor.role in WIDE_ROLES else []
    return page(request, "deliverables.html", {
        "rows": rows_for(app, found[pages.offset:pages.offset + pages.per_page]), "entity": entity,
        "entities": entities, "estado": estado, "paging": pages, "search": search, "keep": keep,
        "title": "Mis entregables" if actor.role == "officer" else "Entregables",
    }, session)


def detail_context(app: App, session: WebSession, deliverable_id: int) -> dict[str, Any]:
    o = deliverable_detail.overview(app, session.actor, deliverable_id)
    d = o.deliverable
    return {
        "d": d, "lc": app.definitions().lifecycles[d.kind], "documents": o.documents,
        "doc_by_hash": {doc.sha256: doc for doc in o.documents}, "events": list(reversed(o.events)),
        "actions": o.actions, "days": None if d.terminal else d.days_left(app.clock.now()),
        "next": deliverable_detail.next_step(app, d), "activity": app.definitions().plan.activity(d.activity),
        "requirement_labels": deliverable_detail.REQUIREMENT_LABELS, "sessions": o.sessions,
        "elsewhere": o.steps_elsewhere,
    }


@router.get("/entregables/{deliverable_id}")
def deliverable_page(
    request: Request, session: Session, deliverable_id: RowId, hecho: str = ""
) -> Response:
    app = conaig(request)
    ctx = detail_context(app, session, deliverable_id)
    done = next((t.label for t in ctx["lc"].transitions if t.trigger == hecho), None)
    return page(request, "deliverable.html", {**ctx, "done": done}, session)


async def uploaded(form: Any, field: str, limit: int) -> list[tuple[str, bytes]]:
    out = []
    for f in form.getlist(field):
        if isinstance(f, UploadFile) and f.filename:
            out.append((f.filename, await f.read(limit + 1)))
    return out


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


@router.post("/entregables/{deliverable_id}/acciones/{trigger}")
async def act(
    request: Request, session: CheckedSession, deliverable_id: RowId, trigger: str
) -> Response:
    form = await request.form()
    try:
        return await _act(request, session, deliverable_id, trigger, form)
    finally:
        await form.close()


async def _act(request: Request, session: WebSession, deliverable_id: RowId, trigger: str, form: Any) -> Response:
    app = conaig(request)
    try:
        version_text = _text(form, "expected_version")
        if version_text is not None and not version_text.isdigit():
            raise InvalidInput("Versión esperada no válida.")
        files = await uploaded(form, "documento", app.settings.max_document_bytes)
        request.state.audited = True  # advance() records its own refusals
        await run_in_threadpool(
            deliverables.advance, app, session.actor, deliverable_id, trigger,
            comment=_text(form, "comentario"), documents=files, norm_reference=_text(form, "norma"),
            session_ref=_text(form, "sesion"), expected_version=int(version_text) if version_text else None,
        )
    except ConaigError as exc:
        if exc.http_status == 404:
            raise
        ctx = await run_in_threadpool(detail_context, app, session, deliverable_id)
        return page(request, "deliverable.html", {**ctx, "error": exc.message, "error_trigger": trigger},
                    session, status_code=exc.http_status)
    return RedirectResponse(f"/entregables/{deliverable_id}?hecho={quote(trigger)}", status_code=303)


@router.get("/entregables/{deliverable_id}/documentos/{document_id}")
def download(
    request: Request, session: Session, deliverable_id: RowId, document_id: RowId
) -> Response:
    request.state.audited = True  # download() records its own refusals
    doc = deliverable_detail.download(conaig(request), session.actor, deliverable_id, document_id)
    disposition = f"attachment; filename*=UTF-8''{quote(doc.name)}"
    return Response(doc.content, media_type=doc.media_type, headers={"Content-Disposition": disposition})


@router.get("/entregables/{deliverable_id}/actas/{session_id}.{fmt}")
def acta(request: Request, session: Session, deliverable_id: RowId, session_id: RowId, fmt: str) -> Response:
    """The acta of the session whose agreement took a step of this deliverable (its history links it)."""
    request.state.audited = True  # acta() records its own refusals
    doc = deliverable_detail.acta(conaig(request), session.actor, deliverable_id, session_id, fmt)
    disposition = f"attachment; filename*=UTF-8''{quote(doc.name)}"
    return Response(doc.content, media_type=doc.media_type, headers={"Content-Disposition": disposition})


@router.get("/revision")
def review_queue(request: Request, session: Session) -> Response:
    app = conaig(request)
    request.state.audited = True  # review_queue() records its own refusal
    items = deliverable_detail.review_queue(app, session.actor)
    return page(request, "queue.html", {"rows": rows_for(app, items)}, session)
