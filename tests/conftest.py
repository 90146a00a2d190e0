"""Shared fixtures: real SQLite files and a real PostgreSQL server, a fixed clock.

``store_url`` runs a test once on SQLite and once on PostgreSQL. PostgreSQL tests skip with
a visible reason when the server can't be reached, except under CI=true where they fail.
Each PostgreSQL test gets a schema of its own (search_path), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

from conaig_flow.bootstrap import App, Settings, bootstrap
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import plans, users
from conaig_flow.store.definitions import default_plan_file

PG_DSN = os.environ.get("CONAIG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parent.parent
PLAN_START = datetime(2021, 7, 1, 9, 0, tzinfo=LIMA)

# Hypothesis profiles. "ci" (chosen when CI=true): derandomized, so a run is reproducible, with a
# fixed number of examples and no example database; "mutation": the same, for the mutation run
# (tools/mutation), which must give one verdict per mutant. HYPOTHESIS_PROFILE picks one by name.
settings.register_profile("ci", derandomize=True, max_examples=100, database=None, print_blob=True)
settings.register_profile("mutation", derandomize=True, max_examples=100, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "default"))


def _pg_reason() -> str | None:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL no disponible en {PG_DSN}: {str(exc).strip().splitlines()[0]}"


_PG_UNAVAILABLE = _pg_reason()


def require_postgres() -> None:
    if _PG_UNAVAILABLE is not None:
        if IN_CI:
            pytest.fail(f"CI=true exige PostgreSQL: {_PG_UNAVAILABLE}")
        pytest.skip(_PG_UNAVAILABLE)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_DSN}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conaig.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PLAN_START)


def make_app(url: str, home: Path, clock: FixedClock) -> App:
    return bootstrap(Settings.from_env({}, home=home, db_url=url), clock=clock)


@pytest.fixture
def app(store_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    """The CONAIG plan loaded into a fresh database (SQLite file or PostgreSQL schema)."""
    application = make_app(store_url, tmp_path / "home", clock)
    plans.init(application, default_plan_file())
    yield application
    application.close()


@pytest.fixture
def sqlite_app(tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    application = make_app(f"sqlite:///{tmp_path / 'conaig.db'}", tmp_path / "home", clock)
    plans.init(application, default_plan_file())
    yield application
    application.close()


def add_people(app: App) -> None:
    """One officer per entity, the secretariat, the MINCUL reviewer, a member and an admin."""
    plan = app.definitions().plan
    for e in plan.entities:
        users.add_user(app, f"enlace.{e.code.lower()}@example.pe", f"Enlace {e.code}", e.code, "officer")
    users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")
    users.add_user(app, "revisor@cultura.example.pe", "Revisor MINCUL", "MINCUL", "reviewer")
    users.add_user(app, "integrante@example.pe", "Integrante", "MINSA", "member")
    users.add_user(app, "admin@example.pe", "Administración", "MIMP", "admin")


def pdf_bytes(text: str = "documento") -> bytes:
    """A small but real PDF."""
    from conaig_flow.cli.demo import demo_pdf

    return demo_pdf("Documento de prueba", text)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``conaig`` in-process through ``main()`` (its error mapping included).

    Returns (exit code, stdout, stderr) as the console script would produce them.
    """
    from conaig_flow.cli import main

    capsys.readouterr()
    try:
        result = main(args)
        code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def smtp() -> Iterator[object]:
    """A real aiosmtpd server on 127.0.0.1 (free port) storing what it accepts (notify tests)."""
    from tests.smtp_capture import running_capture

    yield from running_capture()
