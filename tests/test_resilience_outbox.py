"""A slow mail server and batches that outlast their lease: two ``conaig worker`` processes on
PostgreSQL send every message once (at most one more per killed worker), and a worker told to
stop finishes the message in hand, gives the rest of its claim back and exits at once."""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from tests.conftest import make_app
from tests.notify_helpers import bulk_messages, use_smtp
from tests.smtp_capture import SmtpCapture, running_capture

CONAIG = str(Path(sys.executable).parent / "conaig")
MESSAGES = 60
DELAY = 0.15  # seconds per DATA: a batch of 20 takes 3 s, longer than the 2 s lease
LEASE = "2"


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file

    application = make_app(pg_url, tmp_path / "home", clock)
    plans.init(application, default_plan_file())
    yield application
    application.close()


@pytest.fixture
def slow_smtp() -> Iterator[SmtpCapture]:
    for server in running_capture():
        server.handler.delay = DELAY
        yield server


def _worker(app: App, home: Path, server: SmtpCapture) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(server.port), "CONAIG_SMTP_TLS": "none",
        "CONAIG_OUTBOX_BATCH": "20", "CONAIG_OUTBOX_LEASE_SECONDS": LEASE,
    }
    # On the real clock, not --now: a shifted clock starts when its process does, so two workers
    # started seconds apart would disagree about when a lease ends. (The start-up sweep writes
    # the plan's overdue reminders, without recipients: dead letters, never sent.)
    return subprocess.Popen(
        [CONAIG, "--db", app.settings.db_url, "--home", str(home), "worker", "--dispatch-every", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"no se cumplió a tiempo: {what}")


def _keys(server: SmtpCapture) -> collections.Counter[str]:
    return collections.Counter(r.key for r in server.received if r.key.startswith("carga:"))


def _all_sent(app: App) -> bool:
    return ob.counts(app).get("sent", 0) == MESSAGES


def _stop(procs: list[subprocess.Popen[bytes]]) -> list[tuple[bytes, bytes]]:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    return [p.communicate(timeout=60) for p in procs]


def _claims_of(app: App, pid: int) -> list[str]:
    """Rows still held ("sending") by the worker process ``pid``."""
    prefix = f"{socket.gethostname()}:{pid}:"
    with app.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT claimed_by FROM outbox WHERE status = 'sending'").scalars().all()
    return [str(r) for r in rows if str(r).startswith(prefix)]


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_on_a_slow_server_send_every_message_once_though_batches_outlast_the_lease(
    pg_app: App, slow_smtp: SmtpCapture, tmp_path: Path
) -> None:
    bulk_messages(pg_app, MESSAGES)
    procs = [_worker(pg_app, tmp_path / f"w{i}", slow_smtp) for i in range(2)]
    try:
        _wait(lambda: _all_sent(pg_app), 180, "todos los mensajes enviados")
    finally:
        outputs = _stop(procs)
    assert [p.returncode for p in procs] == [0, 0], outputs
    keys = _keys(slow_smtp)
    assert len(keys) == MESSAGES and max(keys.values()) == 1, keys.most_common(3)
    # the batches did outlast the lease (so the heartbeat is what kept them)
    assert float(LEASE) < 20 * DELAY


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_killed_mid_batch_costs_at_most_one_resent_message(
    pg_app: App, slow_smtp: SmtpCapture, tmp_path: Path
) -> None:
    bulk_messages(pg_app, MESSAGES)
    victim = _worker(pg_app, tmp_path / "victim", slow_smtp)
    _wait(lambda: len(slow_smtp.received) >= 5, 120, "el primer proceso empezó a enviar")
    survivor = _worker(pg_app, tmp_path / "survivor", slow_smtp)
    _wait(lambda: len(slow_smtp.received) >= 12, 120, "envío en curso")
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    try:
        _wait(lambda: _all_sent(pg_app), 180, "el otro proceso envió el resto")
    finally:
        (out,) = _stop([survivor])
    assert survivor.returncode == 0, out
    keys = _keys(slow_smtp)
    assert set(keys) == {f"carga:{i}" for i in range(MESSAGES)}
    assert sum(keys.values()) - MESSAGES <= 1, keys.most_common(3)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigterm_mid_batch_finishes_the_message_in_hand_releases_the_rest_and_exits_within_five_seconds(
    pg_app: App, slow_smtp: SmtpCapture, tmp_path: Path
) -> None:
    bulk_messages(pg_app, MESSAGES)
    first = _worker(pg_app, tmp_path / "first", slow_smtp)
    _wait(lambda: len(slow_smtp.received) >= 5, 120, "el primer proceso empezó a enviar")
    assert _claims_of(pg_app, first.pid), "el proceso tiene un lote reservado"
    sent_before = len(slow_smtp.received)
    asked = time.monotonic()
    first.send_signal(signal.SIGTERM)
    _out, err = first.communicate(timeout=60)
    took = time.monotonic() - asked
    assert first.returncode == 0, err
    assert took < 5.0, f"tardó {took:.1f} s en detenerse (señal a las {time.time() - took:.3f})\n{err.decode()}"
    # it did not drain the outbox: at most the message in hand (and one begun meanwhile) went out
    assert len(slow_smtp.received) - sent_before <= 2
    assert _claims_of(pg_app, first.pid) == []  # the rest of its claim was given back at once
    assert "devueltos a la bandeja de salida" in err.decode()
    assert ob.counts(pg_app).get("pending", 0) > 0
    second = _worker(pg_app, tmp_path / "second", slow_smtp)
    try:
        _wait(lambda: _all_sent(pg_app), 180, "el segundo proceso envió el resto")
    finally:
        (out,) = _stop([second])
    assert second.returncode == 0, out
    keys = _keys(slow_smtp)
    assert len(keys) == MESSAGES and max(keys.values()) == 1, keys.most_common(3)


def test_a_claim_whose_lease_expired_and_was_taken_can_neither_mark_nor_extend_the_rows(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    bulk_messages(app, 3)
    stale = ob.claim(app, "lento", 10)
    clock.advance(timedelta(seconds=app.settings.outbox_lease_seconds + 1))
    fresh = ob.claim(app, "rapido", 10)
    assert [c.id for c in fresh] == [c.id for c in stale] and fresh[0].token != stale[0].token
    assert ob.mark_sent(app, stale[0], "250 tarde") is False
    assert ob.extend_lease(app, stale[0].token, [c.id for c in stale])[0] == set()
    assert ob.release(app, stale[0].token, [c.id for c in stale]) == 0
    assert ob.mark_failed(app, stale[1], "421", permanent=False) == "lost"
    assert {v.status for v in ob.list_outbox(app)} == {"sending"}
    assert ob.mark_sent(app, fresh[0], "250 ok") is True
    use_smtp(app, smtp)
    clock.advance(timedelta(seconds=1))
    assert dispatch(app).sent == 0  # the fresh claim still holds the other two
    assert ob.release(app, fresh[0].token, [c.id for c in fresh]) == 2
    assert dispatch(app).sent == 2
    assert sorted(r.key for r in smtp.received) == ["carga:1", "carga:2"]
    # the expired claim counted as an attempt, the released one did not
    assert [v.attempts for v in sorted(ob.list_outbox(app), key=lambda v: v.id)] == [2, 2, 2]


def test_a_dispatch_stopped_during_a_send_marks_that_message_and_gives_the_rest_back(app: App, smtp: SmtpCapture) -> None:
    import threading

    from conaig_flow.notify.senders import SmtpSender

    stop = threading.Event()

    class StopsAfterFirstSend(SmtpSender):
        async def send(self, envelope_from: str, recipients: list[str], data: bytes) -> str:
            reply = await super().send(envelope_from, recipients, data)
            stop.set()  # the signal arrives while the first message is in hand
            return reply

    bulk_messages(app, 5)
    use_smtp(app, smtp)
    report = dispatch(app, StopsAfterFirstSend(app.settings), stop=stop)
    assert (report.sent, report.released) == (1, 4)
    assert [r.key for r in smtp.received] == ["carga:0"]
    assert ob.counts(app) == {"sent": 1, "pending": 4}
    assert dispatch(app).sent == 4
    assert sorted(r.key for r in smtp.received) == [f"carga:{i}" for i in range(5)]
