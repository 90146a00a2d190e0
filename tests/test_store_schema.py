"""The schema and the connection, on SQLite and PostgreSQL: migrations from empty equal to the
table metadata (and back down), ``conaig init`` idempotent, SQLite durability pragmas, foreign
keys, PostgreSQL chosen by URL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from conaig_flow.bootstrap import App
from conaig_flow.domain.audit_chain import GENESIS
from conaig_flow.store import migrate
from conaig_flow.store.db import Database
from conaig_flow.store.tables import EventRow
from conaig_flow.store.tables_all import metadata
from tests.conftest import run_cli

E = EventRow.__table__  # type: ignore[attr-defined]


# -- migrations and init --------------------------------------------------------------------

def test_migrations_from_empty_give_exactly_the_table_metadata(store_url: str) -> None:
    db = Database(store_url)
    try:
        assert migrate.pending(db)  # empty: every head is pending
        migrate.upgrade(db)
        assert migrate.pending(db) == set()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            tables = set(conn.dialect.get_table_names(conn))
        assert diffs == []
        assert set(metadata.tables) <= tables
        migrate.upgrade(db)  # a second upgrade is a no-op
        assert migrate.pending(db) == set()
    finally:
        db.dispose()


def _snapshot(app: App) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with app.db.read() as conn:
        for name in ("definitions", "entities", "deliverables", "events", "users", "refused_attempts"):
            out[name] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
    return out


def test_conaig_init_twice_changes_nothing(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["--db", store_url, "--home", str(tmp_path / "home"), "--now", "2021-08-01"]
    code, out, err = run_cli([*base, "init"], capsys)
    assert code == 0, err
    assert "definiciones cargadas" in out and "entregables creados: 24" in out
    from conaig_flow.bootstrap import Settings, bootstrap

    app = bootstrap(Settings.from_env({}, home=tmp_path / "home", db_url=store_url))
    try:
        before = _snapshot(app)
        monkeypatch.chdir(tmp_path)  # from another folder: the files are shown by another path
        code, out, err = run_cli([*base, "--now", "2022-03-01", "init"], capsys)
        assert code == 0, err
        assert "ya estaban cargadas: sin cambios" in out
        assert "entidades nuevas: 0; entregables creados: 0; entregables en total: 24" in out
        assert _snapshot(app) == before
    finally:
        app.close()


def test_migrations_downgrade_to_empty_and_upgrade_again(store_url: str) -> None:
    from alembic import command

    db = Database(store_url)
    try:
        migrate.upgrade(db)
        cfg = migrate._config()
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            conn.commit()
        with db.engine.connect() as conn:
            assert set(conn.dialect.get_table_names(conn)) - {"alembic_version"} == set()
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    finally:
        db.dispose()


def test_sqlite_is_opened_durable_with_foreign_keys_and_a_busy_timeout(sqlite_app: App) -> None:
    with sqlite_app.db.read() as conn:
        pragmas = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in
                   ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30000}


def test_sqlite_synchronous_can_be_relaxed_by_setting(tmp_path: Path) -> None:
    from conaig_flow.bootstrap import Settings, bootstrap

    app = bootstrap(Settings.from_env({"CONAIG_SQLITE_SYNCHRONOUS": "normal"}, home=tmp_path))
    try:
        with app.db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    finally:
        app.close()


def test_foreign_keys_refuse_an_event_of_no_deliverable(store_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    db = Database(store_url)
    try:
        migrate.upgrade(db)
        with pytest.raises(IntegrityError), db.write() as conn:
            conn.execute(E.insert().values(
                deliverable_id=999, seq=1, actor_email="x", actor_role="officer", actor_entity="X", trigger="submit",
                from_state="draft", to_state="submitted", documents="[]", at=datetime.now(UTC), prev_hash=GENESIS, hash=GENESIS))
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_is_chosen_by_conaig_db_and_postgres_scheme(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONAIG_DB", pg_url.replace("postgresql://", "postgres://", 1))
    code, _, err = run_cli(["--home", str(tmp_path / "home"), "status"], capsys)
    assert code == 2 and "Ejecute primero «conaig init»" in err  # an empty schema: not initialised
    code, out, err = run_cli(["--home", str(tmp_path / "home"), "--now", "2021-08-01", "init"], capsys)
    assert code == 0, err
    assert "base de datos: postgresql+psycopg://" in out
    assert not (tmp_path / "home" / "conaig.db").exists()
