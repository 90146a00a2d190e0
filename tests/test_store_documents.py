"""Documents attached to transitions: content-addressed on disk, recorded with name, media type
and size, limited in size and type by their content (not their name)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from conaig_flow.bootstrap import App
from conaig_flow.errors import DocumentRejected
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.documents import DocumentStore
from conaig_flow.store.tables import DeliverableDocumentRow, DocumentRow
from tests.conftest import add_people, pdf_bytes

DOC = DocumentRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]


def _docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("Protocolo de atención")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("leeme.txt", "hola")
    return buf.getvalue()


def test_an_attached_document_is_stored_once_by_its_hash_and_linked_to_its_event(app: App) -> None:
    add_people(app)
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    content = pdf_bytes("protocolo")
    digest = hashlib.sha256(content).hexdigest()
    deliverables.advance(app, minsa, d.id, "submit", documents=[("../../protocolo.pdf", content)])
    deliverables.advance(app, st, d.id, "observe", comment="Falta el anexo.")
    deliverables.advance(app, minsa, d.id, "resubmit", documents=[("protocolo-v2.pdf", content)])
    path = app.documents.path_for(digest)
    assert path == app.settings.home / "documents" / digest[:2] / digest
    assert path.read_bytes() == content
    with app.db.read() as conn:
        docs = conn.execute(select(DOC)).all()
        links = conn.execute(select(DD).order_by(DD.c.id)).all()
    assert [(r.sha256, r.size, r.media_type) for r in docs] == [(digest, len(content), "application/pdf")]
    assert [(r.name, r.event_seq, r.uploaded_by) for r in links] == [
        ("protocolo.pdf", 1, "enlace.minsa@example.pe"), ("protocolo-v2.pdf", 3, "enlace.minsa@example.pe"),
    ]
    events = deliverables.history(app, st, d.id)
    assert events[0].documents == [digest] and events[2].documents == [digest]


@pytest.mark.parametrize(("name", "make", "media"), [
    ("p.pdf", pdf_bytes, "application/pdf"),
    ("p.docx", _docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("p.xlsx", _xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("sin-extension", pdf_bytes, "application/pdf"),
])
def test_accepted_types_are_recognised_by_content(tmp_path: Path, name: str, make: Callable[[], bytes], media: str) -> None:
    store = DocumentStore(tmp_path / "docs")
    assert store.check(name, make()) == media


@pytest.mark.parametrize(("name", "content", "found"), [
    ("informe.pdf", b"%!PS-Adobe-3.0\n", "application/postscript"),
    ("notas.pdf", b"solo texto", "desconocido"),
    ("archivo.zip", _zip(), "application/zip"),
    ("imagen.pdf", b"GIF89a" + b"\0" * 20, "image/gif"),
])
def test_other_types_are_refused_whatever_their_name(tmp_path: Path, name: str, content: bytes, found: str) -> None:
    store = DocumentStore(tmp_path / "docs")
    with pytest.raises(DocumentRejected) as caught:
        store.put(name, content)
    assert f"El documento «{name}» no es de un tipo aceptado (su contenido es de tipo {found})" in caught.value.message
    assert not (tmp_path / "docs").exists()


def test_the_size_limit_is_inclusive(tmp_path: Path) -> None:
    content = pdf_bytes()
    store = DocumentStore(tmp_path / "docs", max_bytes=len(content))
    store.put("p.pdf", content)
    with pytest.raises(DocumentRejected, match="pesa"):
        store.put("q.pdf", content + b"\n")
