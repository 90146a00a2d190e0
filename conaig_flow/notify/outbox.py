"""The outbox: messages written in the same transaction as what caused them, claimed by
dispatchers with a lease, marked sent with the server's reply, retried with backoff and
jitter, and ended in a visible dead letter.

Claiming: one ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING``.
On PostgreSQL, concurrent dispatchers skip each other's locked rows; on SQLite SQLAlchemy
drops ``FOR UPDATE`` and the write transaction is ``BEGIN IMMEDIATE`` (see store/db.py), so
claims are serialised by the database lock.

Every claim has a token of its own (stored in ``claimed_by``): marking a row sent or failed,
extending its lease (``extend_lease``, the heartbeat) and giving it back (``release``) only
touch rows that still carry the token. A dispatcher whose lease expired and whose rows
another one claimed since can therefore neither mark nor extend them, and learns so from the
heartbeat before it sends them.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql

from conaig_flow.app import App
from conaig_flow.errors import NotFound
from conaig_flow.notify.messages import (
    AUDIENCE,
    NO_RECIPIENTS,
    Attachment,
    Claimed,
    NewMessage,
    OutboxView,
    recipients_json,
)
from conaig_flow.notify.reminder_context import D, expand
from conaig_flow.store.tables_notify import OutboxRow

OB = OutboxRow.__table__  # type: ignore[attr-defined]
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
__all__ = [  # the message types are re-exported: callers may keep importing them from here
    "AUDIENCE", "NO_RECIPIENTS", "STATUSES", "Attachment", "Claimed", "NewMessage", "OutboxView", "backoff",
    "cancel_reminders", "claim", "claim_token", "counts", "enqueue", "enqueue_many", "extend_lease", "list_outbox",
    "mark_failed", "mark_sent", "recipients_json", "release", "retry", "show",
]
STATUSES = ("pending", "sending", "sent", "dead", "cancelled")


_EXISTING_KEYS = select(OB.c.key).where(OB.c.key.in_(bindparam("keys", expanding=True)))
_INSERT = insert(OB)


def _row_values(m: NewMessage, now: datetime) -> dict[str, Any]:
    status = "pending" if (m.to or m.cc) else "dead"
    return {
        "key": m.key,
        "kind": m.kind,
        "template": m.template,
        "deliverable_id": m.deliverable_id,
        "recipients": recipients_json(m.to, m.cc),
        "context": json.dumps(dict(m.context), ensure_ascii=False, default=str),
        "attachments": json.dumps([a.__dict__ for a in m.attachments], ensure_ascii=False) if m.attachments else "[]",
        "status": status,
        "attempts": 0,
        "available_at": now,
        "created_at": now,
        "last_error": None if status == "pending" else NO_RECIPIENTS,
    }


def enqueue_many(conn: Connection, messages: Sequence[NewMessage], now: datetime) -> int:
    """Insert the messages whose key is new (inside the caller's transaction); returns how
    many were new. A message with no recipient goes straight to the dead letter, visible."""
    if not messages:
        return 0
    rows = [_row_values(m, now) for m in messages]
    dialect = conn.dialect.name
    if dialect == "postgresql":  # batched into multi-row INSERTs: count what RETURNING gives back
        stmt: Any = postgresql.insert(OB).on_conflict_do_nothing(index_elements=["key"])
        return len(conn.execute(stmt.returning(OB.c.id), rows).all())
    if dialect == "sqlite":
        # SQLite write transactions are serialised (BEGIN IMMEDIATE), so "look, then insert
        # what is new" cannot race; unlike ON CONFLICT (which SQLAlchemy cannot cache and so
        # compiles on every call, about 1.7 ms) both statements are compiled once.
        fresh = {r["key"]: r for r in rows}
        for start in range(0, len(fresh), 500):
            chunk = list(fresh)[start : start + 500]
            for key in conn.execute(_EXISTING_KEYS, {"keys": chunk}).scalars():
                del fresh[key]
        if fresh:
            conn.execute(_INSERT, list(fresh.values()))
        return len(fresh)
    raise RuntimeError(dialect)  # pragma: no cover - only SQLite and PostgreSQL are supported


def enqueue(conn: Connection, message: NewMessage, now: datetime) -> bool:
    return enqueue_many(conn, [message], now) == 1


def _claimed(r: Any, token: str, lease_until: datetime) -> Claimed:
    rec = json.loads(r.recipients)
    return Claimed(
        id=r.id, key=r.key, kind=r.kind, template=r.template, to=rec["to"], cc=rec["cc"],
        context=json.loads(r.context), attachments=[Attachment(**a) for a in json.loads(r.attachments)],
        attempts=r.attempts, deliverable_id=r.deliverable_id, token=token, lease_until=lease_until,
    )


def claim_token(worker: str) -> str:
    """A token for one claim of ``worker`` (who, and which of its claims)."""
    return f"{worker}/{uuid.uuid4().hex[:12]}"


def claim(app: App, worker: str, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` rows that are due (or whose lease expired) for ``worker``, under
    a new claim token (each returned item carries it)."""
    now = app.clock.now()
    token = claim_token(worker)
    lease_until = now + timedelta(seconds=app.settings.outbox_lease_seconds)
    ready = or_(
        and_(OB.c.status == "pending", OB.c.available_at <= now),
        and_(OB.c.status == "sending", OB.c.lease_until <= now),
    )
    ids = select(OB.c.id).where(ready).order_by(OB.c.id).limit(limit).with_for_update(skip_locked=True)
    stmt = (
        update(OB)
        .where(OB.c.id.in_(ids.scalar_subquery()))
        .values(
            status="sending", attempts=OB.c.attempts + 1, claimed_by=token, lease_until=lease_until,
        )
        .returning(
            OB.c.id, OB.c.key, OB.c.kind, OB.c.template, OB.c.recipients, OB.c.context, OB.c.attachments, OB.c.attempts,
            OB.c.deliverable_id,
        )
    )
    with app.db.write() as conn:
        rows = conn.execute(stmt).all()
    return sorted((_claimed(r, token, lease_until) for r in rows), key=lambda c: c.id)


_HELD = and_(OB.c.id == bindparam("row_id"), OB.c.claimed_by == bindparam("token"), OB.c.status == "sending")
_MARK_SENT = update(OB).where(_HELD).values(
    status="sent", sent_at=bindparam("now"), smtp_reply=bindparam("reply"), lease_until=None, last_error=None
)


def mark_sent(app: App, item: Claimed, reply: str) -> bool:
    """Mark one row sent with the server's reply, in its own short transaction, as soon as
    the server accepted it. False when the claim no longer holds the row (its lease expired
    and another dispatcher took it): the message then went out twice, the at-least-once window."""
    with app.db.write() as conn:
        result = conn.execute(_MARK_SENT, {"row_id": item.id, "token": item.token, "now": app.clock.now(), "reply": reply[:500]})
    return int(result.rowcount) == 1


def extend_lease(app: App, token: str, ids: Sequence[int]) -> tuple[set[int], datetime]:
    """The heartbeat of a claim in progress: push the lease of the rows it still holds a full
    lease ahead. Returns those rows (any other was taken by another dispatcher) and the new end."""
    lease_until = app.clock.now() + timedelta(seconds=app.settings.outbox_lease_seconds)
    if not ids:
        return set(), lease_until
    stmt = (
        update(OB)
        .where(OB.c.id.in_(list(ids)), OB.c.claimed_by == token, OB.c.status == "sending")
        .values(lease_until=lease_until)
        .returning(OB.c.id)
    )
    with app.db.write() as conn:
        held = {int(i) for i in conn.execute(stmt).scalars()}
    return held, lease_until


def release(app: App, token: str, ids: Sequence[int]) -> int:
    """Give back rows a claim has not sent (a stopping dispatcher): pending again, due now,
    their attempt not counted, for another dispatcher to send."""
    if not ids:
        return 0
    stmt = (
        update(OB)
        .where(OB.c.id.in_(list(ids)), OB.c.claimed_by == token, OB.c.status == "sending")
        .values(status="pending", claimed_by=None, lease_until=None, attempts=OB.c.attempts - 1,
                available_at=app.clock.now())
    )
    with app.db.write() as conn:
        return int(conn.execute(stmt).rowcount)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential (30 s, 1 min, 2 min … capped at 2 h) with ±50 % jitter."""
    base = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    factor: float = (rng or random).uniform(0.5, 1.5)
    return timedelta(seconds=base.total_seconds() * factor)


def mark_failed(app: App, claimed: Claimed, error: str, *, permanent: bool) -> str:
    """A failed attempt: retry later (transient) or dead letter (permanent, or attempts
    exhausted), if the claim still holds the row. Returns the new status, or "lost" when
    another claim holds the row now (nothing changed)."""
    now = app.clock.now()
    dead = permanent or claimed.attempts >= app.settings.outbox_max_attempts
    values: dict[str, Any] = {"lease_until": None, "last_error": error[:1000]}
    if dead:
        values["status"] = "dead"
    else:
        values.update(status="pending", available_at=now + backoff(claimed.attempts))
    with app.db.write() as conn:
        result = conn.execute(
            update(OB).where(OB.c.id == claimed.id, OB.c.claimed_by == claimed.token, OB.c.status == "sending").values(**values)
        )
    return str(values["status"]) if result.rowcount == 1 else "lost"


_CANCEL_REMINDERS = (
    update(OB)
    .where(OB.c.deliverable_id == bindparam("deliverable"), OB.c.kind == "reminder", OB.c.status == "pending")
    .values(status="cancelled", last_error=bindparam("reason"))
)


def cancel_reminders(conn: Connection, deliverable_id: int, reason: str) -> int:
    """Reminders of a deliverable that are still waiting and no longer apply."""
    return int(conn.execute(_CANCEL_REMINDERS, {"deliverable": deliverable_id, "reason": reason}).rowcount)


def _view(r: Any) -> OutboxView:
    rec = json.loads(r.recipients)
    return OutboxView(
        id=r.id, key=r.key, kind=r.kind, template=r.template, deliverable_id=r.deliverable_id, to=rec["to"],
        cc=rec["cc"], status=r.status, attempts=r.attempts, available_at=r.available_at, created_at=r.created_at,
        sent_at=r.sent_at, smtp_reply=r.smtp_reply, last_error=r.last_error, context=json.loads(r.context),
    )


def list_outbox(app: App, status: str | None = None, limit: int = 200) -> list[OutboxView]:
    query = select(OB).order_by(OB.c.id.desc()).limit(limit)
    if status:
        query = query.where(OB.c.status == status)
    with app.db.read() as conn:
        return [_view(r) for r in conn.execute(query)]


def browse(app: App, status: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[OutboxView], int]:
    """Messages newest first (optionally of one status) from ``offset``, at most ``limit`` (None:
    all), each with the context its templates get (a reminder's completed from its deliverable),
    and how many there are in all."""
    where = [OB.c.status == status] if status else []
    query = select(OB).where(*where).order_by(OB.c.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with app.db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(OB).where(*where)).scalar_one())
        out = []
        for row in conn.execute(query).all() if limit != 0 else ():
            view = _view(row)
            full = _reminder_context(app, conn, row)
            out.append(view if full is None else replace(view, context=full))
    return out, total


def show(app: App, row_id: int) -> OutboxView:
    """One message, with the context its templates get (a reminder's is completed from its
    deliverable, as when it is sent)."""
    with app.db.read() as conn:
        row = conn.execute(select(OB).where(OB.c.id == row_id)).first()
        if row is None:
            raise NotFound(f"No existe el mensaje {row_id} en la bandeja de salida.")
        view = _view(row)
        full = _reminder_context(app, conn, row)
    return view if full is None else replace(view, context=full)


def retry(app: App, ids: Sequence[int] = (), *, all_dead: bool = False) -> int:
    """Put dead-letter rows back in the queue (attempts reset). A row that died for want of
    recipients has them resolved again from its audience (users registered since)."""
    from conaig_flow.notify.recipients import Directory

    cond = OB.c.status == "dead"
    if not all_dead:
        cond = and_(cond, OB.c.id.in_(list(ids)))
    plan = app.definitions().plan
    with app.db.write() as conn:
        rows = conn.execute(select(OB.c.id, OB.c.kind, OB.c.deliverable_id, OB.c.recipients, OB.c.context).where(cond)).all()
        directory = Directory.load(conn)
        for r in rows:
            values: dict[str, Any] = {"status": "pending", "attempts": 0, "available_at": app.clock.now(), "lease_until": None}
            aud = json.loads(r.context).get(AUDIENCE) or _reminder_audience(app, conn, r)
            rec = json.loads(r.recipients)
            if aud and not (rec["to"] or rec["cc"]):
                to = directory.audience(plan, aud["to"], aud["owner"], aud["owner_kind"], aud["activity"])
                cc = directory.audience(plan, aud["cc"], aud["owner"], aud["owner_kind"], aud["activity"])
                values["recipients"] = json.dumps({"to": to, "cc": sorted(set(cc) - set(to))})
            conn.execute(update(OB).where(OB.c.id == r.id).values(**values))
        return len(rows)


def _reminder_context(app: App, conn: Connection, row: Any) -> dict[str, Any] | None:
    """A reminder row stores only its facts; the rest of its context (the deliverable, the
    audience) comes from its deliverable and the policy (``notify.reminder_context.expand``)."""
    if row.kind != "reminder" or row.deliverable_id is None:
        return None
    deliverable = conn.execute(select(D).where(D.c.id == row.deliverable_id)).first()
    if deliverable is None:
        return None
    return expand(app.definitions(), deliverable, json.loads(row.context))


def _reminder_audience(app: App, conn: Connection, row: Any) -> dict[str, Any] | None:
    context = _reminder_context(app, conn, row)
    return None if context is None else dict(context[AUDIENCE])


def counts(app: App) -> dict[str, int]:
    with app.db.read() as conn:
        rows = conn.execute(select(OB.c.status, func.count()).group_by(OB.c.status)).all()
    return {str(s): int(n) for s, n in rows}
