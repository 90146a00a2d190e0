"""The dashboard: progress figures, a chart, the overdue list and the programming table."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from conaig_flow.app import App
from conaig_flow.rendering.reports import FORMATS as REPORT_FORMATS
from conaig_flow.rendering.reports.open_data import FORMATS as OPEN_FORMATS
from conaig_flow.web.charts import COLOURS, stacked_bars
from conaig_flow.web.deps import Session, conaig
from conaig_flow.web.render import page, templates
from conaig_flow.web.views import dashboard

router = APIRouter(include_in_schema=False)

#: The figures' part of the page, rendered once per figures object: ``dashboard.build`` hands
#: out the same object only while the data it was computed from is unchanged, and the entry
#: goes when the service lets go of the object.
_RENDERED: WeakKeyDictionary[dashboard.Figures, Markup] = WeakKeyDictionary()


def figures_html(app: App, board: dashboard.Dashboard) -> Markup:
    html = _RENDERED.get(board.figures)
    if html is None:
        chart = Markup(stacked_bars([*board.by_objective, board.total], "Avance por objetivo prioritario"))  # built from escaped parts
        context: dict[str, Any] = {
            "board": board, "chart": chart, "buckets": dashboard.BUCKETS, "colours": COLOURS,
            "report_formats": REPORT_FORMATS, "open_formats": OPEN_FORMATS,
            "periods": [p.code for p in app.definitions().plan.periods],
        }
        html = Markup(templates.get_template("_dashboard_figures.html").render(context))  # autoescaped template
        _RENDERED[board.figures] = html
    return html


@router.get("/tablero")
def dashboard_page(request: Request, session: Session) -> Response:
    app = conaig(request)
    board = dashboard.build(app, session.actor)
    return page(request, "dashboard.html", {"board": board, "figures_html": figures_html(app, board)}, session)
