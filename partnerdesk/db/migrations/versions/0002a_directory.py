"""contacts: index for "who can help with X" in escalation order

Revision ID: 0002a_directory
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op


revision = '0002a_directory'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A skill search lists the people with that skill in escalation order. With 100,000 contacts and a
    # common skill, walking contacts in escalation order and stopping at the first 50 with the skill is
    # about a millisecond; sorting every match instead is tens of milliseconds.
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_escalation', ['escalation_order', 'name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_escalation')
