"""The confirmation of an action, carried across its redirect (POST → 303 → GET) in a
short-lived cookie signed with the session's CSRF token: only this server, for this session,
can make a page say that something was recorded."""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from conaig_flow.web.views.auth import WebSession

COOKIE = "conaig_aviso"


def _sign(session: WebSession, message: str) -> str:
    body = base64.urlsafe_b64encode(message.encode("utf-8")).decode("ascii")
    mac = hmac.new(session.csrf_token.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def redirect(url: str, session: WebSession, message: str) -> RedirectResponse:
    """303 to ``url`` with ``message`` to show there once."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(COOKIE, _sign(session, message), max_age=120, httponly=True, samesite="lax", path="/")
    return response


def take(request: Request, session: WebSession) -> str | None:
    """The confirmation waiting for this page, if it verifies (call ``clear`` on the response)."""
    raw = request.cookies.get(COOKIE)
    if not raw or "." not in raw:
        return None
    body, mac = raw.rsplit(".", 1)
    expected = hmac.new(session.csrf_token.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        return base64.urlsafe_b64decode(body.encode("ascii")).decode("utf-8")
    except ValueError:
        return None


def clear(request: Request, response: Response) -> Response:
    if request.cookies.get(COOKIE):
        response.delete_cookie(COOKIE, path="/")
    return response
