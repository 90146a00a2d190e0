"""Transitions per second of conaig-flow beside a stdlib sqlite3 floor and the SpiffWorkflow peer.

    .venv/bin/python bench/bench_transitions.py [--n 1000] [--repeat 5] [--spiff-n 300]

For each durability setting (WAL + synchronous=FULL, the shipped default, and WAL +
synchronous=NORMAL) and each repetition, on fresh SQLite files: the floor, conaig-flow and
SpiffWorkflow run interleaved in batches of 50 operations, each batch timed, so that all of
them share the (shared) machine's momentary load. The table shows medians; "spread" is
(max - min) / median over the repetitions. The figures also go to bench/results/ as JSON.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import machine_facts
import spiff_peer
import workload

TARGET = 4.0  # conaig-flow must stay within this factor of the floor
RESULTS = Path(__file__).resolve().parent / "results"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="deliverables taken through their lifecycle per run")
    p.add_argument("--repeat", type=int, default=5, help="runs per figure (the median is reported)")
    p.add_argument("--spiff-n", type=int, default=300, help="SpiffWorkflow workflows per run")
    p.add_argument("--sizes", type=int, nargs=2, default=(1000, 10000), metavar=("N1", "N2"),
                   help="operation counts for the add_model/remove_model measurements")
    p.add_argument("--batch", type=int, default=50, help="operations per batch when interleaving the workloads")
    p.add_argument("--settings", nargs="+", default=["FULL", "NORMAL"], choices=["FULL", "NORMAL"])
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON results")
    p.add_argument("--workdir", type=Path, default=None, help="where the SQLite files go (default: a temp dir)")
    return p.parse_args(argv)


class Workload(Protocol):
    name: str

    def __len__(self) -> int: ...
    def step(self, i: int) -> None: ...
    def finish(self) -> dict[str, int]: ...


def interleaved(workloads: list[Workload], batch: int) -> dict[str, tuple[float, float]]:
    """Run the workloads in alternating batches of ``batch`` operations, timing each batch, so
    that every workload sees the same share of the shared machine's changing load.
    Returns, per workload, operations per second of wall-clock time and of this thread's CPU
    time (the latter is hardly disturbed by other processes, but leaves out waiting on fsync)."""
    done = dict.fromkeys((w.name for w in workloads), 0)
    wall = dict.fromkeys(done, 0.0)
    cpu = dict.fromkeys(done, 0.0)
    while any(done[w.name] < len(w) for w in workloads):
        for w in workloads:
            first = done[w.name]
            last = min(first + batch, len(w))
            start, start_cpu = time.perf_counter(), time.thread_time()
            for i in range(first, last):
                w.step(i)
            wall[w.name] += time.perf_counter() - start
            cpu[w.name] += time.thread_time() - start_cpu
            done[w.name] = last
    return {name: (done[name] / wall[name], done[name] / cpu[name]) for name in done}


def _summary(rates: list[float]) -> dict[str, object]:
    median = statistics.median(rates)
    return {"median": median, "min": min(rates), "max": max(rates), "spread": (max(rates) - min(rates)) / median,
            "runs": rates}


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    plan_file = workload.write_plan(work, args.n)
    results: dict[str, object] = {}
    conaig_facts: list[dict[str, int]] = []
    for setting in args.settings:
        rates: dict[str, list[float]] = {}
        cpu_rates: dict[str, list[float]] = {}
        for r in range(args.repeat):
            tag = f"{setting.lower()}-{r}"
            floor = workload.FloorWorkload(work / f"floor-{tag}", plan_file, setting, args.n)
            spiff = spiff_peer.SpiffWorkload(work / f"spiff-{tag}.db", setting, args.spiff_n)
            spiff_mem = spiff_peer.SpiffWorkload(work / f"spiffmem-{tag}.db", setting, args.spiff_n, kept_in_memory=True)
            # prepared last, so that the Machines it counts during its steps are its own
            noticing = workload.ConaigWorkload(work / f"notices-{tag}", plan_file, setting, args.n, notices=True)
            conaig = workload.ConaigWorkload(work / f"conaig-{tag}", plan_file, setting, args.n)
            workloads: list[Workload] = [floor, conaig, noticing, spiff, spiff_mem]
            for name, (rate, cpu_rate) in interleaved(workloads, args.batch).items():
                rates.setdefault(name, []).append(rate)
                cpu_rates.setdefault(name, []).append(cpu_rate)
            for w in workloads:
                facts = w.finish()
                if w is conaig:
                    conaig_facts.append(facts)
            print(f"  WAL+{setting:6} run {r + 1}/{args.repeat}: "
                  + "  ".join(f"{name} {values[-1]:,.0f}/s" for name, values in rates.items()), file=sys.stderr)
        f, c = statistics.median(rates["floor_sqlite3"]), statistics.median(rates["conaig_flow"])
        results[setting] = {
            **{name: _summary(values) for name, values in rates.items()},
            "floor_over_conaig": f / c,
            "floor_over_conaig_with_notices": f / statistics.median(rates["conaig_flow_with_notices"]),
            "floor_over_conaig_per_run": [
                a / b for a, b in zip(rates["floor_sqlite3"], rates["conaig_flow"], strict=True)
            ],
            "conaig_over_spiff": c / statistics.median(rates["spiffworkflow"]),
            "per_cpu_second": {name: _summary(values) for name, values in cpu_rates.items()},
            "floor_over_conaig_cpu": statistics.median(cpu_rates["floor_sqlite3"])
            / statistics.median(cpu_rates["conaig_flow"]),
            "within_target": f / c <= TARGET,
        }
    facts = machine_facts.measure(plan_file, (args.sizes[0], args.sizes[1]))
    machines = {
        "lifecycles": conaig_facts[0]["lifecycles"],
        "machines_built_per_app": sorted({f["machines_for_app"] for f in conaig_facts}),
        "machines_built_during_transitions": sum(f["machines_during_transitions"] for f in conaig_facts),
        "transitions_run": sum(f["transitions"] for f in conaig_facts),
        "models_attached_after_runs": sum(f["models_attached_after"] for f in conaig_facts),
        "engine": asdict(facts),
    }
    return {"settings": results, "machines": machines}


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def render(report: dict[str, object]) -> str:
    params = report["parameters"]
    assert isinstance(params, dict)
    lines = [
        f"conaig-flow transitions: {params['n']} deliverables × 3 transitions (submit → accept → approve), "
        f"one transaction each; SpiffWorkflow: {params['spiff_n']} workflows × 3 steps; "
        f"median of {params['repeat']} runs (± spread = (max-min)/median)",
        "",
    ]
    head = ["setting", "floor sqlite3/s", "conaig-flow/s", "floor÷conaig", f"≤{TARGET:g}x", "(CPU-time ÷)",
            "+notices/s", "floor÷(+notices)", "spiff/s", "spiff in-mem/s", "conaig÷spiff"]
    widths = [12, 18, 18, 12, 5, 12, 14, 16, 16, 16, 12]
    lines.append(_row(head, widths))
    settings = report["settings"]
    assert isinstance(settings, dict)
    for name, s in settings.items():
        def fig(key: str, s: dict[str, dict[str, float]] = s) -> str:
            return f"{s[key]['median']:,.0f} ±{s[key]['spread']:.0%}"
        lines.append(_row([f"WAL+{name}", fig("floor_sqlite3"), fig("conaig_flow"), f"{s['floor_over_conaig']:.2f}x",
                           "yes" if s["within_target"] else "NO", f"{s['floor_over_conaig_cpu']:.2f}x",
                           fig("conaig_flow_with_notices"), f"{s['floor_over_conaig_with_notices']:.2f}x",
                           fig("spiffworkflow"), fig("spiffworkflow_in_memory"),
                           f"{s['conaig_over_spiff']:.1f}x"], widths))
    m = report["machines"]
    assert isinstance(m, dict)
    e = m["engine"]
    n1, n2 = e["sizes"]
    lines += [
        "",
        f"Machines: {m['lifecycles']} lifecycles; built per app {m['machines_built_per_app']} (one per lifecycle); "
        f"built while {m['transitions_run']:,} transitions ran: {m['machines_built_during_transitions']}; "
        f"models left attached after the runs: {m['models_attached_after_runs']}",
        f"Engine alone: built {e['machines_built_for_engine']}, during {2 * (n1 + n2):,} fires and add/removes: "
        f"{e['machines_built_during_ops']}; len(machine.models) afterwards: {e['models_attached_after']}",
        _row(["per operation, µs", f"at {n1:,} ops", f"at {n2:,} ops", f"{n2:,}÷{n1:,}"], [44, 14, 14, 12]),
    ]
    for label, key in (("engine.fire (add_model + trigger + remove_model)", "fire_us"),
                       ("add_model + remove_model, fresh model each op", "add_remove_us"),
                       ("contrast: models kept attached, then removed", "kept_attached_us")):
        a, b = e[key]
        lines.append(_row([label, f"{a:.1f}", f"{b:.1f}", f"{b / a:.2f}"], [44, 14, 14, 12]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="conaig-bench-"))
    try:
        body = run(args, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    now = datetime.now(UTC)
    report: dict[str, object] = {
        "benchmark": "bench_transitions",
        "at": now.isoformat(timespec="seconds"),
        "parameters": {"n": args.n, "repeat": args.repeat, "spiff_n": args.spiff_n, "batch": args.batch, "sizes": list(args.sizes)},
        "environment": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                        "cpus": os.cpu_count(), "load_average": list(os.getloadavg())},
        **body,
    }
    print(render(report))
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"bench_transitions-{now:%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nResults written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
