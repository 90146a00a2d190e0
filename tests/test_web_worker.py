"""``conaig serve`` on single-process SQLite runs the reminder worker in its own process:
started with the app's lifespan (catching up at once), stopped cleanly with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from starlette.testclient import TestClient

from conaig_flow.bootstrap import App
from conaig_flow.notify import outbox
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.web_support import PEOPLE, add_web_people, free_port, minsa_protocol


def scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "APScheduler" in t.name or "ThreadPoolExecutor" in t.name]


def test_the_in_process_worker_sends_the_pending_mail_and_stops_with_the_server(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    did = minsa_protocol(sqlite_app)
    deliverables.advance(sqlite_app, users.actor_for(sqlite_app, PEOPLE["officer"]), did, "submit",
                         documents=[("protocolo.pdf", pdf_bytes())])
    pending = outbox.counts(sqlite_app).get("pending", 0)
    assert pending > 0
    before = set(scheduler_threads())
    web = create_app(sqlite_app, in_process_worker=True)
    with TestClient(web, base_url="http://127.0.0.1") as c:
        assert web.state.worker.running
        assert c.get("/acerca").status_code == 200
        deadline = time.monotonic() + 30
        while outbox.counts(sqlite_app).get("sent", 0) < pending and time.monotonic() < deadline:
            time.sleep(0.1)
        assert outbox.counts(sqlite_app).get("sent", 0) == pending  # the catch-up dispatch at start
    assert not web.state.worker.running
    deadline = time.monotonic() + 10
    while set(scheduler_threads()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(scheduler_threads()) - before, "the scheduler's threads ended with the server"
    assert list((sqlite_app.settings.home / "maildir" / "new").iterdir())


def test_without_the_flag_the_web_app_runs_no_worker(sqlite_app: App) -> None:
    web = create_app(sqlite_app)
    with TestClient(web, base_url="http://127.0.0.1"):
        assert web.state.worker is None


def test_the_web_process_runs_its_synchronous_routes_on_the_configured_number_of_threads(tmp_path: Path) -> None:
    import anyio.to_thread

    from conaig_flow.bootstrap import Settings, bootstrap

    assert Settings.from_env({}, home=tmp_path).web_threads == 12
    settings = Settings.from_env({"CONAIG_WEB_THREADS": "5"}, home=tmp_path)
    app = bootstrap(settings)
    try:
        with TestClient(create_app(app), base_url="http://127.0.0.1") as c:
            assert c.portal is not None
            assert c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 5
            assert c.get("/acerca").status_code == 200
    finally:
        app.close()


def test_conaig_serve_on_sqlite_starts_the_worker_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    env = {**os.environ, "CONAIG_SMTP_HOST": "", "PYTHONUNBUFFERED": "1"}
    conaig = [sys.executable, "-m", "conaig_flow", "--home", str(tmp_path)]
    subprocess.run([*conaig, "init"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen([*conaig, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/acerca", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("conaig serve did not answer")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "en este mismo proceso" in out and "Traceback" not in out
