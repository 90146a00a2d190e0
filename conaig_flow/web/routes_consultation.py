"""Consultations on the web: the public page and each organisation's personal page (no
account needed), and the Technical Secretariat's pages (open, invite, import organisations,
answer each contribution, export the matrix)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from conaig_flow.clock import parse_instant
from conaig_flow.domain.consultation import DECISIONS, ORGANISATION_KINDS
from conaig_flow.errors import ConaigError, CsrfRejected, InvalidInput
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.consultation.consultations import ConsultationView, InvitedOrganisation
from conaig_flow.web.deps import CheckedSession, RowId, Session, client_address, conaig
from conaig_flow.web.render import page

router = APIRouter(include_in_schema=False)
PUBLIC_CSRF_COOKIE = "conaig_csrf_consulta"
#: The honeypot: a field people never see (hidden by CSS and aria-hidden), bots fill it.
HONEYPOT = "sitio_web"


def _form_text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


async def _upload(form: Any, name: str, limit: int) -> tuple[str, bytes] | None:
    f = form.get(name)
    if isinstance(f, UploadFile) and f.filename:
        return f.filename, await f.read(limit + 1)
    return None


def _window(view: ConsultationView, now: datetime) -> str:
    if now < view.opens_at:
        return "por abrir"
    return "abierta" if now < view.closes_at else "cerrada"


# -- public and personal pages -------------------------------------------------------------
def _public_form(request: Request, view: ConsultationView, org: InvitedOrganisation | None, token: str | None,
                 error: str | None = None, status_code: int = 200, values: dict[str, str] | None = None) -> Response:
    app = conaig(request)
    csrf = secrets.token_urlsafe(32)
    response = page(request, "consultation_public.html", {
        "c": view, "org": org, "token": token, "csrf": csrf, "error": error, "values": values or {},
        "state": _window(view, app.clock.now()), "honeypot": HONEYPOT,
    }, status_code=status_code)
    response.set_cookie(PUBLIC_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/consulta")
    return response


@router.get("/consulta/{consultation_id}")
def public_page(request: Request, consultation_id: RowId) -> Response:
    view = consultations.public_view(conaig(request), consultation_id)
    return _public_form(request, view, None, None)


@router.get("/consulta/{consultation_id}/i/{token}")
def personal_page(request: Request, consultation_id: RowId, token: str) -> Response:
    request.state.audited = True  # invitation_view() records its own refusal
    view, org = consultations.invitation_view(conaig(request), consultation_id, token)
    return _public_form(request, view, org, token)


@router.get("/consulta/{consultation_id}/documento")
def public_document(request: Request, consultation_id: RowId, token: str = "") -> Response:
    app = conaig(request)
    if token:
        request.state.audited = True
        view, _ = consultations.invitation_view(app, consultation_id, token)
    else:
        view = consultations.public_view(app, consultation_id)
    content = app.documents.read(view.document_sha256)
    disposition = f"attachment; filename*=UTF-8''{quote(view.document_name)}"
    return Response(content, media_type="application/octet-stream", headers={"Content-Disposition": disposition})


async def _submit(request: Request, consultation_id: int, token: str | None) -> Response:
    app = conaig(request)
    form = await request.form()
    try:
        expected = request.cookies.get(PUBLIC_CSRF_COOKIE, "")
        presented = _form_text(form, "csrf_token") or ""
        if not expected or not secrets.compare_digest(expected, presented):
            raise CsrfRejected("El formulario caducó. Vuelva a cargar la página e inténtelo de nuevo.")
        question = _form_text(form, "pregunta")
        values = {k: _form_text(form, k) or "" for k in ("nombre", "organizacion", "correo", "aporte", "pregunta")}
        request.state.audited = True  # submit() records its own refusals
        try:
            got = await run_in_threadpool(
                contributions.submit, app, consultation_id, text=_form_text(form, "aporte") or "", token=token,
                name=_form_text(form, "nombre"), organisation=_form_text(form, "organizacion"),
                email=_form_text(form, "correo"), question_seq=int(question) if question and question.isdigit() else None,
                attachment=await _upload(form, "adjunto", app.settings.max_document_bytes),
                client_address=client_address(request), honeypot=_form_text(form, HONEYPOT),
            )
        except ConaigError as exc:
            if exc.http_status == 404 or isinstance(exc, CsrfRejected):
                raise
            if token:
                view, org = consultations.invitation_view(app, consultation_id, token)
            else:
                view, org = consultations.public_view(app, consultation_id), None
            return _public_form(request, view, org, token, exc.message, exc.http_status, values)
    finally:
        await form.close()
    return page(request, "consultation_thanks.html", {"got": got, "c": consultations.get(app, consultation_id)})


@router.post("/consulta/{consultation_id}")
async def public_submit(request: Request, consultation_id: RowId) -> Response:
    consultations.public_view(conaig(request), consultation_id)
    return await _submit(request, consultation_id, None)


@router.post("/consulta/{consultation_id}/i/{token}")
async def personal_submit(request: Request, consultation_id: RowId, token: str) -> Response:
    return await _submit(request, consultation_id, token)


# -- the Technical Secretariat's pages ------------------------------------------------------
@router.get("/consultas")
def consultation_list(request: Request, session: Session, error: str = "", entregable: str = "") -> Response:
    app = conaig(request)
    request.state.audited = True
    items = consultations.list_consultations(app, session.actor)
    eligible = _eligible(request, session)
    now = app.clock.now()
    return page(request, "consultations.html", {
        "items": [(c, _window(c, now)) for c in items], "eligible": eligible,
        "orgs": organisations.list_organisations(app), "kinds": ORGANISATION_KINDS, "error": error or None,
        "chosen": int(entregable) if entregable.isdigit() else None,
    }, session)


def _eligible(request: Request, session: Any) -> list[Any]:
    """Deliverables whose lifecycle can open a consultation from their current state."""
    from conaig_flow.services.deliverables import deliverables

    app = conaig(request)
    defs = app.definitions()
    out = []
    for d in deliverables.list_deliverables(app, session.actor):
        lc = defs.lifecycles[d.kind]
        if any(t.consultation == "opens" for t in lc.transitions_from(d.state)):
            out.append(d)
    return out


@router.post("/consultas")
async def consultation_open(request: Request, session: CheckedSession) -> Response:
    app = conaig(request)
    request.state.audited = True
    consultations.require_secretariat(app, session.actor, "consultation-open", "consultas")
    form = await request.form()
    try:
        deliverable = _form_text(form, "entregable") or ""
        if not deliverable.isdigit():
            raise InvalidInput("Elija el entregable que se pone en consulta.")
        view = await run_in_threadpool(
            consultations.open_consultation, app, session.actor, int(deliverable),
            title=_form_text(form, "titulo") or "", opens_at=parse_instant(_form_text(form, "apertura") or ""),
            closes_at=parse_instant(_form_text(form, "cierre") or ""),
            questions=(_form_text(form, "preguntas") or "").splitlines(), public=form.get("publica") == "si",
            document=await _upload(form, "documento", app.settings.max_document_bytes),
        )
    except ConaigError as exc:
        if exc.http_status in (403, 404):
            raise
        return RedirectResponse(f"/consultas?error={quote(exc.message)}", status_code=303)
    finally:
        await form.close()
    return RedirectResponse(f"/consultas/{view.id}", status_code=303)


@router.post("/organizaciones/importar")
async def organisations_import(request: Request, session: CheckedSession) -> Response:
    app = conaig(request)
    request.state.audited = True
    consultations.require_staff(app, session.actor, "import-orgs", "organizaciones")
    form = await request.form()
    try:
        upload = await _upload(form, "archivo", app.settings.max_document_bytes)
        if upload is None:
            raise InvalidInput("Adjunte el archivo CSV o XLSX de organizaciones.")
        report = await run_in_threadpool(organisations.import_organisations, app, session.actor, *upload)
    except ConaigError as exc:
        if exc.http_status in (403, 404):
            raise
        return RedirectResponse(f"/consultas?error={quote(exc.message)}", status_code=303)
    finally:
        await form.close()
    return page(request, "organisations_import.html", {"report": report}, session)


@router.get("/consultas/{consultation_id}")
def consultation_page(request: Request, session: Session, consultation_id: RowId, hecho: str = "", error: str = "") -> Response:
    app = conaig(request)
    request.state.audited = True
    consultations.require_staff(app, session.actor, "consultation-view", f"consulta {consultation_id}")
    status = contributions.status(app, consultation_id)
    from conaig_flow.services.deliverables import deliverables

    d = deliverables.get(app, session.actor, status.consultation.deliverable_id)
    closable = any(t.consultation == "closes" for t in app.engine().allowed(d.kind, d.state))
    return page(request, "consultation.html", {
        "closable": closable, "deliverable_state": d.state_label,
        "st": status, "c": status.consultation, "items": contributions.matrix(app, consultation_id),
        "state": _window(status.consultation, app.clock.now()), "decisions": DECISIONS, "kinds": ORGANISATION_KINDS,
        "public_link": consultations.public_link(app, consultation_id), "done": hecho, "error": error or None,
        "kind_keys": sorted(set(status.figures.invited_by_kind) | set(status.figures.contributions_by_kind)),
    }, session)


@router.post("/consultas/{consultation_id}/invitar")
def consultation_invite(request: Request, session: CheckedSession, consultation_id: RowId) -> Response:
    request.state.audited = True
    sent = consultations.invite(conaig(request), session.actor, consultation_id)
    return RedirectResponse(f"/consultas/{consultation_id}?hecho={quote(f'{len(sent)} invitaciones nuevas en la bandeja de salida')}",
                            status_code=303)


@router.post("/consultas/{consultation_id}/cerrar")
async def consultation_close(request: Request, session: CheckedSession, consultation_id: RowId) -> Response:
    app = conaig(request)
    request.state.audited = True  # close_consultation() records its own refusals
    form = await request.form()
    try:
        await run_in_threadpool(consultations.close_consultation, app, session.actor, consultation_id,
                                _form_text(form, "comentario"))
    except ConaigError as exc:
        if exc.http_status in (403, 404):
            raise
        return RedirectResponse(f"/consultas/{consultation_id}?error={quote(exc.message)}#cerrar", status_code=303)
    finally:
        await form.close()
    return RedirectResponse(f"/consultas/{consultation_id}?hecho={quote('Consulta cerrada')}", status_code=303)


@router.post("/consultas/{consultation_id}/aportes/{contribution_id}/respuesta")
async def contribution_answer(request: Request, session: CheckedSession, consultation_id: RowId, contribution_id: RowId) -> Response:
    app = conaig(request)
    form = await request.form()
    request.state.audited = True
    try:
        await run_in_threadpool(
            contributions.answer, app, session.actor, contribution_id, _form_text(form, "decision") or "",
            _form_text(form, "fundamento") or "", _form_text(form, "cambio"),
        )
    except ConaigError as exc:
        if exc.http_status in (403, 404):
            raise
        return RedirectResponse(f"/consultas/{consultation_id}?error={quote(exc.message)}#aporte-{contribution_id}", status_code=303)
    finally:
        await form.close()
    return RedirectResponse(f"/consultas/{consultation_id}?hecho={quote(f'Aporte {contribution_id} respondido')}#aporte-{contribution_id}",
                            status_code=303)


@router.get("/consultas/{consultation_id}/matriz.{fmt}")
def consultation_matrix(request: Request, session: Session, consultation_id: RowId, fmt: str) -> Response:
    from conaig_flow.services.consultation import export as consultation_export

    app = conaig(request)
    request.state.audited = True
    consultations.require_staff(app, session.actor, "consultation-matrix", f"consulta {consultation_id}")
    if fmt not in ("xlsx", "docx"):
        raise InvalidInput("Formato no disponible: use xlsx o docx.")
    view = consultations.get(app, consultation_id)
    items = contributions.matrix(app, consultation_id)
    base = app.public_url()
    data = (consultation_export.to_xlsx(view, items, base) if fmt == "xlsx"
            else consultation_export.to_docx(view, items, base))
    media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[fmt]
    name = f"matriz-aportes-consulta-{consultation_id}.{fmt}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
