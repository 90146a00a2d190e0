"""The transitions benchmark keeps running (tiny sizes; its figures are not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_bench_runs_and_reports_one_machine_per_lifecycle_and_none_per_deliverable(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_transitions.py"), "--n", "6", "--repeat", "1",
         "--spiff-n", "2", "--sizes", "10", "20", "--batch", "4", "--out", str(out),
         "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "floor÷conaig" in done.stdout and "WAL+FULL" in done.stdout and "WAL+NORMAL" in done.stdout
    (result,) = out.glob("bench_transitions-*.json")
    report = json.loads(result.read_text(encoding="utf-8"))
    machines = report["machines"]
    assert machines["machines_built_per_app"] == [machines["lifecycles"]]
    assert machines["machines_built_during_transitions"] == 0
    assert machines["transitions_run"] == 2 * 6 * 3
    assert machines["models_attached_after_runs"] == 0
    engine = machines["engine"]
    assert engine["machines_built_for_engine"] == machines["lifecycles"]
    assert engine["machines_built_during_ops"] == 0
    assert engine["models_attached_after"] == 0
    for setting in ("FULL", "NORMAL"):
        figures = report["settings"][setting]
        assert set(figures) >= {"floor_sqlite3", "conaig_flow", "spiffworkflow", "floor_over_conaig"}


@pytest.mark.slow
def test_report_bench_prints_every_format_of_the_seed_plan_against_json() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_report.py"), "--entities", "4", "--activities", "2",
         "--events", "30", "--repeat", "1", "--seed-repeat", "1"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    formats = {"html", "pdf", "docx", "xlsx", "md", "json"}
    assert set(figures["seed_x_json"]) == formats and figures["seed_x_json"]["json"] == 1.0
    assert set(figures["formats"]) == formats and all(f["x_json"] > 0 for f in figures["formats"].values())
    assert "plan semilla:" in done.stdout and "x json" in done.stdout
