"""The archived copy of a signed acta (PAdES B-LTA): once every required signature verifies,
the acta gets the revocation information of every certificate (fetched from the OCSP responder
and the CRL server on 127.0.0.1 that the test certificates name) and a document timestamp; pyHanko's own AdES LTA
validation passes from what the document holds, with those servers down. When the CRLs cannot
be had, the copy stays PAdES B-T and the app says why, in Spanish; a later retry makes it B-LTA."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import acta_archive, actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.web.app import create_app
from tests.conftest import run_cli
from tests.pki import PASSWORD, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, root_asn1, sign_outside, trust_pki
from tests.web_support import PASSWORD as WEB_PASSWORD
from tests.web_support import sign_in

__all__ = ["pki"]


@pytest.fixture
def crl_server_down(pki: LocalPki) -> Iterator[LocalPki]:
    """A switch: while it is on, the CRL server answers 503 (the TSA still answers)."""
    try:
        yield pki
    finally:
        pki.offline = False


def _sign_all(app: App, sid: int, pki: LocalPki, tsa_url: str | None = None) -> acta_signing.SigningState:
    st = users.actor_for(app, "st@example.pe")
    acta_signing.prepare(app, st, sid)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("presidencia"), PASSWORD, slot_key="presidency")
    _, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")
    return acta_signing.accept_external(app, st, sid, "member:RREE", sign_outside(copy, pki, "rree", "firma-member-rree", tsa_url))


def test_a_fully_signed_acta_is_archived_as_pades_b_lta_that_validates_without_the_crl_server(
    app: App, clock: FixedClock, pki: LocalPki, crl_server_down: LocalPki, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trust_pki(app, pki, tsa_url=pki.tsa_url)
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    final = _sign_all(app, sid, pki, pki.tsa_url)
    assert final.acta_state == "signed" and final.archive.level == "B-LTA", final.archive.note
    assert final.accepted is not None and final.accepted.signer == "JORGE LUIS CASTRO VEGA"
    assert "Copia de archivo PAdES B-LTA" in (final.archive.message or "")

    with app.db.read() as conn:
        signed_sha = conn.execute(acta_signing.SD.select()).one().current_sha256
    as_signed = app.documents.read(signed_sha)
    _, archived = actas.document(app, sid, "acta", "pdf")  # what the web's acta link serves
    assert archived != as_signed and archived.startswith(as_signed)  # incremental: the signatures untouched

    reader = PdfFileReader(io.BytesIO(archived))
    assert len(reader.embedded_regular_signatures) == 3 and len(reader.embedded_timestamp_signatures) == 1
    dss = DocumentSecurityStore.read_dss(reader)
    # the signers' and the TSA's status from the OCSP responder, the intermediate's from the root's CRL
    assert len(dss.ocsps) >= 3 and len(dss.crls) >= 1 and len(list(dss.load_certs())) >= 3

    # the same read by another PDF library (pikepdf): the DSS holds certificates and revocation data; a
    # document timestamp (RFC 3161) covers the signed acta and the signers' DSS; after it comes only the
    # TSA's own validation data (a DSS update, as PAdES allows), no signature and no change to the pages
    with pikepdf.open(io.BytesIO(archived)) as raw:
        raw_dss = raw.Root.DSS
        assert len(raw_dss.Certs) >= 3 and len(raw_dss.OCSPs) >= 3 and len(raw_dss.CRLs) >= 1
        stamps = [f.V for f in raw.Root.AcroForm.Fields if "/V" in f and f.V.get("/Type") == "/DocTimeStamp"]
        assert len(stamps) == 1 and stamps[0].SubFilter == "/ETSI.RFC3161"
        start, length, second, rest = (int(n) for n in stamps[0].ByteRange)
        pages = [bytes(p.Contents.read_bytes()) for p in raw.pages]
    covered, tail = archived[:second + rest], archived[second + rest:]
    assert start == 0 and length < second and covered.startswith(as_signed) and covered.endswith(b"%%EOF\n")
    with pikepdf.open(io.BytesIO(covered)) as stamped:
        assert len(stamped.Root.DSS.OCSPs) >= 3  # the signers' revocation data is under the timestamp
        assert [bytes(p.Contents.read_bytes()) for p in stamped.pages] == pages
    assert b"/DSS" in tail and b"/Sig" not in tail and b"/Annots" not in tail
    # pyHanko's AdES LTA validation with a spec made here (not the code under test's): trust in the test
    # root only, revocation required, nothing fetched
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[root_asn1(pki)]),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("require")),
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
    ))
    crl_server_down.offline = True  # from here on nothing can be fetched: all comes from the document
    vc = ValidationContext(trust_roots=[root_asn1(pki)], allow_fetching=True, revocation_mode="hard-fail")
    for sig in reader.embedded_regular_signatures:
        result = asyncio.run(ades_lta_validation(sig, spec))
        assert result.ades_subindic == AdESPassed.OK, result.failure_msg
        assert result.oldest_evidence_record_timestamp is not None
        status = validate_pdf_signature(sig, dss.as_validation_context(
            {"trust_roots": [root_asn1(pki)], "allow_fetching": False, "revocation_mode": "hard-fail"}))
        assert status.bottom_line and status.docmdp_ok, status.pretty_print_details()
    (doc_ts,) = reader.embedded_timestamp_signatures
    ts_status = validate_pdf_timestamp(doc_ts, dss.as_validation_context(
        {"trust_roots": [root_asn1(pki)], "allow_fetching": False, "revocation_mode": "hard-fail"}))
    assert ts_status.valid and ts_status.intact and ts_status.trusted
    assert vc.crls == []  # nothing was fetched by this test's own context

    (tmp_path / "archivada.pdf").write_bytes(archived)
    (tmp_path / "firmada.pdf").write_bytes(as_signed)
    base = ["--home", str(app.settings.home), "--db", app.settings.db_url, "document", "verify"]
    code, out, _ = run_cli([*base, str(tmp_path / "archivada.pdf")], capsys)
    assert code == 0 and out.count("Nivel: PAdES B-LTA") == 3 and "sello de tiempo de archivo:" in out, out
    assert out.count(": VÁLIDO — ") == 3
    # the copy as signed holds no revocation information: with the CRL server down it cannot be verified
    code, out, _ = run_cli([*base, str(tmp_path / "firmada.pdf")], capsys)
    assert code == 1 and "INDETERMINADO" in out and "B-LTA" not in out


def test_without_revocation_information_the_copy_stays_b_t_says_why_and_a_retry_makes_it_b_lta(
    sqlite_app: App, clock: FixedClock, pki: LocalPki, crl_server_down: LocalPki, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = sqlite_app
    monkeypatch.setenv("CONAIG_TSA_URL", pki.tsa_url)  # the same installation, for the CLI
    monkeypatch.setenv("CONAIG_REVOCATION", "soft-fail")
    # an installation that accepts signatures when revocation cannot be checked (soft-fail)
    trust_pki(app, pki, tsa_url=pki.tsa_url, revocation_mode="soft-fail")
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    crl_server_down.offline = True
    final = _sign_all(app, sid, pki, pki.tsa_url)
    assert final.acta_state == "signed"  # the signatures verified
    assert final.archive.level == "B-T"
    assert final.archive.message == (
        "La copia de archivo quedó en PAdES B-T, no en B-LTA: no se pudo obtener la información de revocación "
        "(CRL u OCSP) de todos los certificados de las firmas: la entidad de certificación no respondió. Las firmas "
        "del acta son válidas; la Secretaría Técnica puede volver a intentar el archivo.")
    _, served = actas.document(app, sid, "acta", "pdf")
    reader = PdfFileReader(io.BytesIO(served))
    assert "/DSS" not in reader.root and not reader.embedded_timestamp_signatures  # nothing pretended
    assert session_views.session_record(app, sid).acta_state == "signed"

    base = ["--home", str(app.settings.home), "--db", app.settings.db_url, "session"]
    code, out, _ = run_cli([*base, "signers", str(sid)], capsys)
    assert "quedó en PAdES B-T, no en B-LTA" in out
    code, out, _ = run_cli([*base, "archive", str(sid), "--as", "st@example.pe"], capsys)
    assert code == 1 and "no se pudo obtener la información de revocación" in out

    users.add_user(app, "st.web@example.pe", "Secretaría Técnica (web)", "MIMP", "secretariat", WEB_PASSWORD)
    web, token = sign_in(create_app(app), "st.web@example.pe", WEB_PASSWORD)
    page = web.get(f"/sesiones/{sid}/acta/firma").text
    assert "quedó en PAdES B-T, no en B-LTA" in page and "Volver a intentar la copia de archivo" in page

    crl_server_down.offline = False  # the certification entity answers again
    r = web.post(f"/sesiones/{sid}/acta/firma/archivar", data={"csrf_token": token})
    assert r.status_code == 303
    page = web.get(r.headers["location"]).text
    assert "Copia de archivo PAdES B-LTA" in page and "Volver a intentar la copia de archivo" not in page
    code, out, _ = run_cli([*base, "signers", str(sid)], capsys)
    assert "Copia de archivo PAdES B-LTA" in out
    _, archived = actas.document(app, sid, "acta", "pdf")
    assert archived.startswith(served)
    assert [(r.verdict, r.level) for r in acta_signing.verify_document(app, archived)] == [("VÁLIDO", "B-LTA")] * 3


def test_without_a_timestamp_authority_the_copy_stays_b_b_and_says_so(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> None:
    app = sqlite_app
    trust_pki(app, pki)
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    final = _sign_all(app, sid, pki)
    assert final.acta_state == "signed" and final.archive.level == "B-B"
    assert "no hay una autoridad de sellado de tiempo configurada" in (final.archive.message or "")
    with pytest.raises(Exception, match="se hace cuando todas sus firmas se han verificado"):
        other = approved_session(app, clock, st, day="2022-06-17", convene_on="2022-06-13T09:00")
        acta_archive.retry(app, st, other)
