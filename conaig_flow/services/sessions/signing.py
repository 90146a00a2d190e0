"""Signing an approved acta with PAdES: the PDF/A is prepared once with a box per required
signer and the audit checkpoint's root printed in it; each signer adds a signature as an
incremental update, with a PKCS#12 file (the password asked for, never stored) or with their
own tool on a prepared copy that they upload. The acta becomes «Firmada» only when every
required signer's signature verifies; the signed PDF is then the acta's document.

Every signature goes through :func:`apply_signature`, which takes the required signers as
input and accepts a PDF only if it is the current document plus exactly one new valid
signature, in that signer's field, by a certificate of that signer's entity.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from conaig_flow.app import App
from conaig_flow.clock import SystemClock
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.checkpoint import short
from conaig_flow.domain.signature_verdict import VALID
from conaig_flow.errors import (
    ConaigError,
    InvalidInput,
    PermissionDenied,
    SessionRuleViolation,
    SignatureRefused,
    SigningConflict,
)
from conaig_flow.i18n import fecha_hora, role_label
from conaig_flow.services import checkpoints
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.services.sessions.acta_archive import ArchiveState, archive_signed, archive_state
from conaig_flow.services.sessions.common import AC, SESSION_ROLES, load_session, refusals, require_secretariat
from conaig_flow.services.sessions.signers import RequiredSigner, matches, required_signers, slot_for, trust
from conaig_flow.signing import pades
from conaig_flow.signing.verify import SignatureReport, signature_count, validation_material, verify
from conaig_flow.store.tables_signatures import ExternalSigningRow, PdfSignatureRow, SignedDocumentRow

SD = SignedDocumentRow.__table__  # type: ignore[attr-defined]
PS = PdfSignatureRow.__table__  # type: ignore[attr-defined]
EX = ExternalSigningRow.__table__  # type: ignore[attr-defined]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningState:
    acta_code: str
    acta_state: str
    signers: list[tuple[RequiredSigner, str | None]]  # each with the name on its certificate once signed
    document_name: str
    checkpoint: str | None
    archive: ArchiveState = dataclasses.field(default_factory=lambda: ArchiveState(None, None))
    #: the signature just accepted, with its verdict (after a signature)
    accepted: SignatureReport | None = None

    @property
    def pending(self) -> list[RequiredSigner]:
        return [s for s, name in self.signers if name is None]


def _acta(conn: Connection, session_id: int) -> Any:
    acta = conn.execute(select(AC).where(AC.c.session_id == session_id)).first()
    if acta is None:
        raise SessionRuleViolation("La sesión no tiene acta todavía: se genera al concluir la sesión.")
    return acta


def _signed(conn: Connection, acta_id: int) -> Any:
    return conn.execute(select(SD).where(SD.c.acta_id == acta_id)).first()


def _slots(row: Any) -> list[RequiredSigner]:
    return [RequiredSigner(s["key"], s["role"], s["entity"], s["entity_name"], s["capacity"], s.get("ident", ""))
            for s in json.loads(row.slots)]


def _placement(row: Any, who: RequiredSigner) -> pades.Placement:
    for s in json.loads(row.slots):
        if s["key"] == who.key:
            x1, y1, x2, y2 = (int(v) for v in s["box"])
            return pades.Placement(who.field, int(s["page"]), (x1, y1, x2, y2))
    raise InvalidInput(f"{who.caption} no tiene lugar de firma en el acta.")


def prepare(app: App, actor: Actor, session_id: int, signers: Sequence[RequiredSigner] | None = None) -> SigningState:
    """Lay out the approved acta as PDF/A for signing (once), after writing an audit checkpoint
    whose root the acta prints."""
    from conaig_flow.services.sessions.actas import signing_pdf

    with refusals(app, actor, "session acta prepare", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.read() as conn:
            acta = _acta(conn, session_id)
            if acta.state == "draft":
                raise SessionRuleViolation(f"El {acta.code} debe aprobarse antes de firmarse (Ley N° 27444, art. 102).")
            if _signed(conn, acta.id) is None:
                who = list(signers) if signers is not None else required_signers(app, conn, session_id)
            else:
                who = []
        if who:
            point = checkpoints.write(app, f"{acta.code} preparada para su firma")
            name, pdf, layout = signing_pdf(app, session_id, [(s.key, s.caption) for s in who], point.label)
            boxes = {slot.key: slot for slot in layout.slots}
            slots = [{"key": s.key, "role": s.role, "entity": s.entity, "entity_name": s.entity_name,
                      "capacity": s.capacity, "ident": s.ident, "page": boxes[s.key].page, "box": list(boxes[s.key].box)} for s in who]
            stored = app.documents.put(name, pdf)
            with app.db.write() as conn:
                load_session(conn, session_id, lock=True)
                if _signed(conn, acta.id) is None:
                    record_document(app, conn, stored)
                    conn.execute(insert(SD).values(
                        acta_id=acta.id, name=name, base_sha256=stored.sha256, current_sha256=stored.sha256,
                        slots=json.dumps(slots, ensure_ascii=False), checkpoint_seq=point.seq, checkpoint_root=point.root,
                        prepared_by=actor.email, prepared_at=app.clock.now(),
                    ))
    return state(app, session_id)


def state(app: App, session_id: int) -> SigningState:
    with app.db.read() as conn:
        acta = _acta(conn, session_id)
        row = _signed(conn, acta.id)
        if row is None:
            raise SessionRuleViolation(f"El {acta.code} aún no fue preparado para su firma.")
        names: dict[str, str] = {
            str(k): str(v) for k, v in conn.execute(select(PS.c.slot_key, PS.c.signer_name).where(PS.c.signed_document_id == row.id))
        }
    label = f"N° {row.checkpoint_seq} · {short(row.checkpoint_root)}" if row.checkpoint_root else None
    return SigningState(acta.code, acta.state, [(s, names.get(s.key)) for s in _slots(row)], row.name, label,
                        archive_state(row))


def signed_pdf(app: App, session_id: int) -> tuple[str, bytes] | None:
    """The acta's PDF being signed (with every signature accepted so far), if prepared."""
    with app.db.read() as conn:
        acta = conn.execute(select(AC).where(AC.c.session_id == session_id)).first()
        row = _signed(conn, acta.id) if acta is not None else None
    if row is None:
        return None
    return row.name, app.documents.read(row.archived_sha256 or row.current_sha256)


