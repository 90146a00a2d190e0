"""Benchmark: how long the ``conaig`` command takes to start, beside floors run in the same rounds.

    .venv/bin/python bench/bench_cli.py [--repeat 15] [--json OUT]

Each round runs, as fresh processes and in an interleaved order:

- ``python -c "import click"`` — the floor of ``conaig --help`` and ``conaig --version``;
- ``conaig --help`` and ``conaig --version``;
- ``conaig status --json`` on the seed database (``conaig init`` with the CONAIG plan);
- the floor of ``status``: a script that imports SQLAlchemy and prints the same deliverable
  rows (as JSON) with one Core query;
- the same script importing SQLModel and pydantic first (the named stack's floor: what any
  command pays before its first row, since the tables are SQLModel classes and the plan is
  pydantic models).

Figures are the median wall time of each over the rounds, and each command's ratio to its floor
(target: within 2x), then the same for the CPU time of the process (user + system, from
``getrusage`` of the children), which other processes on a shared machine disturb much less.
Wall-clock numbers move with the machine's load; the ratios, measured in the same rounds, are
what to compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
CONAIG = [PY, "-m", "conaig_flow"]

STATUS_FLOOR = """
import json, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as conn:
    rows = conn.execute(text(
        "SELECT id, plan_code, activity, kind, owner, owner_kind, period, title, due_at, state, version, "
        "created_at, updated_at FROM deliverables ORDER BY due_at, activity, owner, id"
    )).mappings().all()
print(json.dumps([dict(r) for r in rows], ensure_ascii=False, indent=2, default=str))
"""


#: The same query, in a process that has also imported what every command of the named stack
#: needs before reading a row: SQLModel (with SQLAlchemy's ORM) and pydantic, whose models hold
#: the plan and the tables. What ``status`` costs beyond this is conaig-flow's own.
STACK_FLOOR = "import pydantic.main, sqlmodel\n" + STATUS_FLOOR


def run(argv: list[str]) -> tuple[float, str, float]:
    """(wall seconds, standard output, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, done.stdout, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        url = f"sqlite:///{home / 'conaig.db'}"
        run([*CONAIG, "--home", str(home), "init"])
        cases: dict[str, list[str]] = {
            "import click": [PY, "-c", "import click"],
            "conaig --help": [*CONAIG, "--help"],
            "conaig --version": [*CONAIG, "--version"],
            "floor: SQLAlchemy Core query": [PY, "-c", STATUS_FLOOR, url],
            "floor: + SQLModel, pydantic": [PY, "-c", STACK_FLOOR, url],
            "conaig status --json": [*CONAIG, "--home", str(home), "status", "--json"],
        }
        # the same rows on both sides, or the comparison says nothing
        shown = json.loads(run(cases["conaig status --json"])[1])
        floor = json.loads(run(cases["floor: SQLAlchemy Core query"])[1])
        assert sorted(r["id"] for r in shown) == sorted(r["id"] for r in floor) and shown, "status and floor differ"
        times: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(args.repeat):
            order = list(cases) if i % 2 == 0 else list(reversed(cases))
            for name in order:
                wall, _, cpu = run(cases[name])
                times[name].append(wall)
                cpus[name].append(cpu)
    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpus.items()}
    floors = {"conaig --help": "import click", "conaig --version": "import click",
              "conaig status --json": "floor: SQLAlchemy Core query"}
    ratios = {name: median[name] / median[floor] for name, floor in floors.items()}
    cpu_ratios = {name: median_cpu[name] / median_cpu[floor] for name, floor in floors.items()}
    stack = "floor: + SQLModel, pydantic"
    stack_ratio = (median["conaig status --json"] / median[stack], median_cpu["conaig status --json"] / median_cpu[stack])
    print(f"rounds: {args.repeat}, deliverables shown by status: {len(shown)}")
    for name, value in median.items():
        line = f"  {name:32} {value * 1000:8.0f} ms  CPU {median_cpu[name] * 1000:6.0f} ms"
        if name in ratios:
            line += f"   {ratios[name]:.2f}x its floor (CPU {cpu_ratios[name]:.2f}x; target ≤ 2x)"
        print(line)
    print(f"  status --json against the named stack's floor: {stack_ratio[0]:.2f}x (CPU {stack_ratio[1]:.2f}x); "
          f"that floor alone is {median_cpu[stack] / median_cpu['floor: SQLAlchemy Core query']:.2f}x the Core query (CPU)")
    if args.json:
        args.json.write_text(json.dumps({"repeat": args.repeat, "median_s": median, "median_cpu_s": median_cpu,
                                         "ratios": ratios, "cpu_ratios": cpu_ratios}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
