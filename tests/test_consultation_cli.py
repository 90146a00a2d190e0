"""The consultation from the command line: import with a validation report, open, invite,
contribute, answer, status and the matrix export (SQLite file, real CLI process)."""

from __future__ import annotations

import email
import email.policy
import io
import json
import mailbox
import re
import subprocess
import sys
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from tests.conftest import pdf_bytes
from tests.test_consultation_core import organisations_csv

LINK = re.compile(r"/consulta/1/i/([A-Za-z0-9_-]+)")


def conaig(home: Path, *args: str, now: str = "2022-09-02T10:00") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conaig_flow", "--home", str(home), "--now", now, *args],
        capture_output=True, text=True, timeout=120,
    )


def test_consultation_cycle_through_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert conaig(home, "init").returncode == 0
    assert conaig(home, "users", "add", "st@mimp.gob.pe", "--name", "ST", "--entity", "MIMP", "--role", "secretariat").returncode == 0
    doc = tmp_path / "propuesta.pdf"
    doc.write_bytes(pdf_bytes("propuesta"))
    listing = json.loads(conaig(home, "status", "--activity", "A3.2", "--json").stdout)
    did = str(listing[0]["id"])
    for step in (["submit", "--document", str(doc)], ["accept"]):
        r = conaig(home, "advance", did, step[0], "--as", "st@mimp.gob.pe", *step[1:], now="2022-08-20T10:00")
        assert r.returncode == 0, r.stderr
    csv_file = tmp_path / "organizaciones.csv"
    csv_file.write_bytes(organisations_csv())
    r = conaig(home, "consultation", "import-orgs", str(csv_file), "--as", "st@mimp.gob.pe")
    assert r.returncode == 0, r.stderr
    assert "Organizaciones importadas: 30." in r.stdout and "Filas rechazadas: 3" in r.stdout
    assert "Club deportivo" in r.stdout
    r = conaig(home, "consultation", "open", did, "--as", "st@mimp.gob.pe", "--title", "Propuesta de informe anual",
               "--opens", "2022-09-01T09:00", "--closes", "2022-09-30T18:00", "--question", "Diagnóstico",
               "--question", "Propuestas", "--public", now="2022-08-25T10:00")
    assert r.returncode == 0, r.stderr
    assert "del 1 de setiembre de 2022, 09:00 al 30 de setiembre de 2022, 18:00" in r.stdout
    r = conaig(home, "consultation", "invite", "1", "--as", "st@mimp.gob.pe")
    assert "Invitaciones nuevas: 30" in r.stdout
    assert conaig(home, "remind").returncode == 0  # no SMTP configured: the Maildir under --home
    messages = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
                for m in mailbox.Maildir(str(home / "maildir"), create=False)]
    invitations = [m for m in messages if str(m["Subject"]).startswith("Invitación a la consulta")]
    assert len(invitations) == 30
    first = next(m for m in invitations if "contacto0@org0.pe" in str(m["To"]))
    body = first.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(str(body.get_content()))
    assert found is not None
    token = found.group(1)
    r = conaig(home, "consultation", "contribute", "1", "--token", token, "--text", "Mesas regionales", "--question", "2")
    assert r.returncode == 0, r.stderr
    r = conaig(home, "consultation", "contribute", "1", "--token", token + "x", "--text", "manipulado")
    assert r.returncode == 3 and "no es válido" in r.stderr
    r = conaig(home, "advance", did, "close_consultation", "--as", "st@mimp.gob.pe")  # not by hand
    assert r.returncode == 3 and "La consulta se cierra desde su página" in r.stderr
    r = conaig(home, "consultation", "close", "1", "--as", "st@mimp.gob.pe")
    assert r.returncode == 5 and "el aporte pendiente (aporte 1)" in r.stderr
    r = conaig(home, "consultation", "answer", "1", "--as", "st@mimp.gob.pe", "--decision", "accepted", "--reason", "Se incorpora")
    assert r.returncode == 0 and "Acogido" in r.stdout
    status = json.loads(conaig(home, "consultation", "status", "1", "--json").stdout)
    assert status["contributions"] == 1 and status["unanswered"] == [] and status["invited"] == 30
    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"matriz.{fmt}"
        assert conaig(home, "consultation", "matrix", "1", "--format", fmt, "--out", str(out)).returncode == 0
    ws = load_workbook(io.BytesIO((tmp_path / "matriz.xlsx").read_bytes())).active
    assert ws is not None and ws.cell(row=5, column=8).value == "Mesas regionales"
    docx_text = "\n".join(c.text for row in Document(str(tmp_path / "matriz.docx")).tables[0].rows for c in row.cells)
    assert "Mesas regionales" in docx_text and "Se incorpora" in docx_text
    r = conaig(home, "consultation", "contribute", "1", "--token", token, "--text", "tarde", now="2022-10-01T09:00")
    assert r.returncode == 3 and "cerró" in r.stderr
    r = conaig(home, "consultation", "close", "1", "--as", "st@mimp.gob.pe")
    assert r.returncode == 0 and "Consulta 1 cerrada" in r.stdout, r.stderr