def _pick(row: Any, required: Sequence[RequiredSigner], slot_key: str | None, orgs: Sequence[str], acta: str) -> RequiredSigner:
    slots = [s for s in _slots(row) if s.key in {r.key for r in required}]
    names = "; ".join(s.caption for s in slots)
    if slot_key is not None:
        who = next((s for s in slots if s.key == slot_key), None)
        if who is None:
            raise SignatureRefused(f"«{slot_key}» no está entre quienes firman el {acta}. Firman: {names}.")
        return who
    found = slot_for(slots, orgs)
    if found is None:
        raise SignatureRefused(
            f"El certificado ({', '.join(orgs) or 'sin organización'}) no corresponde a nadie que deba firmar el "
            f"{acta} (Ley N° 27444, art. 102). Firman: {names}."
        )
    return found


def apply_signature(
    app: App, actor: Actor, session_id: int, signed: bytes, *, base_sha256: str, method: str,
    required: Sequence[RequiredSigner], slot_key: str | None = None,
) -> SigningState:
    """Accept ``signed`` as the acta's document if it is the document ``base_sha256`` plus exactly
    one new signature, valid, in the field of a required signer who had not signed, by a
    certificate of that signer's entity. Nothing is changed otherwise."""
    with app.db.read() as conn:
        acta = _acta(conn, session_id)
        row = _signed(conn, acta.id)
        if row is None:
            raise SessionRuleViolation(f"El {acta.code} aún no fue preparado para su firma.")
        done = set(conn.execute(select(PS.c.slot_key).where(PS.c.signed_document_id == row.id)).scalars())
    base = app.documents.read(base_sha256)
    if not signed.startswith(base):
        raise SignatureRefused(_not_prepared(app, acta.code, signed))
    before = signature_count(base)
    reports = verify(signed, trust(app))
    if len(reports) != before + 1:
        raise SignatureRefused(
            f"El PDF debe traer exactamente una firma nueva sobre el {acta.code}; trae {len(reports) - before}."
        )
    new = reports[-1]
    if not new.covers_whole_file:
        raise SignatureRefused("El PDF tiene cambios añadidos después de la nueva firma: se acepta solo el documento tal como quedó firmado.")
    who = _pick(row, required, slot_key, new.organisations, acta.code)
    if who.key in done:
        raise SignatureRefused(f"{who.caption} ya firmó el {acta.code}.")
    if new.field != who.field:
        raise SignatureRefused(f"La firma nueva está en el campo «{new.field}», no en el de {who.caption} («{who.field}»).")
    if not matches(who, new.organisations):
        raise SignatureRefused(
            f"El certificado de {new.signer} ({', '.join(new.organisations)}) no es de {who.entity_name} ({who.identifier}): "
            f"no puede firmar como {who.capacity}."
        )
    if new.verdict != VALID:
        raise SignatureRefused(f"La firma de {new.signer} no se acepta: {new.verdict} — {new.reason}.")
    if validation_material(signed) != validation_material(base):
        raise SignatureRefused(
            f"El PDF trae, además de la firma, datos de validación o sellos de tiempo del documento añadidos al {acta.code} "
            "preparado: se acepta solo el documento preparado más exactamente una firma nueva. Fírmelo sin añadir nada más."
        )
    earlier = next((r for r in reports[:-1] if r.verdict != VALID), None)
    if earlier is not None:
        raise SignatureRefused(f"Una firma anterior ya no verifica ({earlier.signer}): {earlier.verdict} — {earlier.reason}.")
    stored = app.documents.put(row.name, signed)
    with app.db.write() as conn:
        load_session(conn, session_id, lock=True)
        current = conn.execute(select(SD.c.current_sha256).where(SD.c.id == row.id)).scalar()
        if current != row.current_sha256 or not base.startswith(app.documents.read(str(current))):
            raise SigningConflict("Otra firma del acta se registró mientras tanto: vuelva a firmar sobre el documento actual.")
        record_document(app, conn, stored)
        now = app.clock.now()
        conn.execute(insert(PS).values(
            signed_document_id=row.id, slot_key=who.key, entity_code=who.entity, signer_name=new.signer,
            subject=new.subject, issuer=new.issuer, serial=new.serial, certificate_sha256=new.certificate_sha256,
            level=new.level, method=method, revision_sha256=stored.sha256, recorded_by=actor.email, recorded_at=now,
        ))
        conn.execute(update(SD).where(SD.c.id == row.id).values(current_sha256=stored.sha256))
        signed_keys = done | {who.key}
        completed = all(s.key in signed_keys for s in _slots(row)) and all(r.verdict == VALID for r in reports)
        if completed:
            conn.execute(update(SD).where(SD.c.id == row.id).values(completed_at=now))
            conn.execute(update(AC).where(AC.c.id == acta.id).values(state="signed", signed_at=now, document_sha256=stored.sha256))
    if completed:  # after the commit: the acta is signed whether or not the archived copy can be made now
        _archive_after_signing(app, session_id)
    return dataclasses.replace(state(app, session_id), accepted=new)


