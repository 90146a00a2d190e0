"""Alembic environment: always run programmatically with a connection (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from conaig_flow.store.tables_all import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
