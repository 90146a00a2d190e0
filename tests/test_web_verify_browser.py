"""The public verification page in a real Chromium: a signed acta uploaded shows each
signature with its verdict (VÁLIDO; NO VÁLIDO for a revoked certificate); a file that is not
a PDF gets a Spanish error. The session's acta link serves the signed PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.signing import pades
from conaig_flow.web.app import create_app
from tests.pki import PASSWORD, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, trust_pki
from tests.test_web_browser import SHOTS, browser, open_page
from tests.web_support import PASSWORD as WEB_PASSWORD
from tests.web_support import live_server, sign_in

__all__ = ["browser", "pki"]


@pytest.fixture
def signed_acta(sqlite_app: App, clock: FixedClock, pki: LocalPki, tmp_path: Path) -> tuple[App, int, bytes]:
    """Signed before the browser starts (Playwright's sync API holds an event loop in this
    thread, and pyHanko runs its own)."""
    app = sqlite_app
    trust_pki(app, pki)
    st = setup_people(app)
    users.add_user(app, "lector@example.pe", "Integrante lector", "MINSA", "member", WEB_PASSWORD, "titular")
    sid = approved_session(app, clock, st)
    acta_signing.prepare(app, st, sid)
    acta_signing.sign_with_pkcs12(app, st, sid, pki.p12("secretaria"), PASSWORD)
    _, signed = actas.document(app, sid, "acta", "pdf")
    revoked = pades.sign(signed, pades.load_pkcs12(pki.p12("revocada"), PASSWORD),
                         pades.Placement("firma-member-rree", 0, (57, 100, 286, 180)),
                         stamp_text="Firmado digitalmente", reason="prueba", location="Lima")
    (tmp_path / "acta-firmada.pdf").write_bytes(revoked)
    (tmp_path / "nota.txt").write_text("no es un PDF", encoding="utf-8")
    return app, sid, signed


def test_the_verification_page_reports_each_signature_with_its_verdict(
    signed_acta: tuple[App, int, bytes], browser: Any, tmp_path: Path,
) -> None:
    app, sid, signed = signed_acta

    web = create_app(app)
    c, _ = sign_in(web, "lector@example.pe", WEB_PASSWORD)
    served = c.get(f"/sesiones/{sid}/documentos/acta.pdf")
    assert served.status_code == 200 and served.content == signed

    problems: list[str] = []
    with live_server(app) as base:
        page = open_page(browser, base, problems)
        page.goto("/documentos/verificar")
        page.get_by_label("Documento PDF").set_input_files(str(tmp_path / "acta-firmada.pdf"))
        page.get_by_role("button", name="Verificar").click()
        page.wait_for_selector("#signatures")
        rows = page.locator("tr.firma")
        assert rows.count() == 2
        assert rows.nth(0).locator(".veredicto").inner_text() == "VÁLIDO"
        assert "ANA MARÍA QUISPE HUAMÁN" in rows.nth(0).inner_text()
        assert rows.nth(1).locator(".veredicto").inner_text() == "NO VÁLIDO"
        assert "el certificado del firmante fue revocado" in rows.nth(1).inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "verificar-documento.png"), full_page=True)

        page.get_by_label("Documento PDF").set_input_files(str(tmp_path / "nota.txt"))
        page.get_by_role("button", name="Verificar").click()
        assert "El archivo no es un PDF" in page.locator("#verify-error").inner_text()
    assert [p for p in problems if "status of 422" not in p] == []  # the refused upload answers 422
