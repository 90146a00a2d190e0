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
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services.notifications.reminders import sweep

log = logging.getLogger("conaig_flow.scheduler")
SWEEP_JOB = "conaig-reminder-sweep"
DISPATCH_JOB = "conaig-outbox-dispatch"
CHECKPOINT_JOB = "conaig-audit-checkpoint"


@dataclass(frozen=True)
class WorkerOptions:
    sweep_every_minutes: int = 15
    dispatch_every_seconds: int = 30
    misfire_grace_seconds: int = 3600  # a job late after a pause still runs (not the 1 s default)
    checkpoint_hour: int = 23  # Lima time of the daily audit checkpoint


def run_sweep(app: App) -> None:
    report = sweep(app)
    if report.written:
        log.info("barrido: %d recordatorios nuevos en la bandeja de salida", report.written)


def run_dispatch(app: App, stop: threading.Event | None = None) -> None:
    report = dispatch(app, stop=stop)
    if report.sent or report.retried or report.dead:
        log.info("envío: %d enviados, %d reintentos, %d sin entregar", report.sent, report.retried, report.dead)
    if report.released:
        log.info("envío detenido: %d mensaje(s) devueltos a la bandeja de salida para otro proceso", report.released)


def run_checkpoint(app: App) -> None:
    """The daily audit checkpoint (besides those written at each session's close and report)."""
    from conaig_flow.services import checkpoints

    point = checkpoints.write(app, "punto de control diario")
    log.info("punto de control de auditoría %s", point.label)


def catch_up(app: App, stop: threading.Event | None = None) -> None:
    """At start-up: sweep what fell due while nothing ran, then send it; write the daily audit
    checkpoint if none was written in the last day."""
    from datetime import timedelta

    from conaig_flow.services import checkpoints

    run_sweep(app)
    if stop is None or not stop.is_set():
        run_dispatch(app, stop)
    last = checkpoints.latest(app)
    if last is None or app.clock.now() - last.at > timedelta(days=1):
        run_checkpoint(app)


def _add_jobs(
    scheduler: BaseScheduler, app: App, options: WorkerOptions, first_run: datetime | None = None,
    stop: threading.Event | None = None,
) -> None:
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
    start = {"next_run_time": first_run} if first_run is not None else {}
    scheduler.add_job(
        run_sweep, "interval", minutes=options.sweep_every_minutes, id=SWEEP_JOB, name="Barrido de recordatorios",
        replace_existing=True, args=[app], **defaults, **start,
    )
    scheduler.add_job(
        run_dispatch, "interval", seconds=options.dispatch_every_seconds, id=DISPATCH_JOB,
        name="Envío de la bandeja de salida", replace_existing=True, args=[app, stop], **defaults, **start,
    )
    scheduler.add_job(
        run_checkpoint, "cron", hour=options.checkpoint_hour, minute=0, id=CHECKPOINT_JOB,
        name="Punto de control de auditoría diario", replace_existing=True, args=[app], **defaults,
    )


def build_scheduler(
    app: App, options: WorkerOptions = WorkerOptions(), stop: threading.Event | None = None
) -> BackgroundScheduler:
    """The ticker of ``conaig worker`` (started by ``run_worker``); ``stop`` ends a dispatch
    in progress after the message in hand."""
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
    scheduler = BackgroundScheduler(timezone=LIMA, job_defaults=defaults)
    _add_jobs(scheduler, app, options, stop=stop)
    return scheduler


class InProcessWorker:
    """The reminder worker inside the web process (single-process SQLite only): a
    BackgroundScheduler whose first sweep and dispatch run at once (the catch-up), in its
    thread pool, so the server starts without waiting for them."""

    def __init__(self, app: App, options: WorkerOptions = WorkerOptions()) -> None:
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}
        self.scheduler = BackgroundScheduler(timezone=LIMA, job_defaults=defaults)
        self.stopping = threading.Event()
        # APScheduler ticks on wall-clock time, whatever the app's (possibly shifted) clock says
        _add_jobs(self.scheduler, app, options, first_run=SystemClock().now().astimezone(LIMA), stop=self.stopping)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        self.scheduler.start()
        log.info("worker de recordatorios iniciado en el proceso web")

    def stop(self) -> None:
        """Stop ticking; a running dispatch finishes the message in hand and gives the rest
        of its claim back; a running sweep finishes its transaction."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)


def run_worker(app: App, options: WorkerOptions = WorkerOptions()) -> None:
    """Catch up, then tick until SIGTERM/SIGINT. The signal only sets a flag: whenever it
    arrives (during the catch-up, while the scheduler starts, or while it ticks) no new
    claim is made, the message in hand is finished and marked sent, the rest of the claim is
    released for another worker, and the function returns (exit 0) within seconds."""
    stopping = threading.Event()
    scheduler = build_scheduler(app, options, stopping)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    catch_up(app, stopping)
    if stopping.is_set():
        log.info("worker detenido durante la puesta al día")
        return
    scheduler.start()
    try:
        while not stopping.wait(0.5):
            pass
        log.info("deteniendo: se termina el mensaje en curso y se devuelve el resto del lote")
    finally:
        scheduler.shutdown(wait=True)
    log.info("worker detenido")
