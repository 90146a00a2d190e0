"""Signing the acta from the web: the member with a voto singular downloads the acta prepared
for their signature, signs it with their own tool (pyHanko and the test PKI, outside the app)
and uploads it; a signature by a revoked certificate is refused with its verdict in Spanish
and nothing changes; the last valid signature makes the acta «Firmada» and archived as PAdES
B-LTA (real Chromium). Someone outside the signer set, a certificate file instead of a PDF and
the acta of another session are refused (HTTP)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.web.app import create_app
from tests.pki import PASSWORD, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, sign_outside, trust_pki
from tests.test_web_browser import SHOTS, browser, open_page
from tests.web_support import PASSWORD as WEB_PASSWORD
from tests.web_support import form_csrf, live_server, sign_in

__all__ = ["browser", "pki"]

RREE = "firma.rree@example.pe"  # the titular of RREE, who cast the voto singular
MINSA = "firma.minsa@example.pe"  # a member who does not sign this acta


@pytest.fixture
def two_signed(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> tuple[App, int]:
    """An approved acta prepared for signing, signed by the secretary and the presidency (B-T):
    only the member with a voto singular (RREE) is still to sign. Made before the browser
    starts (Playwright's sync API holds an event loop in this thread, and pyHanko runs its own)."""
    app = sqlite_app
    trust_pki(app, pki, tsa_url=pki.tsa_url)
    st = setup_people(app)
    users.add_user(app, RREE, "Jorge Castro (RREE)", "RREE", "member", WEB_PASSWORD, "titular")
    users.add_user(app, MINSA, "Pedro Luna (MINSA)", "MINSA", "member", WEB_PASSWORD, "titular")
    sid = approved_session(app, clock, st)
    acta_signing.prepare(app, st, sid)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("presidencia"), PASSWORD, slot_key="presidency")
    return app, sid


@pytest.mark.browser
def test_a_signer_downloads_the_acta_signs_it_outside_and_uploads_it_a_revoked_signature_is_refused(
    two_signed: tuple[App, int], pki: LocalPki, browser: Any, tmp_path: Path,
) -> None:
    app, sid = two_signed
    problems: list[str] = []
    with live_server(app) as base:
        page = open_page(browser, base, problems, accept_downloads=True)
        page.goto("/entrar")
        page.get_by_label("Correo electrónico").fill(RREE)
        page.get_by_label("Contraseña").fill(WEB_PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_load_state()
        page.goto(f"/sesiones/{sid}")
        page.get_by_role("link", name="Firma digital del acta").click()
        page.wait_for_selector("#firmantes-pades")
        row = page.locator('tr.firmante[data-clave="member:RREE"]')
        assert "Pendiente de firma" in row.inner_text()
        assert "Firmó: ANA MARÍA QUISPE HUAMÁN" in page.locator('tr.firmante[data-clave="secretariat"]').inner_text()
        # the secretariat's and the presidency's places offer nothing to this member
        assert page.locator('tr.firmante[data-clave="presidency"] form').count() == 0

        with page.expect_download() as download:
            row.get_by_role("button", name="Descargar el acta para firmar").click()
        prepared = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename.endswith("-para-firmar-member-rree.pdf")

        # the signer's own tool, on their machine (a thread of its own here)
        with ThreadPoolExecutor(1) as tool:
            revoked = tool.submit(sign_outside, prepared, pki, "revocada", "firma-member-rree", pki.tsa_url).result()
            good = tool.submit(sign_outside, prepared, pki, "rree", "firma-member-rree", pki.tsa_url).result()
        (tmp_path / "acta-firmada-revocada.pdf").write_bytes(revoked)
        (tmp_path / "acta-firmada.pdf").write_bytes(good)

        row.locator('input[type="file"]').set_input_files(str(tmp_path / "acta-firmada-revocada.pdf"))
        row.get_by_role("button", name="Subir el acta firmada").click()
        error = page.locator("#signing-error").inner_text()
        assert "no se acepta: NO VÁLIDO — el certificado del firmante fue revocado" in error
        assert "No se registró nada" in error
        assert "Aprobada" in page.locator("#acta-estado").inner_text()
        assert "Pendiente de firma" in page.locator('tr.firmante[data-clave="member:RREE"]').inner_text()

        page.locator('tr.firmante[data-clave="member:RREE"] input[type="file"]').set_input_files(str(tmp_path / "acta-firmada.pdf"))
        page.locator('tr.firmante[data-clave="member:RREE"]').get_by_role("button", name="Subir el acta firmada").click()
        verdict = page.locator("#verdict").inner_text()
        assert "JORGE LUIS CASTRO VEGA" in verdict and "VÁLIDO" in verdict and "NO VÁLIDO" not in verdict
        assert page.locator("#verdict .veredicto").inner_text() == "VÁLIDO"
        assert "Firmada" in page.locator("#acta-estado").inner_text()
        assert "Firmó: JORGE LUIS CASTRO VEGA" in page.locator('tr.firmante[data-clave="member:RREE"]').inner_text()
        assert "Copia de archivo PAdES B-LTA" in page.locator("#archivo").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "firma-del-acta.png"), full_page=True)

        with page.expect_download() as served:
            page.get_by_role("link", name="Descargar el acta firmada (PDF)").click()
        archived = Path(served.value.path()).read_bytes()
    assert [p for p in problems if "status of 422" not in p] == []  # the refused upload answers 422

    assert session_views.session_record(app, sid).acta_state == "signed"
    assert archived == actas.document(app, sid, "acta", "pdf")[1] and archived.startswith(good)
    reader = PdfFileReader(io.BytesIO(archived))
    assert len(reader.embedded_regular_signatures) == 3 and len(reader.embedded_timestamp_signatures) == 1
    with ThreadPoolExecutor(1) as validator:  # pyHanko's event loop, away from Playwright's
        reports = validator.submit(acta_signing.verify_document, app, archived).result()
    assert [(r.verdict, r.level) for r in reports] == [("VÁLIDO", "B-LTA")] * 3


