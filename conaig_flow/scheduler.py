"""APScheduler 3.x as a ticker only: it says *when* to sweep and dispatch; the truth (deadlines,
policy, outbox) lives in the database. Run by ``conaig worker`` — never one scheduler per web
worker — or, when ``conaig serve`` runs one process on SQLite, inside that process
(``InProcessWorker``: a BackgroundScheduler started and stopped by the web app's lifespan). Several workers on one PostgreSQL database are safe: the sweep writes each reminder
once (unique key) and dispatchers claim rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from conaig_flow.app import App
from conaig_flow.clock import LIMA, SystemClock
from conaig_flow.notify import dispatch
from conaig_flow.services.notifications.reminders import sweep

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


def _add_jobs(scheduler: BaseScheduler, app: App, options: WorkerOptions, first_run: datetime | None = None) -> None:
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
    start = {"next_run_time": first_run} if first_run is not None else {}
    scheduler.add_job(
        run_sweep, "interval", minutes=options.sweep_every_minutes, id=SWEEP_JOB, name="Barrido de recordatorios",
        replace_existing=True, args=[app], **defaults, **start,
    )
    scheduler.add_job(
        run_dispatch, "interval", seconds=options.dispatch_every_seconds, id=DISPATCH_JOB,
        name="Envío de la bandeja de salida", replace_existing=True, args=[app], **defaults, **start,
    )


def build_scheduler(app: App, options: WorkerOptions = WorkerOptions()) -> BackgroundScheduler:
    """The ticker of ``conaig worker`` (started by ``run_worker``)."""
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
    scheduler = BackgroundScheduler(timezone=LIMA, job_defaults=defaults)
    _add_jobs(scheduler, app, options)
    return scheduler


class InProcessWorker:
    """The reminder worker inside the web process (single-process SQLite only): a
    BackgroundScheduler whose first sweep and dispatch run at once (the catch-up), in its
    thread pool, so the server starts without waiting for them."""

    def __init__(self, app: App, options: WorkerOptions = WorkerOptions()) -> None:
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
        self.scheduler = BackgroundScheduler(timezone=LIMA, job_defaults=defaults)
        # APScheduler ticks on wall-clock time, whatever the app's (possibly shifted) clock says
        _add_jobs(self.scheduler, app, options, first_run=SystemClock().now().astimezone(LIMA))

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        self.scheduler.start()
        log.info("worker de recordatorios iniciado en el proceso web")

    def stop(self) -> None:
        """Stop ticking and wait for a running sweep or dispatch to finish its batch."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)


def run_worker(app: App, options: WorkerOptions = WorkerOptions()) -> None:
    """Catch up, then tick until SIGTERM/SIGINT. The signal only sets a flag that the main
    thread waits on: whenever it arrives (during the catch-up, while the scheduler starts, or
    while it ticks) the worker stops, after the sweep or dispatch batch in hand has finished
    and been marked, rather than dying between a send and its mark."""
    scheduler = build_scheduler(app, options)
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    catch_up(app)
    if stopping.is_set():
        return
    scheduler.start()
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        scheduler.shutdown(wait=True)
