"""settlement: regional settlement proposals and acceptances (issue 20)

Revision ID: 0014_settlement
Revises: 0013_incidents
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_settlement'
down_revision = '0013_incidents'
branch_labels = None
depends_on = None


def _stamps() -> list:
    return [sa.Column('id', sa.String(length=36), nullable=False),
            sa.Column('created_at', sa.String(length=30), nullable=False),
            sa.Column('updated_at', sa.String(length=30), nullable=False),
            sa.Column('deleted_at', sa.String(length=30), nullable=True)]


def upgrade() -> None:
    # Issue 20: one round of payments settles a quarter's statements between agencies. Four new synced tables
    # (no existing table changes): the proposal, the statements it includes with the balances they had, its
    # transfers, and each party's acceptance or refusal.
    op.create_table(
        'settlement_proposal', *_stamps(),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('quarter', sa.String(length=12), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('proposed_by_agency_id', sa.String(length=36), nullable=False),
        sa.Column('proposed_node', sa.String(length=64), nullable=True),
        sa.Column('proposed_by', sa.String(length=200), nullable=True),
        sa.Column('proposed_on', sa.String(length=10), nullable=False),
        sa.Column('total_cents', sa.Integer(), nullable=False),
        sa.Column('plan_sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['proposed_by_agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_proposal_proposed_by_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_proposal')),
    )
    op.create_index(op.f('ix_settlement_proposal_code'), 'settlement_proposal', ['code'])
    op.create_table(
        'settlement_item', *_stamps(),
        sa.Column('proposal_id', sa.String(length=36), nullable=False),
        sa.Column('statement_id', sa.String(length=36), nullable=False),
        sa.Column('statement_number', sa.String(length=40), nullable=False),
        sa.Column('creditor_agency_id', sa.String(length=36), nullable=False),
        sa.Column('debtor_agency_id', sa.String(length=36), nullable=False),
        sa.Column('balance_cents', sa.Integer(), nullable=False),
        sa.Column('transfer_seq', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['settlement_proposal.id'],
                                name=op.f('fk_settlement_item_proposal_id_settlement_proposal')),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id'],
                                name=op.f('fk_settlement_item_statement_id_statement')),
        sa.ForeignKeyConstraint(['creditor_agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_item_creditor_agency_id_agency')),
        sa.ForeignKeyConstraint(['debtor_agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_item_debtor_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_item')),
    )
    op.create_index(op.f('ix_settlement_item_proposal_id'), 'settlement_item', ['proposal_id'])
    op.create_index(op.f('ix_settlement_item_statement_id'), 'settlement_item', ['statement_id'])
    op.create_table(
        'settlement_transfer', *_stamps(),
        sa.Column('proposal_id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('payer_agency_id', sa.String(length=36), nullable=False),
        sa.Column('payee_agency_id', sa.String(length=36), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=80), nullable=False),
        sa.Column('paid_on', sa.String(length=10), nullable=True),
        sa.Column('recorded_by', sa.String(length=200), nullable=True),
        sa.Column('recorded_node', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['settlement_proposal.id'],
                                name=op.f('fk_settlement_transfer_proposal_id_settlement_proposal')),
        sa.ForeignKeyConstraint(['payer_agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_transfer_payer_agency_id_agency')),
        sa.ForeignKeyConstraint(['payee_agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_transfer_payee_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_transfer')),
    )
    op.create_index(op.f('ix_settlement_transfer_proposal_id'), 'settlement_transfer', ['proposal_id'])
    op.create_table(
        'settlement_acceptance', *_stamps(),
        sa.Column('proposal_id', sa.String(length=36), nullable=False),
        sa.Column('agency_id', sa.String(length=36), nullable=False),
        sa.Column('decision', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('plan_sha256', sa.String(length=64), nullable=False),
        sa.Column('decided_on', sa.String(length=10), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('node', sa.String(length=64), nullable=True),
        sa.Column('on_behalf', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['settlement_proposal.id'],
                                name=op.f('fk_settlement_acceptance_proposal_id_settlement_proposal')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_settlement_acceptance_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_acceptance')),
    )
    op.create_index(op.f('ix_settlement_acceptance_proposal_id'), 'settlement_acceptance', ['proposal_id'])


def downgrade() -> None:
    for name in ('settlement_acceptance', 'settlement_transfer', 'settlement_item', 'settlement_proposal'):
        op.drop_table(name)
