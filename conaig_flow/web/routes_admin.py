"""Users and entities administration (admin role; enforced in services.user_admin)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.domain.actors import ROLES
from conaig_flow.errors import ConaigError
from conaig_flow.web.confirm import require_confirmation
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import entity_admin, paging, user_admin
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)


def _users_page(request: Request, session: WebSession, error: str | None = None, done: str | None = None,
                status_code: int = 200, search: str = "", requested: int = 1) -> Response:
    app = conaig(request)
    request.state.audited = True
    _, total = user_admin.find_users(app, session.actor, search, 0, 0)
    pages = paging.paging("/admin/usuarios", requested, total, {"buscar": search})
    found, _ = user_admin.find_users(app, session.actor, search, pages.offset, pages.per_page)
    return page(request, "admin_users.html", {
        "users": found, "paging": pages, "search": search,
        "entities": user_admin.list_entities(app, session.actor),
        "roles": ROLES, "error": error, "done": done,
    }, session, status_code=status_code)


@router.get("/admin/usuarios")
def users_page(request: Request, session: Session, hecho: str = "", buscar: str = "", pagina: str = "") -> Response:
    user_admin.require_admin(conaig(request), session.actor, "list_users")
    return _users_page(request, session, done=hecho or None, search=paging.search_text(buscar),
                       requested=paging.page_number(pagina))


def _entities_page(request: Request, session: WebSession, error: str | None = None, done: str | None = None,
                   status_code: int = 200, typed: dict[str, str] | None = None) -> Response:
    request.state.audited = True
    app = conaig(request)
    items = user_admin.list_entities(app, session.actor)
    # the banner names only an entity that exists (a crafted ?hecho= shows nothing)
    done = next((f"{e.name} ({e.code})" for e in items if e.code == done), None)
    log = [e for e in user_admin.admin_log(app, session.actor) if e.action == "edición de entidad"][:20]
    return page(request, "admin_entities.html", {"entities": items, "error": error, "done": done, "log": log,
                                                 "typed": typed or {}}, session, status_code=status_code)


@router.get("/admin/entidades")
def entities_page(request: Request, session: Session, hecho: str = "") -> Response:
    return _entities_page(request, session, done=hecho or None)


@router.post("/admin/entidades/{code}")
def rename_entity(request: Request, session: CheckedSession, code: str, nombre: str = Form("")) -> Response:
    request.state.audited = True
    try:
        changed = entity_admin.rename(conaig(request), session.actor, code, nombre)
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _entities_page(request, session, error=exc.message, status_code=exc.http_status, typed={code: nombre})
    return RedirectResponse(f"/admin/entidades?hecho={quote(code if changed else '')}#entidad-{quote(code)}", status_code=303)


@router.post("/admin/usuarios")
def add_user(
    request: Request, session: CheckedSession,
    correo: str = Form(""), nombre: str = Form(""), entidad: str = Form(""), rol: str = Form(""),
    contrasena: str = Form("")
) -> Response:
    request.state.audited = True
    try:
        user_admin.add_user(conaig(request), session.actor, correo, nombre, entidad, rol, contrasena)
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _users_page(request, session, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/admin/usuarios?hecho=alta", status_code=303)


@router.post("/admin/usuarios/{user_id}/estado")
def set_active(request: Request, session: CheckedSession, user_id: RowId, activo: str = Form(""),
               confirmacion: str = Form(""), confirmo: str = Form("")) -> Response:
    request.state.audited = True
    try:
        if activo != "si":
            require_confirmation(confirmacion, confirmo, "desactivar la cuenta")
        user_admin.set_active(conaig(request), session.actor, user_id, activo == "si")
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _users_page(request, session, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/admin/usuarios?hecho=estado", status_code=303)


@router.post("/admin/usuarios/{user_id}/contrasena")
def set_password(request: Request, session: CheckedSession, user_id: RowId, contrasena: str = Form("")) -> Response:
    request.state.audited = True
    try:
        user_admin.set_password(conaig(request), session.actor, user_id, contrasena)
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _users_page(request, session, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/admin/usuarios?hecho=contrasena", status_code=303)


def _user_page(request: Request, session: WebSession, user_id: int, error: str | None = None,
               done: bool = False, status_code: int = 200) -> Response:
    app = conaig(request)
    request.state.audited = True
    user = user_admin.get_user(app, session.actor, user_id)
    return page(request, "admin_user.html", {
        "user": user, "entities": user_admin.list_entities(app, session.actor), "roles": ROLES,
        "log": user_admin.admin_log(app, session.actor, target=user.email), "error": error, "done": done,
    }, session, status_code=status_code)


@router.get("/admin/usuarios/{user_id}")
def user_page(request: Request, session: Session, user_id: RowId, hecho: str = "") -> Response:
    return _user_page(request, session, user_id, done=hecho == "si")


@router.post("/admin/usuarios/{user_id}")
def update_user(
    request: Request, session: CheckedSession, user_id: RowId,
    nombre: str = Form(""), entidad: str = Form(""), rol: str = Form(""), calidad: str = Form(""),
) -> Response:
    request.state.audited = True
    try:
        user_admin.update_user(conaig(request), session.actor, user_id, name=nombre, entity=entidad, role=rol,
                               capacity=calidad or None)
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _user_page(request, session, user_id, error=exc.message, status_code=exc.http_status)
    return RedirectResponse(f"/admin/usuarios/{user_id}?hecho=si", status_code=303)
