"""sessions held as Ley N° 27444 says: cancellation and postponement (with the calendar
SEQUENCE), voto singular grounds, attendees who ask to sign the acta

Revision ID: 0006_session_law
Revises: 0002_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = '0006_session_law'
down_revision = '0002_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('session_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('singular', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('grounds', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('grounds_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('grounds_waived_at', UTCDateTime(), nullable=True))
    op.create_table('session_acta_sign_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acta_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acta_id'], ['session_actas.id'], ),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('acta_id', 'entity_code', name='uq_sign_request')
    )
    with op.batch_alter_table('session_acta_sign_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_acta_sign_requests_acta_id'), ['acta_id'], unique=False)
    op.create_table('session_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('previous_at', UTCDateTime(), nullable=False),
    sa.Column('new_at', UTCDateTime(), nullable=True),
    sa.Column('new_second_call_at', UTCDateTime(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.String(), nullable=False),
    sa.Column('changed_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_changes_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('session_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_changes_session_id'))
    op.drop_table('session_changes')
    with op.batch_alter_table('session_acta_sign_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_acta_sign_requests_acta_id'))
    op.drop_table('session_acta_sign_requests')
    with op.batch_alter_table('session_votes', schema=None) as batch_op:
        batch_op.drop_column('grounds_waived_at')
        batch_op.drop_column('grounds_at')
        batch_op.drop_column('grounds')
        batch_op.drop_column('singular')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('sequence')
