"""Security headers on every response, and a cap on request bodies (pure ASGI middleware).

The cap holds while the body streams in: a declared ``Content-Length`` over it is refused
before anything is read, and a body without one (chunked) is cut as soon as the bytes received
pass it — never read whole first. The refusal is the site's Spanish error page (JSON under
``/api``), naming the document limit people see on the forms.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class BodyTooLarge(HTTPException):
    """The request body passed the cap while it was being received (413)."""

    def __init__(self, limit_label: str) -> None:
        super().__init__(413, too_large_message(limit_label))


def too_large_message(limit_label: str) -> str:
    return (f"El envío supera el tamaño máximo permitido: cada documento puede pesar hasta {limit_label}. "
            "Reduzca el tamaño del archivo (por ejemplo, guárdelo como PDF comprimido) y vuelva a enviarlo.")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, max_body: int, limit_label: str = "25 MB") -> None:
        self.app = app
        self.max_body = max_body
        self.limit_label = limit_label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _too_large(scope, send, self.limit_label)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # raised inside the route's body parsing, so the route's error handling turns
                    # it into the site's 413 page (or JSON) before anything larger is read
                    raise BodyTooLarge(self.limit_label)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)


async def _too_large(scope: Scope, send: Send, limit_label: str) -> None:
    """413 before the body is read: JSON under /api, otherwise a Spanish page with a way back."""
    message = too_large_message(limit_label)
    if str(scope.get("path", "")).startswith("/api"):
        body = json.dumps({"error": message, "detail": None}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = _PAGE.format(message=html.escape(message), back=html.escape(_back(scope), quote=True)).encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def _back(scope: Scope) -> str:
    """The page the form was on (its path only, from the same-origin Referer), else the home."""
    referer = dict(scope.get("headers") or []).get(b"referer", b"").decode("latin-1")
    path = urlsplit(referer).path
    return path if path.startswith("/") and not path.startswith("//") else "/"


# The site's stylesheet and a way back; no template environment is reachable this early (the
# body is refused before any route runs), so the page is this one fixed text.
_PAGE = """<!DOCTYPE html>
<html lang="es-PE">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Envío demasiado grande — conaig-flow</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main id="contenido"><h1>No se pudo completar la solicitud</h1>
<p class="alert error" role="alert">{message}</p>
<p><a href="{back}">Volver a la página anterior</a> · <a href="/">Ir al inicio</a></p>
</main></body></html>
"""
