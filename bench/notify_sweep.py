"""Sweep over 100,000 deliverables (query + policy + outbox inserts) against the raw indexed
query that finds the same due rows (stdlib ``sqlite3``; on PostgreSQL, ``psycopg``), in the
same run.

    .venv/bin/python bench/notify_sweep.py [--deliverables 100000] [--backend sqlite|postgresql|both]

Deliverables get deadlines spread over two years (end of day, Lima), a mix of open and
closed states; the sweep runs on a business day with the previous sweep one day earlier
(the steady state of a worker). Each repetition sweeps a different week, so it writes new
rows; the best of ``--repeat`` is reported. Prints both timings and the ratio (target:
within 5x, on SQLite; PostgreSQL is reported).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conaig_flow.bootstrap import App, Settings, bootstrap
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.reminder_policy import deadlines_due
from conaig_flow.services import plans, users
from conaig_flow.services.deliverables.calendar import current_calendar
from conaig_flow.services.notifications.reminders import D, open_states, sweep
from conaig_flow.store.definitions import default_plan_file

PG_DSN = os.environ.get("CONAIG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
COLUMNS = ("plan_code, activity, kind, owner, owner_kind, period, title, due_at, state, version, head_hash, origin,"
           " created_at, updated_at")


def _text(value: datetime) -> str:
    """How SQLAlchemy stores a UTC instant in SQLite."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def rows_for(count: int, entities: list[str]) -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    start = date(2021, 7, 1)
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        day = start + timedelta(days=rng.randrange(730))
        due = datetime.combine(day, datetime.min.time().replace(hour=23, minute=59, second=59), LIMA).astimezone(UTC)
        state = rng.choice(["draft", "draft", "submitted", "observed", "approved", "withdrawn"])
        owner = entities[i % len(entities)]
        rows.append(("conaig-2021-2022", "A1.1", "protocol_norm", owner, "entity", f"B{i}", f"Entregable {i}",
                     due, state, 1, "0" * 64, "bench", now, now))
    return rows


def populate(db: Path, count: int, entities: list[str]) -> None:
    conn = sqlite3.connect(db)
    conn.executemany(
        f"INSERT INTO deliverables ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(*r[:7], _text(r[7]), *r[8:12], _text(r[12]), _text(r[13])) for r in rows_for(count, entities)],
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def populate_pg(url: str, schema: str, count: int, entities: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO deliverables ({COLUMNS}) VALUES ({','.join(['%s'] * 14)})",
                            rows_for(count, entities))
        conn.execute("ANALYZE deliverables")


def raw_query_sqlite(db: Path) -> Callable[[list[str], list[datetime]], int]:
    def run(states: list[str], hits: list[datetime]) -> int:
        raw = sqlite3.connect(db)
        sql = (f"SELECT * FROM deliverables WHERE state IN ({','.join('?' * len(states))}) "
               f"AND due_at IN ({','.join('?' * len(hits))})")
        params = [*states, *(_text(h) for h in hits)]
        try:
            return len(raw.execute(sql, params).fetchall())
        finally:
            raw.close()
    return run


def raw_query_pg(schema: str) -> Callable[[list[str], list[datetime]], int]:
    import psycopg

    def run(states: list[str], hits: list[datetime]) -> int:
        with psycopg.connect(PG_DSN) as raw:
            raw.execute(f'SET search_path TO "{schema}"')
            return len(raw.execute("SELECT * FROM deliverables WHERE state = ANY(%s) AND due_at = ANY(%s)",
                                   (states, hits)).fetchall())
    return run


def measure(app: App, clock: FixedClock, repeat: int, raw: Callable[[list[str], list[datetime]], int]) -> dict[str, float]:
    plan = app.definitions().plan
    policy = plan.reminders
    cal = current_calendar(app)
    states = sorted(open_states(app.definitions()))
    ours: list[float] = []
    floor: list[float] = []
    due_rows = written = 0
    day = datetime(2022, 6, 1, 9, 30, tzinfo=LIMA)  # a Wednesday in the middle of the spread
    for n in range(repeat):
        since = day + timedelta(days=7 * n)
        now = since + timedelta(days=1)
        while not cal.is_business_day(now.date()):
            now += timedelta(days=1)
        with app.db.write() as conn:  # the previous sweep, as a worker would have left it
            conn.exec_driver_sql("DELETE FROM reminder_sweeps")
            conn.exec_driver_sql(
                "INSERT INTO reminder_sweeps (plan_code, swept_until) VALUES (%(plan)s, %(since)s)"
                if conn.dialect.name == "postgresql" else
                "INSERT INTO reminder_sweeps (plan_code, swept_until) VALUES (:plan, :since)",
                {"plan": plan.code, "since": since if conn.dialect.name == "postgresql" else _text(since)},
            )
        clock.set(now)
        t0 = time.perf_counter()
        report = sweep(app)
        ours.append(time.perf_counter() - t0)
        written += report.written
        # the floor: the raw indexed query for exactly the deadlines that are due (found
        # beforehand, outside the timing)
        with app.db.read() as conn:
            dues = conn.execute(select(D.c.due_at).where(D.c.state.in_(states)).distinct()).scalars().all()
        hits = list(deadlines_due(dues, policy, cal, now, since))
        t0 = time.perf_counter()
        found = raw(states, hits)
        floor.append(time.perf_counter() - t0)
        due_rows += found
        with app.db.read() as conn:  # the sweep wrote one reminder per due row, no more, no less
            mine = conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND created_at = "
                + ("%(at)s" if conn.dialect.name == "postgresql" else ":at"),
                {"at": now if conn.dialect.name == "postgresql" else _text(now)},
            ).scalar_one()
        assert mine == found, (mine, found)
    return {"due_rows": due_rows / repeat, "written": written, "floor": min(floor), "ours": min(ours)}


def run(backend: str, count: int, repeat: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="conaig-bench-sweep-"))
    clock = FixedClock(datetime(2021, 7, 1, 9, 0, tzinfo=LIMA))
    schema = None
    if backend == "postgresql":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp / 'conaig.db'}"
    try:
        app = bootstrap(Settings.from_env({}, home=tmp, db_url=url), clock=clock)
        plans.init(app, default_plan_file())
        plan = app.definitions().plan
        for e in plan.entities:
            users.add_user(app, f"enlace.{e.code.lower()}@example.pe", f"Enlace {e.code}", e.code, "officer")
        users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")
        entities = [e.code for e in plan.entities]
        if schema is not None:
            populate_pg(PG_DSN, schema, count, entities)
            result = measure(app, clock, repeat, raw_query_pg(schema))
        else:
            populate(tmp / "conaig.db", count, entities)
            result = measure(app, clock, repeat, raw_query_sqlite(tmp / "conaig.db"))
        app.close()
        return result
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliverables", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        r = run(backend, args.deliverables, args.repeat)
        floor_name = "raw sqlite3" if backend == "sqlite" else "raw psycopg"
        print(f"{backend}: deliverables: {args.deliverables}; due rows per sweep: {r['due_rows']:.0f}; "
              f"outbox rows written: {r['written']}")
        print(f"  {floor_name} indexed query: {r['floor'] * 1000:.2f} ms")
        print(f"  sweep (query + policy + outbox inserts): {r['ours'] * 1000:.2f} ms")
        print(f"  ratio: {r['ours'] / r['floor']:.1f}x" + (" (target: within 5x)" if backend == "sqlite" else ""))


if __name__ == "__main__":
    main()
