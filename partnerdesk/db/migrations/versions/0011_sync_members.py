"""sync_members: sync membership, admission and space keys (issue 14)

Revision ID: 0011_sync_members
Revises: 0010_overtime
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_sync_members'
down_revision = '0010_overtime'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Issue 14: who may write to the space is a replicated, signed record, not a node.json on the share.
    op.create_table(
        'sync_member',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.String(length=30), nullable=False),
        sa.Column('updated_at', sa.String(length=30), nullable=False),
        sa.Column('deleted_at', sa.String(length=30), nullable=True),
        sa.Column('public_key', sa.String(length=64), nullable=True),
        sa.Column('box_key', sa.String(length=64), nullable=True),
        sa.Column('agency_id', sa.String(length=36), nullable=True),
        sa.Column('display_name', sa.String(length=200), nullable=True),
        sa.Column('machine', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=True),
        sa.Column('admitted_by', sa.String(length=64), nullable=True),
        sa.Column('revoked_after', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_member')),
    )


def downgrade() -> None:
    op.drop_table('sync_member')
