"""Downloads offered on the dashboard: the progress report and the open-data export."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from conaig_flow.web.deps import Session, conaig
from conaig_flow.web.views import reports as report_pages
from conaig_flow.web.views.reports import Download

router = APIRouter(include_in_schema=False)


def _file(d: Download) -> Response:
    return Response(d.content, media_type=d.media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(d.name)}"})


@router.get("/tablero/informe")
def progress_report(request: Request, session: Session, formato: str = "pdf", corte: str = "", periodo: str = "") -> Response:
    return _file(report_pages.progress_download(conaig(request), session.actor, formato, corte, periodo))


@router.get("/tablero/datos-abiertos")
def open_data(request: Request, session: Session, formato: str = "csv") -> Response:
    return _file(report_pages.open_data_download(conaig(request), session.actor, formato))
