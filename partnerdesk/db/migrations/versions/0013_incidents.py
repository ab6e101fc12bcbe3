"""incidents: incident register, staff pay rates and mutual-aid costs (issue 20)

Revision ID: 0013_incidents
Revises: 0012_sync_integrity
Create Date: 2026-12-08
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0013_incidents'
down_revision = '0012_sync_integrity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
