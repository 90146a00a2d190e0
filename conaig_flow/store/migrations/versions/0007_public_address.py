"""public_address: the web app's public address recorded by the serving process (issue 13)

Revision ID: 0007_public_address
Revises: 0004_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = "0007_public_address"
down_revision = "0004_web"
branch_labels = ("public_address",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("public_address")
