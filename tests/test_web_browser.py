"""The web app in a real Chromium (Debian's, driven by Playwright) against uvicorn on
127.0.0.1: submit, observe, correct, resubmit, accept, and the dashboard shows it; then a
session approves the accepted methodology (agenda, convocatoria, attendance up to quorum,
votes, closing, acta) and the dashboard shows the approval.
Screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services.deliverables import deliverables
from tests.conftest import IN_CI, REPO, pdf_bytes
from tests.session_kit import lima
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


def test_officer_and_secretariat_work_a_protocol_through_observation_to_acceptance_then_a_session_approves(
    sqlite_app: App, browser: Any, tmp_path: Path, clock: FixedClock
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
        phone.locator("#menu > summary").click()  # on a phone the header's menu is folded (issue 14)
        phone.get_by_role("button", name="Cerrar sesión").click()
        phone.goto("/entregables")
        assert phone.url.split("?")[0].endswith("/entrar")

        run_a_session(sqlite_app, browser, base, problems, clock, tmp_path)
    expected = "status of 422"  # the observation tried without its comment
    assert [p for p in problems if expected not in p] == [], problems  # no script errors, no CSP violations


def run_a_session(app: App, browser: Any, base: str, problems: list[str], clock: FixedClock, tmp_path: Path) -> None:
    """The secretariat accepts the A3.1 methodology and a session approves it."""
    (method,) = deliverables.list_deliverables(app, activity="A3.1")
    voting = [e.code for e in app.definitions().plan.voting_members]
    doc = tmp_path / "metodologia.pdf"
    doc.write_bytes(pdf_bytes("metodología del informe de gobernanza"))
    st = open_page(browser, base, problems)
    sign_in_with_keyboard(st, PEOPLE["secretariat"])
    st.goto(f"/entregables/{method.id}")
    st.locator("#doc-submit").set_input_files(str(doc))
    st.get_by_role("button", name="Presentar", exact=True).click()
    st.get_by_role("button", name="Dar conformidad técnica").click()
    assert st.locator("#current-state").inner_text() == "Con conformidad técnica"
    st.goto("/tablero")
    approved_before = int(st.locator("#summary").inner_text().split()[0])

    st.get_by_role("link", name="Sesiones").click()
    st.get_by_label("Fecha", exact=True).fill("2021-07-15")  # two business days of notice from 1 July
    st.get_by_label("Lugar o enlace (opcional)").fill("Sala de sesiones del MIMP")
    shot(st, "09-sesiones")
    st.get_by_role("button", name="Programar la sesión").click()
    assert st.locator("#done").inner_text() == "Sesión programada."
    st.get_by_label("Aprobación de un entregable").check()
    st.get_by_label("Entregable listo para aprobación").select_option(str(method.id))
    st.get_by_role("button", name="Agregar el punto").click()
    assert "Aprobación:" in st.locator("#punto-1").inner_text()
    st.get_by_label("Confirmo que deseo emitir la convocatoria").check()
    st.get_by_role("button", name="Emitir la convocatoria").click()
    assert st.locator("#session-status").inner_text() == "convocada"
    shot(st, "10-sesion-convocada")
    session_url = st.url.split("?")[0]

    clock.set(lima("2021-07-15T10:00"))  # the day of the session: a new sign-in
    sign_in_with_keyboard(st, PEOPLE["secretariat"])
    st.goto(session_url)
    flips = []
    for code in voting:
        flips.append(st.locator("#quorum").inner_text().startswith("Hay quórum"))
        st.locator("#a-entidad").select_option(code)
        st.get_by_role("button", name="Registrar asistencia").click()
    assert st.locator("#quorum").inner_text().startswith("Hay quórum")
    assert flips[0] is False and True in flips  # the indicator changed when quorum was reached
    shot(st, "11-sesion-asistencia-quorum")
    st.get_by_role("button", name="Instalar la sesión").click()
    assert st.locator("#session-status").inner_text() == "en curso"
    for code in voting:
        st.locator("#v-entidad-1").select_option(code)
        st.locator("#v-sentido-1").select_option("for")
        st.locator("#punto-1").get_by_role("button", name="Registrar el voto").click()
    assert f"{len(voting)} a favor" in st.locator("#punto-1").inner_text()
    shot(st, "12-sesion-votacion")
    st.get_by_label("Confirmo que deseo concluir la sesión").check()
    st.get_by_role("button", name="Concluir la sesión").click()
    assert "Resultado: Aprobado" in st.locator("#punto-1").inner_text()
    st.get_by_role("button", name="Aprobar el acta").click()
    assert "aprobada" in st.locator("#acta-estado").inner_text().lower()
    shot(st, "13-sesion-acta")
    with st.expect_download() as download:
        st.locator("#acta-descargas").get_by_role("link", name="PDF").click()
    acta = Path(download.value.path()).read_bytes()
    assert acta.startswith(b"%PDF") and download.value.suggested_filename == "acta-001-2021-conaig.pdf"

    st.goto(f"/entregables/{method.id}")
    assert st.locator("#current-state").inner_text() == "Aprobado en sesión"
    st.goto("/tablero")
    assert int(st.locator("#summary").inner_text().split()[0]) == approved_before + 1
    shot(st, "14-tablero-tras-la-sesion")
    st.get_by_role("link", name="Notificaciones").click()
    assert st.get_by_role("heading", name="Bandeja de salida de notificaciones").is_visible()
    shot(st, "15-notificaciones")
    st.locator("tbody a").first.click()
    assert st.locator("#message-status").is_visible()
    shot(st, "16-notificacion")
    phone = open_page(browser, base, problems, viewport={"width": 390, "height": 844})
    sign_in_with_keyboard(phone, PEOPLE["secretariat"])
    phone.goto(session_url)
    assert phone.locator("#acta-descargas").is_visible()
    shot(phone, "17-sesion-movil")
