"""Where the links of emails and documents point (issue 13, issue 16's loose end): the public
address is CONAIG_PUBLIC_URL, else the address the process serves on, else the one the
serving process recorded in the database (the worker's case), else serve's default. The
progress report in every format and the signed documents' footer follow the same rule."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from conaig_flow.bootstrap import App, Settings
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.errors import InvalidInput
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.rendering import reports as report_formats
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.reports import reports
from conaig_flow.services.sessions import actas
from conaig_flow.store import public_address
from tests.conftest import pdf_bytes
from tests.notify_helpers import people, use_smtp
from tests.smtp_capture import SmtpCapture

PUBLIC = "https://seguimiento.conaig.example.pe"


def _record(app: App, url: str) -> None:
    public_address.record(app.db, url, public_address.SOURCE_LISTENING, app.clock.now(), "prueba:1")


def _with_public_url(app: App, url: str | None) -> None:
    app.settings = dataclasses.replace(app.settings, public_url=url)


def test_the_public_address_is_the_setting_then_the_listening_address_then_the_recorded_one(sqlite_app: App) -> None:
    app = sqlite_app
    assert app.public_url() == "http://127.0.0.1:8000"  # nothing known: serve's default
    _record(app, "http://127.0.0.1:45123")
    assert app.public_url() == "http://127.0.0.1:45123"  # what the serving process recorded
    app.listening_url = "http://127.0.0.1:50000"
    assert app.public_url() == "http://127.0.0.1:50000"  # this process serves: its own address
    _with_public_url(app, PUBLIC)
    assert app.public_url() == PUBLIC  # CONAIG_PUBLIC_URL wins over everything


def test_a_malformed_public_url_is_refused_with_what_is_expected() -> None:
    assert Settings.from_env({"CONAIG_PUBLIC_URL": f"{PUBLIC}/"}, home="/tmp/x").public_url == PUBLIC
    assert Settings.from_env({"CONAIG_PUBLIC_URL": ""}, home="/tmp/x").public_url is None
    for bad in ("seguimiento.mimp.gob.pe", "ftp://x.pe", "https://x.pe/?a=1"):
        with pytest.raises(InvalidInput, match=r"CONAIG_PUBLIC_URL no válida.*se espera la dirección"):
            Settings.from_env({"CONAIG_PUBLIC_URL": bad}, home="/tmp/x")


@pytest.mark.parametrize(("public", "host", "port", "same"), [
    ("http://127.0.0.1:8000", "127.0.0.1", 8000, True),
    ("http://localhost:8000", "127.0.0.1", 8000, True),
    ("http://127.0.0.1:8000", "127.0.0.1", 8001, False),
    ("https://127.0.0.1:8000", "127.0.0.1", 8000, False),
    ("http://seguimiento.mimp.gob.pe", "127.0.0.1", 80, False),
    ("http://seguimiento.mimp.gob.pe:8000", "0.0.0.0", 8000, True),
])
def test_serve_compares_the_public_url_with_where_it_listens(public: str, host: str, port: int, same: bool) -> None:
    assert public_address.agrees(public, host, port) is same


def test_a_worker_links_to_the_address_the_server_recorded_and_the_setting_overrides_it(
    app: App, clock: FixedClock, smtp: SmtpCapture,
) -> None:
    """The dispatcher of a process that listens on nothing (``conaig worker``): the link of a
    message is made absolute when it is sent, under the address known then."""
    people(app)
    use_smtp(app, smtp)
    clock.set(datetime(2022, 3, 1, 10, 0, tzinfo=LIMA))
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    deliverables.advance(app, minsa, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    _record(app, "http://10.0.0.7:8123")
    assert dispatch(app).sent == 1
    (received,) = smtp.received
    assert sorted(received.recipients) == ["revisor@cultura.example.pe", "st@example.pe"]
    msg = received.message
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"http://10.0.0.7:8123/entregables/{d.id}\r\n" in text
    assert f'href="http://10.0.0.7:8123/entregables/{d.id}"' in html
    st = users.actor_for(app, "st@example.pe")
    deliverables.advance(app, st, d.id, "observe", comment="Falta el enfoque intercultural.")
    _with_public_url(app, PUBLIC)
    dispatch(app)
    observed = smtp.received[-1].message
    assert f"{PUBLIC}/entregables/{d.id}" in observed.get_body(("plain",)).get_content()


def test_the_progress_report_in_every_format_and_the_signed_documents_footer_link_to_the_public_address(
    sqlite_app: App, clock: FixedClock,
) -> None:
    app = sqlite_app
    clock.set(datetime(2023, 2, 5, 10, 0, tzinfo=LIMA))
    _with_public_url(app, PUBLIC)
    verify = f"{PUBLIC}/documentos/verificar"
    report = reports.progress_report(app, reports.parse_as_of("2023-01-31"))

    def rendered(fmt: str) -> bytes:
        return report_formats.render(report, fmt)

    pdf = PdfReader(io.BytesIO(rendered("pdf")))
    assert verify in re.sub(r"\s+", "", " ".join(p.extract_text() for p in pdf.pages))
    assert verify in rendered("html").decode() and verify in rendered("md").decode()
    docx = Document(io.BytesIO(rendered("docx")))
    assert all(verify in s.footer.paragraphs[0].text for s in docx.sections)
    summary = {row[0]: row for row in load_workbook(io.BytesIO(rendered("xlsx")))["Resumen"].iter_rows(values_only=True)
               if row and row[0]}
    assert summary["Verificación"][1] == verify
    assert json.loads(rendered("json"))["verificacion"] == verify
    assert actas.document_meta(app, "Acta", "acta de sesión").verify_url == verify  # acta, convocatoria, certificación

    # without CONAIG_PUBLIC_URL: the address the serving process recorded (as for emails)
    _with_public_url(app, None)
    _record(app, "http://127.0.0.1:45678")
    again = reports.progress_report(app, reports.parse_as_of("2023-01-31"))
    assert "http://127.0.0.1:45678/documentos/verificar" in report_formats.render(again, "html").decode()
    assert actas.document_meta(app, "Acta", "acta").verify_url == "http://127.0.0.1:45678/documentos/verificar"
