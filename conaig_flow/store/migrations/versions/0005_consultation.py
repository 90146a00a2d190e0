"""consultation tables: organisations, consultations, invitations, contributions, answers

Revision ID: 0005_consultation
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from conaig_flow.store.types import UTCDateTime

revision = '0005_consultation'
down_revision = '0001_core'
branch_labels = ('consultation',)
depends_on = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('region', sa.String(), nullable=False),
    sa.Column('emails', sa.String(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('document_sha256', sa.String(), nullable=False),
    sa.Column('document_name', sa.String(), nullable=False),
    sa.Column('opens_at', UTCDateTime(), nullable=False),
    sa.Column('closes_at', UTCDateTime(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], ),
    sa.ForeignKeyConstraint(['document_sha256'], ['documents.sha256'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_deliverable_id'), ['deliverable_id'], unique=False)

    op.create_table('consultation_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(), nullable=False),
    sa.Column('invited_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'organisation_id', name='uq_invitation'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_table('consultation_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'seq', name='uq_question_seq')
    )
    op.create_table('contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('submitter_name', sa.String(), nullable=False),
    sa.Column('submitter_organisation', sa.String(), nullable=False),
    sa.Column('submitter_email', sa.String(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachment_sha256', sa.String(), nullable=True),
    sa.Column('attachment_name', sa.String(), nullable=True),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('client_address', sa.String(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_sha256'], ['documents.sha256'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['invitation_id'], ['consultation_invitations.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['consultation_questions.id'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['contributions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributions_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_received_at'), ['received_at'], unique=False)

    op.create_table('contribution_answers',
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('change_location', sa.String(), nullable=True),
    sa.Column('answered_by', sa.String(), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], ),
    sa.PrimaryKeyConstraint('contribution_id')
    )


def downgrade() -> None:
    op.drop_table('contribution_answers')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributions_received_at'))
        batch_op.drop_index(batch_op.f('ix_contributions_consultation_id'))

    op.drop_table('contributions')
    op.drop_table('consultation_questions')
    op.drop_table('consultation_invitations')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_deliverable_id'))

    op.drop_table('consultations')
    op.drop_table('organisations')
