"""Definitions kept in the database: the plan and lifecycle texts of each load, as one JSON
bundle per row of ``definitions``, read back (and validated again) as the definitions in force."""

from __future__ import annotations

import json

from sqlalchemy import select

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
    try:
        with db.read() as conn:
            row = conn.execute(select(DEF.c.text).order_by(DEF.c.id.desc()).limit(1)).first()
    except Exception as exc:  # the tables do not exist yet
        if "definitions" in str(exc).lower() or "no such table" in str(exc).lower():
            raise NotInitialised() from None
        raise
    if row is None:
        raise NotInitialised()
    bundle = json.loads(row.text)
    return parse_definitions(
        Source(bundle["plan"]["name"], bundle["plan"]["text"]),
        tuple(Source(s["name"], s["text"]) for s in bundle["lifecycles"]),
    )
