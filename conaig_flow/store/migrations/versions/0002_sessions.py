"""sessions: sessions and working meetings, agenda items, attendance, conflicts, votes, agreements, actas, signatures, documents

Revision ID: 0002_sessions
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = '0002_sessions'
down_revision = '0001_core'
branch_labels = ('sessions',)
depends_on = None


def upgrade() -> None:
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('modality', sa.String(), nullable=False),
    sa.Column('place', sa.String(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('activity', sa.String(), nullable=True),
    sa.Column('scheduled_at', UTCDateTime(), nullable=False),
    sa.Column('second_call_at', UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('convened_at', UTCDateTime(), nullable=True),
    sa.Column('opened_at', UTCDateTime(), nullable=True),
    sa.Column('call', sa.String(), nullable=True),
    sa.Column('quorum_required', sa.Integer(), nullable=True),
    sa.Column('quorum_present', sa.Integer(), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('summary', sa.String(), nullable=True),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_code', 'kind', 'year', 'number', name='uq_session_number')
    )
    op.create_table('session_actas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('drafted_at', UTCDateTime(), nullable=False),
    sa.Column('approved_at', UTCDateTime(), nullable=True),
    sa.Column('approved_in', sa.Integer(), nullable=True),
    sa.Column('signed_at', UTCDateTime(), nullable=True),
    sa.Column('document_sha256', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['approved_in'], ['sessions.id'], ),
    sa.ForeignKeyConstraint(['document_sha256'], ['documents.sha256'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('session_id')
    )
    op.create_table('session_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('capacity', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('arrived_at', UTCDateTime(), nullable=False),
    sa.Column('left_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_attendance_session_id'), ['session_id'], unique=False)

    op.create_table('session_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('uploaded_by', sa.String(), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.ForeignKeyConstraint(['sha256'], ['documents.sha256'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_documents_session_id'), ['session_id'], unique=False)

    op.create_table('session_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=True),
    sa.Column('fulfils_id', sa.Integer(), nullable=True),
    sa.Column('team_code', sa.String(), nullable=True),
    sa.Column('team_members', sa.String(), nullable=True),
    sa.Column('out_of_agenda', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.String(), nullable=True),
    sa.Column('vote_at', UTCDateTime(), nullable=True),
    sa.Column('casting', sa.String(), nullable=True),
    sa.Column('added_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], ),
    sa.ForeignKeyConstraint(['fulfils_id'], ['deliverables.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'position', name='uq_session_item_position')
    )
    with op.batch_alter_table('session_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_items_session_id'), ['session_id'], unique=False)

    op.create_table('session_acta_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acta_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('signed_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acta_id'], ['session_actas.id'], ),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('acta_id', 'entity_code', 'role', name='uq_signature')
    )
    with op.batch_alter_table('session_acta_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_acta_signatures_acta_id'), ['acta_id'], unique=False)

    op.create_table('session_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('against', sa.Integer(), nullable=False),
    sa.Column('abstentions', sa.Integer(), nullable=False),
    sa.Column('electorate', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('tie_broken', sa.Boolean(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('decided_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['session_items.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id'),
    sa.UniqueConstraint('session_id', 'number', name='uq_agreement_number')
    )
    with op.batch_alter_table('session_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_agreements_session_id'), ['session_id'], unique=False)

    op.create_table('session_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('declared_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['item_id'], ['session_items.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'entity_code', name='uq_conflict_item_entity')
    )
    with op.batch_alter_table('session_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_conflicts_item_id'), ['item_id'], unique=False)

    op.create_table('session_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entity_code', sa.String(), nullable=False),
    sa.Column('capacity', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('sense', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('recorded_by', sa.String(), nullable=False),
    sa.Column('cast_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entities.code'], ),
    sa.ForeignKeyConstraint(['item_id'], ['session_items.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'entity_code', name='uq_vote_item_entity')
    )
    with op.batch_alter_table('session_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_votes_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('session_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_votes_item_id'))

    op.drop_table('session_votes')
    with op.batch_alter_table('session_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_conflicts_item_id'))

    op.drop_table('session_conflicts')
    with op.batch_alter_table('session_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_agreements_session_id'))

    op.drop_table('session_agreements')
    with op.batch_alter_table('session_acta_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_acta_signatures_acta_id'))

    op.drop_table('session_acta_signatures')
    with op.batch_alter_table('session_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_items_session_id'))

    op.drop_table('session_items')
    with op.batch_alter_table('session_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_documents_session_id'))

    op.drop_table('session_documents')
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendance_session_id'))

    op.drop_table('session_attendance')
    op.drop_table('session_actas')
    op.drop_table('sessions')
