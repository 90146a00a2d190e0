"""A person's own account: change the password; ask for and use a reset link."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.errors import ConaigError, CsrfRejected
from conaig_flow.services import accounts
from conaig_flow.web.deps import CheckedSession, Session, client_address, conaig
from conaig_flow.web.render import page
from conaig_flow.web.routes_auth import set_session_cookie
from conaig_flow.web.views import auth as web_auth

router = APIRouter(include_in_schema=False)

#: Double-submit token of the signed-out forms (asking for a link, choosing a new password).
RESET_CSRF_COOKIE = "conaig_csrf_contrasena"


def _signed_out_form(request: Request, template: str, context: dict[str, object], status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, template, {"form_csrf": token, **context}, status_code=status_code)
    response.set_cookie(RESET_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/contrasena")
    return response


def _check_signed_out_csrf(request: Request, presented: str) -> None:
    expected = request.cookies.get(RESET_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, presented):
        raise CsrfRejected("El formulario caducó. Vuelva a cargar la página e inténtelo de nuevo.")


@router.get("/cuenta/contrasena")
def change_form(request: Request, session: Session, hecho: str = "") -> Response:
    return page(request, "account_password.html", {"error": None, "done": hecho == "si"}, session)


@router.post("/cuenta/contrasena")
def change(
    request: Request, session: CheckedSession,
    actual: str = Form(""), nueva: str = Form(""), confirmacion: str = Form(""),
) -> Response:
    app = conaig(request)
    request.state.audited = True
    try:
        accounts.change_password(app, session.actor, session.user_id, actual, nueva, confirmacion)
    except ConaigError as exc:
        return page(request, "account_password.html", {"error": exc.message, "done": False}, session,
                    status_code=exc.http_status)
    # every session ended with the change, this one too: this browser gets a fresh one
    fresh = web_auth.open_session(app, session.user_id, client_address(request), request.headers.get("user-agent", ""))
    response = RedirectResponse("/cuenta/contrasena?hecho=si", status_code=303)
    set_session_cookie(request, response, fresh.token)
    return response


@router.get("/contrasena/olvido")
def forgot_form(request: Request) -> Response:
    return _signed_out_form(request, "password_forgot.html", {"sent": False, "correo": ""})


@router.post("/contrasena/olvido")
def forgot(request: Request, correo: str = Form(""), csrf_token: str = Form("")) -> Response:
    _check_signed_out_csrf(request, csrf_token)
    accounts.request_reset(conaig(request), correo, client_address(request))
    return _signed_out_form(request, "password_forgot.html", {"sent": True, "correo": correo.strip()})


@router.get("/contrasena/nueva")
def reset_form(request: Request, token: str = "") -> Response:
    app = conaig(request)
    try:
        link = accounts.check_reset(app, token)
    except ConaigError as exc:
        return page(request, "error.html", {"status": exc.http_status, "message": exc.message,
                                            "back": "/contrasena/olvido", "back_label": "Solicitar un enlace nuevo"},
                    status_code=exc.http_status)
    return _signed_out_form(request, "password_reset.html", {"token": token, "account": link.account, "error": None})


@router.post("/contrasena/nueva")
def reset(
    request: Request, token: str = Form(""), nueva: str = Form(""), confirmacion: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    _check_signed_out_csrf(request, csrf_token)
    app = conaig(request)
    try:
        accounts.reset_password(app, token, nueva, confirmacion)
    except ConaigError as exc:
        try:
            link = accounts.check_reset(app, token)
        except ConaigError:
            return page(request, "error.html", {"status": exc.http_status, "message": exc.message,
                                                "back": "/contrasena/olvido", "back_label": "Solicitar un enlace nuevo"},
                        status_code=exc.http_status)
        return _signed_out_form(request, "password_reset.html",
                                {"token": token, "account": link.account, "error": exc.message}, exc.http_status)
    response = RedirectResponse("/entrar?hecho=contrasena", status_code=303)
    response.delete_cookie(RESET_CSRF_COOKIE, path="/contrasena")
    return response
