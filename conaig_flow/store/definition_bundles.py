"""Definitions kept in the database: the plan and lifecycle texts of each load, as one JSON
bundle per row of ``definitions``, read back (and validated again) as the definitions in force."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, func, select, text

from conaig_flow.errors import NotInitialised
from conaig_flow.store.db import Database
from conaig_flow.store.definitions import Definitions, Source, parse_definitions
from conaig_flow.store.tables import DefinitionRow

DEF = DefinitionRow.__table__  # type: ignore[attr-defined]


def bundle_text(defs: Definitions) -> str:
    """What a row of ``definitions`` stores: the texts of the plan and its lifecycles."""
    return json.dumps(
        {
            "plan": {"name": defs.plan_source.name, "text": defs.plan_source.text},
            "lifecycles": [{"name": s.name, "text": s.text} for s in defs.lifecycle_sources],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def stored_definitions(db: Database) -> Definitions:
    """The newest definitions stored in the database (validated again on the way in)."""
    return stored_definitions_with_id(db)[1]


def stored_definitions_with_id(db: Database) -> tuple[int, Definitions]:
    """(row id, definitions) of the newest definitions stored in the database."""
    try:
        with db.read() as conn:
            row = conn.execute(select(DEF.c.id, DEF.c.text).order_by(DEF.c.id.desc()).limit(1)).first()
    except Exception as exc:  # the tables do not exist yet
        if "definitions" in str(exc).lower() or "no such table" in str(exc).lower():
            raise NotInitialised() from None
        raise
    if row is None:
        raise NotInitialised()
    return int(row.id), _parse(row.text)


def newest_definitions_id(db: Database) -> int | None:
    """The id of the newest stored definitions (one indexed lookup); None before any is stored."""
    try:
        with db.read() as conn:
            newest = conn.execute(select(func.max(DEF.c.id))).scalar()
    except Exception as exc:  # the tables do not exist yet
        if "definitions" in str(exc).lower() or "no such table" in str(exc).lower():
            return None
        raise
    return int(newest) if newest is not None else None


def locked_newest_definitions(conn: Connection) -> tuple[int, Definitions]:
    """Inside a write transaction: the newest stored definitions, with the table locked against
    other writers of definitions until the transaction ends (SQLite's ``BEGIN IMMEDIATE``
    already holds the write lock; PostgreSQL takes a table lock that readers do not wait on)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE definitions IN SHARE ROW EXCLUSIVE MODE"))
    row = conn.execute(select(DEF.c.id, DEF.c.text).order_by(DEF.c.id.desc()).limit(1)).first()
    if row is None:
        raise NotInitialised()
    return int(row.id), _parse(row.text)


def _parse(bundle_json: str) -> Definitions:
    bundle = json.loads(bundle_json)
    return parse_definitions(
        Source(bundle["plan"]["name"], bundle["plan"]["text"]),
        tuple(Source(s["name"], s["text"]) for s in bundle["lifecycles"]),
    )


def definitions_row_at(conn: Connection, when: datetime) -> tuple[int, str] | None:
    """(id, bundle) of the definitions in force at ``when``: the newest stored by then, else
    (a history recorded with earlier dates than the plan's load) the oldest stored."""
    row = conn.execute(select(DEF.c.id, DEF.c.text).where(DEF.c.loaded_at <= when).order_by(DEF.c.id.desc()).limit(1)).first()
    if row is None:
        row = conn.execute(select(DEF.c.id, DEF.c.text).order_by(DEF.c.id).limit(1)).first()
    return (int(row.id), str(row.text)) if row is not None else None


def parse_bundle(bundle_json: str) -> Definitions:
    """The definitions a stored bundle holds (validated again)."""
    return _parse(bundle_json)
