"""``conaig serve --workers 2`` on PostgreSQL: both web processes answer pages and the API,
a session opened on one is valid on the other, and no web process sends mail (that is
``conaig worker``'s job, one per process)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.services import users
from tests.conftest import make_app
from tests.notify_helpers import bulk_messages
from tests.smtp_capture import SmtpCapture, free_port

CONAIG = str(Path(sys.executable).parent / "conaig")
PASSWORD = "clave-de-prueba-123"
DB_PASSWORD = "Clave-De-La-Base-99"  # trust auth ignores it; it must never be printed


def _children(pid: int) -> list[int]:
    """The web processes of the uvicorn supervisor ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.append(int(child))
    return found


def _server_pid(children: list[int], server_port: int, client_port: int) -> int | None:
    """The web process holding the server side of our connection (from /proc/net/tcp)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote = parts[1], parts[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = parts[9]
    if inode is None:
        return None
    for child in children:
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return child
            except OSError:
                continue
    return None


class Browser:
    """Cookies kept by hand over fresh connections (each may land on either process)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, http.client.HTTPConnection]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8")
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, conn  # the connection is still open: whose process is it?


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file

    app = make_app(pg_url, tmp_path / "home", clock)
    plans.init(app, default_plan_file())
    users.add_user(app, "ana.perez@minsa.gob.pe", "Ana Pérez (MINSA)", "MINSA", "officer", PASSWORD)
    yield app
    app.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_with_two_workers_on_postgresql_answers_from_both_shares_sessions_and_sends_no_mail(
    pg_app: App, smtp: SmtpCapture, tmp_path: Path
) -> None:
    bulk_messages(pg_app, 2)  # due now: a web process that ran the reminder worker would send them
    port = free_port()
    url = pg_app.settings.db_url.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(smtp.port),
           "CONAIG_SMTP_TLS": "none"}
    proc = subprocess.Popen([CONAIG, "--db", url, "--home", str(tmp_path / "home"), "serve", "--workers", "2",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                status, _, conn = Browser(port).request("GET", "/acerca")
                conn.close()
                if status == 200 and len(_children(proc.pid)) >= 2:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.3)
        else:
            raise AssertionError("conaig serve --workers 2 no respondió")
        children = _children(proc.pid)
        assert len(children) == 2

        browser = Browser(port)
        status, page, conn = browser.request("GET", "/entrar")
        conn.close()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and token
        status, _, conn = browser.request("POST", "/entrar", {
            "correo": "ana.perez@minsa.gob.pe", "contrasena": PASSWORD, "csrf_token": token.group(1),
            "siguiente": "/entregables"})
        signed_in_by = _server_pid(children, port, conn.sock.getsockname()[1])
        conn.close()
        assert status == 303 and signed_in_by in children

        served: dict[int, list[str]] = {c: [] for c in children}
        for attempt in range(200):
            path = ("/entregables", "/api/me", "/api/deliverables?entity=MINSA")[attempt % 3]
            status, body, conn = browser.request("GET", path)
            by = _server_pid(children, port, conn.sock.getsockname()[1])
            conn.close()
            assert status == 200, (path, body[:300])
            if path == "/entregables":
                assert "Ana Pérez" in body
            elif path == "/api/me":
                assert json.loads(body)["user"]["email"] == "ana.perez@minsa.gob.pe"
            else:
                assert {d["owner"] for d in json.loads(body)} == {"MINSA"}
            if by is not None:
                served[by].append(path)
            if all(len(set(v)) == 3 for v in served.values()):
                break
        # both processes served pages and the API with the session opened on one of them
        assert all(len(set(v)) == 3 for v in served.values()), served
        time.sleep(1)
        assert ob.counts(pg_app) == {"pending": 2} and smtp.received == []  # no reminder worker in the web processes
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "Traceback" not in out and DB_PASSWORD not in out, out
    # the one process that sends: conaig worker
    worker = subprocess.run([CONAIG, "--db", url, "--home", str(tmp_path / "w"), "--now", "2021-07-03", "remind"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    assert sorted(r.key for r in smtp.received) == ["carga:0", "carga:1"]
