"""audit: a hash of each deliverable's identity fields and of each document attachment

Revision ID: 0006_audit
Revises: 0001_core

Existing rows get their hashes from what they hold when the migration runs (from then on an
edit of a title, a due date or a document's name is found by ``conaig audit verify``); the
events' hash chain is unchanged, so existing chains verify as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.domain.audit_chain import attachment_hash, identity_hash
from conaig_flow.store.types import UTCDateTime

revision = "0006_audit"
down_revision = "0001_core"
branch_labels = ("audit",)
depends_on = None

_D = sa.table(
    "deliverables", sa.column("id", sa.Integer()), sa.column("plan_code", sa.String()), sa.column("activity", sa.String()),
    sa.column("kind", sa.String()), sa.column("owner", sa.String()), sa.column("owner_kind", sa.String()),
    sa.column("period", sa.String()), sa.column("title", sa.String()), sa.column("due_at", UTCDateTime()),
    sa.column("origin", sa.String()), sa.column("created_at", UTCDateTime()), sa.column("identity_hash", sa.String()),
)
_DD = sa.table(
    "deliverable_documents", sa.column("id", sa.Integer()), sa.column("deliverable_id", sa.Integer()),
    sa.column("sha256", sa.String()), sa.column("name", sa.String()), sa.column("uploaded_by", sa.String()),
    sa.column("uploaded_at", UTCDateTime()), sa.column("event_seq", sa.Integer()), sa.column("row_hash", sa.String()),
)


def upgrade() -> None:
    op.add_column("deliverables", sa.Column("identity_hash", sa.String(), nullable=True))
    op.add_column("deliverable_documents", sa.Column("row_hash", sa.String(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_D)).mappings().all()
    if rows:
        conn.execute(
            _D.update().where(_D.c.id == sa.bindparam("row_id")).values(identity_hash=sa.bindparam("digest")),
            [{"row_id": r["id"], "digest": identity_hash(dict(r))} for r in rows],
        )
    docs = conn.execute(sa.select(_DD)).mappings().all()
    if docs:
        conn.execute(
            _DD.update().where(_DD.c.id == sa.bindparam("row_id")).values(row_hash=sa.bindparam("digest")),
            [{"row_id": r["id"], "digest": attachment_hash(dict(r))} for r in docs],
        )


def downgrade() -> None:
    op.drop_column("deliverable_documents", "row_hash")
    op.drop_column("deliverables", "identity_hash")
