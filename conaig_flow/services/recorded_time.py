"""The latest instant recorded anywhere in the database: what a demonstration's clock must
not go back before, so that no record made after a restart carries an earlier time than one
made before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from conaig_flow.app import App
from conaig_flow.store.tables_all import metadata
from conaig_flow.store.types import UTCDateTime

#: columns that hold an instant planned for later (a deadline, a session's hour, a retry), not
#: one at which something was recorded
PLANNED = frozenset({
    ("deliverables", "due_at"), ("outbox", "available_at"), ("outbox", "lease_until"),
    ("sessions", "scheduled_at"), ("sessions", "second_call_at"), ("consultations", "opens_at"),
    ("consultations", "closes_at"), ("session_items", "vote_at"),
})


def recorded_columns() -> list[tuple[str, str]]:
    """(table, column) of every instant column that records when something happened."""
    return [
        (t.name, c.name)
        for t in metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, UTCDateTime) and (t.name, c.name) not in PLANNED
    ]


def latest_instant(app: App) -> datetime | None:
    """The latest recorded instant (UTC), or None in an empty database."""
    found: list[datetime] = []
    with app.db.read() as conn:
        for table, column in recorded_columns():
            col = metadata.tables[table].c[column]
            value = conn.execute(select(func.max(col))).scalar_one_or_none()
            if isinstance(value, datetime):
                found.append(value)
    return max(found) if found else None
