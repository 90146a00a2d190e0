"""Jinja2 pages: one environment, Spanish filters, the session's CSRF token in every form."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from conaig_flow.clock import LIMA
from conaig_flow.i18n import days_phrase, fecha, fecha_hora, role_label
from conaig_flow.web.views.auth import WebSession

TEMPLATES = Path(__file__).resolve().parent / "templates"
# auto_reload off: the templates ship with the package, so there is no need to stat every
# template file (and each one it extends or includes) on every render to see if it changed.
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=jinja2.select_autoescape(), auto_reload=False,
))
templates.env.filters.update(fecha=fecha, fecha_hora=fecha_hora, days_phrase=days_phrase, role_label=role_label)


def size_label(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


templates.env.filters["size_label"] = size_label


def hora(value: datetime) -> str:
    """The time of day in Lima, HH:MM (the date is the session's)."""
    return value.astimezone(LIMA).strftime("%H:%M")


templates.env.filters["hora"] = hora


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    session: WebSession | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if session is None:
        current = getattr(request.state, "session", None)
        session = current if isinstance(current, WebSession) else None
    ctx = {"session": session, "actor": session.actor if session else None,
           "csrf_token": session.csrf_token if session else "", **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
