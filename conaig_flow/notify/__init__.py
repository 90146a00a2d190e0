"""Notifications' adapter: the outbox, rendering, MIME, calendar files, senders and the
dispatcher that moves messages from the outbox to a sender. It decides nothing about *what*
to send: that is ``services.notifications`` (reminders, event notices) and the features'
own notices; they write here.

Public entry points::

    enqueue(conn, NewMessage(...), now)          # any message, inside the caller's transaction
    dispatch(app)                                # what the scheduler and `conaig remind` run
"""

from __future__ import annotations

from conaig_flow.notify.dispatch import DispatchReport, dispatch, dispatch_async
from conaig_flow.notify.ics import deadline_event, session_ics
from conaig_flow.notify.messages import Attachment, NewMessage
from conaig_flow.notify.outbox import enqueue, enqueue_many

__all__ = [
    "Attachment",
    "DispatchReport",
    "NewMessage",
    "deadline_event",
    "dispatch",
    "dispatch_async",
    "enqueue",
    "enqueue_many",
    "session_ics",
]
