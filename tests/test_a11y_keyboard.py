"""The main journeys with the keyboard only, in Debian's Chromium: an officer submits a
deliverable, the secretariat observes it, and the secretariat records attendance and a vote in
a session. Only Tab, Enter, Space and typing move the person along (no clicks; the file chooser
opens with Space and the test hands it the file, as a person would pick it); every control the
focus lands on shows a visible focus outline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import attendance, sessions
from tests.conftest import pdf_bytes
from tests.test_web_browser import browser, open_page  # noqa: F401  (fixture)
from tests.web_support import PASSWORD, PEOPLE, add_web_people, live_server, minsa_protocol

pytestmark = pytest.mark.browser

FOCUSED = """(sel) => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {match: el.matches(sel), outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
          what: el.outerHTML.slice(0, 120)};
}"""


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has the focus; each stop on the way
    must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED, selector)
        if state is None:
            continue
        assert state["outline"], f"el foco no se ve en {state['what']}"
        if state["match"]:
            return
    raise AssertionError(f"con Tab no se llega a {selector}")


def sign_in(page: Any, email: str) -> None:
    page.goto("/entrar")
    tab_to(page, "#correo")
    page.keyboard.type(email)
    tab_to(page, "#contrasena")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/entrar" not in url)


def test_officer_submits_and_secretariat_observes_with_the_keyboard_only(
    sqlite_app: App, browser: Any, tmp_path: Path  # noqa: F811
) -> None:
    add_web_people(sqlite_app)
    did = minsa_protocol(sqlite_app)
    document = tmp_path / "protocolo-minsa.pdf"
    document.write_bytes(pdf_bytes("protocolo"))
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        officer = open_page(browser, base, problems)
        sign_in(officer, PEOPLE["officer"])
        tab_to(officer, f'a[href="/entregables/{did}"]')
        officer.keyboard.press("Enter")
        officer.wait_for_url(f"**/entregables/{did}")
        tab_to(officer, "#doc-submit")
        with officer.expect_file_chooser() as chooser:
            officer.keyboard.press("Space")
        chooser.value.set_files(str(document))
        tab_to(officer, "#accion-submit button[type=submit]")
        officer.keyboard.press("Enter")
        officer.wait_for_selector("#done")
        assert officer.locator("#done").inner_text() == "Acción registrada: Presentar."
        assert officer.locator("#current-state").inner_text() == "Presentado"

        st = open_page(browser, base, problems)
        sign_in(st, PEOPLE["secretariat"])
        tab_to(st, 'a[href="/revision"]')
        st.keyboard.press("Enter")
        st.wait_for_url("**/revision")
        tab_to(st, f'main a[href="/entregables/{did}"]')
        st.keyboard.press("Enter")
        st.wait_for_url(f"**/entregables/{did}")
        tab_to(st, "#comentario-observe")
        st.keyboard.type("Precisar los estándares de cumplimiento.")
        tab_to(st, "#accion-observe button[type=submit]")
        st.keyboard.press("Enter")
        st.wait_for_selector("#done")
        assert st.locator("#current-state").inner_text() == "Observado"
        assert "Precisar los estándares de cumplimiento." in st.locator(".timeline").inner_text()
    assert problems == []


def test_secretariat_records_attendance_and_a_vote_with_the_keyboard_only(
    sqlite_app: App, clock: FixedClock, browser: Any  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)
    sec = users.actor_for(app, PEOPLE["secretariat"])
    clock.set(datetime(2022, 5, 2, 9, 0, tzinfo=LIMA))
    sid = sessions.create_session(app, sec, scheduled_at=datetime(2022, 5, 5, 10, 0, tzinfo=LIMA), place="Sala virtual").id
    sessions.add_item(app, sec, sid, other="Cronograma de sesiones del segundo semestre")
    sessions.convene(app, sec, sid)
    clock.set(datetime(2022, 5, 5, 9, 55, tzinfo=LIMA))
    voting = [e.code for e in app.definitions().plan.voting_members]
    for code in voting[:11]:
        if code != "MINSA":
            attendance.attend(app, sec, sid, code)
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems)
        sign_in(st, PEOPLE["secretariat"])
        tab_to(st, 'a[href="/sesiones"]')
        st.keyboard.press("Enter")
        st.wait_for_url("**/sesiones")
        tab_to(st, f'main a[href="/sesiones/{sid}"]')
        st.keyboard.press("Enter")
        st.wait_for_url(f"**/sesiones/{sid}")
        tab_to(st, "#a-entidad")
        st.keyboard.type("MINSA")
        assert st.locator("#a-entidad").input_value() == "MINSA"
        tab_to(st, "#form-asistencia button[type=submit]")
        st.keyboard.press("Enter")
        st.wait_for_selector("#done")
        assert "MINSA" in st.locator("#asistencia table").inner_text()
        assert st.locator("#quorum").inner_text().startswith("Hay quórum")

        clock.set(datetime(2022, 5, 5, 10, 5, tzinfo=LIMA))
        tab_to(st, f'form[action="/sesiones/{sid}/instalar"] button')
        st.keyboard.press("Enter")
        st.wait_for_selector("#v-entidad-1")
        assert st.locator("#session-status").inner_text() == "en curso"
        clock.set(datetime(2022, 5, 5, 10, 20, tzinfo=LIMA))
        tab_to(st, "#v-entidad-1")
        st.keyboard.type("MINSA")
        assert st.locator("#v-entidad-1").input_value() == "MINSA"
        tab_to(st, "#v-sentido-1")
        st.keyboard.type("a favor")
        assert st.locator("#v-sentido-1").input_value() == "for"
        tab_to(st, 'form[action$="/puntos/1/votos"] button[type=submit]')
        st.keyboard.press("Enter")
        st.wait_for_url("**hecho=punto-1**")
        assert "1 a favor" in st.locator("#punto-1").inner_text()
    assert problems == []
