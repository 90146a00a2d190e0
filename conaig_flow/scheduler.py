"""APScheduler 3.x as a ticker only: it says *when* to sweep and dispatch; the truth (deadlines,
policy, outbox) lives in the database. Run by ``conaig worker`` — never one scheduler per web
worker. Several workers on one PostgreSQL database are safe: the sweep writes each reminder
once (unique key) and dispatchers claim rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.notify import dispatch, sweep

log = logging.getLogger("conaig_flow.scheduler")
SWEEP_JOB = "conaig-reminder-sweep"
DISPATCH_JOB = "conaig-outbox-dispatch"


@dataclass(frozen=True)
class WorkerOptions:
    sweep_every_minutes: int = 15
    dispatch_every_seconds: int = 30
    misfire_grace_seconds: int = 3600  # a job late after a pause still runs (not the 1 s default)


def run_sweep(app: App) -> None:
    report = sweep(app)
    if report.written:
        log.info("barrido: %d recordatorios nuevos en la bandeja de salida", report.written)


def run_dispatch(app: App) -> None:
    report = dispatch(app)
    if report.sent or report.retried or report.dead:
        log.info("envío: %d enviados, %d reintentos, %d sin entregar", report.sent, report.retried, report.dead)


def catch_up(app: App) -> None:
    """At start-up: sweep what fell due while nothing ran, then send it."""
    run_sweep(app)
    run_dispatch(app)


def build_scheduler(app: App, options: WorkerOptions = WorkerOptions()) -> BlockingScheduler:
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
    scheduler = BlockingScheduler(timezone=LIMA, job_defaults=defaults)
    scheduler.add_job(
        run_sweep, "interval", minutes=options.sweep_every_minutes, id=SWEEP_JOB, name="Barrido de recordatorios",
        replace_existing=True, args=[app], **defaults,
    )
    scheduler.add_job(
        run_dispatch, "interval", seconds=options.dispatch_every_seconds, id=DISPATCH_JOB,
        name="Envío de la bandeja de salida", replace_existing=True, args=[app], **defaults,
    )
    return scheduler


def run_worker(app: App, options: WorkerOptions = WorkerOptions()) -> None:
    """Catch up, then tick until SIGTERM/SIGINT (a SIGTERM during the catch-up lets it finish
    its batch and then stops, rather than dying between a send and its mark)."""
    scheduler = build_scheduler(app, options)
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    catch_up(app)
    if stopping.is_set():
        return
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=False)
