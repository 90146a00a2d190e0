"""In Chromium, from the console: the presidency's casting vote on a tied item, and an item
outside the agenda refused while a voting member is missing (art. 98.4), then added once all
are present — with and without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.sessions import attendance, console
from tests.session_kit import abstention_allowed_app, convened_session, lima
from tests.test_web_browser import browser, open_page, sign_in_with_keyboard  # noqa: F401
from tests.web_support import PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["con-javascript", "sin-javascript"])
def test_the_console_records_the_casting_vote_and_an_out_of_agenda_item(
    tmp_path: Path, browser: Any, clock: FixedClock, js: bool  # noqa: F811
) -> None:
    # a commission whose norm allows abstention: the presidency abstains on item 1, then decides
    with abstention_allowed_app(tmp_path, clock) as app:
        _casting_vote_and_out_of_agenda(app, browser, clock, js)


def _casting_vote_and_out_of_agenda(app: App, browser: Any, clock: FixedClock, js: bool) -> None:  # noqa: F811
    add_web_people(app)
    st = users.actor_for(app, PEOPLE["secretariat"])
    plan = app.definitions().plan
    presidency = plan.commission.presidency
    missing = [e.code for e in plan.voting_members if e.code != presidency][-2:]
    present = [e.code for e in plan.voting_members if e.code not in missing]
    sid = convened_session(app, clock, st, recorded_at="09:55")
    console.record_attendance(app, st, sid, [console.AttendanceEntry(c, "titular") for c in present])
    clock.set(lima("2022-05-20T10:00"))
    attendance.open_session(app, st, sid)
    clock.set(lima("2022-05-20T10:05"))
    # the presidency is present and abstains on item 1: 9 for, 9 against is a tie it breaks
    voters = [c for c in present if c != presidency]
    console.vote_all(app, st, sid, 1, exceptions={c: ("against", "Prefiere otra redacción") for c in voters[:9]}
                     | {presidency: ("abstain", "Su sector elaboró la propuesta")})
    console.close_vote(app, st, sid, 1)
    problems: list[str] = []
    with live_server(app) as base:
        page = open_page(browser, base, problems, java_script_enabled=js)
        sign_in_with_keyboard(page, st.email)
        page.goto(f"/sesiones/{sid}/consola")
        tie = page.locator("#dirimente-1")
        assert f"Empate: voto dirimente de la Presidencia ({presidency})" in tie.inner_text()
        tie.get_by_label("Sentido").select_option("for")
        tie.get_by_role("button", name="Registrar el voto dirimente").click()
        assert page.locator("#confirmacion").inner_text() == \
            f"Se registró el voto dirimente de la Presidencia ({presidency}) en el punto 1: a favor."
        assert page.locator("#dirimente-1").count() == 0

        extra = page.locator("#form-fuera-de-agenda")
        extra.get_by_label("Texto del punto").fill("Pronunciamiento urgente")
        extra.get_by_role("button", name="Agregar el punto fuera de agenda").click()
        body = page.locator("body").inner_text()
        assert "art. 98.4 de la Ley N° 27444" in body and f"faltan: {', '.join(sorted(missing))}" in body
        assert page.locator("article.item").count() == 2  # the two convened items, nothing added

        clock.set(lima("2022-05-20T10:12"))
        console.record_attendance(app, st, sid, [console.AttendanceEntry(c, "titular") for c in missing])
        page.goto(f"/sesiones/{sid}/consola")
        extra = page.locator("#form-fuera-de-agenda")
        extra.get_by_label("Texto del punto").fill("Pronunciamiento urgente")
        extra.get_by_role("button", name="Agregar el punto fuera de agenda").click()
        assert page.locator("#confirmacion").inner_text() == \
            "Se agregó el punto 3, fuera de agenda: solo se aprueba con el voto unánime de todos los integrantes."
        assert "3. Pronunciamiento urgente (fuera de agenda)" in page.locator("#punto-3").inner_text()
    # the refused item answers 409 (Chromium logs the status); nothing else went wrong
    assert [p for p in problems if "status of 409" not in p] == []
    assert sum("status of 409" in p for p in problems) == 1
