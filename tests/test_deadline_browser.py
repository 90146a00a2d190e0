"""The web list and the deliverable page show the effective deadline (issue 12), in a real
Chromium: MINSA's protocol, due by the plan on Saturday 31 December 2022, is due on Monday
2 January 2023, with the plan's date and the reason beside it; a non-working day decreed for
2 January moves it to the 3rd on both pages."""

from __future__ import annotations

from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.deliverables.calendar import add_non_working_day
from tests.session_kit import lima
from tests.test_web_browser import browser, open_page, sign_in_with_keyboard  # noqa: F401  (the Chromium fixture)
from tests.web_support import PEOPLE, add_web_people, live_server, minsa_protocol

pytestmark = pytest.mark.browser


def _row(page: Any, deliverable_id: int) -> str:
    return str(page.locator("tr", has=page.locator(f'a[href="/entregables/{deliverable_id}"]')).inner_text())


def test_the_list_and_the_page_show_the_effective_deadline_and_follow_a_decreed_day(
    sqlite_app: App, clock: FixedClock, browser: Any  # noqa: F811
) -> None:
    add_web_people(sqlite_app)
    did = minsa_protocol(sqlite_app)
    clock.set(lima("2022-12-02T09:30"))
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        page = open_page(browser, base, problems)
        sign_in_with_keyboard(page, PEOPLE["officer"])
        row = _row(page, did)
        assert "2 de enero de 2023 (plan: 31 de diciembre de 2022)" in row and "faltan 31 días" in row
        page.goto(f"/entregables/{did}")
        assert page.locator("#due-effective").inner_text().startswith("2 de enero de 2023 · faltan 31 días")
        planned = page.locator("#due-planned").inner_text()
        assert planned.startswith("31 de diciembre de 2022.") and "Ley N° 27444, art. 134.2" in planned

        add_non_working_day(sqlite_app, users.actor_for(sqlite_app, PEOPLE["secretariat"]), lima("2023-01-02T00:00").date(),
                            "Día no laborable para el sector público (D.S. de prueba)")
        page.reload()
        assert page.locator("#due-effective").inner_text().startswith("3 de enero de 2023 · faltan 32 días")
        assert "lunes 2 de enero de 2023: Día no laborable para el sector público (D.S. de prueba)" in page.locator(
            "#due-planned").inner_text()
        page.goto("/entregables")
        assert "3 de enero de 2023 (plan: 31 de diciembre de 2022)" in _row(page, did)
    assert problems == []
