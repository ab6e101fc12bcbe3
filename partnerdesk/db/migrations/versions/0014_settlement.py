"""settlement: regional settlement proposals and acceptances (issue 20)

Revision ID: 0014_settlement
Revises: 0013_incidents
Create Date: 2026-12-08
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0014_settlement'
down_revision = '0013_incidents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
