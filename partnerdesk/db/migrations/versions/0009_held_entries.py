"""held entries: a partial index of the disputed or unpriced time entries that cap use leaves out

Revision ID: 0009_held_entries
Revises: 0008_statement_seals
Create Date: 2026-12-08
"""
from alembic import op

revision = '0009_held_entries'
down_revision = '0008_statement_seals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Issue 15: cap use (services/caps.py) is the value provided, excluding disputed and unpriced entries. The
    # ledger gives the value; this index finds the few held entries to take off without reading every entry
    # of the agreement's fiscal year (the Dashboard asks for each capped agreement). No table rebuild.
    op.execute("CREATE INDEX ix_time_entry_held ON time_entry (agreement_id, provider_agency_id, work_date) "
               "WHERE deleted_at IS NULL AND (status = 'disputed' OR amount_cents IS NULL)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_time_entry_held")
