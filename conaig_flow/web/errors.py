"""ConaigError → HTTP status, in one place: JSON under /api, a Spanish page elsewhere.

Refusals (401, 403, 404) that a service did not already audit are recorded here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from conaig_flow.domain.actors import Actor
from conaig_flow.errors import (
    AuthenticationRequired,
    ConaigError,
    RequirementsNotMet,
    TooManyAttempts,
    TransitionNotAllowed,
)
from conaig_flow.services.audit import record_anonymous_refusal, record_refusal
from conaig_flow.web.deps import client_address, conaig
from conaig_flow.web.render import page

AUDITED_STATUSES = frozenset({401, 403, 404})


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def detail_of(exc: ConaigError) -> Any:
    if isinstance(exc, RequirementsNotMet):
        return {"missing": exc.missing}
    if isinstance(exc, TransitionNotAllowed):
        return {"allowed": exc.allowed, "state": exc.state}
    return None


def json_error(status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=headers)


def _audit(request: Request, exc: ConaigError) -> None:
    if exc.http_status not in AUDITED_STATUSES or getattr(request.state, "audited", False):
        return
    actor = getattr(request.state, "actor", None)
    action = f"{request.method} {request.url.path}"
    if not isinstance(actor, Actor):
        # nobody signed in: counted and written at most once a minute per kind (a scan of the
        # site must not turn into one synchronous write per request)
        target = f"{request.url.path} desde {client_address(request)}"
        record_anonymous_refusal(conaig(request), action, target, exc.message)
        return
    record_refusal(conaig(request), actor, action, request.url.path, exc.message)


def handle_conaig(request: Request, exc: ConaigError) -> Response:
    _audit(request, exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    if is_api(request):
        return json_error(exc.http_status, exc.message, detail_of(exc), headers)
    if isinstance(exc, AuthenticationRequired) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/entrar?siguiente={quote(target)}", status_code=303)
    return page(request, "error.html", {"status": exc.http_status, "message": exc.message},
                status_code=exc.http_status)


def handle_validation(request: Request, exc: RequestValidationError) -> Response:
    message = "Los datos enviados no son válidos."
    if is_api(request):
        return json_error(422, message, jsonable(exc.errors()))
    return page(request, "error.html", {"status": 422, "message": message}, status_code=422)


def handle_http(request: Request, exc: StarletteHTTPException) -> Response:
    message = {404: "La página no existe.", 405: "Método no permitido."}.get(exc.status_code, str(exc.detail))
    if is_api(request):
        return json_error(exc.status_code, message, None, getattr(exc, "headers", None))
    return page(request, "error.html", {"status": exc.status_code, "message": message}, status_code=exc.status_code)


def jsonable(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={bytes: lambda b: b.decode("utf-8", "replace")})


def install(web: FastAPI) -> None:
    web.add_exception_handler(ConaigError, handle_conaig)  # type: ignore[arg-type]
    web.add_exception_handler(RequestValidationError, handle_validation)  # type: ignore[arg-type]
    web.add_exception_handler(StarletteHTTPException, handle_http)  # type: ignore[arg-type]
