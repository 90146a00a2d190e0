"""The sweep benchmark keeps running on both databases (tiny sizes; figures not asserted:
the benchmark itself asserts that the sweep wrote exactly one reminder per due row)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, require_postgres


@pytest.mark.slow
@pytest.mark.postgres
def test_sweep_bench_runs_on_sqlite_and_postgresql() -> None:
    require_postgres()
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "notify_sweep.py"), "--deliverables", "3000", "--repeat", "2",
         "--backend", "both"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = re.findall(r"^(sqlite|postgresql): deliverables: 3000; due rows per sweep: (\d+)", done.stdout, re.M)
    assert [b for b, _ in rows] == ["sqlite", "postgresql"]
    assert all(int(n) > 0 for _, n in rows)  # the sweeps had rows to write
    assert done.stdout.count("ratio:") == 2


@pytest.mark.slow
def test_dispatch_bench_runs_and_prints_its_ratio_to_the_floor() -> None:
    """Tiny sizes; the benchmark itself asserts that every round sent all its messages."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "notify_dispatch.py"), "--messages", "200", "--rounds", "2"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^messages: 200 in 2 rounds", done.stdout, re.M)
    assert re.search(r"^ratio: \d+\.\d\d of the floor, median round \d+\.\d\d", done.stdout, re.M)
