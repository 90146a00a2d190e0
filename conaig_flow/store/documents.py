"""Content-addressed document storage on disk (sha256), with size and type limits."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from conaig_flow.errors import DocumentRejected
from conaig_flow.i18n import size_over_limit, size_text

#: Media types accepted for deliverables, with the name a person knows them by.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (.xlsx)",
    "application/vnd.oasis.opendocument.text": "OpenDocument (.odt)",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument (.ods)",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    name: str
    size: int
    media_type: str


class DocumentStore:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def check(self, name: str, content: bytes) -> str:
        """The media type of an acceptable document; DocumentRejected otherwise."""
        if not content:
            raise DocumentRejected(f"El documento «{name}» está vacío.")
        if len(content) > self.max_bytes:
            raise DocumentRejected(
                f"El documento «{name}» pesa {size_over_limit(len(content), self.max_bytes)}; "
                f"el máximo es {size_text(self.max_bytes)}."
            )
        import filetype  # only when a document is stored: not every command that builds an App

        kind = filetype.guess(content)
        media = kind.mime if kind is not None else None
        if media == "application/zip" and name.lower().endswith((".docx", ".xlsx")):
            media = ALLOWED_TYPES_BY_EXT[name.lower().rsplit(".", 1)[1]]
        if media not in ALLOWED_TYPES:
            allowed = ", ".join(ALLOWED_TYPES.values())
            found = media or "desconocido"
            raise DocumentRejected(
                f"El documento «{name}» no es de un tipo aceptado (su contenido es de tipo "
                f"{found}). Se aceptan: {allowed}."
            )
        claimed = MEDIA_BY_EXT.get(Path(name).suffix.lower().lstrip("."))
        if claimed is not None and claimed != media:
            raise DocumentRejected(
                f"El nombre del documento «{name}» dice {ALLOWED_TYPES[claimed]}, pero su contenido es "
                f"{ALLOWED_TYPES[media]}. Corrija la extensión del nombre o adjunte el documento correcto."
            )
        _check_package(name, content, media)
        return str(media)

    def prepare(self, name: str, content: bytes) -> StoredDocument:
        """Check the limits and compute the address, without writing anything."""
        media = self.check(name, content)
        return StoredDocument(hashlib.sha256(content).hexdigest(), Path(name).name, len(content), media)

    def put(self, name: str, content: bytes) -> StoredDocument:
        doc = self.prepare(name, content)
        self.write(doc, content)
        return doc

    def write(self, doc: StoredDocument, content: bytes) -> None:
        """Store ``content`` at its address (atomically; a no-op when it is already there)."""
        digest = doc.sha256
        target = self.path_for(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


#: The part every genuine package of an Office type holds (ECMA-376 for Word and Excel, ODF 1.2
#: for OpenDocument): a ZIP that only carries a name is not that document.
REQUIRED_PARTS: dict[str, tuple[str, ...]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("[Content_Types].xml", "word/document.xml"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("[Content_Types].xml", "xl/workbook.xml"),
    "application/vnd.oasis.opendocument.text": ("mimetype", "content.xml"),
    "application/vnd.oasis.opendocument.spreadsheet": ("mimetype", "content.xml"),
}


def _check_package(name: str, content: bytes, media: str) -> None:
    """An Office document must be a readable ZIP holding the parts of its type."""
    required = REQUIRED_PARTS.get(media)
    if required is None:
        return
    label = ALLOWED_TYPES[media]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentRejected(
            f"El documento «{name}» dice ser {label}, pero el archivo está dañado o incompleto "
            "y no puede abrirse. Vuelva a guardarlo y adjúntelo de nuevo."
        ) from exc
    missing = [part for part in required if part not in names]
    if missing:
        raise DocumentRejected(
            f"El documento «{name}» dice ser {label}, pero su contenido no lo es (le falta "
            f"«{missing[-1]}»). Adjunte el documento guardado desde su programa de oficina."
        )


ALLOWED_TYPES_BY_EXT = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: The extension a person gives a file, and the type its content must then be.
MEDIA_BY_EXT = {
    "pdf": "application/pdf",
    **ALLOWED_TYPES_BY_EXT,
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
