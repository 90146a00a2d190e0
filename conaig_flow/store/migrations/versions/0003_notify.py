"""notify tables: outbox, reminder sweep mark, extra non-working days

Revision ID: 0003_notify
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = "0003_notify"
down_revision = "0001_core"
branch_labels = ("notify",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.String(), nullable=False),
        sa.Column("context", sa.String(), nullable=False),
        sa.Column("attachments", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("smtp_reply", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_available", ["status", "available_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_deliverable_id"), ["deliverable_id"], unique=False)

    op.create_table(
        "reminder_sweeps",
        sa.Column("plan_code", sa.String(), nullable=False),
        sa.Column("swept_until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_code"),
    )
    op.create_table(
        "non_working_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("non_working_days")
    op.drop_table("reminder_sweeps")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_deliverable_id"))
        batch_op.drop_index("ix_outbox_status_available")
    op.drop_table("outbox")
