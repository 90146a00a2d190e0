"""The commission's public face (no session needed): its home, progress, sessions held with
their approved actas, consultations with their published answers, and the open-data downloads.

A signed-in person sees the same pages with their own header; nothing here depends on who asks."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.responses import RedirectResponse, Response

from conaig_flow.domain.actors import Actor
from conaig_flow.errors import AuthenticationRequired
from conaig_flow.rendering.reports import open_data as open_data_out
from conaig_flow.services.consultation import published
from conaig_flow.web.deps import COOKIE, RowId, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import auth as web_auth
from conaig_flow.web.views import public as public_pages
from conaig_flow.web.views import reports as report_pages

router = APIRouter(include_in_schema=False)
#: Who the open-data download is made for (the figures need no actor; this names the public).
PUBLIC = Actor(email="anónimo", name="", role="public", entity="")
ZIP_FORMATS = {"csv": "CSV", "json": "JSON", "xlsx": "Excel (XLSX)"}


def _optional_session(request: Request) -> None:
    """Show a signed-in person's own header on the public pages; anonymous otherwise."""
    token = request.cookies.get(COOKIE)
    if not token:
        return
    try:
        request.state.session = web_auth.resume(conaig(request), token)
    except AuthenticationRequired:
        return


def _attachment(name: str, media_type: str, content: bytes) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/")
def home(request: Request) -> Response:
    """Signed in: the deliverables. Anonymous: the commission's public home."""
    _optional_session(request)
    if getattr(request.state, "session", None) is not None:
        return RedirectResponse("/entregables", status_code=303)
    return RedirectResponse("/comision", status_code=303)


@router.get("/comision")
def commission(request: Request) -> Response:
    _optional_session(request)
    return page(request, "public_home.html", {"h": public_pages.home(conaig(request)), "section": "inicio"})


@router.get("/comision/avance")
def progress(request: Request) -> Response:
    _optional_session(request)
    return page(request, "public_progress.html", {"p": public_pages.progress(conaig(request)), "section": "avance"})


@router.get("/comision/sesiones")
def sessions(request: Request) -> Response:
    _optional_session(request)
    return page(request, "public_sessions.html",
                {"items": public_pages.held_sessions(conaig(request)), "section": "sesiones"})


@router.get("/comision/sesiones/{session_id}/acta.pdf")
def acta(request: Request, session_id: RowId) -> Response:
    name, content = public_pages.approved_acta(conaig(request), session_id)
    return _attachment(name, "application/pdf", content)


@router.get("/comision/consultas")
def consultations(request: Request) -> Response:
    _optional_session(request)
    return page(request, "public_consultations.html",
                {"items": published.list_public(conaig(request)), "section": "consultas"})


@router.get("/comision/consultas/{consultation_id}")
def consultation(request: Request, consultation_id: RowId) -> Response:
    _optional_session(request)
    c, questions, answers = published.public_consultation(conaig(request), consultation_id)
    return page(request, "public_consultation.html",
                {"c": c, "questions": questions, "answers": answers, "section": "consultas"})


@router.get("/comision/datos-abiertos")
def open_data(request: Request) -> Response:
    _optional_session(request)
    return page(request, "public_open_data.html", {
        "formats": ZIP_FORMATS, "datasets": open_data_out.DATASETS, "section": "datos",
    })


@router.get("/comision/datos-abiertos/{fmt}.zip")
def open_data_zip(request: Request, fmt: str) -> Response:
    d = report_pages.open_data_download(conaig(request), PUBLIC, fmt)
    return _attachment(d.name, d.media_type, d.content)
