"""Notifications' adapter: the outbox (``outbox``, ``messages``), a reminder's template
context (``reminder_context``), recipients, calendar files (``ics``), rendering, MIME, senders
and the dispatcher that moves messages from the outbox to a sender (``dispatch``). It decides
nothing about *what* to send: ``services.notifications`` (reminders, event notices) and the
features' own notices do, and write here::

    outbox.enqueue(conn, NewMessage(...), now)   # any message, inside the caller's transaction
    dispatch.dispatch(app)                       # what the scheduler and `conaig remind` run

Import from the modules: the package imports none of them, so that writing to the outbox does
not load the senders and templates.
"""
