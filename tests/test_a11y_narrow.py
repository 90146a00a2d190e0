"""A phone (390 × 844 px) in Debian's Chromium: the header folds its menu behind a «Menú»
button that opens with the keyboard and needs no script, so it takes less than a quarter of
the screen; the users table fits the width. And, with JavaScript switched off, what cannot be
undone (deactivating a user, convening and concluding a session) asks for a ticked
confirmation first; a form that arrives without it changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import sessions
from conaig_flow.services.sessions import views as session_views
from tests.test_web_browser import browser, open_page, sign_in_with_keyboard  # noqa: F401  (fixture)
from tests.web_support import PEOPLE, add_web_people, form_csrf, live_server, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_on_a_phone_the_menu_folds_opens_with_the_keyboard_and_the_users_table_fits(
    sqlite_app: App, browser: Any  # noqa: F811
) -> None:
    add_web_people(sqlite_app)
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        for javascript in (True, False):
            phone = open_page(browser, base, problems, viewport=PHONE, java_script_enabled=javascript)
            sign_in_with_keyboard(phone, PEOPLE["admin"])
            phone.goto("/admin/usuarios")
            header = phone.locator("header.top").bounding_box()
            assert header is not None and header["height"] < PHONE["height"] / 4, header
            users_link = phone.locator('header a[href="/admin/usuarios"]')
            assert not users_link.is_visible()
            phone.locator("#menu > summary").focus()
            phone.keyboard.press("Enter")
            assert users_link.is_visible()
            phone.keyboard.press("Enter")  # and folds again
            assert not users_link.is_visible()
            assert _overflow(phone) <= 0
            wrap = phone.locator("main .table-wrap")
            assert wrap.evaluate("e => e.scrollWidth - e.clientWidth") <= 0
            assert phone.locator("main").get_by_role("link", name=PEOPLE["officer"]).is_visible()
            phone.context.close()

        desktop = open_page(browser, base, problems, viewport={"width": 1280, "height": 800})
        sign_in_with_keyboard(desktop, PEOPLE["admin"])
        assert desktop.locator('header a[href="/admin/usuarios"]').is_visible()
        assert not desktop.locator("#menu > summary").is_visible()
    assert problems == []


def test_without_javascript_deactivating_a_user_waits_for_the_ticked_confirmation(
    sqlite_app: App, browser: Any  # noqa: F811
) -> None:
    add_web_people(sqlite_app)
    officer = next(u for u in users.list_users(sqlite_app) if u.email == PEOPLE["officer"])
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        admin = open_page(browser, base, problems, java_script_enabled=False)
        sign_in_with_keyboard(admin, PEOPLE["admin"])
        admin.goto("/admin/usuarios")
        deactivate = admin.get_by_role("button", name=f"Desactivar a {PEOPLE['officer']}")
        deactivate.click()  # unticked: the browser keeps the form
        assert admin.url.endswith("/admin/usuarios")
        assert next(u for u in users.list_users(sqlite_app) if u.id == officer.id).active
        admin.get_by_label(f"Confirmo que deseo desactivar a {PEOPLE['officer']}").check()
        deactivate.click()
        assert admin.locator("main .alert.ok").inner_text() == "Cambio registrado."
        assert not next(u for u in users.list_users(sqlite_app) if u.id == officer.id).active


def test_a_confirmation_form_sent_without_the_tick_changes_nothing(sqlite_app: App, clock: FixedClock) -> None:
    from conaig_flow.web import create_app

    add_web_people(sqlite_app)
    officer = next(u for u in users.list_users(sqlite_app) if u.email == PEOPLE["officer"])
    sec = users.actor_for(sqlite_app, PEOPLE["secretariat"])
    clock.set(datetime(2022, 5, 2, 9, 0, tzinfo=LIMA))
    sid = sessions.create_session(sqlite_app, sec, scheduled_at=datetime(2022, 5, 5, 10, 0, tzinfo=LIMA), place="Sala").id
    sessions.add_item(sqlite_app, sec, sid, other="Cronograma")
    web = create_app(sqlite_app)

    admin, csrf = sign_in(web, PEOPLE["admin"])
    r = admin.post(f"/admin/usuarios/{officer.id}/estado", data={"csrf_token": csrf, "activo": "no", "confirmacion": "pedida"})
    assert r.status_code in (400, 422) and "Marque la casilla de confirmación para desactivar la cuenta" in r.text
    assert next(u for u in users.list_users(sqlite_app) if u.id == officer.id).active

    st, csrf = sign_in(web, PEOPLE["secretariat"])
    page = st.get(f"/sesiones/{sid}").text
    assert 'name="confirmo"' in page and form_csrf(page) == csrf
    r = st.post(f"/sesiones/{sid}/convocar", data={"csrf_token": csrf, "confirmacion": "pedida"})
    assert r.status_code in (400, 422) and "Marque la casilla de confirmación para emitir la convocatoria" in r.text
    assert session_views.list_sessions(sqlite_app)[0].status_label == "programada"
    r = st.post(f"/sesiones/{sid}/convocar", data={"csrf_token": csrf, "confirmacion": "pedida", "confirmo": "si"})
    assert r.status_code == 303
    assert session_views.list_sessions(sqlite_app)[0].status_label == "convocada"
