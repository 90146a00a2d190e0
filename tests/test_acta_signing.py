"""An acta signed with PAdES in turn by the secretary, the presidency and the member with a
voto singular (one of them through the external path), checked by pyHanko's own validation;
the audit root printed in it matches the checkpoint (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import pypdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.checkpoint import short
from conaig_flow.services import checkpoints
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.store.tables_sessions import ActaRow
from tests.pdfa_checks import check_pdfa
from tests.pki import PASSWORD, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, root_asn1, sign_outside, trust_pki

__all__ = ["pki"]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_an_acta_signed_in_turn_by_secretary_presidency_and_a_voto_singular_holds_three_valid_signatures(
    app: App, clock: FixedClock, pki: LocalPki,
) -> None:
    trust_pki(app, pki)
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    prepared = acta_signing.prepare(app, st, sid)
    assert [s.key for s, _ in prepared.signers] == ["secretariat", "presidency", "member:RREE"]
    assert prepared.pending[2].capacity == "Integrante (voto singular)"

    _, base = actas.document(app, sid, "acta", "pdf")
    text = pdf_text(base)
    (stored,) = [c for c in checkpoints.files(app).read_all() if "preparada" in c.payload["motivo"]]
    assert f"N° {stored.seq}" in text and short(stored.payload["raiz"]) in text
    assert "Firmado digitalmente" not in text and "Ley N° 27269" in text and "página 1 de" in text
    check_pdfa(base, title="ACTA N° 001-2022-CONAIG", author="Secretaría Técnica de la CONAIG")
    _, convocatoria = actas.document(app, sid, "convocatoria", "pdf")
    check_pdfa(convocatoria, title="Convocatoria", author="Secretaría Técnica de la CONAIG")
    assert "página 1 de" in pdf_text(convocatoria)

    after_one = acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    assert [name for _, name in after_one.signers] == ["ANA MARÍA QUISPE HUAMÁN", None, None]
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("presidencia"), PASSWORD, slot_key="presidency")
    assert session_views.session_record(app, sid).acta_state == "approved"  # one signer still pending

    name, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")
    assert name.endswith("-para-firmar-member-rree.pdf")
    final = acta_signing.accept_external(app, st, sid, "member:RREE", sign_outside(copy, pki, "rree", "firma-member-rree"))
    assert final.acta_state == "signed" and not final.pending

    _, signed = actas.document(app, sid, "acta", "pdf")
    with app.db.read() as conn:
        acta = conn.execute(select(ActaRow.__table__).where(ActaRow.__table__.c.session_id == sid)).one()  # type: ignore[attr-defined]
    assert acta.state == "signed" and app.documents.read(acta.document_sha256) == signed
    assert signed.startswith(base)  # incremental updates: the prepared acta is untouched

    reader = PdfFileReader(io.BytesIO(signed))
    assert len(reader.embedded_signatures) == 3
    for n, sig in enumerate(reader.embedded_signatures):
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root_asn1(pki)], allow_fetching=True))
        assert status.bottom_line and status.intact and status.valid and status.trusted, status.pretty_print_details()
        if n == 2:
            assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        else:
            assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok
    assert [r.signer for r in acta_signing.verify_document(app, signed)] == [
        "ANA MARÍA QUISPE HUAMÁN", "ROSA ELENA PAREDES SOTO", "JORGE LUIS CASTRO VEGA"]
    check_pdfa(signed, title="ACTA N° 001-2022-CONAIG")


def test_with_a_timestamp_authority_configured_the_signature_is_pades_b_t(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> None:
    app = sqlite_app
    trust_pki(app, pki, tsa_url=pki.tsa_url)
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    acta_signing.prepare(app, st, sid)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    _, signed = actas.document(app, sid, "acta", "pdf")
    (report,) = acta_signing.verify_document(app, signed)
    assert (report.level, report.verdict) == ("B-T", "VÁLIDO") and report.timestamp_at is not None


def test_a_wrong_password_is_refused_in_spanish(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> None:
    trust_pki(sqlite_app, pki)
    st = setup_people(sqlite_app)
    sid = approved_session(sqlite_app, clock, st)
    acta_signing.prepare(sqlite_app, st, sid)
    with pytest.raises(Exception, match="la contraseña no es la correcta"):
        acta_signing.sign_with_pkcs12(sqlite_app, st, sid, pki.p12("secretaria"), "otra")
