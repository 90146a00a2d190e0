"""The dashboard: progress figures, a chart, the overdue list and the programming table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from conaig_flow.reports import FORMATS as REPORT_FORMATS
from conaig_flow.reports.open_data import FORMATS as OPEN_FORMATS
from conaig_flow.services import dashboard
from conaig_flow.web.charts import COLOURS, stacked_bars
from conaig_flow.web.deps import Session, conaig
from conaig_flow.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/tablero")
def dashboard_page(request: Request, session: Session) -> Response:
    app = conaig(request)
    board = dashboard.build(app, session.actor)
    chart = Markup(stacked_bars([*board.by_objective, board.total], "Avance por objetivo prioritario"))  # built from escaped parts
    return page(request, "dashboard.html", {
        "board": board, "chart": chart, "buckets": dashboard.BUCKETS, "colours": COLOURS,
        "report_formats": REPORT_FORMATS, "open_formats": OPEN_FORMATS,
        "periods": [p.code for p in app.definitions().plan.periods],
    }, session)