def test_someone_outside_the_signer_set_a_certificate_file_and_another_sessions_acta_are_refused(
    two_signed: tuple[App, int], clock: FixedClock, pki: LocalPki,
) -> None:
    app, sid = two_signed
    st = users.actor_for(app, "st@example.pe")
    other = approved_session(app, clock, st, day="2022-06-17", convene_on="2022-06-13T09:00")
    acta_signing.prepare(app, st, other)
    _, other_copy = acta_signing.prepare_external(app, st, other, "member:RREE")
    other_signed = sign_outside(other_copy, pki, "rree", "firma-member-rree", pki.tsa_url)
    before = actas.document(app, sid, "acta", "pdf")[1]
    web = create_app(app)

    minsa, token = sign_in(web, MINSA, WEB_PASSWORD)
    html = minsa.get(f"/sesiones/{sid}/acta/firma").text
    assert "Pendiente de firma" in html and "Descargar el acta para firmar" not in html
    r = minsa.post(f"/sesiones/{sid}/acta/firma/copia", data={"clave": "member:RREE", "csrf_token": token})
    assert r.status_code == 403
    assert "Usted no firma el ACTA N° 001-2022-CONAIG como Integrante (voto singular)" in r.text
    r = minsa.post(f"/sesiones/{sid}/acta/firma/subir", data={"clave": "member:RREE", "csrf_token": token},
                   files={"documento": ("acta.pdf", before, "application/pdf")})
    assert r.status_code == 403

    rree, token = sign_in(web, RREE, WEB_PASSWORD)
    page = rree.get(f"/sesiones/{sid}/acta/firma").text
    token = form_csrf(page)
    assert rree.post(f"/sesiones/{sid}/acta/firma/copia", data={"clave": "member:RREE", "csrf_token": token}).status_code == 200
    r = rree.post(f"/sesiones/{sid}/acta/firma/subir", data={"clave": "member:RREE", "csrf_token": token},
                  files={"documento": ("firma.p12", pki.p12("rree"), "application/x-pkcs12")})
    assert r.status_code == 422 and "Nunca suba su certificado (.p12/.pfx) ni su contraseña" in r.text
    r = rree.post(f"/sesiones/{sid}/acta/firma/subir", data={"clave": "member:RREE", "csrf_token": token},
                  files={"documento": ("acta-002.pdf", other_signed, "application/pdf")})
    assert r.status_code == 422
    assert "El PDF subido es el ACTA N° 002-2022-CONAIG, no el ACTA N° 001-2022-CONAIG" in r.text
    assert "No se registró nada" in r.text

    assert actas.document(app, sid, "acta", "pdf")[1] == before
    assert session_views.session_record(app, sid).acta_state == "approved"


def test_the_secretariat_prepares_the_acta_for_signing_from_the_web_and_may_bring_every_signature(
    sqlite_app: App, clock: FixedClock, pki: LocalPki,
) -> None:
    app = sqlite_app
    trust_pki(app, pki)
    st = setup_people(app)
    users.add_user(app, "st.web@example.pe", "Secretaría Técnica (web)", "MIMP", "secretariat", WEB_PASSWORD)
    users.add_user(app, MINSA, "Pedro Luna (MINSA)", "MINSA", "member", WEB_PASSWORD, "titular")
    sid = approved_session(app, clock, st)
    web = create_app(app)

    minsa, token = sign_in(web, MINSA, WEB_PASSWORD)
    html = minsa.get(f"/sesiones/{sid}/acta/firma").text
    assert "El acta aún no fue preparada para su firma." in html and "Preparar el acta para su firma" not in html
    assert minsa.post(f"/sesiones/{sid}/acta/firma/preparar", data={"csrf_token": token}).status_code == 403

    sec, token = sign_in(web, "st.web@example.pe", WEB_PASSWORD)
    assert f'href="/sesiones/{sid}/acta/firma"' in sec.get(f"/sesiones/{sid}").text
    r = sec.post(f"/sesiones/{sid}/acta/firma/preparar", data={"csrf_token": token})
    assert r.status_code == 303
    html = sec.get(r.headers["location"]).text
    assert "El acta quedó preparada para su firma digital" in html
    assert html.count("Descargar el acta para firmar") == 3  # the secretariat may bring each signature
    assert "Nunca" not in html and "nunca pide su certificado (.p12/.pfx) ni su contraseña" in html
    copy = sec.post(f"/sesiones/{sid}/acta/firma/copia", data={"clave": "presidency", "csrf_token": token})
    assert copy.status_code == 200 and copy.headers["content-type"] == "application/pdf"
    assert copy.content.startswith(actas.document(app, sid, "acta", "pdf")[1])
