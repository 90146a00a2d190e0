"""Busy and damaged SQLite files get a Spanish message and exit 7, never a traceback (and
never exit 1, which ``audit verify`` keeps for a broken history); passwords never appear in
what the commands print or the worker logs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conaig_flow.store.db import mask_url

CONAIG = str(Path(sys.executable).parent / "conaig")


def _conaig(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CONAIG, *args], env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def sqlite_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    done = _conaig("--home", str(home), "init")
    assert done.returncode == 0, done.stderr
    _conaig("--home", str(home), "users", "add", "enlace@minsa.gob.pe", "--name", "Enlace", "--entity", "MINSA",
            "--role", "officer")
    return home


@pytest.mark.slow
def test_a_write_lock_held_by_another_process_gives_exit_7_and_a_message_not_a_traceback(
    sqlite_home: Path, tmp_path: Path
) -> None:
    doc = tmp_path / "p.pdf"
    from tests.conftest import pdf_bytes

    doc.write_bytes(pdf_bytes())
    holder = sqlite3.connect(sqlite_home / "conaig.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write in progress
    try:
        started = time.monotonic()
        done = _conaig("--home", str(sqlite_home), "advance", "1", "submit", "--as", "enlace@minsa.gob.pe",
                       "--document", str(doc), env={"CONAIG_SQLITE_BUSY_TIMEOUT": "1"})
        waited = time.monotonic() - started
        reading = _conaig("--home", str(sqlite_home), "status", "--entity", "MINSA")  # readers are not blocked
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 7, done.stderr
    assert "La base de datos está ocupada por otro proceso" in done.stderr and "no se cambió nada" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert waited < 60  # the busy timeout, not 30 s per statement
    assert reading.returncode == 0 and "Borrador" in reading.stdout
    after = _conaig("--home", str(sqlite_home), "history", "1")
    assert after.returncode == 0 and "Sin acciones registradas." in after.stdout


@pytest.mark.parametrize("damage", ["garbage", "truncated_header"])
@pytest.mark.parametrize("command", [["status"], ["audit", "verify"], ["init"], ["outbox", "list"]])
def test_a_file_that_is_not_a_database_gives_exit_7_naming_the_file(
    tmp_path: Path, damage: str, command: list[str]
) -> None:
    db = tmp_path / "conaig.db"
    if damage == "garbage":
        db.write_bytes(os.urandom(8192))
    else:
        real = sqlite3.connect(db)
        real.execute("CREATE TABLE t (x)")
        real.commit()
        real.close()
        data = bytearray(db.read_bytes())
        data[:16] = b"no es sqlite....."[:16]
        db.write_bytes(bytes(data))
    done = _conaig("--home", str(tmp_path), *command)
    assert done.returncode == 7, (done.stdout, done.stderr)
    assert f"El archivo «{db}» no es una base de datos SQLite válida o está dañado" in done.stderr
    assert "conaig restore" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


PASSWORD = "Cl4ve-Muy-Secreta-17"
SMTP_PASSWORD = "Correo-Secreto-42"


def test_mask_url_hides_every_form_of_password() -> None:
    assert mask_url(f"postgresql://conaig:{PASSWORD}@db/conaig") == "postgresql://conaig:***@db/conaig"
    assert PASSWORD not in mask_url(f"postgresql://conaig@db/conaig?password={PASSWORD}&sslmode=require")
    assert PASSWORD not in mask_url(f"postgresql://conaig:{PASSWORD}@db:puerto/conaig")  # does not even parse
    assert mask_url("sqlite:////srv/conaig/conaig.db") == "sqlite:////srv/conaig/conaig.db"


@pytest.mark.slow
@pytest.mark.postgres
def test_no_command_and_no_worker_log_shows_the_database_or_smtp_password(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import run_cli
    from tests.smtp_capture import running_capture

    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")  # trust auth ignores it
    assert PASSWORD in url
    home = str(tmp_path / "home")
    base = ["--db", url, "--home", home]
    env = {"CONAIG_SMTP_PASSWORD": SMTP_PASSWORD, "CONAIG_SMTP_USER": "conaig"}
    doc = tmp_path / "p.pdf"
    from tests.conftest import pdf_bytes

    doc.write_bytes(pdf_bytes())
    runs = [
        ["init"], ["plan", "show"], ["status"], ["lifecycle", "list"],
        ["users", "add", "enlace@minsa.gob.pe", "--name", "Enlace", "--entity", "MINSA", "--role", "officer"],
        ["users", "list"], ["advance", "1", "submit", "--as", "enlace@minsa.gob.pe", "--document", str(doc)],
        ["advance", "1", "approve", "--as", "enlace@minsa.gob.pe"], ["history", "1"], ["audit", "verify"],
        ["audit", "refused"], ["remind", "--dry-run"], ["forecast", "--until", "2021-12-31"], ["outbox", "list"],
        ["calendar", "list", "--year", "2022"], ["demo", "--no-serve"], ["--json", "status", "--entity", "MINSA"],
    ]
    outputs: list[str] = []
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for args in runs:  # in this process (the worker below is a process of its own)
        code, out, err = run_cli(["--now", "2021-12-01", *base, *args], capsys)
        outputs.append(f"$ conaig {' '.join(args)} (código {code})\n{out}{err}")
    assert "base de datos: postgresql+psycopg://postgres:***@127.0.0.1" in outputs[0]
    # errors that name the database: an unreachable server and a URL that does not parse
    unreachable = url.replace(":5432/", ":1/")
    for bad in (unreachable, f"postgresql://postgres:{PASSWORD}@127.0.0.1:puerto/test"):
        code, out, err = run_cli(["--db", bad, "--home", home, "status"], capsys)
        assert code in (2, 7) and "Error:" in err, err
        outputs.append(out + err)
    # the worker's start line and its logs, while it sends through an SMTP server
    for server in running_capture():
        worker = subprocess.Popen(
            [CONAIG, "--now", "2021-12-01", *base, "worker"],
            env={**os.environ, **env, "CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(server.port),
                 "CONAIG_SMTP_TLS": "none", "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert worker.stdout is not None
        first = worker.stdout.readline()  # printed once the worker is set up
        time.sleep(2)  # its start-up sweep and dispatch, logged
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        outputs.append(first + out + err)
        assert worker.returncode == 0, err
        assert "conaig worker: base postgresql+psycopg://postgres:***@" in first
    everything = "\n".join(outputs)
    assert "Traceback" not in everything, everything
    assert PASSWORD not in everything
    assert SMTP_PASSWORD not in everything