def _archive_after_signing(app: App, session_id: int) -> None:
    """Make the archived copy of the acta just signed by all. The signature is already
    recorded: whatever goes wrong here is logged and kept as the archive's note (the page
    reports the signature accepted and the copy not made), never raised to the signer."""
    try:
        archive_signed(app, session_id)
    except Exception as exc:  # the signature stands; the Technical Secretariat can retry the copy
        log.warning("archived copy of the acta of session %s not made", session_id, exc_info=True)
        reason = exc.message if isinstance(exc, ConaigError) else "ocurrió un error inesperado al prepararla"
        with app.db.write() as conn:
            acta = _acta(conn, session_id)
            row = _signed(conn, acta.id)
            levels = set(conn.execute(select(PS.c.level).where(PS.c.signed_document_id == row.id)).scalars())
            conn.execute(update(SD).where(SD.c.id == row.id).values(
                archive_level="B-T" if levels == {"B-T"} else "B-B",
                archive_note=f"no se pudo hacer la copia de archivo ({reason.rstrip('.')})"))


def _not_prepared(app: App, code: str, upload: bytes) -> str:
    with app.db.read() as conn:
        others = conn.execute(select(SD.c.base_sha256, AC.c.code).join(AC, AC.c.id == SD.c.acta_id).where(AC.c.code != code)).all()
    for sha, other in others:
        if upload.startswith(app.documents.read(sha)):
            return f"El PDF subido es el {other}, no el {code}: una firma de otra acta no se registra en esta."
    return (f"El PDF subido no es el {code} preparado más una firma: su contenido cambió o es otro documento. "
            "Descargue el documento preparado, fírmelo sin modificarlo y súbalo.")


