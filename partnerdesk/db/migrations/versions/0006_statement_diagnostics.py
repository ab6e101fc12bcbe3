"""statement diagnostics in a column of their own: notes hold only free text (a credit note's reason)

Revision ID: 0006_statement_diagnostics
Revises: 0005_live_skill_links
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op


revision = '0006_statement_diagnostics'
down_revision = '0005_live_skill_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A draft's held-back entries, unacknowledged count and warnings were stored as JSON in ``notes``,
    # which also holds a credit note's free-text reason: a reason such as "{ticket 42} rate typo" was
    # read as JSON and failed. Only drafting ever wrote JSON there, and only on statements (not credit
    # notes): those rows move their JSON to the new column, chosen as the old reader chose (text starting
    # with "{").
    with op.batch_alter_table("statement") as batch:
        batch.add_column(sa.Column("diagnostics", sa.Text(), nullable=True))
    op.execute("UPDATE statement SET diagnostics = notes, notes = NULL "
               "WHERE kind = 'statement' AND notes LIKE '{%'")


def downgrade() -> None:
    op.execute("UPDATE statement SET notes = diagnostics WHERE diagnostics IS NOT NULL AND notes IS NULL")
    with op.batch_alter_table("statement") as batch:
        batch.drop_column("diagnostics")
