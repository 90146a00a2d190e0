"""core tables: plan definitions, entities, teams, users, deliverables, events, documents, refused attempts

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = "0001_core"
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:
    op.create_table('definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('loaded_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definitions_plan_code'), ['plan_code'], unique=False)

    op.create_table('deliverables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(), nullable=False),
    sa.Column('activity', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('owner_kind', sa.String(), nullable=False),
    sa.Column('period', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(), nullable=False),
    sa.Column('origin', sa.String(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_code', 'activity', 'owner', 'period', name='uq_deliverable_key')
    )
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverables_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_deliverables_state_due', ['state', 'due_at'], unique=False)

    op.create_table('documents',
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(), nullable=False),
    sa.Column('stored_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('entities',
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('participation', sa.String(), nullable=False),
    sa.Column('votes', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('refused_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor_email', sa.String(), nullable=False),
    sa.Column('actor_role', sa.String(), nullable=False),
    sa.Column('actor_entity', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('target', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refused_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refused_attempts_at'), ['at'], unique=False)

    op.create_table('teams',
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('activity', sa.String(), nullable=False),
    sa.Column('formed_at', UTCDateTime(), nullable=False),
    sa.Column('session_ref', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('deliverable_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('uploaded_by', sa.String(), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], ),
    sa.ForeignKeyConstraint(['sha256'], ['documents.sha256'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deliverable_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverable_documents_deliverable_id'), ['deliverable_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor_email', sa.String(), nullable=False),
    sa.Column('actor_role', sa.String(), nullable=False),
    sa.Column('actor_entity', sa.String(), nullable=False),
    sa.Column('trigger', sa.String(), nullable=False),
    sa.Column('from_state', sa.String(), nullable=False),
    sa.Column('to_state', sa.String(), nullable=False),
    sa.Column('comment', sa.String(), nullable=True),
    sa.Column('documents', sa.String(), nullable=False),
    sa.Column('norm_reference', sa.String(), nullable=True),
    sa.Column('session_ref', sa.String(), nullable=True),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(), nullable=False),
    sa.Column('hash', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('deliverable_id', 'seq', name='uq_event_seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_at'), ['at'], unique=False)

    op.create_table('team_members',
    sa.Column('team_code', sa.String(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['team_code'], ['teams.code'], ),
    sa.PrimaryKeyConstraint('team_code', 'entity_code')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('capacity', sa.String(), nullable=True),
    sa.Column('password_hash', sa.String(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_users_entity_code'), ['entity_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_entity_code'))
        batch_op.drop_index(batch_op.f('ix_users_email'))

    op.drop_table('users')
    op.drop_table('team_members')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_at'))

    op.drop_table('events')
    with op.batch_alter_table('deliverable_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverable_documents_deliverable_id'))

    op.drop_table('deliverable_documents')
    op.drop_table('teams')
    with op.batch_alter_table('refused_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refused_attempts_at'))

    op.drop_table('refused_attempts')
    op.drop_table('entities')
    op.drop_table('documents')
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_state_due')
        batch_op.drop_index(batch_op.f('ix_deliverables_owner'))

    op.drop_table('deliverables')
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definitions_plan_code'))

    op.drop_table('definitions')
