"""The calendar feed of an entity's deadlines (.ics by unguessable token) and its page."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.services.deliverables import calendar_feed
from conaig_flow.web.deps import CheckedSession, Session, conaig
from conaig_flow.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/calendario")
def calendar_page(request: Request, session: Session, entidad: str = "") -> Response:
    app = conaig(request)
    entity = entidad.strip() or session.actor.entity
    request.state.audited = True
    token = calendar_feed.token_for(app, session.actor, entity)
    url = str(request.base_url).rstrip("/") + f"/calendario/{token}.ics"
    entities = [e.code for e in app.definitions().plan.entities] if session.actor.role in calendar_feed.MANAGERS else []
    return page(request, "calendar.html", {"entity": entity, "url": url, "entities": entities}, session)


@router.post("/calendario/renovar")
def renew(request: Request, session: CheckedSession, entidad: str = Form("")) -> Response:
    entity = entidad.strip() or session.actor.entity
    request.state.audited = True
    calendar_feed.token_for(conaig(request), session.actor, entity, renew=True)
    return RedirectResponse(f"/calendario?entidad={entity}", status_code=303)


@router.get("/calendario/{token}.ics")
def feed(request: Request, token: str) -> Response:
    body = calendar_feed.feed(conaig(request), token)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="plazos.ics"'})
