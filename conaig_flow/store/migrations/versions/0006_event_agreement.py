"""events.agreement_id: the session agreement that took an in-session step

Revision ID: 0006_event_agreement
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_event_agreement"
down_revision = "0001_core"
branch_labels = ("event_agreement",)
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("agreement_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("agreement_id")
