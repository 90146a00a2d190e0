"""Reminders and notifications: the outbox, rendering, senders and the dispatcher.

Public entry points for other services::

    enqueue(conn, NewMessage(...), now)          # any message, inside the caller's transaction
    enqueue_convocatoria(app, conn, key=..., context=..., ics=session_ics(...))
    sweep(app) / dispatch(app)                   # what the scheduler and `conaig remind` run
"""

from __future__ import annotations

from conaig_flow.notify.dispatch import DispatchReport, dispatch, dispatch_async
from conaig_flow.notify.events import enqueue_convocatoria, on_transition
from conaig_flow.notify.ics import deadline_event, session_cancel_ics, session_ics
from conaig_flow.notify.outbox import Attachment, NewMessage, enqueue, enqueue_many
from conaig_flow.notify.reminders import SweepReport, forecast_reminders, sweep

__all__ = [
    "Attachment",
    "DispatchReport",
    "NewMessage",
    "SweepReport",
    "deadline_event",
    "dispatch",
    "dispatch_async",
    "enqueue",
    "enqueue_convocatoria",
    "enqueue_many",
    "forecast_reminders",
    "on_transition",
    "session_cancel_ics",
    "session_ics",
    "sweep",
]
