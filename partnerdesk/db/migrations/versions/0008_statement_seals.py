"""statement seals: a SHA-256 over each issued statement's content, chained per issuer (tamper evidence)

Revision ID: 0008_statement_seals
Revises: 0007_agency_setup
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

from partnerdesk.db import seals

revision = '0008_statement_seals'
down_revision = '0007_agency_setup'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Issue 15: statements verify hashed only the PDF, so a line or a total edited afterwards went unnoticed.
    # Each issued statement now carries its canonical content (record), the SHA-256 of it (seal), and its
    # place in its issuer's chain (seq, previous seal). Nullable columns: a plain ADD COLUMN, no rebuild.
    with op.batch_alter_table("statement") as batch:
        batch.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("chain_prev_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("content_record", sa.Text(), nullable=True))
        batch.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
    # Statements issued before seals existed are sealed once, here, from their content as it stands at the
    # upgrade, in issue order per issuer: from now on any change to them is detected; what happened to them
    # before the upgrade is vouched for only by the PDF hash recorded when each was issued (verify checks it).
    seals.seal_unsealed(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("statement") as batch:
        for name in ("content_sha256", "content_record", "chain_prev_sha256", "chain_seq"):
            batch.drop_column(name)
