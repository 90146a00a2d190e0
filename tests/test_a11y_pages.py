"""Every page, for every role and for the anonymous public, in Debian's Chromium: axe-core
(shipped inside axe-playwright-python, nothing downloaded) finds 0 violations of WCAG 2.0, 2.1
and 2.2 levels A and AA; and the text each page shows is at least 16 px with a contrast of 7:1
(4.5:1 for large text), measured from the computed styles. The pages are found by following
links from the start page and from the app's route table, parameters filled from the scenario
(tests/a11y_kit.py), so a page added later is checked without editing this file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.web import create_app
from tests.a11y_kit import DEMO_PASSWORD, ROLES, Crawl, build_scenario, crawl, page_templates
from tests.conftest import make_app
from tests.test_web_browser import ARGS, CHROMIUM, IN_CI
from tests.web_support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STYLES_JS = (Path(__file__).parent / "a11y_styles.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scenario_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, dict[str, list[str]]]]:
    from conaig_flow.clock import FixedClock
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file
    from tests.conftest import PLAN_START

    home = tmp_path_factory.mktemp("a11y")
    app = make_app(f"sqlite:///{home / 'conaig.db'}", home / "home", FixedClock(PLAN_START))
    plans.init(app, default_plan_file())
    scenario = build_scenario(app)
    values = dict(scenario.values, token=["enlace-no-valido"])
    yield app, values
    app.close()


@pytest.fixture(scope="module")
def base_url(scenario_app: tuple[App, dict[str, list[str]]]) -> Iterator[str]:
    with live_server(scenario_app[0]) as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
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


def sign_in(page: Any, email: str) -> None:
    page.goto("/entrar")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Contraseña", exact=True).press("Enter")
    page.wait_for_url(lambda url: "/entrar" not in url)


class Findings:
    def __init__(self) -> None:
        self.axe: dict[str, list[str]] = {}
        self.styles: dict[str, list[str]] = {}
        self.crawl: Crawl | None = None


_FINDINGS: dict[str, Findings] = {}


def findings_for(role: str, scenario_app: tuple[App, dict[str, list[str]]], base_url: str, chromium: Any) -> Findings:
    """Crawl once per role; both tests read the same crawl."""
    if role in _FINDINGS:
        return _FINDINGS[role]
    from axe_playwright_python.sync_playwright import Axe

    app, values = scenario_app
    templates = page_templates(create_app(app))
    axe = Axe()
    found = Findings()
    context = chromium.new_context(base_url=base_url, locale="es-PE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if role != "anonymous":
        sign_in(page, ROLES[role])

    def check(p: Any, path: str) -> None:
        results = axe.run(p, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        if results.violations_count:
            found.axe[path] = [f"{v['id']} ({v['impact']}): {v['help']} — "
                               + "; ".join(n["html"][:160] for n in v["nodes"][:4]) for v in results.response["violations"]]
        bad = p.evaluate(STYLES_JS)
        if bad:
            found.styles[path] = bad[:12]

    import re

    # signing out would end the crawl: its button is a form, never a link; skip nothing else
    found.crawl = crawl(page, "/", templates, values, check, skip=re.compile(r"^/salir"))
    context.close()
    _FINDINGS[role] = found
    return found


ALL_ROLES = ["anonymous", *ROLES]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_axe_finds_no_wcag_22_aa_violation_on_any_page(
    role: str, scenario_app: tuple[App, dict[str, list[str]]], base_url: str, chromium: Any
) -> None:
    found = findings_for(role, scenario_app, base_url, chromium)
    assert found.crawl is not None
    assert len(found.crawl.visited) >= 3, found.crawl.visited
    assert not found.crawl.unreached, (
        "páginas de la tabla de rutas que nadie enlaza y cuyos parámetros no tienen ejemplo en "
        f"tests/a11y_kit.py: {found.crawl.unreached}")
    report = "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.axe.items())
    assert not found.axe, f"{len(found.axe)} de {len(found.crawl.visited)} páginas con infracciones:\n{report}"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_text_is_at_least_16px_with_7_to_1_contrast_on_every_page(
    role: str, scenario_app: tuple[App, dict[str, list[str]]], base_url: str, chromium: Any
) -> None:
    found = findings_for(role, scenario_app, base_url, chromium)
    assert found.crawl is not None
    report = "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.styles.items())
    assert not found.styles, f"{len(found.styles)} de {len(found.crawl.visited)} páginas:\n{report}"


def test_the_checks_catch_a_page_that_breaks_the_rules(chromium: Any) -> None:
    """The control: the same two checks on a page with known faults report each of them."""
    from axe_playwright_python.sync_playwright import Axe

    page = chromium.new_page()
    page.set_content('<!doctype html><html><head><title>x</title></head><body><main><img src="data:,">'
                     '<p><small>letra chica</small></p><p class="pale">texto pálido</p>'
                     '<input type="text"></main></body></html>')
    page.add_style_tag(content="small { font-size: 12px } .pale { color: #777 }")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    found = {v["id"] for v in results.response["violations"]}
    assert {"html-has-lang", "image-alt", "label"} <= found, found
    styles = " ".join(page.evaluate(STYLES_JS))
    assert "«letra chica»: 12px" in styles and "«texto pálido»: contraste 4.48:1" in styles, styles
    page.close()
