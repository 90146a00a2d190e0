"""What a review of the signing found, each as the behaviour a person sees: a document's own
DSS (a CRL issued before the signer's certificate was revoked) cannot make a revoked signature
valid, nor can an upload add validation data before its signature; when the archived copy
cannot be made the page still says the signature was recorded, with the archive's state;
refusals name roles in Spanish; two signers with the same name keep their own level; the copy
prepared for a signer is prepared once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import func, select

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import PermissionDenied, SignatureRefused
from conaig_flow.services import users
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.store.tables_signatures import ExternalSigningRow, PdfSignatureRow
from conaig_flow.web.app import create_app
from tests.pki import PASSWORD, Issued, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, sign_outside, trust_pki
from tests.web_support import PASSWORD as WEB_PASSWORD
from tests.web_support import sign_in

__all__ = ["pki"]

ST = "st@example.pe"


def _count(app: App, table: object) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)  # type: ignore[arg-type]


def _asn1(issued: Issued) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(issued.cert.public_bytes(serialization.Encoding.DER))


def _crl_before_revocation(pki: LocalPki) -> asn1_crl.CertificateList:
    """A genuine CRL of the intermediate CA, issued two days ago (before «revocada» was revoked,
    a day ago): it lists nothing and is still within its next update."""
    now = dt.datetime.now(dt.UTC)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(pki.intermediate.cert.subject)
           .last_update(now - dt.timedelta(days=2)).next_update(now + dt.timedelta(days=5))
           .sign(pki.intermediate.key, hashes.SHA256()))  # type: ignore[arg-type]
    return asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))


def _with_dss(pdf: bytes, pki: LocalPki, who: str, crl: asn1_crl.CertificateList) -> bytes:
    """What a signer's tool may do before signing: add a DSS with the chain and a CRL."""
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, certs=[_asn1(pki.certs[who]), _asn1(pki.intermediate), _asn1(pki.root)],
                                  crls=[crl])
    return out.getvalue()


@pytest.fixture
def one_signed(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> tuple[App, int]:
    """An installation that accepts signatures whose revocation cannot be checked (soft-fail);
    the secretary has signed, RREE (voto singular) is to sign."""
    trust_pki(sqlite_app, pki, revocation_mode="soft-fail")
    st = setup_people(sqlite_app)
    sid = approved_session(sqlite_app, clock, st)
    acta_signing.prepare(sqlite_app, st, sid)
    acta_signing.sign_with_pkcs12(sqlite_app, st, sid, pki.p12("secretaria"), PASSWORD)
    return sqlite_app, sid


def test_a_revoked_signature_carrying_a_crl_from_before_its_revocation_is_not_valid_and_is_refused(
    one_signed: tuple[App, int], pki: LocalPki,
) -> None:
    app, sid = one_signed
    st = users.actor_for(app, ST)
    _, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")
    signed = sign_outside(_with_dss(copy, pki, "revocada", _crl_before_revocation(pki)), pki, "revocada", "firma-member-rree")
    before, signatures = actas.document(app, sid, "acta", "pdf")[1], _count(app, PdfSignatureRow.__table__)  # type: ignore[attr-defined]

    # the public verifier (the same service the web page and the CLI use)
    report = acta_signing.verify_document(app, signed)[-1]
    assert report.signer == "LUCÍA TORRES MEZA"
    assert report.verdict == "NO VÁLIDO" and "revocado" in report.reason, report
    with pytest.raises(SignatureRefused, match="no se acepta: NO VÁLIDO — el certificado del firmante fue revocado"):
        acta_signing.accept_external(app, st, sid, "member:RREE", signed)
    assert actas.document(app, sid, "acta", "pdf")[1] == before
    assert _count(app, PdfSignatureRow.__table__) == signatures  # type: ignore[attr-defined]
    assert session_views.session_record(app, sid).acta_state == "approved"


def test_an_upload_that_adds_validation_data_before_its_signature_is_refused_and_nothing_changes(
    one_signed: tuple[App, int], pki: LocalPki,
) -> None:
    app, sid = one_signed
    st = users.actor_for(app, ST)
    _, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")
    signed = sign_outside(_with_dss(copy, pki, "rree", _crl_before_revocation(pki)), pki, "rree", "firma-member-rree")
    assert acta_signing.verify_document(app, signed)[-1].verdict == "VÁLIDO"  # the signature itself is good
    before, signatures = actas.document(app, sid, "acta", "pdf")[1], _count(app, PdfSignatureRow.__table__)  # type: ignore[attr-defined]
    with pytest.raises(SignatureRefused, match="datos de validación o sellos de tiempo del documento añadidos"):
        acta_signing.accept_external(app, st, sid, "member:RREE", signed)
    assert actas.document(app, sid, "acta", "pdf")[1] == before
    assert _count(app, PdfSignatureRow.__table__) == signatures  # type: ignore[attr-defined]


def test_when_the_archived_copy_cannot_be_stored_the_page_says_the_signature_was_recorded_and_why_there_is_no_copy(
    sqlite_app: App, clock: FixedClock, pki: LocalPki,
) -> None:
    app = sqlite_app
    trust_pki(app, pki, tsa_url=pki.tsa_url)
    st = setup_people(app)
    users.add_user(app, "st.web@example.pe", "Secretaría Técnica (web)", "MIMP", "secretariat", WEB_PASSWORD)
    sid = approved_session(app, clock, st)
    acta_signing.prepare(app, st, sid)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("presidencia"), PASSWORD, slot_key="presidency")
    web, token = sign_in(create_app(app), "st.web@example.pe", WEB_PASSWORD)
    copy = web.post(f"/sesiones/{sid}/acta/firma/copia", data={"clave": "member:RREE", "csrf_token": token}).content
    signed = sign_outside(copy, pki, "rree", "firma-member-rree", pki.tsa_url)
    # the document store takes the signed acta but not its (larger) archived copy
    app.documents.max_bytes = len(signed)

    r = web.post(f"/sesiones/{sid}/acta/firma/subir", data={"clave": "member:RREE", "csrf_token": token},
                 files={"documento": ("acta-firmada.pdf", signed, "application/pdf")})
    assert r.status_code == 200, r.text
    assert "Firma aceptada y registrada." in r.text and "No se registró nada" not in r.text
    assert "Firma de <strong>JORGE LUIS CASTRO VEGA</strong>: <strong class=\"veredicto\">VÁLIDO</strong>" in r.text
    assert "La copia de archivo quedó en PAdES B-T, no en B-LTA: no se pudo hacer la copia de archivo" in r.text
    assert "Volver a intentar la copia de archivo" in r.text
    assert session_views.session_record(app, sid).acta_state == "signed"
    assert actas.document(app, sid, "acta", "pdf")[1] == signed

    app.documents.max_bytes = 25 * 1024 * 1024  # the limit raised: the retry makes the copy
    r = web.post(f"/sesiones/{sid}/acta/firma/archivar", data={"csrf_token": token})
    assert r.status_code == 303
    assert "Copia de archivo PAdES B-LTA" in web.get(r.headers["location"]).text


