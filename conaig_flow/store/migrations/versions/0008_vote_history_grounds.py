"""the vote history keeps what a correction replaced (a voto singular's written grounds, handed
or waived) and whether a ballot was cast as it happened; every vote cast before the history
existed gets its history row

Revision ID: 0008_vote_history_grounds
Revises: 0007_session_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = '0008_vote_history_grounds'
down_revision = '0007_session_console'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('session_vote_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('replaced_grounds', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('replaced_grounds_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('replaced_grounds_waived_at', UTCDateTime(), nullable=True))
    # Votes recorded before migration 0007 have no history row: give each one its first ballot
    # (who recorded it, when it was cast), so the history holds every ballot that counts.
    op.execute(
        """
        INSERT INTO session_vote_history
            (item_id, entity_code, capacity, person_name, sense, reason, singular,
             cast_by, cast_by_role, correction, cast_at)
        SELECT v.item_id, v.entity_code, v.capacity, v.person_name, v.sense, v.reason, v.singular,
               v.recorded_by,
               COALESCE((SELECT u.role FROM users u WHERE u.email = v.recorded_by), 'secretariat'),
               false, v.cast_at
        FROM session_votes v
        WHERE NOT EXISTS (
            SELECT 1 FROM session_vote_history h
            WHERE h.item_id = v.item_id AND h.entity_code = v.entity_code
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table('session_vote_history', schema=None) as batch_op:
        batch_op.drop_column('replaced_grounds_waived_at')
        batch_op.drop_column('replaced_grounds_at')
        batch_op.drop_column('replaced_grounds')
        batch_op.drop_column('live')
