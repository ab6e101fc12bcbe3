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
    pass


def downgrade() -> None:
    pass
