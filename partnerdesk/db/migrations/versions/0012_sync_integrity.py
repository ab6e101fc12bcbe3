"""sync_integrity: logos stored in the database and other sync-integrity changes (issue 14)

Revision ID: 0012_sync_integrity
Revises: 0011_sync_members
Create Date: 2026-12-08
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0012_sync_integrity'
down_revision = '0011_sync_members'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # -- issue 15: stacking ---------------------------------------------------------------------------------
    # An agreement may price an entry that is both after hours and overtime with both multipliers (their
    # product) instead of the higher one. A NOT NULL column with a constant default is a plain ADD COLUMN (no
    # rebuild of a parent table); every existing agreement keeps the higher-one rule.
    op.add_column("agreement", sa.Column("stack_multipliers", sa.Boolean(), nullable=False,
                                         server_default=sa.text("0")))


def downgrade() -> None:
    op.execute("ALTER TABLE agreement DROP COLUMN stack_multipliers")  # issue 15: stacking
