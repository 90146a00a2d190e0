"""The sessions migration branch builds exactly the tables the SQLModel metadata declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conaig_flow.bootstrap import App
from conaig_flow.store import migrate
from conaig_flow.store.tables_all import metadata


def test_the_migrated_schema_matches_the_metadata_including_the_session_tables(app: App) -> None:
    assert migrate.pending(app.db) == set()
    with app.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        tables = set(conn.dialect.get_table_names(conn))
    assert diff == []
    assert {"sessions", "session_items", "session_attendance", "session_votes", "session_agreements",
            "session_actas", "session_acta_signatures", "session_conflicts", "session_documents"} <= tables
