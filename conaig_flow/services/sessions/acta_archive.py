"""The archived copy of a signed acta (PAdES B-LTA).

When every required signer's signature has verified, the acta's signed PDF gets the
validation material of each signature (certificates, CRLs, OCSP) and a document timestamp
(``signing.archive``). The copy is kept only if pyHanko's validation of it, from what it holds,
finds every signature still VÁLIDO and B-LTA; it then becomes the acta's document. When the
revocation information or the timestamp cannot be had, the acta stays signed (its signatures
verified) with its signatures' level (B-T, or B-B without a timestamp authority), and the
reason is recorded and shown; the Technical Secretariat can try again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.signature_verdict import VALID
from conaig_flow.errors import SessionRuleViolation
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.services.sessions.common import AC, load_session, refusals, require_secretariat
from conaig_flow.services.sessions.signers import trust
from conaig_flow.signing import archive as pades_archive
from conaig_flow.signing.verify import verify
from conaig_flow.store.tables_signatures import PdfSignatureRow, SignedDocumentRow

SD = SignedDocumentRow.__table__  # type: ignore[attr-defined]
PS = PdfSignatureRow.__table__  # type: ignore[attr-defined]
LTA = pades_archive.LTA


@dataclass(frozen=True)
class ArchiveState:
    level: str | None  # None: not attempted yet (the acta is not signed by all)
    note: str | None

    @property
    def message(self) -> str | None:
        """What the pages and the CLI say about the archived copy."""
        if self.level is None:
            return None
        if self.level == LTA:
            return ("Copia de archivo PAdES B-LTA: el acta firmada guarda los certificados, la información de revocación "
                    "y un sello de tiempo del documento, para verificarla aun cuando los certificados hayan vencido.")
        return (f"La copia de archivo quedó en PAdES {self.level}, no en B-LTA: {self.note}. Las firmas del acta "
                "son válidas; la Secretaría Técnica puede volver a intentar el archivo.")


def archive_state(row: Any) -> ArchiveState:
    return ArchiveState(row.archive_level, row.archive_note)


def _rows(conn: Connection, session_id: int) -> tuple[Any, Any]:
    acta = conn.execute(select(AC).where(AC.c.session_id == session_id)).first()
    if acta is None:
        raise SessionRuleViolation("La sesión no tiene acta todavía: se genera al concluir la sesión.")
    row = conn.execute(select(SD).where(SD.c.acta_id == acta.id)).first()
    if acta.state != "signed" or row is None:
        raise SessionRuleViolation(
            f"La copia de archivo del {acta.code} se hace cuando todas sus firmas se han verificado."
        )
    return acta, row


def archive_signed(app: App, session_id: int) -> ArchiveState:
    """Make the archived copy of a signed acta (called when its last signature is accepted)."""
    with app.db.read() as conn:
        acta, row = _rows(conn, session_id)
        # by signer's place (slot): two signers may bear the same name
        signatures: dict[str, tuple[str, str]] = {str(key): (str(name), str(level)) for key, name, level in conn.execute(
            select(PS.c.slot_key, PS.c.signer_name, PS.c.level).where(PS.c.signed_document_id == row.id))}
        levels = {key: level for key, (_, level) in signatures.items()}
    if row.archive_level == LTA:
        return archive_state(row)
    signed = app.documents.read(row.current_sha256)
    untimed = sorted({name for name, level in signatures.values() if level != "B-T"})
    if untimed and app.settings.tsa_url:
        # B-LTA rests on each signature's own timestamp (PAdES B-T); pyHanko's validation asks for it
        result = pades_archive.Archived(signed, False, f"la firma de {', '.join(untimed)} no tiene sello de tiempo "
                                                       "(PAdES B-B), y sin él no puede llevarse a B-LTA")
    else:
        result = pades_archive.archive(signed, trust(app), app.settings.tsa_url)
    note = result.problem
    if result.lta:
        reports = verify(result.pdf, trust(app))
        bad = next((r for r in reports if r.verdict != VALID or r.level != LTA), None)
        if bad is not None:
            note = (f"la copia de archivo no se pudo validar como B-LTA (firma de {bad.signer}: "
                    f"{bad.verdict}, PAdES {bad.level})")
    level = LTA if note is None else ("B-T" if set(levels.values()) == {"B-T"} else "B-B")
    stored = app.documents.put(row.name, result.pdf) if note is None else None
    with app.db.write() as conn:
        load_session(conn, session_id, lock=True)
        now = app.clock.now()
        if stored is not None:
            record_document(app, conn, stored)
            conn.execute(update(SD).where(SD.c.id == row.id).values(
                archived_sha256=stored.sha256, archive_level=LTA, archive_note=None, archived_at=now))
            conn.execute(update(AC).where(AC.c.id == acta.id).values(document_sha256=stored.sha256))
        else:
            conn.execute(update(SD).where(SD.c.id == row.id).values(archive_level=level, archive_note=note))
    return ArchiveState(level, note)


def retry(app: App, actor: Actor, session_id: int) -> ArchiveState:
    """The Technical Secretariat tries the archived copy again (the CRLs or the timestamp
    authority were unreachable)."""
    with refusals(app, actor, "session acta archive", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.read() as conn:
            _rows(conn, session_id)
        return archive_signed(app, session_id)
