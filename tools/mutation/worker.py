"""A fork server for the mutation run: imports the heavy third-party libraries once, then runs
each request (a mutant, or none) in a forked child that imports ``conaig_flow`` afresh with
the mutant in place and runs pytest in-process. Saves the interpreter and library start-up on
every mutant; nothing of ``conaig_flow`` is ever imported in this parent.

Protocol (one JSON object a line): request ``{"mutant": "mod:index" | null, "tests": [...],
"timeout": s}`` on stdin; reply ``{"verdict": ..., "seconds": ..., "detail": ...}`` on stdout.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import tempfile
import time

PRELOAD = (
    "pytest", "_pytest.python", "hypothesis", "sqlalchemy",
    "sqlalchemy.orm", "sqlmodel", "alembic", "alembic.context", "pydantic", "fastapi", "starlette",
    "transitions", "jinja2", "psycopg", "holidays", "yaml", "click", "babel", "apscheduler", "aiosmtplib",
    "docx", "fpdf", "openpyxl", "icalendar", "httpx", "email.mime.text",
)


def _preload() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _child(mutant: str | None, tests: list[str], args: list[str], out_path: str) -> None:
    fd = os.open(out_path, os.O_WRONLY | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.setsid()
    if mutant:
        os.environ["CONAIG_MUTANT"] = mutant
    else:
        os.environ.pop("CONAIG_MUTANT", None)
    import pytest

    try:
        rc = int(pytest.main([*args, *tests]))
    except BaseException:  # an error while collecting or importing the mutant
        import traceback

        traceback.print_exc()
        rc = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


def _one(request: dict[str, object], args: list[str]) -> dict[str, object]:
    mutant = request.get("mutant")
    tests = [str(t) for t in request["tests"]]  # type: ignore[attr-defined]
    timeout = float(request["timeout"])  # type: ignore[arg-type]
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as tmp:
        out_path = tmp.name
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(str(mutant) if mutant else None, tests, args, out_path)
    verdict = ""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            verdict = "timeout"
            break
        time.sleep(0.05)
    seconds = time.monotonic() - start
    with open(out_path, encoding="utf-8", errors="replace") as fh:
        out = fh.read()
    os.unlink(out_path)
    if verdict == "timeout":
        return {"verdict": "timeout", "seconds": seconds, "detail": f"más de {timeout:.0f} s"}
    rc = os.waitstatus_to_exitcode(status)
    lines = [ln for ln in out.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    if rc in (0, 5):  # 5: no test of this file selected (all PostgreSQL or browser): nothing failed
        return {"verdict": "survived", "seconds": seconds, "detail": ""}
    if rc == 1:
        return {"verdict": "killed", "seconds": seconds, "detail": lines[0] if lines else ""}
    tail = out.strip().splitlines()[-1:] or [f"rc={rc}"]
    return {"verdict": "error", "seconds": seconds, "detail": (lines or tail)[0], "output": out[-4000:]}


def main() -> None:
    args = json.loads(sys.argv[1])
    _preload()
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(_one(json.loads(line), args)), flush=True)


if __name__ == "__main__":
    main()
