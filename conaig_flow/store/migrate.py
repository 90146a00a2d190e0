"""Bringing a database schema up to date with Alembic, programmatically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conaig_flow.store.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that use it: only ``init`` and the checks before it
# migrate, and importing Alembic costs more than many a command's whole run.

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(db: Database) -> None:
    """Apply every pending migration (all branches: ``heads``)."""
    from alembic import command

    cfg = _config()
    with db.translate_errors(), db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
        conn.commit()


def pending(db: Database) -> set[str]:
    """Heads of the migration scripts not yet applied to this database."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    with db.translate_errors(), db.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return set(script.get_heads()) - current
