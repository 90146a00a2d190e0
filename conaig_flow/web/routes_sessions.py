"""Sessions of the commission: list, new session, agenda, convocatoria, live attendance with
the quorum indicator, votes and conflicts per item, closing, the acta (approve, sign) and the
documents. Every rule and every authorisation is in the session services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from conaig_flow.app import App
from conaig_flow.clock import parse_instant
from conaig_flow.domain.acta import SIGNER_LABELS
from conaig_flow.domain.session_time import local_day
from conaig_flow.errors import ConaigError, InvalidInput
from conaig_flow.rendering.session_documents import FORMATS
from conaig_flow.services.sessions import actas, changes, sessions, voto_singular
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import KIND_LABELS, SENSE_LABELS, parse_at
from conaig_flow.web.confirm import require_confirmation
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import sessions as session_pages
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
DONE = {
    "creada": "Sesión programada.", "punto": "Punto agregado al orden del día.", "convocada": "Convocatoria emitida.",
    "asistencia": "Asistencia registrada.", "instalada": "Sesión instalada con quórum.", "voto": "Voto registrado.",
    "conflicto": "Conflicto de intereses registrado.", "concluida": "Sesión concluida: se generó el acta.",
    "acta-aprobada": "Acta aprobada.", "dirimente": "Voto dirimente registrado.", "firma": "Firma registrada.", "resumen": "Resumen registrado.",
    "suspendida": "Sesión suspendida: se avisó a los integrantes.", "reprogramada": "Sesión reprogramada: se avisó a los integrantes.",
    "fundamento": "Fundamento del voto singular registrado.", "renuncia": "Renuncia al fundamento escrito registrada.",
    "firmante": "El asistente firmará el acta.",
}


def _text(value: str) -> str | None:
    return value.strip() or None


def list_context(app: App, session: WebSession) -> dict[str, Any]:
    return {"items": session_pages.sessions_for(app, session.actor), "kinds": KIND_LABELS,
            "can_run": session_pages.can_run(session.actor), "second_call_hint": session_pages.second_call_hint(app)}


@router.get("/sesiones")
def sessions_page(request: Request, session: Session, hecho: str = "") -> Response:
    request.state.audited = True
    ctx = list_context(conaig(request), session)
    return page(request, "sessions.html", {**ctx, "done": DONE.get(hecho)}, session)


@router.post("/sesiones")
def new_session(
    request: Request, session: CheckedSession, fecha: str = Form(""), hora: str = Form("10:00"),
    tipo: str = Form("ordinaria"), modalidad: str = Form("presencial"), lugar: str = Form(""),
    segunda: str = Form(""), segunda_fecha: str = Form(""), titulo: str = Form(""),
) -> Response:
    app = conaig(request)
    request.state.audited = True
    session_pages.require_runner(app, session.actor, "session new")
    try:
        if not fecha.strip():
            raise InvalidInput("Indique la fecha de la sesión.")
        when = parse_instant(f"{fecha.strip()}T{hora.strip() or '10:00'}")
        second_day = segunda_fecha.strip() or fecha.strip()
        second = parse_instant(f"{second_day}T{segunda.strip() or hora.strip() or '10:00'}") \
            if segunda.strip() or segunda_fecha.strip() else None
        created = sessions.create_session(
            app, session.actor, scheduled_at=when, kind=tipo, virtual=modalidad == "virtual",
            place=_text(lugar), second_call_at=second, title=_text(titulo),
        )
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return page(request, "sessions.html", {**list_context(app, session), "error": exc.message},
                    session, status_code=exc.http_status)
    return RedirectResponse(f"/sesiones/{created.id}?hecho=creada", status_code=303)


def detail_context(app: App, session: WebSession, session_id: int) -> dict[str, Any]:
    record = session_pages.record_for(app, session.actor, session_id)
    plan = app.definitions().plan
    can_run = session_pages.can_run(session.actor)
    return {
        "s": record, "can_run": can_run, "senses": SENSE_LABELS, "signers": SIGNER_LABELS, "formats": FORMATS,
        "voting": plan.voting_members, "entities": plan.entities, "secretariat": plan.commission.secretariat,
        "candidates": session_pages.agenda_candidates(app, session.actor) if can_run and record.status == "planned" else [],
        "quorum_met": record.quorum_now_present >= record.quorum_now_required,
        "open_sessions": session_pages.later_open_sessions(app, session_id) if can_run and record.acta_state == "draft" else [],
        # «al término de esta sesión» only on the day it concluded (art. 102; actas.approve_acta)
        "same_session_approval": record.closed_at is not None and local_day(record.closed_at) == local_day(app.clock.now()),
        "acta_basis": plan.session_rules.legal_basis.acta,
        "abstention_allowed": plan.session_rules.abstention.allowed,
    }


@router.get("/sesiones/{session_id}")
def session_page(request: Request, session: Session, session_id: RowId, hecho: str = "") -> Response:
    request.state.audited = True
    ctx = detail_context(conaig(request), session, session_id)
    return page(request, "session.html", {**ctx, "done": DONE.get(hecho)}, session)


def _run(request: Request, session: WebSession, session_id: int, done: str, action: Callable[[], Any]) -> Response:
    """Run one service call; on a refusal show the session page again with its message."""
    app = conaig(request)
    request.state.audited = True  # the session services record their own refusals
    try:
        action()
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        ctx = detail_context(app, session, session_id)
        return page(request, "session.html", {**ctx, "error": exc.message}, session, status_code=exc.http_status)
    return RedirectResponse(f"/sesiones/{session_id}?hecho={quote(done)}#{done}", status_code=303)


@router.post("/sesiones/{session_id}/agenda")
async def add_item(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    kind = str(form.get("tipo") or "")
    text = str(form.get("texto") or "")
    deliverable = str(form.get("entregable") or "")
    team = str(form.get("equipo") or "")
    members = [str(m) for m in form.getlist("integrantes")]
    app = conaig(request)

    def action() -> None:
        session_pages.require_runner(app, session.actor, "session agenda")
        if kind == "approve":
            if not deliverable.isdigit():
                raise InvalidInput("Elija el entregable que se someterá a aprobación.")
            sessions.add_item(app, session.actor, session_id, approve=int(deliverable))
        elif kind == "form_team":
            sessions.add_item(app, session.actor, session_id, form_team=(team, members))
        elif kind == "note":
            sessions.add_item(app, session.actor, session_id, note=text)
        else:
            sessions.add_item(app, session.actor, session_id, other=text)

    return await run_in_threadpool(_run, request, session, session_id, "punto", action)


@router.post("/sesiones/{session_id}/convocar")
def convene(request: Request, session: CheckedSession, session_id: RowId, confirmacion: str = Form(""),
            confirmo: str = Form("")) -> Response:
    def action() -> None:
        require_confirmation(confirmacion, confirmo, "emitir la convocatoria")
        sessions.convene(conaig(request), session.actor, session_id)

    return _run(request, session, session_id, "convocada", action)


@router.post("/sesiones/{session_id}/asistencia")
def attend(
    request: Request, session: CheckedSession, session_id: RowId, entidad: str = Form(""),
    calidad: str = Form("titular"), llegada: str = Form(""), salida: str = Form(""), persona: str = Form(""),
    registro: str = Form("llegada"),
) -> Response:
    app = conaig(request)

    def action() -> None:
        session_pages.require_runner(app, session.actor, "session attend")
        record = session_pages.record_for(app, session.actor, session_id)
        now = app.clock.now()
        leaving = registro == "salida"
        arrived = None if leaving else parse_at(llegada, record, now)
        left = parse_at(salida, record, now) if leaving or salida.strip() else None
        session_attendance.attend(app, session.actor, session_id, entidad.strip(), alterno=calidad == "alterno",
                                  at=arrived, leave=left, person=_text(persona))

    return _run(request, session, session_id, "asistencia", action)


@router.post("/sesiones/{session_id}/instalar")
def open_session(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    return _run(request, session, session_id, "instalada",
                lambda: session_attendance.open_session(conaig(request), session.actor, session_id))


@router.post("/sesiones/{session_id}/puntos/{position}/votos")
def vote(
    request: Request, session: CheckedSession, session_id: RowId, position: RowId, entidad: str = Form(""),
    sentido: str = Form(""), motivo: str = Form(""), singular: str = Form(""),
) -> Response:
    return _run(request, session, session_id, f"punto-{position}", lambda: session_votes.vote(
        conaig(request), session.actor, session_id, position, entidad.strip(), sentido, reason=_text(motivo),
        singular=bool(singular)))


@router.post("/sesiones/{session_id}/puntos/{position}/conflictos")
def conflict(
    request: Request, session: CheckedSession, session_id: RowId, position: RowId, entidad: str = Form(""),
    motivo: str = Form(""),
) -> Response:
    return _run(request, session, session_id, f"punto-{position}", lambda: sessions.declare_conflict(
        conaig(request), session.actor, session_id, position, entidad.strip(), motivo))


@router.post("/sesiones/{session_id}/puntos/{position}/resumen")
def summary(
    request: Request, session: CheckedSession, session_id: RowId, position: RowId, texto: str = Form(""),
) -> Response:
    return _run(request, session, session_id, f"punto-{position}", lambda: sessions.set_summary(
        conaig(request), session.actor, session_id, texto, position))


@router.post("/sesiones/{session_id}/puntos/{position}/dirimente")
def tiebreak(
    request: Request, session: CheckedSession, session_id: RowId, position: RowId, sentido: str = Form(""),
) -> Response:
    return _run(request, session, session_id, f"punto-{position}", lambda: session_votes.tiebreak(
        conaig(request), session.actor, session_id, position, sentido))


@router.post("/sesiones/{session_id}/resumen")
def meeting_summary(request: Request, session: CheckedSession, session_id: RowId, texto: str = Form("")) -> Response:
    return _run(request, session, session_id, "resumen", lambda: sessions.set_summary(
        conaig(request), session.actor, session_id, texto))


@router.post("/sesiones/{session_id}/concluir")
def close(request: Request, session: CheckedSession, session_id: RowId, confirmacion: str = Form(""),
          confirmo: str = Form("")) -> Response:
    def action() -> None:
        require_confirmation(confirmacion, confirmo, "concluir la sesión")
        session_votes.close(conaig(request), session.actor, session_id)

    return _run(request, session, session_id, "acta", action)


@router.post("/sesiones/{session_id}/acta/aprobar")
def approve_acta(request: Request, session: CheckedSession, session_id: RowId, en: str = Form("")) -> Response:
    """``en`` empty: at the end of the same session; a session id: at the start of that one."""
    def action() -> None:
        session_pages.require_runner(conaig(request), session.actor, "session acta approve")
        if en.strip() and not en.strip().isdigit():
            raise InvalidInput("Elija la sesión en la que se aprueba el acta.")
        actas.approve_acta(conaig(request), session.actor, session_id, in_session=int(en) if en.strip() else None)

    return _run(request, session, session_id, "acta", action)


@router.post("/sesiones/{session_id}/suspender")
def cancel(request: Request, session: CheckedSession, session_id: RowId, motivo: str = Form("")) -> Response:
    return _run(request, session, session_id, "suspendida",
                lambda: changes.cancel(conaig(request), session.actor, session_id, reason=motivo))


@router.post("/sesiones/{session_id}/reprogramar")
def postpone(
    request: Request, session: CheckedSession, session_id: RowId, fecha: str = Form(""), hora: str = Form(""),
    segunda_fecha: str = Form(""), segunda: str = Form(""), motivo: str = Form(""),
) -> Response:
    def action() -> None:
        session_pages.require_runner(conaig(request), session.actor, "session postpone")
        if not fecha.strip() or not hora.strip():
            raise InvalidInput("Indique la nueva fecha y hora de la sesión.")
        second = parse_instant(f"{segunda_fecha.strip()}T{segunda.strip() or hora.strip()}") if segunda_fecha.strip() else None
        changes.postpone(conaig(request), session.actor, session_id, reason=motivo,
                                 scheduled_at=parse_instant(f"{fecha.strip()}T{hora.strip()}"), second_call_at=second)

    return _run(request, session, session_id, "reprogramada", action)


@router.post("/sesiones/{session_id}/puntos/{position}/fundamento")
def grounds(
    request: Request, session: CheckedSession, session_id: RowId, position: RowId, entidad: str = Form(""),
    texto: str = Form(""), renuncia: str = Form(""),
) -> Response:
    app = conaig(request)
    if renuncia:
        return _run(request, session, session_id, "renuncia", lambda: voto_singular.waive_grounds(
            app, session.actor, session_id, position, entidad.strip()))
    return _run(request, session, session_id, "fundamento", lambda: voto_singular.hand_grounds(
        app, session.actor, session_id, position, entidad.strip(), texto))


@router.post("/sesiones/{session_id}/acta/firmantes")
def ask_to_sign(request: Request, session: CheckedSession, session_id: RowId, entidad: str = Form("")) -> Response:
    return _run(request, session, session_id, "firmante",
                lambda: actas.ask_to_sign(conaig(request), session.actor, session_id, entidad.strip()))


@router.get("/sesiones/{session_id}/acuerdos/{number}/certificacion.{formato}")
def certification(request: Request, session: Session, session_id: RowId, number: RowId, formato: str) -> Response:
    request.state.audited = True
    name, content = actas.certification(conaig(request), session.actor, session_id, number, formato)
    return Response(content, media_type=MEDIA.get(formato, "application/octet-stream"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/sesiones/{session_id}/documentos/{documento}.{formato}")
def document(request: Request, session: Session, session_id: RowId, documento: str, formato: str) -> Response:
    request.state.audited = True
    name, content = session_pages.document_for(conaig(request), session.actor, session_id, documento, formato)
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=MEDIA.get(formato, "application/octet-stream"),
                    headers={"Content-Disposition": disposition})
