"""The public page that verifies a signed PDF (the address the signed-document footer prints):
every signature with its signer, certificate, time and verdict in Firma Perú's terms. It only
reads the uploaded file: nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from conaig_flow.errors import ConaigError, InvalidInput
from conaig_flow.services.sessions import signing
from conaig_flow.web.deps import conaig
from conaig_flow.web.render import page

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
