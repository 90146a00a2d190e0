"""The app factory: one FastAPI app per App (composition root), with its routes, error
mapping and security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from conaig_flow.app import App
from conaig_flow.i18n import size_text
from conaig_flow.services.audit import flush_anonymous_refusals
from conaig_flow.web import (
    errors,
    routes_account,
    routes_admin,
    routes_api,
    routes_attachments,
    routes_auth,
    routes_calendar,
    routes_consultation,
    routes_dashboard,
    routes_deliverables,
    routes_notify,
    routes_public,
    routes_reports,
    routes_session_console,
    routes_session_member,
    routes_sessions,
    routes_signatures,
)
from conaig_flow.web.security import SecurityHeaders

STATIC = Path(__file__).resolve().parent / "static"

API_DESCRIPTION = """API JSON de conaig-flow.

Autenticación: inicie sesión con `POST /api/session` (correo y contraseña); la respuesta fija la
cookie de sesión `conaig_sesion` (HttpOnly) y devuelve `csrf_token`. Toda petición POST debe
llevar además la cabecera `X-CSRF-Token` con ese valor. Los errores se devuelven como
`{"error": "mensaje", "detail": ...}`.
"""


def create_app(app: App, *, in_process_worker: bool = False) -> FastAPI:
    """The web app of ``app``. ``in_process_worker``: also run the reminder worker (sweep and
    outbox dispatch) in this process for the app's lifespan — ``conaig serve`` does it on a
    single-process SQLite database; otherwise ``conaig worker`` processes do it."""

    @asynccontextmanager
    async def lifespan(web: FastAPI) -> AsyncIterator[None]:
        # Synchronous routes run in anyio's worker threads, 40 by default. Their work holds the
        # GIL (the database is SQLite in this process, or a short round trip), so more threads
        # than connections in the pool (5 + 10) only queue for the pool and the GIL: under load
        # 40 threads cost about a third more CPU per request than 12 (bench/README.md).
        anyio.to_thread.current_default_thread_limiter().total_tokens = app.settings.web_threads
        worker = None
        if in_process_worker:
            from conaig_flow.scheduler import InProcessWorker

            worker = InProcessWorker(app)
            worker.start()
        web.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            flush_anonymous_refusals(app)

    web = FastAPI(
        lifespan=lifespan,
        title="conaig-flow",
        version="0.1.0",
        description=API_DESCRIPTION,
        docs_url=None,  # Swagger UI needs a CDN and inline scripts; the OpenAPI document is enough
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    web.state.conaig = app
    errors.install(web)
    for module in (routes_auth, routes_account, routes_deliverables, routes_dashboard, routes_calendar, routes_admin,
                   routes_consultation, routes_api, routes_sessions, routes_session_console, routes_session_member,
                   routes_notify, routes_reports, routes_signatures, routes_public, routes_attachments):
        web.include_router(module.router)
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    # the body may carry one document and the form around it (a megabyte is ample for that)
    web.add_middleware(SecurityHeaders, max_body=app.settings.max_document_bytes + 1_048_576,
                       limit_label=size_text(app.settings.max_document_bytes))
    return web
