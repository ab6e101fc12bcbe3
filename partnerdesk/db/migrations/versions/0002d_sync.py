"""sync state: segments seen, merge history, conflicts

Revision ID: 0002d_sync
Revises: 0002b_hours
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0002d_sync'
down_revision = '0002b_hours'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_segment',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('node', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('seen', sa.Text(), nullable=True),
    sa.Column('op_count', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('applied_seq', sa.Integer(), nullable=True),
    sa.Column('first_seen', sa.String(length=30), nullable=False),
    sa.Column('applied_at', sa.String(length=30), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_segment')),
    sa.UniqueConstraint('node', 'name', name=op.f('uq_sync_segment_node'))
    )
    op.create_table('sync_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.String(length=80), nullable=False),
    sa.Column('tbl', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('node', sa.String(length=64), nullable=False),
    sa.Column('replaced_by', sa.String(length=80), nullable=True),
    sa.Column('at', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_history')),
    sa.UniqueConstraint('op_id', name=op.f('uq_sync_history_op_id'))
    )
    with op.batch_alter_table('sync_history', schema=None) as batch_op:
        batch_op.create_index('ix_sync_history_row', ['tbl', 'row_id'], unique=False)
    op.create_table('sync_conflict',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tbl', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('kept_op', sa.String(length=80), nullable=False),
    sa.Column('kept_value', sa.Text(), nullable=True),
    sa.Column('kept_node', sa.String(length=64), nullable=False),
    sa.Column('other_op', sa.String(length=80), nullable=False),
    sa.Column('other_value', sa.Text(), nullable=True),
    sa.Column('other_node', sa.String(length=64), nullable=False),
    sa.Column('detected_at', sa.String(length=30), nullable=False),
    sa.Column('resolved_at', sa.String(length=30), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict')),
    sa.UniqueConstraint('other_op', name=op.f('uq_sync_conflict_other_op'))
    )


def downgrade() -> None:
    op.drop_table('sync_conflict')
    with op.batch_alter_table('sync_history', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_history_row')
    op.drop_table('sync_history')
    op.drop_table('sync_segment')
