"""The dispatcher: claim a batch, build and send each message over one connection, mark each
one sent as soon as the server accepted it; failures retry with backoff or go to the dead
letter.

A claim is held with a lease that the dispatcher extends while it works through the batch
(the heartbeat, whenever less than half of it is left), so a batch slower than the lease is
not taken over by another dispatcher; a row whose lease did expire and that another
dispatcher claimed is left to it (the claim token, see ``outbox``).

At-least-once: a message the server accepted whose row was not yet marked sent (the process
died in between) is sent again when its lease expires, with the same Message-ID. That window
is one message per dead dispatcher, never a batch.

Stopping (``stop`` set, e.g. by SIGTERM): no new claim, the message in hand is finished and
marked, the rest of the claim is released at once for another dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import jinja2

from conaig_flow.app import App
from conaig_flow.notify import outbox
from conaig_flow.notify.messages import Claimed
from conaig_flow.notify.recipients import display_names
from conaig_flow.notify.reminder_context import expand_claimed
from conaig_flow.notify.render import Renderer
from conaig_flow.notify.senders import Sender, SendFailed, sender_for

#: The notification templates that ship with the package: in a checkout, a link to the
#: repository's ``notifications/``; in an installed wheel, the copy packed in it.
SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "_notifications"

log = logging.getLogger("conaig_flow.notify.dispatch")


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    released: int = 0  # claimed, not sent, given back because the dispatcher was stopping
    lost: int = 0  # claimed rows another dispatcher took after this claim's lease expired
    errors: list[str] = field(default_factory=list)


def renderer_for(app: App) -> Renderer:
    """The templates with the plan's names as globals (a message's context may override them),
    and the links made absolute under the public address of this moment (``App.public_url``:
    a worker with no address of its own uses the one the serving process recorded)."""
    plan = app.definitions().plan
    names = {"plan_title": plan.plan.title, "commission": plan.commission.name, "commission_code": plan.commission.code}
    return Renderer(app.settings.notifications_dir or SHIPPED_TEMPLATES, app.settings.smtp_from, names,
                    public_url=app.public_url())


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _hold_after_claim(path: str, claimed: list[Claimed]) -> None:
    """Test-only hook (CONAIG_TEST_HOLD_AFTER_CLAIM): announce the claim and wait to be killed."""
    Path(path).write_text(" ".join(str(c.id) for c in claimed), encoding="utf-8")
    while True:
        time.sleep(60)


class _Lease:
    """The lease of one claim: extended when less than half of it is left."""

    def __init__(self, app: App, claimed: list[outbox.Claimed]) -> None:
        self.app = app
        self.token = claimed[0].token
        self.until: datetime = claimed[0].lease_until or app.clock.now()
        self.half = timedelta(seconds=app.settings.outbox_lease_seconds / 2)

    def holds(self, pending: list[outbox.Claimed]) -> set[int]:
        """The ids of ``pending`` this claim still holds, after a heartbeat if one is due."""
        ids = {c.id for c in pending}
        if self.until - self.app.clock.now() >= self.half:
            return ids
        held, self.until = outbox.extend_lease(self.app, self.token, sorted(ids))
        return held


async def dispatch_async(
    app: App,
    sender: Sender | None = None,
    *,
    worker: str | None = None,
    max_batches: int | None = None,
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Send what is due until the outbox has nothing claimable left (or ``max_batches``, or
    ``stop`` is set)."""
    worker = worker or worker_id()
    sender = sender or sender_for(app.settings)
    renderer = renderer_for(app)
    report = DispatchReport()
    batches = 0
    stopping = stop.is_set if stop is not None else (lambda: False)
    await sender.open()
    try:
        while (max_batches is None or batches < max_batches) and not stopping():
            claimed = outbox.claim(app, worker, app.settings.outbox_batch)
            if not claimed:
                break
            claimed = expand_claimed(app, claimed)
            batches += 1
            if app.settings.dispatch_hold_after_claim:
                _hold_after_claim(app.settings.dispatch_hold_after_claim, claimed)
            with app.db.read() as conn:  # people are addressed by their names
                names = display_names(conn, (r for item in claimed for r in (*item.to, *item.cc)))
            await _send_claim(app, sender, renderer, claimed, report, stopping, names)
    finally:
        await sender.close()
    return report


async def _send_claim(
    app: App, sender: Sender, renderer: Renderer, claimed: list[outbox.Claimed], report: DispatchReport,
    stopping: Callable[[], bool], names: Mapping[str, str],
) -> None:
    lease = _Lease(app, claimed)
    pending = list(claimed)
    while pending:
        if stopping():
            report.released += outbox.release(app, lease.token, [c.id for c in pending])
            return
        held = lease.holds(pending)
        if len(held) < len(pending):
            report.lost += len(pending) - len(held)
            log.warning("envío: %d mensaje(s) de este lote pasaron a otro proceso (plazo de reserva vencido)",
                        len(pending) - len(held))
            pending = [c for c in pending if c.id in held]
            continue
        item = pending.pop(0)
        try:
            try:
                env_from, rcpts, data = renderer.build(item, app.clock.now(), names)
            except jinja2.TemplateError as exc:
                raise SendFailed(f"plantilla «{item.template}»: {exc}", permanent=True) from exc
            except ValueError as exc:  # an address or header the email package refuses
                raise SendFailed(f"mensaje «{item.template}» no válido: {exc}", permanent=True) from exc
            reply = await sender.send(env_from, rcpts, data)
        except SendFailed as exc:
            status = outbox.mark_failed(app, item, str(exc), permanent=exc.permanent)
            report.errors.append(f"{item.key}: {exc}")
            if status == "dead":
                report.dead += 1
            elif status == "lost":
                report.lost += 1
            else:
                report.retried += 1
            continue
        if outbox.mark_sent(app, item, reply):
            report.sent += 1
        else:
            report.lost += 1
            log.warning("envío: «%s» fue aceptado por el servidor, pero otro proceso ya lo había tomado", item.key)


def dispatch(
    app: App, sender: Sender | None = None, *, max_batches: int | None = None, stop: threading.Event | None = None
) -> DispatchReport:
    return asyncio.run(dispatch_async(app, sender, max_batches=max_batches, stop=stop))
