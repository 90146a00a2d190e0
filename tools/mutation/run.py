"""Mutation run over ``conaig_flow/domain/``: one mutant at a time, its module's tests, a verdict.

    .venv/bin/python -m tools.mutation.run                  # the modules in TARGETS
    .venv/bin/python -m tools.mutation.run quorum voting -j 2
    .venv/bin/python -m tools.mutation.run --list quorum    # the mutants, without running them

Each mutant runs the test files mapped to its module (``TARGETS``: SQLite only, no browser,
``-x``) in a fresh pytest process that loads the mutant from memory (``plugin.py``), with a
per-mutant timeout derived from the unmutated run. The files run one after the other, each in its
own process, and the first that fails stops the mutant's run: a mutant the pure test kills never
pays for importing the services the next file needs. A failing test (or an import error, or the
timeout) kills the mutant; a green run means it survived. Mutants listed in ``equivalent.md``
(same behaviour as the original, with the reason) are not run and do not count.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.mutation.mutants import Mutant, enumerate_mutants, names_with_ordinals

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "conaig_flow" / "domain"
EQUIVALENT = Path(__file__).with_name("equivalent.md")

#: Domain module -> the test files that exercise it, fastest (and most pointed) first.
TARGETS: dict[str, tuple[str, ...]] = {
    "audit_chain": ("tests/test_domain_audit_chain.py", "tests/test_store_contract.py"),
    "engine": ("tests/test_domain_engine.py", "tests/test_domain_engine_by_hand.py", "tests/test_core_engine_properties.py", "tests/test_core_lifecycles.py"),
    "quorum": ("tests/test_domain_sessions.py", "tests/test_sessions_quorum_property.py", "tests/test_sessions_rules.py"),
    "voting": ("tests/test_domain_voting_ties.py", "tests/test_domain_sessions.py", "tests/test_sessions_quorum_property.py",
               "tests/test_sessions_rules.py"),
    "calendar": ("tests/test_domain_calendar.py", "tests/test_notify_policy.py"),
    "reminder_policy": ("tests/test_domain_reminders.py", "tests/test_notify_policy.py", "tests/test_notify_sweep_sql.py"),
    # The session-rule, deadline, signature and audit code added by later issues: the pure test first
    # (it kills most mutants within a second), then the one service-level file most pointed at it.
    "session_time": ("tests/test_domain_session_time.py", "tests/test_sessions_time.py"),
    "ballot": ("tests/test_domain_ballot.py", "tests/test_sessions_votes_law.py"),
    "session_rules": ("tests/test_domain_session_rules.py", "tests/test_sessions_time.py"),
    "notice": ("tests/test_domain_notice.py", "tests/test_integrate_convocatoria.py"),
    "acta": ("tests/test_domain_acta.py", "tests/test_sessions_approval.py"),
    "deadline": ("tests/test_domain_deadline.py", "tests/test_domain_calendar.py"),
    "signature_verdict": ("tests/test_domain_signature_verdict.py",),
    "checkpoint": ("tests/test_domain_checkpoint.py", "tests/test_audit_checkpoints.py"),
    "audit_checks": ("tests/test_domain_audit_checks.py", "tests/test_resilience_audit.py"),
    # The rest of domain/ that decides something (who sees what, plan and lifecycle validation,
    # which deliverables exist, norms, consultation, progress figures): their existing tests.
    "access": ("tests/test_core_authorisation.py",),
    "norms": ("tests/test_domain_norms.py", "tests/test_core_authorisation.py"),
    "validation": ("tests/test_definitions_errors.py",),
    "planning": ("tests/test_core_plan_deliverables.py",),
    "lifecycle": ("tests/test_domain_engine.py", "tests/test_definitions_errors.py"),
    "plan": ("tests/test_definitions_errors.py", "tests/test_definitions_seed.py", "tests/test_definitions_second_plan.py"),
    "consultation": ("tests/test_consultation_core.py",),
    "progress": ("tests/test_reports_progress.py", "tests/test_reports_figures.py"),
    "report_document": ("tests/test_reports_documents.py",),
}

PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-p", "tools.mutation.plugin", "-p", "pytest_timeout", "-p", "_hypothesis_pytestplugin", "-m", "not postgres and not browser and not slow")
_ENTRY = re.compile(r"^- (?P<name>\S+\.py:.+?`(?: #\d+)?) — (?P<why>.+)$")


@dataclass
class Result:
    mutant: Mutant
    name: str
    verdict: str  # killed | survived | timeout | error | equivalent
    seconds: float = 0.0
    detail: str = ""


def equivalents(path: Path = EQUIVALENT) -> dict[str, str]:
    """Name -> why, from the ``- name — why`` lines of ``equivalent.md``."""
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := _ENTRY.match(line.strip()):
                out[m["name"]] = m["why"]
    return out


def _env(mutant: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CONAIG_MUTANT")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HYPOTHESIS_PROFILE"] = "mutation"  # derandomized, no example database (tests/conftest.py)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins named in PYTEST_ARGS
    if mutant:
        env["CONAIG_MUTANT"] = mutant
    return env


class _Workers:
    """Fork servers (worker.py), one per job; a thread takes one, sends a request, gives it back."""

    def __init__(self, jobs: int) -> None:
        self._free: queue.Queue[subprocess.Popen[str]] = queue.Queue()
        self._all: list[subprocess.Popen[str]] = []
        self.jobs = jobs
        for _ in range(jobs):
            proc = subprocess.Popen(
                [sys.executable, "-m", "tools.mutation.worker", json.dumps(list(PYTEST_ARGS))],
                cwd=ROOT, env=_env(None), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            self._all.append(proc)
            self._free.put(proc)

    def run(self, tests: tuple[str, ...], mutant: str | None, timeout: float) -> tuple[str, float, str]:
        proc = self._free.get()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps({"mutant": mutant, "tests": list(tests), "timeout": timeout}) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
        finally:
            self._free.put(proc)
        if mutant is None and reply["verdict"] != "survived":
            print(reply.get("output", ""), file=sys.stderr)
        return str(reply["verdict"]), float(reply["seconds"]), str(reply["detail"])

    def close(self) -> None:
        for proc in self._all:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(30)


def run_module(
    short: str, workers: _Workers, factor: float, run_equivalents: bool, only: str | None,
    selection: tuple[str, ...] | None = None,
) -> list[Result]:
    wanted = selection or TARGETS[short]
    tests = tuple(t for t in wanted if (ROOT / t).exists())
    missing = [t for t in wanted if t not in tests]
    if missing:
        print(f"{short}: test files not found, left out: {', '.join(missing)}", flush=True)
    if not tests:
        sys.exit(f"{short}: none of its test files exists")
    verdict, base, detail = workers.run(tests, None, 1800)
    if verdict != "survived":
        sys.exit(f"{short}: the tests fail without any mutant ({verdict}: {detail}); fix them first")
    timeout = max(20.0, factor * base)
    print(f"{short}: {len(tests)} test file(s), unmutated run {base:.1f} s, timeout {timeout:.0f} s", flush=True)
    known = equivalents()
    mutants = list(names_with_ordinals(enumerate_mutants(DOMAIN / f"{short}.py", f"conaig_flow.domain.{short}")))
    if only:
        mutants = [(m, n) for m, n in mutants if only in n]
    results: list[Result] = []
    todo: list[tuple[Mutant, str]] = []
    for m, n in mutants:
        if n in known and not run_equivalents:
            results.append(Result(m, n, "equivalent", detail=known[n]))
        else:
            todo.append((m, n))

    def one(item: tuple[Mutant, str]) -> Result:
        m, n = item
        v, s = "survived", 0.0
        d = ""
        for stage in tests:  # file by file: most mutants die in the first (pure) file, before the
            v, t, d = workers.run((stage,), f"{m.module}:{m.index}", timeout)  # services are imported
            s += t
            if v != "survived":
                break
        if v == "survived" and n in known:
            v, d = "equivalent", known[n]
        r = Result(m, n, v, s, d)
        mark = {"killed": ".", "timeout": "T", "error": "E", "survived": "S", "equivalent": "="}[v]
        print(mark, end="", flush=True)
        return r

    with ThreadPoolExecutor(max_workers=workers.jobs) as pool:
        results.extend(pool.map(one, todo))
    print(flush=True)
    return sorted(results, key=lambda r: r.mutant.index)


def report(short: str, results: list[Result]) -> dict[str, object]:
    counts = Counter(r.verdict for r in results)
    equivalent = counts["equivalent"]
    killed = counts["killed"] + counts["timeout"] + counts["error"]
    considered = len(results) - equivalent
    score = 100.0 * killed / considered if considered else 100.0
    print(f"{short}.py: {len(results)} mutants, {equivalent} equivalent, {killed} killed "
          f"({counts['timeout']} by timeout, {counts['error']} by error), {counts['survived']} survived: "
          f"{score:.1f} % of the non-equivalent killed")
    for r in results:
        if r.verdict == "survived":
            print(f"    survived  line {r.mutant.line:>4}  {r.name}")
    return {
        "module": f"{short}.py", "mutants": len(results), "equivalent": equivalent, "killed": killed,
        "survived": counts["survived"], "score": round(score, 1),
        "survivors": [{"line": r.mutant.line, "name": r.name} for r in results if r.verdict == "survived"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation.run", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"domain modules (default: all of {', '.join(TARGETS)})")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--timeout-factor", type=float, default=4.0, help="timeout = factor × the unmutated run")
    parser.add_argument("--only", help="run only the mutants whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--run-equivalents", action="store_true", help="run the listed equivalents too (to check the list)")
    parser.add_argument("--json", type=Path, help="write the figures and survivors to this file")
    parser.add_argument("--tests", nargs="+", metavar="FILE",
                        help="run these test files instead of the module's selection (e.g. to measure an older selection)")
    args = parser.parse_args(argv)
    modules = args.modules or list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        parser.error(f"no test selection for {', '.join(unknown)}: add it to TARGETS in {__file__}")
    if args.list:
        known = equivalents()
        for short in modules:
            for m, n in names_with_ordinals(enumerate_mutants(DOMAIN / f"{short}.py", f"conaig_flow.domain.{short}")):
                print(f"{m.line:>4}  {n}{'   [equivalent]' if n in known else ''}")
        return 0
    all_names = {n for short in TARGETS for _, n in names_with_ordinals(enumerate_mutants(DOMAIN / f"{short}.py", f"conaig_flow.domain.{short}"))}
    stale = sorted(set(equivalents()) - all_names)
    figures = []
    workers = _Workers(args.jobs)
    try:
        for short in modules:
            figures.append(report(short, run_module(short, workers, args.timeout_factor, args.run_equivalents, args.only,
                                              tuple(args.tests) if args.tests else None)))
    finally:
        workers.close()
    if stale:
        print("equivalent.md lists mutants that no longer exist (remove them):")
        for n in stale:
            print(f"    {n}")
    print()
    print(f"{'module':<20} {'mutants':>7} {'equiv.':>6} {'killed':>6} {'surv.':>5} {'score':>7}")
    for f in figures:
        print(f"{f['module']:<20} {f['mutants']:>7} {f['equivalent']:>6} {f['killed']:>6} {f['survived']:>5} {f['score']:>6.1f}%")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
