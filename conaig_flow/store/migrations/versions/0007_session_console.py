"""the session console (issue 13): members' check-ins, requests for agenda items, every ballot
and correction kept, an item's vote closed, check-in open

Revision ID: 0007_session_console
Revises: 0006_session_law
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = '0007_session_console'
down_revision = '0006_session_law'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_open', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('session_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_closed_at', UTCDateTime(), nullable=True))
    op.create_table('session_vote_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('capacity', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('sense', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('singular', sa.Boolean(), nullable=False),
    sa.Column('cast_by', sa.String(), nullable=False),
    sa.Column('cast_by_role', sa.String(), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('cast_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['item_id'], ['session_items.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_vote_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_vote_history_item_id'), ['item_id'], unique=False)
    op.create_table('session_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('capacity', sa.String(), nullable=False),
    sa.Column('user_email', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('answered_by', sa.String(), nullable=True),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_checkins_session_id'), ['session_id'], unique=False)
    op.create_table('session_item_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('user_email', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('answered_by', sa.String(), nullable=True),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_item_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_item_requests_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_table('session_item_requests')
    op.drop_table('session_checkins')
    op.drop_table('session_vote_history')
    with op.batch_alter_table('session_items', schema=None) as batch_op:
        batch_op.drop_column('vote_closed_at')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('checkin_open')
