"""In Debian's Chromium: an anonymous visitor browses the commission's public face (home,
progress, sessions and an approved acta, a consultation's published answers, open data, and the
way to sign in); the Technical Secretariat searches and pages through the outbox with JavaScript
turned off."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from tests import public_kit
from tests.test_web_browser import browser, open_page, shot  # noqa: F401  (browser is a fixture)
from tests.test_web_lists import add_many_messages
from tests.web_support import PASSWORD, PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser


def test_an_anonymous_visitor_browses_the_commission_its_progress_sessions_consultations_and_open_data(
    sqlite_app: App, browser: Any, tmp_path: Any  # noqa: F811
) -> None:
    world = public_kit.build(sqlite_app)
    public_kit.close(sqlite_app, world)
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        page = open_page(browser, base, problems, accept_downloads=True)
        page.goto("/")
        assert page.url.endswith("/comision")
        name = sqlite_app.definitions().plan.commission.name
        assert page.get_by_role("heading", level=1).inner_text().startswith(name)
        assert page.get_by_role("heading", name="Entidades integrantes").is_visible()
        shot(page, "p1-comision")
        page.get_by_role("navigation", name="Principal").get_by_role("link", name="Avance del plan").click()
        assert page.get_by_role("heading", name="Avance del plan de trabajo").is_visible()
        assert page.locator("#entregables tbody tr").count() >= 24
        page.get_by_role("link", name="Sesiones", exact=True).click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar el ACTA N° 001-2022-CONAIG (PDF)").click()
        pdf = tmp_path / "acta.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        assert page.get_by_text("Pendiente de aprobación por la comisión").is_visible()
        page.get_by_role("link", name="Consultas", exact=True).click()
        page.get_by_role("link", name="Consulta sobre la propuesta de informe anual").click()
        matrix = page.get_by_role("table", name="Matriz de sistematización de aportes")
        assert public_kit.ORG_TEXT in matrix.inner_text() and "Acogido" in matrix.inner_text()
        assert public_kit.PRIVATE_PERSON not in page.content()
        shot(page, "p2-consulta-respuestas")
        page.get_by_role("link", name="Datos abiertos").first.click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar en CSV").click()
        data = tmp_path / "datos.zip"
        download.value.save_as(data)
        assert any(n.startswith("entregables") for n in zipfile.ZipFile(data).namelist())
        page.get_by_role("link", name="Ingresar").click()
        assert page.get_by_label("Correo electrónico").is_visible()
    assert not problems, problems


def test_the_secretariat_searches_and_pages_the_outbox_without_javascript(sqlite_app: App, browser: Any) -> None:  # noqa: F811
    add_web_people(sqlite_app)
    add_many_messages(sqlite_app)
    problems: list[str] = []
    with live_server(sqlite_app) as base:
        page = open_page(browser, base, problems, java_script_enabled=False)
        page.goto("/entrar")
        page.get_by_label("Correo electrónico").fill(PEOPLE["secretariat"])
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.goto("/notificaciones")
        assert "60 resultados" in page.locator("#conteo").inner_text()
        page.get_by_label("Buscar mensajes").fill("género")
        page.get_by_label("Buscar mensajes").press("Enter")
        assert "40 resultados para «género»" in page.locator("#conteo").inner_text()
        page.get_by_role("navigation", name="Páginas de resultados (arriba)").get_by_role("link", name="Siguiente").click()
        assert "buscar=" in page.url and "pagina=2" in page.url
        assert "del 26 al 40 (página 2 de 2)" in page.locator("#conteo").inner_text()
        assert page.get_by_label("Buscar mensajes").input_value() == "género"
        shot(page, "p3-notificaciones-pagina-2")
        page.get_by_role("link", name="Página 1", exact=True).first.click()
        assert "del 1 al 25" in page.locator("#conteo").inner_text()
    assert not problems, problems
