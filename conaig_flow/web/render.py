"""Jinja2 pages: one environment, Spanish filters, the session's CSRF token in every form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.errors import NotInitialised
from conaig_flow.i18n import cuenta, days_phrase, fecha, fecha_hora, message_kind_label, role_label
from conaig_flow.web.views.auth import WebSession

TEMPLATES = Path(__file__).resolve().parent / "templates"
# auto_reload off: the templates ship with the package, so there is no need to stat every
# template file (and each one it extends or includes) on every render to see if it changed.
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=jinja2.select_autoescape(), auto_reload=False,
))
templates.env.filters.update(fecha=fecha, fecha_hora=fecha_hora, days_phrase=days_phrase, role_label=role_label, cuenta=cuenta,
                            tipo_mensaje=message_kind_label)


def size_label(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


templates.env.filters["size_label"] = size_label


def hora(value: datetime) -> str:
    """The time of day in Lima, HH:MM (the date is the session's)."""
    return value.astimezone(LIMA).strftime("%H:%M")


templates.env.filters["hora"] = hora


@dataclass(frozen=True)
class Masthead:
    """What every page says of the commission whose plan is loaded (never a fixed name)."""

    commission_code: str
    commission_name: str
    commission_kind: str | None
    commission_object: str | None
    plan_title: str
    general_objective: str | None
    secretariat: str  # "Dirección … (DGIGND) del Ministerio …"
    legal_basis: tuple[str, ...]
    programming_ref: str | None  # "sección V" where the plan has such a section


#: What the pages say before any plan is loaded (``conaig init`` not yet run): no commission's name.
NO_PLAN = Masthead(
    commission_code="conaig-flow", commission_name="Sin plan de trabajo cargado", commission_kind=None,
    commission_object=None, plan_title="Seguimiento del plan de trabajo de una comisión", general_objective=None,
    secretariat="aún no designada (cargue el plan con «conaig init»)", legal_basis=(), programming_ref=None,
)


def masthead(app: App) -> Masthead:
    """The loaded plan's names, kept per definitions (``app.memo``); ``NO_PLAN`` before one is loaded."""
    try:
        defs = app.definitions()
    except NotInitialised:
        return NO_PLAN
    cached = app.memo.get(_MASTHEAD)
    if cached is not None and cached[0] is defs:
        return cached[1]  # type: ignore[no-any-return]
    plan = defs.plan
    sec = plan.commission.secretariat
    head = Masthead(
        commission_code=plan.commission.code, commission_name=plan.commission.name,
        commission_kind=plan.commission.kind, commission_object=plan.commission.object,
        plan_title=plan.plan.title, general_objective=plan.plan.general_objective,
        secretariat=f"{sec.unit_name} ({sec.unit_code}) — {plan.owner_name(sec.entity)}",
        legal_basis=tuple(plan.commission.legal_basis), programming_ref=plan.plan.section_ref("programming"),
    )
    app.memo[_MASTHEAD] = (defs, head)
    return head


_MASTHEAD = "web.masthead"


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
           "csrf_token": session.csrf_token if session else "", "masthead": masthead(request.app.state.conaig),
           **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
