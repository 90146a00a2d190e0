"""Signed PDFs on the web: the public page that verifies a signed PDF (the address the
signed-document footer prints: every signature with its signer, certificate, time and verdict
in Firma Perú's terms; it only reads the uploaded file, nothing is stored), and the acta's
signing page (each required signer downloads the acta prepared for their signature and uploads
it signed with their own tool)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from conaig_flow.errors import ConaigError, InvalidInput
from conaig_flow.services.sessions import acta_archive, signing
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import page
from conaig_flow.web.views import acta_signing as acta_signing_views
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)


@router.get("/documentos/verificar")
def verify_form(request: Request) -> Response:
    return page(request, "verify.html", {"reports": None, "name": None, "error": None})


@router.post("/documentos/verificar")
async def verify_upload(request: Request) -> Response:
    app = conaig(request)
    name, error, reports = None, None, None
    try:
        async with request.form() as form:
            upload = form.get("documento")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("Elija el archivo PDF firmado que desea verificar.")
            name = upload.filename
            content = await upload.read(app.settings.max_document_bytes + 1)
        if len(content) > app.settings.max_document_bytes:
            raise InvalidInput(f"El archivo supera el tamaño máximo de {app.settings.max_document_bytes // 1_048_576} MB.")
        if not content.startswith(b"%PDF"):
            raise InvalidInput("El archivo no es un PDF: se verifica un documento PDF firmado digitalmente (PAdES).")
        reports = await run_in_threadpool(signing.verify_document, app, content)
    except ConaigError as exc:
        error = exc.message
    return page(request, "verify.html", {"reports": reports, "name": name, "error": error},
                status_code=422 if error else 200)


# --- Signing the acta from the web (issue 16): each required signer downloads the acta
# prepared for their signature, signs it with their own tool (Firma Perú's client, a DNIe…)
# and uploads the signed PDF, which the signing service checks. No key or password is ever
# asked for here: a PKCS#12 sent to a server would leave the signer's exclusive control.

SIGNING_DONE = {
    "preparada": "El acta quedó preparada para su firma digital: cada firmante puede descargarla, firmarla y subirla.",
    "archivo": "Se volvió a intentar la copia de archivo.",
}


def _signing_page(request: Request, session: WebSession, session_id: int, **extra: Any) -> Response:
    app = conaig(request)
    view = acta_signing_views.signing_page(app, session.actor, session_id)
    status = extra.pop("status_code", 200)
    return page(request, "acta_signing.html", {"v": view, "s": view.record, "done": None, "error": None,
                                               "accepted": None, **extra}, session, status_code=status)


@router.get("/sesiones/{session_id}/acta/firma")
def signing_form(request: Request, session: Session, session_id: RowId, hecho: str = "") -> Response:
    request.state.audited = True
    return _signing_page(request, session, session_id, done=SIGNING_DONE.get(hecho))


def _refused(request: Request, session: WebSession, session_id: int, exc: ConaigError) -> Response:
    if exc.http_status in (401, 403, 404):
        raise exc
    return _signing_page(request, session, session_id, error=exc.message, status_code=exc.http_status)


@router.post("/sesiones/{session_id}/acta/firma/preparar")
def prepare_signing(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    request.state.audited = True
    try:
        signing.prepare(conaig(request), session.actor, session_id)
    except ConaigError as exc:
        return _refused(request, session, session_id, exc)
    return RedirectResponse(f"/sesiones/{session_id}/acta/firma?hecho=preparada", status_code=303)


@router.post("/sesiones/{session_id}/acta/firma/copia")
def signing_copy(request: Request, session: CheckedSession, session_id: RowId, clave: str = Form("")) -> Response:
    """The acta prepared for one signer's signature, as a download."""
    request.state.audited = True
    signing.require_signing_role(conaig(request), session.actor, session_id)
    try:
        name, content = signing.prepare_external(conaig(request), session.actor, session_id, clave.strip())
    except ConaigError as exc:
        return _refused(request, session, session_id, exc)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.post("/sesiones/{session_id}/acta/firma/subir")
async def upload_signed(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    app = conaig(request)
    request.state.audited = True
    await run_in_threadpool(signing.require_signing_role, app, session.actor, session_id)
    try:
        async with request.form() as form:
            slot = str(form.get("clave") or "").strip()
            upload = form.get("documento")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("Elija el PDF del acta que firmó con su certificado digital.")
            content = await upload.read(app.settings.max_document_bytes + 1)
        if len(content) > app.settings.max_document_bytes:
            raise InvalidInput(f"El archivo supera el tamaño máximo de {app.settings.max_document_bytes // 1_048_576} MB.")
        if not content.startswith(b"%PDF"):
            raise InvalidInput(
                "El archivo no es un PDF: suba el acta firmada (PDF). Nunca suba su certificado (.p12/.pfx) ni su "
                "contraseña: la aplicación no los pide."
            )
        st = await run_in_threadpool(signing.accept_external, app, session.actor, session_id, slot, content)
    except ConaigError as exc:
        return await run_in_threadpool(_refused, request, session, session_id, exc)
    return await run_in_threadpool(_signing_page, request, session, session_id, accepted=st.accepted,
                                   done="Firma aceptada y registrada.")


@router.post("/sesiones/{session_id}/acta/firma/archivar")
def retry_archive(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    request.state.audited = True
    try:
        acta_archive.retry(conaig(request), session.actor, session_id)
    except ConaigError as exc:
        return _refused(request, session, session_id, exc)
    return RedirectResponse(f"/sesiones/{session_id}/acta/firma?hecho=archivo", status_code=303)
