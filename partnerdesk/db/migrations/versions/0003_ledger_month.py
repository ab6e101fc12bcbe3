"""time entries summed per month by triggers (ledger_month): the Dashboard's figures without a scan

Revision ID: 0003_ledger_month
Revises: 0002d_sync
Create Date: 2026-11-26
"""
from alembic import op

from partnerdesk.db import ledger

revision = '0003_ledger_month'
down_revision = '0002d_sync'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(ledger.CREATE_TABLE)
    for sql in ledger.TRIGGERS.values():
        op.execute(sql)
    for sql in ledger.REBUILD:
        op.execute(sql)


def downgrade() -> None:
    for name in ledger.TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS ledger_month")
