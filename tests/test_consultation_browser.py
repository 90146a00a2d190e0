"""Issue 7 in a real Chromium against uvicorn on 127.0.0.1, with a real SMTP server: the
secretariat imports organisations (bad rows refused), opens the consultation on the A3.2
proposal, invites (each invitation received once), organisations contribute through their
personal link and the public page, a tampered link and a late submission are refused, each
contribution is answered, the matrix is exported and read back, and the proposal refuses to
move on while a contribution is unanswered."""

from __future__ import annotations

import io
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import pdf_bytes
from tests.notify_helpers import use_smtp
from tests.smtp_capture import SmtpCapture
from tests.test_consultation_core import organisations_csv
from tests.test_web_browser import browser, open_page, shot, sign_in_with_keyboard  # noqa: F401  (fixture)
from tests.web_support import PEOPLE, add_web_people, live_server

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://[^/\s]+(/consulta/\d+/i/[A-Za-z0-9_-]+)")


def send_outbox(app: App) -> None:
    """The dispatcher, in its own thread: Playwright's sync API owns this thread's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(dispatch, app).result()


def _plain(received: Any) -> str:
    return str(received.message.get_body(preferencelist=("plain",)).get_content())


def test_consultation_on_the_governance_proposal_end_to_end(
    sqlite_app: App, clock: FixedClock, smtp: SmtpCapture, browser: Any, tmp_path: Path  # noqa: F811
) -> None:
    app = sqlite_app
    use_smtp(app, smtp)
    add_web_people(app)
    clock.set(datetime(2022, 8, 22, 10, 0, tzinfo=LIMA))
    st_actor = users.actor_for(app, PEOPLE["secretariat"])
    (proposal,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st_actor, proposal.id, "submit", documents=[("propuesta-informe-anual.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st_actor, proposal.id, "accept")
    csv_file = tmp_path / "organizaciones.csv"
    csv_file.write_bytes(organisations_csv())
    problems: list[str] = []
    with live_server(app) as base:
        st = open_page(browser, base, problems, accept_downloads=True)
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto("/consultas")
        st.get_by_label("Importar desde CSV o XLSX (columnas: nombre, tipo, correos, region)").set_input_files(str(csv_file))
        st.get_by_role("button", name="Importar organizaciones").click()
        assert st.locator("#imported").inner_text() == "Organizaciones importadas: 30."
        refused = st.locator("#refused").inner_text()
        assert "Club deportivo" in refused and "falta al menos un correo" in refused and "ya está registrada" in refused
        shot(st, "c1-importacion-organizaciones")

        # «Abrir la consulta» on the deliverable's page leads to the consultation's form.
        st.goto(f"/entregables/{proposal.id}")
        assert st.locator("#accion-open_consultation").count() == 0
        st.get_by_role("link", name="Ir al formulario de la consulta").click()
        assert st.get_by_label("Entregable", exact=True).input_value() == str(proposal.id)
        st.get_by_label("Título de la consulta").fill("Propuesta de informe anual de gobernanza")
        st.get_by_label("Apertura (hora de Lima)").fill("2022-09-01T09:00")
        st.get_by_label("Cierre (hora de Lima)").fill("2022-09-30T18:00")
        st.get_by_label("Preguntas o secciones (una por línea)").fill("Diagnóstico de la gobernanza\nPropuestas de mejora")
        st.get_by_label("Abrir también una página pública para cualquier persona").check()
        st.get_by_role("button", name="Abrir la consulta").click()
        cid = int(st.url.rstrip("/").split("/")[-1])
        assert deliverables.get(app, st_actor, proposal.id).state == "in_consultation"
        st.get_by_role("button", name="Invitar a todas las organizaciones registradas").click()
        assert "30 invitaciones nuevas" in st.locator("#done").inner_text()
        st.get_by_role("button", name="Invitar a todas las organizaciones registradas").click()
        assert "0 invitaciones nuevas" in st.locator("#done").inner_text()
        send_outbox(app)
        send_outbox(app)
        invitations = [r for r in smtp.received if ":invitacion:" in r.key]
        assert len(invitations) == 30 and set(Counter(r.key for r in invitations).values()) == {1}

        clock.set(datetime(2022, 9, 5, 10, 0, tzinfo=LIMA))
        first = next(r for r in invitations if "contacto0@org0.pe" in r.recipients)
        second = next(r for r in invitations if "contacto1@org1.pe" in r.recipients)
        org_page = open_page(browser, base, problems)
        for n, received in enumerate((first, second)):
            match = LINK.search(_plain(received))
            assert match is not None
            org_page.goto(match.group(1))
            assert org_page.locator("#org-name").inner_text() == f"Organización {n:02d}"
            org_page.get_by_label("Pregunta o sección").select_option(str(n + 1))
            org_page.get_by_label("Su aporte").fill(f"Aporte de la Organización {n:02d}: mesas regionales")
            org_page.get_by_role("button", name="Enviar aporte").click()
            assert org_page.locator("#received").is_visible()
        shot(org_page, "c2-aporte-recibido")

        public = open_page(browser, base, problems)
        public.goto(f"/consulta/{cid}")
        shot(public, "c3-consulta-publica")
        public.get_by_label("Nombre y apellidos (obligatorio)").fill("Rosa Quispe")
        public.get_by_label("Organización (obligatorio)").fill("Colectivo Warmi")
        public.get_by_label("Correo electrónico (obligatorio: le enviaremos la constancia)").fill("rosa@warmi.pe")
        public.get_by_label("Su aporte").fill("Incluir a las organizaciones de mujeres indígenas")
        public.get_by_role("button", name="Enviar aporte").click()
        public_number = int(public.locator("#contribution-number").inner_text())

        tampered = LINK.search(_plain(first))
        assert tampered is not None
        response = public.goto(tampered.group(1)[:-3] + "abc")
        assert response is not None and response.status == 403
        assert "no es válido" in public.locator("main").inner_text()

        sign_in_with_keyboard(st, PEOPLE["secretariat"])  # the clock moved on: the old session expired
        st.goto(f"/entregables/{proposal.id}")
        # The deliverable page fires no consultation step: it leads to the consultation.
        assert st.locator("#accion-close_consultation").count() == 0
        assert "La consulta se cierra desde su página" in st.locator("#pasos-fuera").inner_text()
        st.get_by_role("link", name=f"Ir a la consulta N° {cid} para cerrarla").click()
        st.locator("#close-consultation").click()
        assert "3 aportes pendientes" in st.locator("#answer-error").inner_text()
        assert deliverables.get(app, st_actor, proposal.id).state == "in_consultation"

        st.goto(f"/consultas/{cid}")
        assert "3 pendientes" in st.locator("#figures").inner_text()
        articles = st.locator("article.summary")
        for i in range(articles.count() - 1):  # all but the last one
            article = articles.nth(i)
            article.get_by_label("Decisión").select_option("partly_accepted")
            article.get_by_label("Fundamento").fill(f"Se acoge en parte ({i + 1}).")
            article.get_by_role("button", name="Guardar respuesta").click()
            articles = st.locator("article.summary")
        assert "1 pendiente" in st.locator("#figures").inner_text()
        shot(st, "c4-matriz-de-aportes")
        st.locator("#close-consultation").click()
        assert f"el aporte pendiente (aporte {public_number})" in st.locator("#answer-error").inner_text()
        assert deliverables.get(app, st_actor, proposal.id).state == "in_consultation"

        st.goto(f"/consultas/{cid}")
        last = st.locator(f"#aporte-{public_number}")
        last.get_by_label("Decisión").select_option("not_accepted")
        last.get_by_label("Fundamento").fill("Ya está previsto en la sección 3.")
        last.get_by_role("button", name="Guardar respuesta").click()
        with st.expect_download() as xlsx:
            st.locator("#matrix-xlsx").click()
        with st.expect_download() as docx:
            st.locator("#matrix-docx").click()
        sheet = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes())).active
        assert sheet is not None
        cells = [str(c.value) for row in sheet.iter_rows(min_row=5) for c in row]
        assert "Incluir a las organizaciones de mujeres indígenas" in cells and "No acogido" in cells
        doc_text = "\n".join(c.text for row in Document(str(docx.value.path())).tables[0].rows for c in row.cells)
        assert "Aporte de la Organización 01: mesas regionales" in doc_text and "Se acoge en parte (1)." in doc_text

        clock.set(datetime(2022, 9, 30, 18, 0, tzinfo=LIMA))
        match = LINK.search(_plain(second))
        assert match is not None
        org_page.goto(match.group(1))
        assert org_page.locator("#closed").is_visible()  # the form is gone once closed
        sign_in_with_keyboard(st, PEOPLE["secretariat"])
        st.goto(f"/consultas/{cid}")
        st.locator("#close-consultation").click()
        assert "Consulta cerrada" in st.locator("#done").inner_text()
        st.goto(f"/entregables/{proposal.id}")
        assert st.locator("#current-state").inner_text() == "Aportes sistematizados"
    send_outbox(app)
    confirmations = [r for r in smtp.received if ":aporte:" in r.key]
    assert len(confirmations) == 3 and any("rosa@warmi.pe" in r.recipients for r in confirmations)
    allowed = ("status of 403", "status of 422")  # the tampered link and the refused closings
    assert [p for p in problems if not any(a in p for a in allowed)] == [], problems
