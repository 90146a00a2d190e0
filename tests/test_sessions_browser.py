"""The session rules of Ley N° 27444 in a real Chromium (Playwright, uvicorn on 127.0.0.1):
the second call refused on the same day, a session postponed and then suspended with their
notices; a voto singular whose grounds come the next day while the acta waits, the acta
approved at the start of the next session, an attendee who asks to sign, and the
certificación of the agreement downloaded and read back."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.notify import outbox
from conaig_flow.services import users
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import sessions
from tests.session_kit import lima
from tests.test_web_browser import browser, open_page, shot, sign_in_with_keyboard  # noqa: F401
from tests.web_support import PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser


def _unexpected(problems: list[str]) -> list[str]:
    """Console errors other than the refusals the test provokes (shown with 409)."""
    return [p for p in problems if "status of 409" not in p]


def _voting(app: App) -> list[str]:
    return [e.code for e in app.definitions().plan.voting_members]


def test_the_secretariat_postpones_and_then_suspends_a_session_in_the_page(
    sqlite_app: App, browser: Any, clock: FixedClock  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)
    clock.set(lima("2022-05-16T09:00"))
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto("/sesiones")
        st.get_by_label("Fecha", exact=True).fill("2022-05-20")
        st.locator("#segunda-fecha").fill("2022-05-20")
        st.locator("#segunda").fill("10:30")
        st.get_by_role("button", name="Programar la sesión").click()
        error = st.locator(".alert.error").inner_text()
        assert "al día siguiente de la primera (art. 99.2 de la Ley N° 27444)" in error
        st.get_by_label("Fecha", exact=True).fill("2022-05-20")
        st.locator("#segunda-fecha").fill("2022-05-21")
        st.locator("#segunda").fill("10:00")
        st.get_by_role("button", name="Programar la sesión").click()
        assert st.locator("#done").inner_text() == "Sesión programada."
        assert "segunda convocatoria: 21 de mayo de 2022, 10:00" in st.locator("dl.facts").inner_text()
        st.get_by_label("Otro punto a votar").check()
        st.get_by_label("Texto del punto (informativo u otro)").fill("Cronograma de sesiones")
        st.get_by_role("button", name="Agregar el punto").click()
        st.get_by_label("Confirmo que deseo emitir la convocatoria").check()
        st.get_by_role("button", name="Emitir la convocatoria").click()
        sid = int(st.url.split("/sesiones/")[1].split("?")[0].split("#")[0])
        convocatorias = len(outbox.list_outbox(app))

        st.locator("#cambiar-sesion summary").click()
        st.locator("#p-fecha").fill("2022-05-27")
        st.locator("#p-hora").fill("10:00")
        st.locator("#p-segunda-fecha").fill("2022-05-28")
        st.locator("#p-segunda").fill("10:00")
        st.locator("#p-motivo").fill("Cruce con la agenda ministerial")
        st.get_by_role("button", name="Reprogramar la sesión").click()
        assert st.locator("#done").inner_text() == "Sesión reprogramada: se avisó a los integrantes."
        assert "27 de mayo de 2022, 10:00" in st.locator("dl.facts").inner_text()
        assert "Motivo: Cruce con la agenda ministerial" in st.locator("#cambios").inner_text()
        shot(st, "20-sesion-reprogramada")
        st.locator("#cambiar-sesion summary").click()
        st.locator("#x-motivo").fill("Duelo nacional")
        st.get_by_role("button", name="Suspender la sesión").click()
        assert st.locator("#session-status").inner_text() == "suspendida"
        assert st.get_by_role("button", name="Instalar la sesión").count() == 0
        templates = Counter(m.template for m in outbox.list_outbox(app))
        # for each member: the convocatoria, the postponement and the suspension
        assert templates == {"convocatoria": convocatorias, "sesion_reprogramada": convocatorias,
                             "sesion_cancelada": convocatorias}
        assert f"/sesiones/{sid}" in st.url
    assert _unexpected(problems) == []


def test_a_voto_singular_keeps_the_acta_waiting_until_its_grounds_and_the_agreement_is_certified(
    sqlite_app: App, browser: Any, clock: FixedClock, tmp_path: Path  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)
    st_actor = users.actor_for(app, PEOPLE["secretariat"])
    voting = _voting(app)[:11]
    clock.set(lima("2022-05-16T09:00"))
    first = sessions.create_session(app, st_actor, scheduled_at=lima("2022-05-20T10:00")).id
    sessions.add_item(app, st_actor, first, other="Cronograma de sesiones del segundo semestre")
    sessions.convene(app, st_actor, first)
    clock.set(lima("2022-05-18T09:00"))
    second = sessions.create_session(app, st_actor, scheduled_at=lima("2022-05-23T10:00")).id
    sessions.add_item(app, st_actor, second, other="Informe de avance")
    sessions.convene(app, st_actor, second)
    clock.set(lima("2022-05-20T09:55"))
    for code in [*voting, "DP"]:
        session_attendance.attend(app, st_actor, first, code)
    clock.set(lima("2022-05-20T10:02"))
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/sesiones/{first}")
        st.get_by_role("button", name="Instalar la sesión").click()
        assert st.locator("#session-status").inner_text() == "en curso"
        assert st.locator("#v-sentido-1 option[value=abstain]").count() == 0  # the law allows no abstention

        def vote(code: str, sense: str, singular: bool = False) -> None:
            st.locator("#v-entidad-1").select_option(code)
            st.locator("#v-sentido-1").select_option(sense)
            if singular:
                st.locator("#v-singular-1").check()
            st.locator("#punto-1").get_by_role("button", name="Registrar el voto").click()

        vote("MINSA", "against")
        assert "Quien vota en contra expresa sus motivos (art. 100.2 de la Ley N° 27444)" in st.locator("#action-error").inner_text()
        vote("MINSA", "against", singular=True)
        for code in voting:
            if code != "MINSA":
                vote(code, "for")
        st.get_by_label("Confirmo que deseo concluir la sesión").check()
        st.get_by_role("button", name="Concluir la sesión").click()
        assert "fundamento escrito pendiente (plazo: hasta el 21 de mayo de 2022)" in st.locator("#punto-1").inner_text()
        assert st.locator("#acta-pendiente").is_visible()
        st.locator("#form-aprobar-acta").get_by_role("button", name="Aprobar el acta").click()
        assert "espera el fundamento escrito de los votos singulares (art. 97.3 de la Ley N° 27444)" in st.locator("#action-error").inner_text()
        shot(st, "21-acta-pendiente-voto-singular")

        clock.set(lima("2022-05-21T11:00"))  # the next day
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/sesiones/{first}")
        st.locator("#fs-1-MINSA").fill("El cronograma no prevé las sesiones descentralizadas.")
        st.locator("#fundamento-1-MINSA").get_by_role("button", name="Registrar el fundamento").click()
        assert st.locator("#done").inner_text() == "Fundamento del voto singular registrado."
        assert "fundamento escrito entregado: El cronograma no prevé" in st.locator("#punto-1").inner_text()

        clock.set(lima("2022-05-23T10:05"))
        for code in voting:
            session_attendance.attend(app, st_actor, second, code, at=lima("2022-05-23T09:58"))
        session_attendance.open_session(app, st_actor, second)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/sesiones/{first}")
        st.get_by_label("al inicio de la Sesión ordinaria N° 002-2022 de la CONAIG").check()
        st.locator("#form-aprobar-acta").get_by_role("button", name="Aprobar el acta").click()
        assert "en la Sesión ordinaria N° 002-2022 de la CONAIG" in st.locator("#acta-estado").inner_text()
        st.locator("#pf-entidad").select_option("DP")
        st.get_by_role("button", name="Agregar a los firmantes").click()
        signers = st.locator("#firmantes").inner_text()
        assert "MINSA (voto singular): pendiente de firma" in signers and "DP (lo solicitó): pendiente de firma" in signers
        # a signer «firmó» only once its PAdES signature verifies; no form records one by hand
        assert st.locator("#form-firma").count() == 0
        assert "firma el PDF del acta con su certificado digital" in st.locator("#firma-digital").inner_text()
        shot(st, "22-acta-firmantes")
        with st.expect_download() as download:
            st.locator("#certificacion-1").get_by_role("link", name="DOCX").click()
        content = Path(download.value.path()).read_bytes()
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
        assert "CERTIFICACIÓN DE ACUERDO" in text and "Acuerdo N° 1 (punto 1 del orden del día)" in text
        assert "Votación: 10 a favor, 1 en contra, 0 abstenciones" in text
        assert "Se expide la presente certificación el 23 de mayo de 2022" in text
    assert _unexpected(problems) == []
