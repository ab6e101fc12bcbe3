"""time entries: indexes for cap use (agreement, provider, dates) and the balances ledger (covering)

Revision ID: 0002b_hours
Revises: 0002a_directory
Create Date: 2026-11-26
"""
from alembic import op


revision = '0002b_hours'
down_revision = '0002a_directory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Logging an entry sums the agreement's fiscal-year use by one provider (the cap check); without this
    # index SQLite walks every entry of the fiscal year by date instead (hundreds of ms on 200,000 entries).
    with op.batch_alter_table('time_entry', schema=None) as batch_op:
        batch_op.create_index('ix_time_entry_cap', ['agreement_id', 'provider_agency_id', 'work_date'], unique=False)
        # The Dashboard sums a fiscal year of entries by partner from these columns alone: a covering index
        # halves its time on 200,000 entries (no table lookups).
        batch_op.create_index('ix_time_entry_ledger', ['work_date', 'provider_agency_id', 'recipient_agency_id',
                                                       'agreement_id', 'minutes', 'amount_cents',
                                                       'billable_minutes', 'deleted_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('time_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entry_ledger')
        batch_op.drop_index('ix_time_entry_cap')
