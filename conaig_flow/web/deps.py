"""What every route needs: the App, the signed-in session, the CSRF check, the address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyCookie, APIKeyHeader

from conaig_flow.app import App
from conaig_flow.errors import CsrfRejected
from conaig_flow.services.audit import record_refusal
from conaig_flow.web.views import auth as web_auth
from conaig_flow.web.views.auth import WebSession

COOKIE = "conaig_sesion"
LOGIN_CSRF_COOKIE = "conaig_csrf_entrada"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

# Declared for the OpenAPI document (security schemes); the checks themselves are below.
cookie_scheme = APIKeyCookie(name=COOKIE, auto_error=False, description="Cookie de sesión (POST /api/session)")
csrf_scheme = APIKeyHeader(name=CSRF_HEADER, auto_error=False, description="Token CSRF de la sesión, en toda petición POST")


def conaig(request: Request) -> App:
    app: App = request.app.state.conaig
    return app


def client_address(request: Request) -> str:
    return request.client.host if request.client else "desconocida"


def current_session(request: Request, _cookie: Annotated[str | None, Depends(cookie_scheme)]) -> WebSession:
    session = web_auth.resume(conaig(request), request.cookies.get(COOKIE))
    request.state.actor = session.actor
    request.state.session = session
    return session


async def checked_session(
    request: Request,
    session: Annotated[WebSession, Depends(current_session)],
    _header: Annotated[str | None, Depends(csrf_scheme)],
) -> WebSession:
    """The session of a POST whose CSRF token (header or form field) matches the session's."""
    presented = request.headers.get(CSRF_HEADER)
    if not presented and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not web_auth.csrf_matches(session, presented):
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            await (await request.form()).close()  # uploaded files spooled to disk
        exc = CsrfRejected(
            "La solicitud no trae un token de seguridad válido (CSRF). Vuelva a cargar la página e inténtelo de nuevo."
        )
        record_refusal(conaig(request), session.actor, f"POST {request.url.path}", "protección CSRF", exc.message)
        request.state.audited = True
        raise exc
    return session


#: Route parameter types: a signed-in session; a signed-in session with a valid CSRF token.
Session = Annotated[WebSession, Depends(current_session)]
CheckedSession = Annotated[WebSession, Depends(checked_session)]
#: A row id in a path: positive and within a 32-bit integer (both databases' INTEGER).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
