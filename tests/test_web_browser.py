"""The web app in a real Chromium (Debian's, driven by Playwright) against uvicorn on
127.0.0.1: submit, observe, correct, resubmit, accept, and the dashboard shows it.
Screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from tests.conftest import IN_CI, REPO, pdf_bytes
from tests.web_support import PASSWORD, PEOPLE, add_web_people, live_server, minsa_protocol

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("CI=true exige Chromium en /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Chromium no está instalado en /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def open_page(browser: Any, base: str, problems: list[str], **options: Any) -> Any:
    context = browser.new_context(base_url=base, locale="es-PE", **options)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def sign_in_with_keyboard(page: Any, email: str) -> None:
    page.goto("/entregables")  # anonymous: sent to the sign-in page, then back here
    assert page.url.split("?")[0].endswith("/entrar")
    page.get_by_label("Correo electrónico").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.split("?")[0].endswith("/entregables"))


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_officer_and_secretariat_work_a_protocol_through_observation_to_acceptance(
    sqlite_app: App, browser: Any, tmp_path: Path
) -> None:
    add_web_people(sqlite_app)
    did = minsa_protocol(sqlite_app)
    first, second = tmp_path / "protocolo-minsa.pdf", tmp_path / "protocolo-minsa-v2.pdf"
    first.write_bytes(pdf_bytes("version 1"))
    second.write_bytes(pdf_bytes("version 2, corregida"))
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        officer = open_page(browser, base, problems)
        officer.goto("/entrar")
        shot(officer, "01-ingreso")
        sign_in_with_keyboard(officer, PEOPLE["officer"])
        assert officer.get_by_role("heading", name="Mis entregables — MINSA").is_visible()
        assert "faltan" in officer.locator("tbody").inner_text()
        shot(officer, "02-mis-entregables")

        st = open_page(browser, base, problems)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto("/tablero")
        assert " 0 en revisión" in st.locator("#summary").inner_text()

        officer.locator(f'a[href="/entregables/{did}"]').click()
        assert officer.locator("#current-state").inner_text() == "Borrador"
        assert "Para «Presentar» falta: adjuntar el documento del entregable" in officer.locator("#accion-submit").inner_text()
        shot(officer, "03-entregable-borrador")
        officer.get_by_label("Documento (PDF, Word, Excel, OpenDocument, PNG o JPEG)").set_input_files(str(first))
        officer.get_by_role("button", name="Presentar", exact=True).click()
        assert officer.locator("#done").inner_text() == "Acción registrada: Presentar."
        assert officer.locator("#current-state").inner_text() == "Presentado"

        st.goto("/revision")
        shot(st, "04-bandeja-de-revision")
        st.locator(f'tbody a[href="/entregables/{did}"]').click()
        with st.expect_download() as download:
            st.get_by_role("link", name="protocolo-minsa.pdf").click()
        assert Path(download.value.path()).read_bytes() == first.read_bytes()
        st.get_by_role("button", name="Observar (devolver para corrección)").click()  # without the comment
        assert "escribir un comentario" in st.locator("#action-error").inner_text()
        st.get_by_label("Comentario", exact=True).first.fill("Precisar los estándares de cumplimiento.")
        st.locator("#accion-observe").get_by_role("button").click()
        assert st.locator("#current-state").inner_text() == "Observado"

        officer.reload()
        assert officer.locator("#current-state").inner_text() == "Observado"
        assert "Precisar los estándares de cumplimiento." in officer.locator(".timeline").inner_text()
        officer.locator("#doc-resubmit").set_input_files(str(second))
        officer.get_by_role("button", name="Presentar subsanación").click()
        assert officer.locator("#current-state").inner_text() == "Presentado"

        st.goto(f"/entregables/{did}")
        st.get_by_role("button", name="Dar conformidad técnica").click()
        assert st.locator("#current-state").inner_text() == "Con conformidad técnica"
        assert st.locator(".lifecycle li.current").inner_text().startswith("Con conformidad técnica")
        timeline = st.locator(".timeline").inner_text()
        assert timeline.count(PEOPLE["officer"]) == 2 and timeline.count(PEOPLE["secretariat"]) == 2
        shot(st, "05-entregable-con-historial")

        st.goto("/tablero")
        assert " 1 en revisión" in st.locator("#summary").inner_text()
        assert st.locator("svg.chart").is_visible()
        shot(st, "06-tablero")

        admin = open_page(browser, base, problems)
        sign_in_with_keyboard(admin, PEOPLE["admin"])
        admin.goto("/admin/usuarios")
        shot(admin, "07-usuarios")

        phone = open_page(browser, base, problems, viewport={"width": 390, "height": 844})
        sign_in_with_keyboard(phone, PEOPLE["officer"])
        shot(phone, "08-mis-entregables-movil")
        phone.get_by_role("button", name="Cerrar sesión").click()
        phone.goto("/entregables")
        assert phone.url.split("?")[0].endswith("/entrar")
    expected = "status of 422"  # the observation tried without its comment
    assert [p for p in problems if expected not in p] == [], problems  # no script errors, no CSP violations
