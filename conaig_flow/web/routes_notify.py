"""The outbox for the Technical Secretariat: messages by status, one message, dead letters
back in the queue (one, or all). The rules and the authorisation are in services.outbox_pages."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import outbox as outbox_pages
from conaig_flow.web.views import paging

router = APIRouter(include_in_schema=False)


@router.get("/notificaciones")
def outbox_page(request: Request, session: Session, estado: str = "", reintentados: int = -1, buscar: str = "",
                pagina: str = "") -> Response:
    request.state.audited = True
    outbox_pages.require_manager(conaig(request), session.actor, "outbox list")
    search = paging.search_text(buscar)
    items, totals, pages = outbox_pages.listing(conaig(request), session.actor, estado.strip() or None, search,
                                                paging.page_number(pagina))
    return page(request, "outbox.html", {
        "items": items, "totals": totals, "estado": estado.strip(), "labels": outbox_pages.STATUS_LABELS,
        "retried": reintentados if reintentados >= 0 else None, "paging": pages, "search": search,
        "keep": {"estado": estado.strip()},
    }, session)


@router.get("/notificaciones/{message_id}")
def message_page(request: Request, session: Session, message_id: RowId) -> Response:
    request.state.audited = True
    m = outbox_pages.message(conaig(request), session.actor, message_id)
    return page(request, "outbox_message.html", {"m": m, "labels": outbox_pages.STATUS_LABELS}, session)


@router.post("/notificaciones/reintentar")
def retry(request: Request, session: CheckedSession, mensaje: str = Form(""), todos: str = Form("")) -> Response:
    request.state.audited = True
    ids = [int(mensaje)] if mensaje.strip().isdigit() else []
    n = outbox_pages.retry(conaig(request), session.actor, ids, all_dead=todos == "si")
    return RedirectResponse(f"/notificaciones?estado=pending&reintentados={n}", status_code=303)
