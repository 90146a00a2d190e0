"""The dispatcher: claim a batch, build and send each message over one connection, mark the
batch sent with the server's replies; failures retry with backoff or go to the dead letter.

At-least-once: a message the server accepted whose row was not yet marked sent (the process
died in between) is sent again when its lease expires, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from conaig_flow.app import App
from conaig_flow.notify import outbox
from conaig_flow.notify.messages import Claimed
from conaig_flow.notify.reminder_context import expand_claimed
from conaig_flow.notify.render import Renderer
from conaig_flow.notify.senders import Sender, SendFailed, sender_for


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def renderer_for(app: App) -> Renderer:
    """The templates with the plan's names as globals (a message's context may override them)."""
    plan = app.definitions().plan
    names = {"plan_title": plan.plan.title, "commission": plan.commission.name, "commission_code": plan.commission.code}
    return Renderer(app.settings.notifications_dir, app.settings.smtp_from, names)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _hold_after_claim(path: str, claimed: list[Claimed]) -> None:
    """Test-only hook (CONAIG_TEST_HOLD_AFTER_CLAIM): announce the claim and wait to be killed."""
    Path(path).write_text(" ".join(str(c.id) for c in claimed), encoding="utf-8")
    while True:
        time.sleep(60)


async def dispatch_async(
    app: App, sender: Sender | None = None, *, worker: str | None = None, max_batches: int | None = None
) -> DispatchReport:
    """Send what is due until the outbox has nothing claimable left (or ``max_batches``)."""
    worker = worker or worker_id()
    sender = sender or sender_for(app.settings)
    renderer = renderer_for(app)
    report = DispatchReport()
    batches = 0
    await sender.open()
    try:
        while max_batches is None or batches < max_batches:
            claimed = outbox.claim(app, worker, app.settings.outbox_batch)
            if not claimed:
                break
            claimed = expand_claimed(app, claimed)
            batches += 1
            if app.settings.dispatch_hold_after_claim:
                _hold_after_claim(app.settings.dispatch_hold_after_claim, claimed)
            replies: dict[int, str] = {}
            for item in claimed:
                try:
                    try:
                        env_from, rcpts, data = renderer.build(item, app.clock.now())
                    except (jinja2.TemplateError, ValueError) as exc:
                        raise SendFailed(f"plantilla «{item.template}»: {exc}", permanent=True) from exc
                    replies[item.id] = await sender.send(env_from, rcpts, data)
                except SendFailed as exc:
                    status = outbox.mark_failed(app, worker, item, str(exc), permanent=exc.permanent)
                    report.errors.append(f"{item.key}: {exc}")
                    if status == "dead":
                        report.dead += 1
                    else:
                        report.retried += 1
            report.sent += outbox.mark_sent(app, worker, replies)
    finally:
        await sender.close()
    return report


def dispatch(app: App, sender: Sender | None = None, *, max_batches: int | None = None) -> DispatchReport:
    return asyncio.run(dispatch_async(app, sender, max_batches=max_batches))
