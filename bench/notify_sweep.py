"""Sweep over 100,000 deliverables (query + policy + outbox inserts) against the raw indexed
``sqlite3`` query that finds the same due rows, in the same run.

    .venv/bin/python bench/notify_sweep.py [--deliverables 100000]

Deliverables get deadlines spread over two years (end of day, Lima), a mix of open and
closed states; the sweep runs on a business day with the previous sweep one day earlier
(the steady state of a worker). Prints both timings and the ratio (target: within 5x).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.definitions import default_plan_file
from conaig_flow.domain.reminder_policy import deadlines_due
from conaig_flow.notify import sweep
from conaig_flow.notify.reminders import open_states
from conaig_flow.services import plans, users
from conaig_flow.services.calendar import current_calendar


def populate(db: Path, count: int, entities: list[str]) -> None:
    rng = random.Random(7)
    conn = sqlite3.connect(db)
    start = date(2021, 7, 1)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    rows = []
    for i in range(count):
        day = start + timedelta(days=rng.randrange(730))
        due = datetime.combine(day, datetime.min.time().replace(hour=23, minute=59, second=59), LIMA).astimezone(UTC)
        state = rng.choice(["draft", "draft", "submitted", "observed", "approved", "withdrawn"])
        owner = entities[i % len(entities)]
        rows.append(("conaig-2021-2022", "A1.1", "protocol_norm", owner, "entity", f"B{i}", f"Entregable {i}",
                     due.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"), state, 1, "0" * 64, "bench", now, now))
    conn.executemany(
        "INSERT INTO deliverables (plan_code, activity, kind, owner, owner_kind, period, title, due_at, state, version,"
        " head_hash, origin, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows,
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliverables", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="conaig-bench-sweep-"))
    db = tmp / "conaig.db"
    clock = FixedClock(datetime(2021, 7, 1, 9, 0, tzinfo=LIMA))
    app = bootstrap(Settings.from_env({}, home=tmp, db_url=f"sqlite:///{db}"), clock=clock)
    plans.init(app, default_plan_file())
    plan = app.definitions().plan
    for e in plan.entities:
        users.add_user(app, f"enlace.{e.code.lower()}@example.pe", f"Enlace {e.code}", e.code, "officer")
    users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")
    populate(db, args.deliverables, [e.code for e in plan.entities])
    policy = plan.reminders
    cal = current_calendar(app)
    states = sorted(open_states(app.definitions()))

    ours: list[float] = []
    floor: list[float] = []
    due_rows = written = 0
    day = datetime(2022, 6, 1, 9, 30, tzinfo=LIMA)  # a Wednesday in the middle of the spread
    for n in range(args.repeat):
        since = day + timedelta(days=7 * n)
        now = since + timedelta(days=1)
        while not cal.is_business_day(now.date()):
            now += timedelta(days=1)
        clock.set(since)
        with app.db.write() as conn:  # the previous sweep, as a worker would have left it
            conn.exec_driver_sql(
                "INSERT INTO reminder_sweeps (plan_code, swept_until) VALUES (?, ?) "
                "ON CONFLICT (plan_code) DO UPDATE SET swept_until = excluded.swept_until",
                (plan.code, since.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")),
            )
        clock.set(now)
        t0 = time.perf_counter()
        report = sweep(app)
        ours.append(time.perf_counter() - t0)
        written += report.written
        # the floor: the raw indexed query for exactly the deadlines that are due
        raw = sqlite3.connect(db)
        dues = [datetime.fromisoformat(r[0]).replace(tzinfo=UTC) for r in raw.execute(
            f"SELECT DISTINCT due_at FROM deliverables WHERE state IN ({','.join('?' * len(states))})", states)]
        hits = deadlines_due(dues, policy, cal, now, since)
        params = [*states, *(h.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") for h in hits)]
        sql = (f"SELECT * FROM deliverables WHERE state IN ({','.join('?' * len(states))}) "
               f"AND due_at IN ({','.join('?' * len(hits))})")
        t0 = time.perf_counter()
        found = raw.execute(sql, params).fetchall()
        floor.append(time.perf_counter() - t0)
        raw.close()
        due_rows += len(found)
        with app.db.read() as conn:  # the sweep wrote one reminder per due row, no more, no less
            mine = conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND created_at = ?",
                (now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),),
            ).scalar_one()
        assert mine == len(found), (mine, len(found))
    best_ours, best_floor = min(ours), min(floor)
    print(f"deliverables: {args.deliverables}; due rows per sweep: {due_rows // args.repeat}; outbox rows written: {written}")
    print(f"raw sqlite3 indexed query: {best_floor * 1000:.2f} ms")
    print(f"sweep (query + policy + outbox inserts): {best_ours * 1000:.2f} ms")
    print(f"ratio: {best_ours / best_floor:.1f}x (target: within 5x)")
    app.close()


if __name__ == "__main__":
    main()
