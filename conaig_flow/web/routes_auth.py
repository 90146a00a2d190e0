"""Signing in and out and the static «acerca de» page (the home is in routes_public)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.errors import ConaigError, CsrfRejected, TooManyAttempts
from conaig_flow.web.deps import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    CheckedSession,
    client_address,
    conaig,
)
from conaig_flow.web.render import page
from conaig_flow.web.views import auth as web_auth

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/entregables"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")


@router.get("/acerca")
def about(request: Request) -> Response:
    """A static page (no database): also the floor of the web benchmark."""
    return page(request, "about.html", {})


def _login_page(request: Request, siguiente: str, error: str | None = None, status_code: int = 200,
                done: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"login_csrf": token, "siguiente": safe_next(siguiente), "error": error,
                                            "done": done}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/entrar")
    return response


@router.get("/entrar")
def login_form(request: Request, siguiente: str = "", hecho: str = "") -> Response:
    return _login_page(request, siguiente, done=hecho or None)


@router.post("/entrar")
def login(
    request: Request,
    correo: str = Form(""),
    contrasena: str = Form(""),
    csrf_token: str = Form(""),
    siguiente: str = Form(""),
) -> Response:
    # Login CSRF: the form's token must match the cookie set with the form (double submit).
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise CsrfRejected("El formulario de ingreso caducó. Vuelva a cargar la página e inténtelo de nuevo.")
    app = conaig(request)
    try:
        session = web_auth.login(app, correo, contrasena, client_address(request), request.headers.get("user-agent", ""))
    except ConaigError as exc:
        request.state.audited = True
        response = _login_page(request, siguiente, exc.message, exc.http_status)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(safe_next(siguiente), status_code=303)
    set_session_cookie(request, response, session.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/entrar")
    return response


@router.post("/salir")
def logout(request: Request, session: CheckedSession) -> Response:
    web_auth.logout(conaig(request), session.token)
    response = RedirectResponse("/entrar", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
