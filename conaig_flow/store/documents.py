"""Content-addressed document storage on disk (sha256), with size and type limits."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from conaig_flow.errors import DocumentRejected

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
                f"El documento «{name}» pesa {_size(len(content))}; "
                f"el máximo es {_size(self.max_bytes)}."
            )
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


def _size(n: int) -> str:
    """'25 MB', '1.5 MB', '300 KB' (limits below a megabyte must not read '0 MB')."""
    if n >= 1_048_576:
        mb = n / 1_048_576
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


ALLOWED_TYPES_BY_EXT = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
