"""agency setup: street address, billing contact, EFT details, logo image, retirement; a deleted entry's reason

Revision ID: 0007_agency_setup
Revises: 0006_statement_diagnostics
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

from partnerdesk.db import ledger

revision = '0007_agency_setup'
down_revision = '0006_statement_diagnostics'
branch_labels = None
depends_on = None


def _agency_columns() -> tuple[sa.Column, ...]:
    return (
        # A new region is set up from an empty database (issue 16): the statement letterhead needs the agency's
        # own street address (remit_to is where payments go), the person who answers questions about a
        # statement (ap_contact_* is who pays the bills we send), the EFT details printed on the remittance
        # stub, and a logo kept in the database itself (a path would not travel with a backup or to a
        # colleague's PC).
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("billing_contact_name", sa.String(length=200), nullable=True),
        sa.Column("billing_contact_email", sa.String(length=200), nullable=True),
        sa.Column("billing_contact_phone", sa.String(length=40), nullable=True),
        sa.Column("eft_instructions", sa.Text(), nullable=True),
        sa.Column("logo_image", sa.LargeBinary(), nullable=True),
        # A partner that is referenced by agreements, hours or statements is retired, never deleted.
        sa.Column("retired_on", sa.String(length=10), nullable=True),
    )


def upgrade() -> None:
    # Adding nullable columns is a plain ALTER TABLE ADD COLUMN even in batch mode (no table rebuild), so
    # time_entry keeps its ledger_month triggers.
    with op.batch_alter_table("agency") as batch:
        for col in _agency_columns():
            batch.add_column(col)
    with op.batch_alter_table("time_entry") as batch:
        batch.add_column(sa.Column("deleted_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("time_entry") as batch:
        batch.drop_column("deleted_reason")
    # dropping a column rebuilds time_entry, which drops its triggers: recreate them
    for name, sql in ledger.TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
    with op.batch_alter_table("agency") as batch:
        for col in reversed(_agency_columns()):
            batch.drop_column(col.name)
