"""A member of the commission in a session from their own device (``/sesiones/{id}/participar``):
the convocatoria, agenda and documents; check in when the secretariat opened check-in; vote
for their entity on the item put to the vote (titular, or alterno in the titular's absence);
correct it while the vote is open; ask for an agenda item (art. 97.4); ask to sign the acta.
The page follows the session live (``/sesiones/{id}/en-vivo``) and works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from conaig_flow.errors import ConaigError
from conaig_flow.services.sessions import agenda, members
from conaig_flow.services.sessions.common import CAPACITY_LABELS, SENSE_LABELS
from conaig_flow.web import flash
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import hora, page
from conaig_flow.web.routes_session_console import text
from conaig_flow.web.views import session_console as console_views
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)


def _page(request: Request, session: WebSession, session_id: int, *, status_code: int = 200, **extra: object) -> Response:
    app = conaig(request)
    m = console_views.member_page(app, session.actor, session_id)
    ctx = {"m": m, "live": m.live, "s": m.live.record, "senses": SENSE_LABELS, "capacities": CAPACITY_LABELS, **extra}
    return page(request, "session_member.html", ctx, session, status_code=status_code)


@router.get("/sesiones/{session_id}/participar")
def member_page(request: Request, session: Session, session_id: RowId) -> Response:
    request.state.audited = True
    done = flash.take(request, session)
    return flash.clear(request, _page(request, session, session_id, done=done))


def _act(request: Request, session: WebSession, session_id: int, action: Callable[[], str], anchor: str = "") -> Response:
    request.state.audited = True
    try:
        message = action()
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _page(request, session, session_id, error=exc.message, status_code=exc.http_status)
    return flash.redirect(f"/sesiones/{session_id}/participar{'#' + anchor if anchor else ''}", session, message)


@router.post("/sesiones/{session_id}/participar/asistencia")
async def check_in(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    app = conaig(request)

    def action() -> str:
        me = members.check_in(app, session.actor, session_id)
        return (f"Se envió su asistencia como {CAPACITY_LABELS[me.capacity]} de {me.entity} a las "
                f"{hora(app.clock.now())}; la Secretaría Técnica la confirmará.")

    return await run_in_threadpool(_act, request, session, session_id, action)


@router.post("/sesiones/{session_id}/participar/puntos/{position}/voto")
async def vote(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        sense = text(form, "sentido")
        me = members.member_vote(app, session.actor, session_id, position, sense,
                                 reason=text(form, "motivo") or None, singular=bool(text(form, "singular")))
        return (f"Se registró su voto en el punto {position}: {SENSE_LABELS.get(sense, sense)}, como "
                f"{CAPACITY_LABELS[me.capacity]} de {me.entity}, a las {hora(app.clock.now())}.")

    return await run_in_threadpool(_act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/participar/pedido")
async def ask_item(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        n = agenda.request_item(app, session.actor, session_id, text(form, "texto"))
        return f"Se registró su pedido N° {n} de un punto de agenda; la Secretaría Técnica lo responderá."

    return await run_in_threadpool(_act, request, session, session_id, action, "pedidos")


@router.post("/sesiones/{session_id}/participar/firma")
async def ask_to_sign(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    app = conaig(request)

    def action() -> str:
        code = members.member_ask_to_sign(app, session.actor, session_id)
        return f"Se registró su pedido de firmar el {code}: figura entre sus firmantes."

    return await run_in_threadpool(_act, request, session, session_id, action, "acta")
