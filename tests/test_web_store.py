"""The web tables: the migrated schema equals the SQLModel metadata (SQLite and PostgreSQL),
and the CLI serves the app and seeds the demo without blocking when asked."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conaig_flow.bootstrap import App
from conaig_flow.store.tables_all import metadata
from tests.web_support import free_port

CONAIG = str(Path(sys.executable).parent / "conaig")


def test_migrated_schema_matches_the_metadata_including_web_tables(app: App) -> None:
    with app.db.engine.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert {"web_sessions", "login_attempts", "calendar_tokens"} <= names
    assert diff == []


def test_demo_without_serving_prints_the_users_and_then_serve_answers(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    out = subprocess.run([CONAIG, "--home", str(home), "demo", "--no-serve"], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    assert "secretaria.tecnica@mimp.gob.pe" in out and "conaig-2022" in out
    port = free_port()
    server = subprocess.Popen([CONAIG, "--home", str(home), "--now", "2022-05-16", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/session",
                               json={"email": "enlace.minsa@conaig.gob.pe", "password": "conaig-2022"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "conaig serve did not answer"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["user"]["entity"] == "MINSA"
    finally:
        server.terminate()
        server.communicate(timeout=20)
