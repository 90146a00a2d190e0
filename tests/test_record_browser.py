"""In Chromium (Playwright): a deliverable approved in session offers no approval button, only
where the approval happens; a form posted by hand with the page's valid CSRF token is refused
and changes nothing; once a session approves it, the history names the session, the agreement
and links the acta; a proposal left «En consulta» without a consultation is returned by the
secretariat from its page."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import SYSTEM
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from tests.approval_kit import decide_in_session
from tests.conftest import pdf_bytes
from tests.legacy_kit import old_hand_step
from tests.session_kit import lima
from tests.test_web_browser import browser, open_page, shot, sign_in_with_keyboard  # noqa: F401
from tests.web_support import PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser
IN_SESSION = ("Este producto se aprueba en sesión: agréguelo a la agenda de una sesión de la comisión; "
              "el acuerdo de la sesión lo aprobará.")
CRAFTED_POST = """([action, token]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  form.enctype = "multipart/form-data";
  for (const [name, value] of [["csrf_token", token], ["sesion", "Sesión N° 1 (inventada)"], ["comentario", "Aprobado"]]) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def test_no_approval_by_hand_in_the_browser_and_the_history_links_the_session_that_approved(
    sqlite_app: App, clock: FixedClock, browser: Any  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)
    clock.set(lima("2022-05-02T10:00"))
    st_actor = users.actor_for(app, PEOPLE["secretariat"])
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    deliverables.advance(app, st_actor, d.id, "submit", documents=[("metodologia.pdf", pdf_bytes("metodología"))])
    deliverables.advance(app, st_actor, d.id, "accept")
    version = deliverables.get(app, SYSTEM, d.id).version
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems, accept_downloads=True)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/entregables/{d.id}")
        assert st.get_by_role("button", name="Aprobar en sesión").count() == 0
        assert st.locator("#accion-approve").count() == 0 and st.locator("#accion-record_agreement").count() == 0
        elsewhere = st.locator("#pasos-fuera")
        assert IN_SESSION in elsewhere.inner_text()
        assert elsewhere.get_by_role("link", name="Programar una sesión de la comisión").get_attribute("href") == "/sesiones"
        shot(st, "r1-entregable-se-aprueba-en-sesion")

        # A person crafts the form the old page had, with the page's own valid CSRF token.
        token = st.locator("input[name=csrf_token]").first.input_value()
        st.evaluate(CRAFTED_POST, [f"/entregables/{d.id}/acciones/approve", token])
        st.wait_for_selector("#action-error")
        assert IN_SESSION in st.locator("#action-error").inner_text()
        assert st.locator("#current-state").inner_text() == "Con conformidad técnica"
        shot(st, "r2-aprobacion-a-mano-rechazada")
        after = deliverables.get(app, SYSTEM, d.id)
        assert (after.state, after.version) == ("reviewed", version)
        last = audit.refused_attempts(app, 1)[0]
        assert (last.actor_email, last.action, last.reason) == (PEOPLE["secretariat"], "approve", IN_SESSION)

        sid = decide_in_session(app, st_actor, d.id)  # the clock moves on to the session's close
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/entregables/{d.id}")
        assert st.locator("#current-state").inner_text() == "Aprobado en sesión"
        evidence = st.locator(".session-evidence").first
        text = evidence.inner_text()
        assert "Acuerdo N° 1 (aprobado) de la Sesión ordinaria N° 001-2022 de la CONAIG del" in text
        assert "ACTA N° 001-2022-CONAIG" in text
        shot(st, "r3-historial-con-acuerdo-y-acta")
        with st.expect_download() as download:
            evidence.get_by_role("link", name="ACTA N° 001-2022-CONAIG").click()
        pdf = PdfReader(BytesIO(Path(download.value.path()).read_bytes()))
        assert "ACTA N° 001-2022-CONAIG" in "".join(p.extract_text() for p in pdf.pages)
        assert f"/entregables/{d.id}/actas/{sid}.pdf" in download.value.url
    # Only the refused crafted post (403) shows in the console.
    assert [p for p in problems if "status of 403" not in p] == [] and len(problems) == 1, problems


def test_the_secretariat_returns_a_proposal_left_in_consultation_without_one_from_its_page(
    sqlite_app: App, clock: FixedClock, browser: Any  # noqa: F811
) -> None:
    app = sqlite_app
    add_web_people(app)
    clock.set(lima("2022-08-22T10:00"))
    st_actor = users.actor_for(app, PEOPLE["secretariat"])
    (p,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st_actor, p.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st_actor, p.id, "accept")
    old_hand_step(app, p.id, "open_consultation", st_actor)  # what the old «Abrir la consulta» button did
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/entregables/{p.id}")
        assert st.locator("#current-state").inner_text() == "En consulta"
        way_out = st.locator("#accion-return_without_consultation")
        assert "abra luego la consulta desde su formulario" in way_out.inner_text()
        way_out.get_by_label("Comentario").fill("Pasó a consulta sin abrirse la consulta; se abrirá con su formulario.")
        way_out.get_by_role("button", name="Devolver a «Con conformidad técnica» (no hay consulta registrada)").click()
        assert st.locator("#current-state").inner_text() == "Con conformidad técnica"
        shot(st, "r4-devuelto-sin-consulta")
        st.get_by_role("link", name="Ir al formulario de la consulta").click()
        assert st.get_by_label("Entregable", exact=True).input_value() == str(p.id)
    assert deliverables.history(app, SYSTEM, p.id)[-1].trigger == "return_without_consultation"
    assert problems == [], problems