def test_a_refusal_names_the_persons_role_in_spanish(one_signed: tuple[App, int]) -> None:
    app, sid = one_signed
    users.add_user(app, "revisora@example.pe", "Revisora", "MINSA", "reviewer", WEB_PASSWORD)
    reviewer = users.actor_for(app, "revisora@example.pe")
    with pytest.raises(PermissionDenied) as refused:
        acta_signing.require_signing_role(app, reviewer, sid)
    assert "usted actúa como revisor consultivo" in refused.value.message
    assert "reviewer" not in refused.value.message


def test_two_signers_with_the_same_name_keep_their_own_level_in_the_archive(
    sqlite_app: App, clock: FixedClock, pki: LocalPki,
) -> None:
    app = sqlite_app
    trust_pki(app, pki, tsa_url=pki.tsa_url)
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    acta_signing.prepare(app, st, sid)
    # RREE's signer bears the presidency signer's name and signs first, without a timestamp (B-B)
    _, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")
    acta_signing.accept_external(app, st, sid, "member:RREE", sign_outside(copy, pki, "homonima", "firma-member-rree"))
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    final = acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("presidencia"), PASSWORD, slot_key="presidency")
    assert final.acta_state == "signed"
    assert [name for _, name in final.signers].count("ROSA ELENA PAREDES SOTO") == 2
    assert final.archive.level == "B-B"
    assert final.archive.note == ("la firma de ROSA ELENA PAREDES SOTO no tiene sello de tiempo (PAdES B-B), y sin él "
                                  "no puede llevarse a B-LTA")


def test_downloading_the_copy_to_sign_twice_gives_the_same_prepared_copy(one_signed: tuple[App, int]) -> None:
    app, sid = one_signed
    st = users.actor_for(app, ST)
    documents = len(list(app.documents.root.rglob("*")))
    name, first = acta_signing.prepare_external(app, st, sid, "member:RREE")
    again_name, again = acta_signing.prepare_external(app, st, sid, "member:RREE")
    assert (again_name, again) == (name, first)
    assert _count(app, ExternalSigningRow.__table__) == 1  # type: ignore[attr-defined]
    assert len(list(app.documents.root.rglob("*"))) <= documents + 2  # one file (and its folder), once