def _current(app: App, session_id: int) -> Any:
    with app.db.read() as conn:
        acta = _acta(conn, session_id)
        row = _signed(conn, acta.id)
        if row is None:
            raise SessionRuleViolation(f"El {acta.code} aún no fue preparado para su firma.")
        if acta.state == "signed":
            raise SessionRuleViolation(f"El {acta.code} ya está firmado por todos.")
    return acta, row


def sign_with_pkcs12(
    app: App, actor: Actor, session_id: int, p12: bytes, password: str | None, *, slot_key: str | None = None,
    required: Sequence[RequiredSigner] | None = None,
) -> SigningState:
    """Sign with the certificate and key of a PKCS#12 file (held in memory for this call only)."""
    with refusals(app, actor, "session acta sign", f"sesión {session_id}"):
        require_secretariat(actor)
        acta, row = _current(app, session_id)
        if required is None:
            with app.db.read() as conn:
                required = required_signers(app, conn, session_id)
        loaded = pades.load_pkcs12(p12, password)
        native = loaded.certificate.subject.native
        orgs = [str(v) for k in ("organization_name", "organizational_unit_name")
                for v in (native.get(k) if isinstance(native.get(k), list) else [native.get(k)]) if v]
        who = _pick(row, required, slot_key, orgs, acta.code)
        with app.db.read() as conn:
            if conn.execute(select(PS.c.id).where(PS.c.signed_document_id == row.id, PS.c.slot_key == who.key)).first():
                raise SignatureRefused(f"{who.caption} ya firmó el {acta.code}.")
        plan = app.definitions().plan
        when = fecha_hora(SystemClock().now())
        stamp = (f"Firmado digitalmente por:\n{native.get('common_name', '')}\n{who.capacity}\n{who.entity_name}\n"
                 f"Motivo: firma del {acta.code}\nFecha: {when}")
        current = app.documents.read(row.current_sha256)
        signed = pades.sign(
            current, loaded, _placement(row, who), stamp_text=stamp, location="Lima, Perú",
            reason=f"Firma del {acta.code} de la {plan.commission.code} como {who.capacity} (Ley N° 27444, art. 102)",
            tsa_url=app.settings.tsa_url,
        )
        return apply_signature(app, actor, session_id, signed, base_sha256=row.current_sha256, method="pkcs12",
                               required=required, slot_key=who.key)


def may_act_for(actor: Actor, who: RequiredSigner) -> bool:
    """Whether ``actor`` may take the prepared copy and bring back the signed PDF of ``who``:
    the Technical Secretariat for every signer; a member of the commission (titular or
    alterno) for the place of their own entity (a voto singular, a request to sign; the
    presidency's entity for the presidency). Which person signs is the certificate's business:
    the signature must still be by a certificate of that signer's entity."""
    if actor.role in SESSION_ROLES:
        return True
    return actor.role == "member" and who.role in ("member", "presidency") and actor.entity == who.entity


#: Who may bring a signed acta at all (which signer's place, ``may_act_for`` decides).
SIGNING_ROLES = SESSION_ROLES | {"member"}


def require_signing_role(app: App, actor: Actor, session_id: int) -> None:
    """Refuse (and record) someone who brings no acta signature, before reading what they sent."""
    with refusals(app, actor, "session acta signing", f"sesión {session_id}"):
        if actor.role not in SIGNING_ROLES:
            raise PermissionDenied(
                "Las firmas del acta las traen sus firmantes (integrantes de la comisión) o la Secretaría Técnica; "
                f"usted actúa como {role_label(actor.role)}."
            )


