"""Imports every table module so that ``metadata`` knows all tables (Alembic, tests)."""

from __future__ import annotations

from conaig_flow.store import (  # noqa: F401  (imported for their tables)
    tables,
    tables_consultation,
    tables_notify,
    tables_sessions,
    tables_signatures,
)
from conaig_flow.store.tables import metadata

__all__ = ["metadata"]
from conaig_flow.store import tables_web  # noqa: F401
