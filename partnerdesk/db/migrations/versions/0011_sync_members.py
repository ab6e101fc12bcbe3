"""sync_members: sync membership, admission and space keys (issue 14)

Revision ID: 0011_sync_members
Revises: 0010_overtime
Create Date: 2026-12-08
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0011_sync_members'
down_revision = '0010_overtime'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
