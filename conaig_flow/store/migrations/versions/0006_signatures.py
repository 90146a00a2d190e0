"""signature tables: signed documents, PAdES signatures, external signing preparations

Revision ID: 0006_signatures
Revises: 0002_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = "0006_signatures"
down_revision = "0002_sessions"
branch_labels = ("signatures",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acta_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("base_sha256", sa.String(), nullable=False),
        sa.Column("current_sha256", sa.String(), nullable=False),
        sa.Column("slots", sa.String(), nullable=False),
        sa.Column("checkpoint_seq", sa.Integer(), nullable=True),
        sa.Column("checkpoint_root", sa.String(), nullable=True),
        sa.Column("prepared_by", sa.String(), nullable=False),
        sa.Column("prepared_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["acta_id"], ["session_actas.id"]),
        sa.ForeignKeyConstraint(["base_sha256"], ["documents.sha256"]),
        sa.ForeignKeyConstraint(["current_sha256"], ["documents.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("acta_id"),
    )
    op.create_table(
        "pdf_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signed_document_id", sa.Integer(), nullable=False),
        sa.Column("slot_key", sa.String(), nullable=False),
        sa.Column("entity_code", sa.String(), nullable=False),
        sa.Column("signer_name", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("certificate_sha256", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("revision_sha256", sa.String(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["signed_document_id"], ["signed_documents.id"]),
        sa.ForeignKeyConstraint(["revision_sha256"], ["documents.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("signed_document_id", "slot_key", name="uq_pdf_signature_slot"),
    )
    with op.batch_alter_table("pdf_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pdf_signatures_signed_document_id"), ["signed_document_id"], unique=False)
    op.create_table(
        "external_signings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signed_document_id", sa.Integer(), nullable=False),
        sa.Column("slot_key", sa.String(), nullable=False),
        sa.Column("from_sha256", sa.String(), nullable=False),
        sa.Column("prepared_sha256", sa.String(), nullable=False),
        sa.Column("prepared_by", sa.String(), nullable=False),
        sa.Column("prepared_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["signed_document_id"], ["signed_documents.id"]),
        sa.ForeignKeyConstraint(["from_sha256"], ["documents.sha256"]),
        sa.ForeignKeyConstraint(["prepared_sha256"], ["documents.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("external_signings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_signings_signed_document_id"), ["signed_document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("external_signings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_signings_signed_document_id"))
    op.drop_table("external_signings")
    with op.batch_alter_table("pdf_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdf_signatures_signed_document_id"))
    op.drop_table("pdf_signatures")
    op.drop_table("signed_documents")
