"""A full 21-entity session run from the secretariat's console in a real Chromium, with two
members on 390-px-wide phones: the agenda edited, reordered and trimmed before convening; a
member's request for an item accepted; members check in and vote from their phones while the
console's tally follows without a reload; a titular present leaves its alterno no vote; every
arrival in ONE post and a unanimous vote in ONE post; a vote corrected before closing; the
absent entity never offered; every action confirmed; the acta read back lists exactly what was
recorded. The same flows run with JavaScript disabled, with reloads instead of live updates."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from tests.session_kit import lima
from tests.test_web_browser import browser, open_page, shot, sign_in_with_keyboard  # noqa: F401
from tests.web_support import PASSWORD, PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}}
WAIT = 20_000  # ms: what a live update may take on a loaded machine before the test fails
MINSA_ALTERNO = "alterno.minsa@example.pe"
MINEDU_ALTERNO = "alterno.minedu@example.pe"


def confirmed(page: Any) -> str:
    text: str = page.locator("#confirmacion").inner_text()
    return text


def member(browser: Any, base: str, problems: list[str], email: str, sid: int, js: bool) -> Any:  # noqa: F811
    page = open_page(browser, base, problems, java_script_enabled=js, **PHONE)
    sign_in_with_keyboard(page, email)
    page.goto(f"/sesiones/{sid}/participar")
    return page


def acta_votes(markdown: str, position: int) -> dict[str, tuple[str, str, str]]:
    """Entity code → (capacity, sense, reason) from the acta's table of votes of an item."""
    section = markdown.split(f"### Punto {position}.")[1].split("### Punto")[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| .*\((\w+)\) \| (\w+) \| [^|]* \| ([^|]+) \| ([^|]*) \|$", line)
        if m and m.group(3).strip() in ("a favor", "en contra", "abstención"):
            rows[m.group(1)] = (m.group(2), m.group(3).strip(), m.group(4).strip().replace("—", ""))
    return rows


@pytest.mark.parametrize("js", [True, False], ids=["con-javascript", "sin-javascript"])
def test_a_full_session_runs_from_the_console_with_members_voting_from_their_phones(
    sqlite_app: App, browser: Any, clock: FixedClock, js: bool  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)  # PEOPLE["member"] is the titular of MINSA
    users.add_user(app, MINSA_ALTERNO, "Alterna MINSA", "MINSA", "member", PASSWORD, "alterno")
    users.add_user(app, MINEDU_ALTERNO, "Alterno MINEDU", "MINEDU", "member", PASSWORD, "alterno")
    voting = [e.code for e in app.definitions().plan.voting_members]
    absent = voting[-1]
    corrected = next(c for c in voting if c not in ("MINSA", "MINEDU", absent))
    problems: list[str] = []
    clock.set(lima("2022-05-16T09:00"))
    with live_server(app) as base:
        st = open_page(browser, base, problems, java_script_enabled=js)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto("/sesiones")
        st.get_by_label("Fecha", exact=True).fill("2022-05-20")
        st.get_by_role("button", name="Programar la sesión").click()
        sid = int(st.url.split("/sesiones/")[1].split("?")[0].split("#")[0])
        console = f"/sesiones/{sid}/consola"
        st.goto(console)

        # the agenda, before convening: add, edit, reorder, remove
        for text in ("Informe de gestión", "Cronograma de sesiones", "Plan anual"):
            st.get_by_label("Texto del punto", exact=True).fill(text)
            st.get_by_role("button", name="Agregar al orden del día").click()
            assert confirmed(st).startswith("Se agregó el punto")
        st.get_by_label("Texto del punto 2").fill("Cronograma de sesiones 2022")
        st.locator("#punto-2").get_by_role("button", name="Guardar texto").click()
        assert confirmed(st) == "Se modificó el texto del punto 2."
        st.get_by_label("Mover el punto 3 a la posición").select_option("1")
        st.locator("#punto-3").get_by_role("button", name="Mover").click()
        assert confirmed(st) == "El punto 3 pasó a ser el punto 1."
        st.get_by_role("button", name="Retirar el punto 2").click()
        assert confirmed(st) == "Se retiró del orden del día el punto 2 («Informe de gestión»)."

        # a member asks for an item from the phone; the secretariat accepts it
        titular = member(browser, base, problems, PEOPLE["member"], sid, js)
        titular.get_by_label("Asunto que propone incluir").fill("Brecha digital de género")
        titular.get_by_role("button", name="Enviar el pedido").click()
        assert confirmed(titular).startswith("Se registró su pedido N° 1")
        st.reload()
        st.get_by_role("button", name="Aceptar el pedido N° 1").click()
        assert confirmed(st) == "Se aceptó el pedido N° 1: es el punto 3 del orden del día."
        assert [t.strip() for t in st.locator(".agenda-edit li > p").all_inner_texts()] == [
            "Plan anual", "Cronograma de sesiones 2022", "Brecha digital de género"]

        # convening asks for confirmation first (a required box, without JavaScript too)
        st.get_by_role("button", name="Emitir la convocatoria").click()
        assert st.locator("#confirmacion").count() == 1 and "convocatoria" not in confirmed(st)
        st.get_by_label("Confirmo que deseo emitir la convocatoria (no se puede deshacer).").check()
        st.get_by_role("button", name="Emitir la convocatoria").click()
        assert confirmed(st).startswith("Se emitió la convocatoria a ")

        # the day of the session: check-in from the phones
        clock.set(lima("2022-05-20T10:00"))
        sign_in_with_keyboard(st, PEOPLE["secretariat"])  # days later: a new web session
        st.goto(console)
        expect(st.locator("#linea-quorum")).to_have_text(
            "Sin quórum: 0 de 21; se requieren 11 (art. 99.1 de la Ley N° 27444).")
        st.get_by_role("button", name="Abrir el registro de asistencia").click()
        assert confirmed(st) == "Se abrió el registro de asistencia desde los dispositivos de los integrantes."
        titular = member(browser, base, problems, PEOPLE["member"], sid, js)
        alterno = member(browser, base, problems, MINEDU_ALTERNO, sid, js)
        for phone in (titular, alterno):
            phone.get_by_role("button", name="Registrar mi asistencia").click()
            assert "la Secretaría Técnica la confirmará" in confirmed(phone)
        if not js:
            st.reload()
        for code in ("MINSA", "MINEDU"):
            expect(st.get_by_role("button", name=f"Confirmar asistencia de {code}")).to_be_visible(timeout=WAIT)
        st.get_by_role("button", name="Confirmar asistencia de MINSA").click()
        assert confirmed(st) == "Se registró la asistencia de MINSA (titular) a las 10:00, según su registro."
        st.get_by_role("button", name="Confirmar asistencia de MINEDU").click()
        assert confirmed(st) == "Se registró la asistencia de MINEDU (alterno) a las 10:00, según su registro."

        # every other arrival in ONE post; one entity absent
        for code in voting:
            if code not in ("MINSA", "MINEDU", absent):
                st.locator(f"#a-{code}-titular").check()
        st.get_by_role("button", name="Registrar la asistencia").click()
        msg = confirmed(st)
        assert msg.startswith("Se registró la asistencia de 18 entidades: ") and f"{corrected} (titular) a las 10:00" in msg
        expect(st.locator("#linea-quorum")).to_have_text(
            "Hay quórum: 20 de 21; se requieren 11 (art. 99.1 de la Ley N° 27444).")
        st.get_by_role("button", name="Instalar la sesión").click()
        assert confirmed(st).startswith("Se instaló la sesión a las 10:00 en primera convocatoria, con 20 integrantes")

        # item 1: opened, members vote from their phones, the console follows
        clock.set(lima("2022-05-20T10:15"))
        st.locator("#punto-1").get_by_role("button", name="Abrir la votación del punto 1").click()
        assert confirmed(st) == "Se abrió la votación del punto 1 a las 10:15."
        assert all(not o.startswith(f"{absent} ") for o in st.locator("#ve-1 option").all_inner_texts())
        assert len(st.locator("#ve-1 option").all_inner_texts()) == 20
        if not js:
            titular.reload()
            alterno.reload()
        expect(titular.locator("#votar-1")).to_be_visible(timeout=WAIT)  # reloaded by itself with JavaScript
        titular.get_by_label("a favor", exact=True).check()
        titular.get_by_role("button", name="Votar").click()
        assert confirmed(titular) == "Se registró su voto en el punto 1: a favor, como titular de MINSA, a las 10:15."
        expect(titular.locator("#mi-voto-1")).to_contain_text("a favor")
        expect(alterno.locator("#votar-1")).to_be_visible(timeout=WAIT)
        alterno.get_by_label("en contra", exact=True).check()
        alterno.get_by_label("Fundamento (obligatorio si vota en contra)").fill("Falta el presupuesto")
        alterno.get_by_role("button", name="Votar").click()
        assert "en contra, como alterno de MINEDU" in confirmed(alterno)
        shot(alterno, f"30-voto-desde-el-telefono-{'js' if js else 'sin-js'}")
        if not js:
            st.reload()
        expect(st.locator("#recuento-1")).to_contain_text("1 a favor, 1 en contra, 0 abstenciones", timeout=WAIT)

        # the titular of MINSA is present: its alterno has no vote
        alterna = member(browser, base, problems, MINSA_ALTERNO, sid, js)
        assert "representada ahora por su titular: usted no vota" in alterna.locator("#quien").inner_text()
        assert alterna.locator("#votar-1").count() == 0

        # the rest in ONE post, then a correction before closing
        st.reload()
        st.locator("#todos-1").get_by_role("button", name="Registrar la votación en bloque").click()
        assert confirmed(st) == "Se registraron 18 votos en el punto 1: todos los presentes a favor."
        st.locator("#ve-1").select_option(corrected)
        st.locator("#vs-1").select_option("against")
        st.locator("#vm-1").fill("Aclaró su posición en sala")
        st.get_by_role("button", name="Registrar o corregir el voto").first.click()
        assert confirmed(st) == f"Se corrigió el voto de {corrected} en el punto 1: en contra."
        st.locator("#historial-1 summary").click()
        assert f"{corrected} (titular): en contra — Aclaró su posición en sala · corrección registrado por la Secretaría Técnica" \
            in st.locator("#historial-1").inner_text()
        st.get_by_label("Confirmo que deseo cerrar la votación del punto 1 (no se puede deshacer).").check()
        st.locator("#cerrar-1").get_by_role("button", name="Cerrar la votación").click()
        assert confirmed(st) == ("Se cerró la votación del punto 1: 18 a favor, 2 en contra, 0 abstenciones. "
                                 "Resultado: aprobado.")

        # item 2: unanimous in ONE post (the post opens the vote too)
        clock.set(lima("2022-05-20T10:30"))
        st.reload()
        st.locator("#todos-2").get_by_role("button", name="Registrar la votación en bloque").click()
        assert confirmed(st) == "Se registraron 20 votos en el punto 2: todos los presentes a favor."
        st.get_by_label("Confirmo que deseo cerrar la votación del punto 2 (no se puede deshacer).").check()
        st.locator("#cerrar-2").get_by_role("button", name="Cerrar la votación").click()
        assert confirmed(st).endswith("20 a favor, 0 en contra, 0 abstenciones. Resultado: aprobado.")

        # conclude, and read the acta back
        clock.set(lima("2022-05-20T11:00"))
        st.reload()
        st.get_by_label("Confirmo que deseo concluir la sesión (no se puede deshacer).").check()
        st.get_by_role("button", name="Concluir la sesión").click()
        assert confirmed(st) == "Se concluyó la sesión a las 11:00; se generó el ACTA N° 001-2022-CONAIG con 2 acuerdos."
        shot(st, f"31-consola-concluida-{'js' if js else 'sin-js'}")
        acta = st.request.get(f"{base}/sesiones/{sid}/documentos/acta.md").text()
        attendees = set(re.findall(r"^\| .*\((\w+)\) \| (titular|alterno) \|", acta, re.M))
        assert attendees == {(c, "alterno" if c == "MINEDU" else "titular") for c in voting if c != absent}
        expected_1 = {c: ("alterno" if c == "MINEDU" else "titular", "a favor", "") for c in voting if c != absent}
        expected_1["MINEDU"] = ("alterno", "en contra", "Falta el presupuesto")
        expected_1[corrected] = ("titular", "en contra", "Aclaró su posición en sala")
        assert acta_votes(acta, 1) == expected_1
        assert acta_votes(acta, 2) == {c: (v[0], "a favor", "") for c, v in expected_1.items()}
        assert "Resultado: 18 a favor, 2 en contra, 0 abstenciones. Aprobado." in acta
        assert "Resultado: 20 a favor, 0 en contra, 0 abstenciones. Aprobado." in acta
        assert "Punto 3. Brecha digital de género" in acta

        # a member who attended asks to sign the acta from the phone
        titular = member(browser, base, problems, PEOPLE["member"], sid, js)  # idle for 45 minutes: signed in again
        titular.get_by_role("button", name="Pedir firmar el acta").click()
        assert confirmed(titular) == "Se registró su pedido de firmar el ACTA N° 001-2022-CONAIG: figura entre sus firmantes."
    assert [p for p in problems if "status of 4" not in p] == []
