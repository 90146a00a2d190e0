"""``conaig backup`` while a writer commits transitions, ``conaig restore`` into an empty home
or database: the restored history verifies and holds every transition committed before the
backup began; a restore over existing data is refused unless ``--force``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from conaig_flow.bootstrap import App, Settings, bootstrap
from conaig_flow.clock import FixedClock
from conaig_flow.services import audit
from conaig_flow.store.tables import EventRow
from tests.conftest import PG_DSN, REPO, add_people, make_app, run_cli

E = EventRow.__table__  # type: ignore[attr-defined]
ENTITIES = ("MINSA", "MINEDU")


def _events(app: App) -> list[tuple[int, int, str]]:
    with app.db.read() as conn:
        return [(r.deliverable_id, r.seq, r.hash) for r in conn.execute(select(E).order_by(E.c.id))]


def _writers(app: App, stop: Path, log: Path) -> list[subprocess.Popen[bytes]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.advance_loop", app.settings.db_url, str(app.settings.home), entity, str(stop),
             str(log)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for entity in ENTITIES
    ]
    deadline = time.monotonic() + 120
    while not all(Path(f"{stop}.{e}.ready").exists() for e in ENTITIES):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.1)
    return procs


def _backup_while_writing(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, set[tuple[int, int]]]:
    """Back up while two processes advance deliverables; returns the archive and the
    transitions committed before the backup began."""
    stop, log = tmp_path / "stop", tmp_path / "commits.log"
    writers = _writers(app, stop, log)
    try:
        time.sleep(1)
        began = time.monotonic()
        code, out, err = run_cli(["--db", app.settings.db_url, "--home", str(app.settings.home), "backup",
                                  str(tmp_path / "copia.tar.gz")], capsys)
        assert all(p.poll() is None for p in writers), "the writers ran during the backup"
    finally:
        stop.write_text("stop", encoding="utf-8")
        outputs = [p.communicate(timeout=120) for p in writers]
    assert code == 0, err
    assert [p.returncode for p in writers] == [0, 0], outputs
    assert "Copia de seguridad guardada en" in out
    before: set[tuple[int, int]] = set()
    after = 0
    for line in log.read_text(encoding="utf-8").splitlines():
        did, seq, at = line.split()
        if float(at) < began:
            before.add((int(did), int(seq)))
        else:
            after += 1
    assert before and after, "transitions were committed both before and during/after the backup"
    return tmp_path / "copia.tar.gz", before


def _check_restored(source: App, restored: App, before: set[tuple[int, int]]) -> None:
    result = audit.verify(restored)
    assert result.first_break is None, result.findings
    got = _events(restored)
    live = _events(source)
    assert {(d, s) for d, s, _ in got} >= before  # every transition committed before the backup
    by_key = {(d, s): h for d, s, h in live}
    assert all(by_key[(d, s)] == h for d, s, h in got)  # and each exactly as it is in the live history
    assert len(got) < len(live)  # the writers went on after the copy


@pytest.mark.slow
def test_a_sqlite_backup_taken_while_a_writer_runs_restores_to_a_verified_history(
    sqlite_app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_people(sqlite_app)
    archive, before = _backup_while_writing(sqlite_app, tmp_path, capsys)
    target = tmp_path / "restaurada"
    code, out, err = run_cli(["--home", str(target), "restore", str(archive)], capsys)
    assert code == 0, err
    assert "Historial íntegro" in out
    restored = bootstrap(Settings.from_env({}, home=target))
    try:
        _check_restored(sqlite_app, restored, before)
        assert sorted(p.name for p in (target / "documents").rglob("*") if p.is_file())  # the documents came along
    finally:
        restored.close()
    # over existing data: refused, then allowed with --force
    code, _, err = run_cli(["--home", str(target), "restore", str(archive)], capsys)
    assert code == 2 and "ya tiene datos" in err and "--force" in err
    code, out, err = run_cli(["--home", str(target), "restore", str(archive), "--force"], capsys)
    assert code == 0 and "Historial íntegro" in out, err


def test_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_backup(
    sqlite_app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ["--db", sqlite_app.settings.db_url, "--home", str(sqlite_app.settings.home)]
    out_file = tmp_path / "copia.tar.gz"
    assert run_cli([*home, "backup", str(out_file)], capsys)[0] == 0
    assert oct(out_file.stat().st_mode & 0o777) == "0o600"
    code, _, err = run_cli([*home, "backup", str(out_file)], capsys)
    assert code == 2 and "Ya existe" in err
    junk = tmp_path / "otra.tar.gz"
    junk.write_bytes(b"no es una copia")
    code, _, err = run_cli(["--home", str(tmp_path / "vacia"), "restore", str(junk)], capsys)
    assert code == 2 and "no es una copia de seguridad de conaig-flow" in err and "Traceback" not in err
    code, _, err = run_cli(["--db", "postgresql://postgres@127.0.0.1:1/x", "--home", str(tmp_path / "pg"), "restore",
                            str(out_file)], capsys)
    assert code == 2 and "es de una base SQLite" in err


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    """A database of its own (pg_restore recreates the source's schema in it), dropped afterwards."""
    from tests.conftest import require_postgres

    require_postgres()
    name = f"r_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump no está instalado")
def test_a_postgresql_backup_taken_while_a_writer_runs_restores_to_a_verified_history(
    pg_url: str, empty_pg_database: str, tmp_path: Path, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file

    app = make_app(pg_url, tmp_path / "home", clock)
    try:
        plans.init(app, default_plan_file())
        add_people(app)
        archive, before = _backup_while_writing(app, tmp_path, capsys)
        schema = pg_url.split("search_path%3D", 1)[1]
        target_url = f"{empty_pg_database}?options=-csearch_path%3D{schema}"
        code, out, err = run_cli(["--db", target_url, "--home", str(tmp_path / "restaurada"), "restore", str(archive)],
                                 capsys)
        assert code == 0, err
        assert "Historial íntegro" in out
        restored = bootstrap(Settings.from_env({}, home=tmp_path / "restaurada", db_url=target_url))
        try:
            _check_restored(app, restored, before)
        finally:
            restored.close()
        code, _, err = run_cli(["--db", target_url, "--home", str(tmp_path / "restaurada"), "restore", str(archive)],
                               capsys)
        assert code == 2 and "ya tiene datos" in err
    finally:
        app.close()
