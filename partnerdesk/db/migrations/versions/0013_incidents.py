"""incidents: incident register, staff pay rates and mutual-aid costs (issue 20)

Revision ID: 0013_incidents
Revises: 0012_sync_integrity
Create Date: 2026-12-08
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0013_incidents'
down_revision = '0012_sync_integrity'
branch_labels = None
depends_on = None

# the same namespace as the built-in reference rows (services/agreements.py): an incident made here from a
# logged reference gets the same id on every installation that logged it, so synced nodes agree
_NAMESPACE = uuid.UUID("6f1d6a52-6b1e-4d55-9a3c-2f7d8b1c0e11")  # REFERENCE_NAMESPACE


def _common(name: str) -> list:
    return [sa.Column('id', sa.String(length=36), nullable=False),
            sa.Column('created_at', sa.String(length=30), nullable=False),
            sa.Column('updated_at', sa.String(length=30), nullable=False),
            sa.Column('deleted_at', sa.String(length=30), nullable=True),
            sa.PrimaryKeyConstraint('id', name=f'pk_{name}')]


def upgrade() -> None:
    # Issue 20. The incident register (synced: every agency sees the same incidents) ...
    op.create_table(
        'incident', *_common('incident'),
        sa.Column('ref', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('declaration', sa.String(length=40), nullable=True),
        sa.Column('incident_type', sa.String(length=60), nullable=True),
        sa.Column('start_date', sa.String(length=10), nullable=False),
        sa.Column('end_date', sa.String(length=10), nullable=True),
        sa.Column('work', sa.String(length=12), nullable=False),
        sa.Column('applicant', sa.String(length=200), nullable=True),
        sa.Column('pa_id', sa.String(length=40), nullable=True),
        sa.Column('project_number', sa.String(length=40), nullable=True),
        sa.Column('site', sa.String(length=200), nullable=True),
        sa.Column('category', sa.String(length=4), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.UniqueConstraint('ref', name='uq_incident_ref'),
    )
    # ... the home agency's pay rates and eligibility overrides (local only: never synced) ...
    op.create_table(
        'staff_pay_rate', *_common('staff_pay_rate'),
        sa.Column('contact_id', sa.String(length=36), nullable=False),
        sa.Column('effective_from', sa.String(length=10), nullable=False),
        sa.Column('regular_cents', sa.Integer(), nullable=False),
        sa.Column('overtime_cents', sa.Integer(), nullable=False),
        sa.Column('fringe_regular', sa.String(length=12), nullable=False),
        sa.Column('fringe_overtime', sa.String(length=12), nullable=False),
        sa.Column('permanent', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name='fk_staff_pay_rate_contact_id_contact'),
        sa.UniqueConstraint('contact_id', 'effective_from', name='uq_staff_pay_rate_contact_id'),
    )
    op.create_index('ix_staff_pay_rate_contact_id', 'staff_pay_rate', ['contact_id'])
    op.create_table(
        'incident_override', *_common('incident_override'),
        sa.Column('incident_id', sa.String(length=36), nullable=False),
        sa.Column('contact_id', sa.String(length=36), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name='fk_incident_override_incident_id_incident'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name='fk_incident_override_contact_id_contact'),
    )
    op.create_index('ix_incident_override_incident_id', 'incident_override', ['incident_id'])
    # ... how an agreement prices a mutual-aid reimbursement request, and the hours' real incident reference.
    # Plain ADD COLUMNs (nullable, no rebuild), so time_entry keeps its ledger_month triggers.
    op.add_column('agreement', sa.Column('mutual_aid_pricing', sa.String(length=20), nullable=True))
    op.execute("ALTER TABLE time_entry ADD COLUMN incident_id VARCHAR(36) "
               "CONSTRAINT fk_time_entry_incident_id_incident REFERENCES incident (id)")
    # Every incident reference already typed with hours becomes an incident of the register (named as typed,
    # its period the first to the last day logged), and those hours point at it; nothing typed is lost.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT substr(trim(incident_ref), 1, 40) AS ref, min(work_date), max(work_date), min(created_at), "
        "max(trim(incident_ref)) FROM time_entry WHERE trim(coalesce(incident_ref, '')) != '' "
        "GROUP BY substr(trim(incident_ref), 1, 40) COLLATE NOCASE")).all()
    for ref, first, last, created, typed in rows:
        iid = str(uuid.uuid5(_NAMESPACE, "incident:" + ref.casefold()))
        conn.execute(sa.text(
            "INSERT INTO incident (id, created_at, updated_at, ref, name, start_date, end_date, work, description) "
            "VALUES (:id, :at, :at, :ref, :name, :start, :end, 'emergency', :why)"),
            dict(id=iid, at=created, ref=ref, name=typed[:200], start=first, end=last,
                 why="Made from the incident reference logged with hours before the register existed"))
        conn.execute(sa.text("UPDATE time_entry SET incident_id = :id "
                             "WHERE substr(trim(incident_ref), 1, 40) = :ref COLLATE NOCASE"), dict(id=iid, ref=ref))


def downgrade() -> None:
    from partnerdesk.db import ledger

    with op.batch_alter_table("time_entry") as batch:
        batch.drop_column("incident_id")
    for name, sql in ledger.TRIGGERS.items():  # the rebuild dropped them
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
    with op.batch_alter_table("agreement") as batch:
        batch.drop_column("mutual_aid_pricing")
    op.drop_table('incident_override')
    op.drop_table('staff_pay_rate')
    op.drop_table('incident')
