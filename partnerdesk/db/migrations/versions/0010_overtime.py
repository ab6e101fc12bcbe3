"""overtime: a time entry can be flagged as overtime (priced with the schedule's overtime multiplier)

Revision ID: 0010_overtime
Revises: 0009_held_entries
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_overtime'
down_revision = '0009_held_entries'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Issue 15: rate schedules stored an overtime multiplier, but no entry could be flagged as overtime. A
    # NOT NULL column with a constant default is a plain ALTER TABLE ADD COLUMN (no rebuild), so time_entry
    # keeps its ledger_month triggers; every existing entry is not overtime.
    # (not in batch mode: batch would copy the table for the NOT NULL column)
    op.add_column("time_entry", sa.Column("overtime", sa.Boolean(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    from partnerdesk.db import ledger

    with op.batch_alter_table("time_entry") as batch:
        batch.drop_column("overtime")
    # dropping a column rebuilds time_entry, which drops its triggers: recreate them
    for name, sql in ledger.TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