def _require_may_act(actor: Actor, who: RequiredSigner, code: str) -> None:
    if not may_act_for(actor, who):
        raise PermissionDenied(
            f"Usted no firma el {code} como {who.caption}: esa firma la gestiona quien firma por "
            f"{who.entity_name} o la Secretaría Técnica."
        )


def _slot(row: Any, slot_key: str, code: str) -> RequiredSigner:
    who = next((s for s in _slots(row) if s.key == slot_key), None)
    if who is None:
        raise SignatureRefused(f"«{slot_key}» no está entre quienes firman el {code}.")
    return who


def signable(app: App, actor: Actor, session_id: int) -> list[RequiredSigner]:
    """The pending signers whose signed PDF ``actor`` may bring (for the signing page)."""
    st = state(app, session_id)
    if st.acta_state == "signed":
        return []
    return [s for s in st.pending if may_act_for(actor, s)]


def prepare_external(app: App, actor: Actor, session_id: int, slot_key: str) -> tuple[str, bytes]:
    """The acta as it is now, with an empty signature field at the signer's box, for them to
    sign with their own tool (Firma Perú's client, a DNIe…)."""
    require_signing_role(app, actor, session_id)
    with refusals(app, actor, "session acta prepare external", f"sesión {session_id}"):
        acta, row = _current(app, session_id)
        who = _slot(row, slot_key, acta.code)
        _require_may_act(actor, who, acta.code)
        with app.db.read() as conn:
            if conn.execute(select(PS.c.id).where(PS.c.signed_document_id == row.id, PS.c.slot_key == who.key)).first():
                raise SignatureRefused(f"{who.caption} ya firmó el {acta.code}.")
        name = row.name.removesuffix(".pdf") + f"-para-firmar-{who.field.removeprefix('firma-')}.pdf"
        with app.db.read() as conn:
            kept = conn.execute(select(EX.c.prepared_sha256).where(
                EX.c.signed_document_id == row.id, EX.c.slot_key == who.key, EX.c.from_sha256 == row.current_sha256,
            ).order_by(EX.c.id.desc())).scalar()
        if kept is not None:  # the same document to sign: the copy already prepared, not one more
            return name, app.documents.read(str(kept))
        prepared = pades.prepare(app.documents.read(row.current_sha256), _placement(row, who))
        stored = app.documents.put(name, prepared)
        with app.db.write() as conn:
            record_document(app, conn, stored)
            conn.execute(insert(EX).values(signed_document_id=row.id, slot_key=who.key, from_sha256=row.current_sha256,
                                           prepared_sha256=stored.sha256, prepared_by=actor.email, prepared_at=app.clock.now()))
    return name, prepared


def accept_external(
    app: App, actor: Actor, session_id: int, slot_key: str, upload: bytes,
    required: Sequence[RequiredSigner] | None = None,
) -> SigningState:
    """Accept a PDF signed outside the app: it must be the prepared copy plus one signature."""
    require_signing_role(app, actor, session_id)
    with refusals(app, actor, "session acta upload signed", f"sesión {session_id}"):
        acta, row = _current(app, session_id)
        _require_may_act(actor, _slot(row, slot_key, acta.code), acta.code)
        with app.db.read() as conn:
            prepared = conn.execute(
                select(EX.c.prepared_sha256).where(EX.c.signed_document_id == row.id, EX.c.slot_key == slot_key,
                                                   EX.c.from_sha256 == row.current_sha256).order_by(EX.c.id.desc())
            ).scalar()
            if required is None:
                required = required_signers(app, conn, session_id)
        if prepared is None:
            raise SignatureRefused(f"No hay un documento preparado para «{slot_key}» sobre la versión actual del {acta.code}: descárguelo primero.")
        return apply_signature(app, actor, session_id, upload, base_sha256=str(prepared), method="external",
                               required=required, slot_key=slot_key)


def verify_document(app: App, pdf: bytes) -> list[SignatureReport]:
    """Every signature of a PDF with its verdict (``conaig document verify`` and the web page)."""
    return verify(pdf, trust(app))
