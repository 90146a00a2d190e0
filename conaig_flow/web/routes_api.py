"""The JSON API under /api: the same use cases as the pages, through the same services.

Authentication: ``POST /api/session`` sets the session cookie and returns the CSRF token,
which every POST must carry in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.records import DeliverableView
from conaig_flow.web.deps import (
    COOKIE,
    CheckedSession,
    RowId,
    Session,
    client_address,
    conaig,
)
from conaig_flow.web.routes_auth import set_session_cookie
from conaig_flow.web.views import auth as web_auth
from conaig_flow.web.views import dashboard
from conaig_flow.web.views import deliverable as deliverable_detail
from conaig_flow.web.views.auth import WebSession


class ErrorOut(BaseModel):
    error: str
    detail: Any = None


ERRORS: dict[int | str, dict[str, Any]] = {"4XX": {"model": ErrorOut, "description": "Error (mensaje en español)"}}
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class UserOut(BaseModel):
    email: str
    name: str
    role: str
    entity: str


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str


class DeliverableOut(BaseModel):
    id: int
    activity: str
    kind: str
    owner: str
    owner_name: str
    period: str
    title: str
    due: str = Field(description="Fecha de vencimiento (AAAA-MM-DD, Lima)")
    due_at: datetime
    state: str
    state_label: str
    terminal: bool
    version: int
    days_left: int | None


class ActionOut(BaseModel):
    trigger: str
    label: str
    requires: list[str]
    missing: list[str]
    in_session: bool


class DeliverableDetailOut(DeliverableOut):
    actions: list[ActionOut]


class EventOut(BaseModel):
    seq: int
    actor_email: str
    actor_role: str
    actor_entity: str
    trigger: str
    from_state: str
    to_state: str
    comment: str | None
    documents: list[str]
    norm_reference: str | None
    session_ref: str | None
    at: datetime
    hash: str
    agreement_id: int | None = Field(default=None, description="Acuerdo de sesión que dio este paso (pasos en sesión)")


class TallyOut(BaseModel):
    key: str
    label: str
    total: int
    overdue: int
    approved_pct: int
    counts: dict[str, int]


class DashboardOut(BaseModel):
    total: TallyOut
    by_objective: list[TallyOut]
    by_activity: list[TallyOut]
    by_entity: list[TallyOut]
    by_period: list[TallyOut]
    overdue: list[int] = Field(description="Ids de los entregables vencidos")


def _user(session: WebSession) -> UserOut:
    a = session.actor
    return UserOut(email=a.email, name=a.name, role=a.role, entity=a.entity)


def _out(d: DeliverableView, now: datetime) -> dict[str, Any]:
    data = d.to_json()
    data["days_left"] = None if d.terminal else d.days_left(now)
    return data


@router.post("/session", response_model=SessionOut)
def login(request: Request, body: LoginIn) -> Response:
    """Iniciar sesión: fija la cookie de sesión y devuelve el token CSRF."""
    request.state.audited = True
    s = web_auth.login(conaig(request), body.email, body.password, client_address(request),
                       request.headers.get("user-agent", ""))
    response = JSONResponse(SessionOut(user=_user(s), csrf_token=s.csrf_token).model_dump())
    set_session_cookie(request, response, s.token)
    return response


@router.post("/session/logout", status_code=204)
def logout(request: Request, session: CheckedSession) -> Response:
    """Cerrar la sesión (el id deja de valer de inmediato)."""
    web_auth.logout(conaig(request), session.token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=SessionOut)
def me(session: Session) -> SessionOut:
    return SessionOut(user=_user(session), csrf_token=session.csrf_token)


@router.get("/deliverables", response_model=list[DeliverableOut])
def list_deliverables(
    request: Request, session: Session,
    entity: Annotated[str | None, Query(max_length=50)] = None,
    state: Annotated[str | None, Query(max_length=50)] = None,
    activity: Annotated[str | None, Query(max_length=50)] = None,
    period: Annotated[str | None, Query(max_length=50)] = None,
) -> list[dict[str, Any]]:
    """Los entregables que el usuario puede ver, con filtros opcionales."""
    app = conaig(request)
    items = deliverables.list_deliverables(app, session.actor, entity=entity, state=state, activity=activity, period=period)
    now = app.clock.now()
    return [_out(d, now) for d in items]


@router.get("/deliverables/{deliverable_id}", response_model=DeliverableDetailOut)
def get_deliverable(request: Request, session: Session, deliverable_id: RowId) -> dict[str, Any]:
    """Un entregable con las acciones que el usuario puede ejecutar y lo que falta para cada una."""
    app = conaig(request)
    d = deliverables.get(app, session.actor, deliverable_id)
    actions = deliverable_detail.actions(app, session.actor, deliverable_id)
    return {**_out(d, app.clock.now()), "actions": [
        {"trigger": a.trigger, "label": a.label, "requires": list(a.requires), "missing": list(a.missing),
         "in_session": a.in_session} for a in actions
    ]}


@router.get("/deliverables/{deliverable_id}/history", response_model=list[EventOut])
def history(request: Request, session: Session, deliverable_id: RowId) -> list[dict[str, Any]]:
    """Historial: quién hizo qué y cuándo."""
    return [e.to_json() for e in deliverables.history(conaig(request), session.actor, deliverable_id)]


@router.post("/deliverables/{deliverable_id}/advance", response_model=DeliverableOut)
async def advance(
    request: Request, session: CheckedSession,
    deliverable_id: RowId,
    trigger: Annotated[str, Form(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")],
    comment: Annotated[str | None, Form(max_length=10_000)] = None,
    norm_reference: Annotated[str | None, Form(max_length=300)] = None,
    session_ref: Annotated[str | None, Form(max_length=300)] = None,
    expected_version: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
    documents: Annotated[list[UploadFile] | None, File()] = None
) -> dict[str, Any]:
    """Ejecutar una acción del ciclo de vida (multipart, con documentos adjuntos)."""
    app = conaig(request)
    limit = app.settings.max_document_bytes
    files = [(f.filename or "documento", await f.read(limit + 1)) for f in documents or [] if f.filename]
    request.state.audited = True  # advance() records its own refusals
    d = await run_in_threadpool(
        deliverables.advance, app, session.actor, deliverable_id, trigger, comment=comment, documents=files,
        norm_reference=norm_reference, session_ref=session_ref, expected_version=expected_version,
    )
    return _out(d, app.clock.now())


@router.get("/dashboard", response_model=DashboardOut)
def dashboard_figures(request: Request, session: Session) -> dict[str, Any]:
    """Cifras de avance del plan (por objetivo, actividad, entidad y período) y vencidos."""
    board = dashboard.build(conaig(request), session.actor)
    return {
        "total": board.total.to_json(),
        "by_objective": [t.to_json() for t in board.by_objective],
        "by_activity": [t.to_json() for t in board.by_activity],
        "by_entity": [t.to_json() for t in board.by_entity],
        "by_period": [t.to_json() for t in board.by_period],
        "overdue": [d.id for d in board.overdue],
    }
