"""A built wheel works on its own: installed in a fresh virtualenv, away from the checkout, it
loads the plan (``init``), serves the web (templates and static files), writes the progress
report as PDF, and carries the notification templates and click's Spanish catalog."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_the_wheel_installed_in_a_fresh_virtualenv_runs_init_serve_and_a_pdf_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CONAIG_HOME", "CONAIG_DB", "VIRTUAL_ENV")}
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)], tmp_path, env)
    (wheel,) = wheels.glob("conaig_flow-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env)
    conaig = str(venv / "bin" / "conaig")
    work = tmp_path / "elsewhere"  # no checkout around: everything must come from the installed package
    work.mkdir()
    located = _run([str(venv / "bin" / "python"), "-c",
                    "import conaig_flow, pathlib; from conaig_flow.notify.dispatch import SHIPPED_TEMPLATES; "
                    "from conaig_flow.store.definitions import default_plan_file; "
                    "print(pathlib.Path(conaig_flow.__file__).parent); print(default_plan_file()); "
                    "print(sorted(p.name for p in SHIPPED_TEMPLATES.iterdir()))"], work, env).splitlines()
    package = Path(located[0])
    assert package.is_relative_to(venv) and not package.is_relative_to(REPO)
    assert Path(located[1]).is_relative_to(venv) and Path(located[1]).is_file()
    assert "'recordatorio.txt'" in located[2] and "'convocatoria.html'" in located[2]

    home = tmp_path / "home"
    out = _run([conaig, "--home", str(home), "init"], work, env)
    assert "entregables creados: 24" in out
    assert "Uso:" in _run([conaig, "--help"], work, env)

    out = _run([conaig, "--home", str(home), "--now", "2022-05-16", "report", "progress", "--as-of", "2022-05-16",
                "--format", "pdf", "--out", str(work / "informe.pdf")], work, env)
    assert (work / "informe.pdf").read_bytes().startswith(b"%PDF-")
    assert "informe.pdf" in out

    port = _free_port()
    with (tmp_path / "serve.log").open("w") as log, subprocess.Popen(
        [conaig, "--home", str(home), "--now", "2022-05-16", "serve", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    ) as server:
        try:
            status, body = _get(f"http://127.0.0.1:{port}/entrar", time.monotonic() + 120)
            assert status == 200
            assert "Ingresar" in body and "Contraseña" in body
            status, css = _get(f"http://127.0.0.1:{port}/static/app.css", time.monotonic() + 10)
            assert status == 200 and "{" in css
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
