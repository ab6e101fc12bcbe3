"""live skill links: a partial index for "does this person have skill X" probes

Revision ID: 0005_live_skill_links
Revises: 0004_directory_speed
Create Date: 2026-11-26
"""
from alembic import op


revision = '0005_live_skill_links'
down_revision = '0004_directory_speed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "Who can help with X" walks contacts in escalation order and asks, per person, for a live link to
    # the skill. uq_contact_skill_contact_id answers the (contact, skill) half but then reads the row for
    # deleted_at; an index of live links only answers from the index alone: about 1 ms of a 3 ms walk at
    # 100,000 contacts.
    op.execute("CREATE INDEX ix_contact_skill_live ON contact_skill (contact_id, skill_id) "
               "WHERE deleted_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_contact_skill_live")
