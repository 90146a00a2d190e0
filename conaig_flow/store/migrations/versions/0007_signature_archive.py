"""signed documents: the archived copy (PAdES B-LTA) and why a copy is not B-LTA

Revision ID: 0007_signature_archive
Revises: 0006_signatures
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = "0007_signature_archive"
down_revision = "0006_signatures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signed_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_sha256", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("archive_level", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("archive_note", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_signed_documents_archived_sha256", "documents", ["archived_sha256"], ["sha256"])


def downgrade() -> None:
    with op.batch_alter_table("signed_documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_signed_documents_archived_sha256", type_="foreignkey")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("archive_note")
        batch_op.drop_column("archive_level")
        batch_op.drop_column("archived_sha256")
