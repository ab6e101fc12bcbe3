"""sync_integrity: logos stored in the database and other sync-integrity changes (issue 14)

Revision ID: 0012_sync_integrity
Revises: 0011_sync_members
Create Date: 2026-12-08

* ``agency.logo_path`` goes: a path is a file on one PC, and a path that arrived through sync made the billing
  PC embed a private local file in a PDF everyone received. A logo is ``agency.logo_image`` (PNG or JPEG
  bytes, validated). The home agency's own logo file, set on this PC, is read once into ``logo_image`` when
  it is a valid image and no image is stored yet (with a sync op, so every replica gets the same bytes);
  any other path is dropped unread.
* ``sync_conflict.reason``: why an op from another PC was refused (invalid, or not its agency's to make).
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0012_sync_integrity'
down_revision = '0011_sync_members'
branch_labels = None
depends_on = None


def _adopt_logos(conn) -> None:
    from partnerdesk.db.capture import encode
    from partnerdesk.domain.hlc import parse, render
    from partnerdesk.services.agencies import MAX_LOGO_BYTES, validate_logo

    rows = conn.execute(sa.text("SELECT id, logo_path FROM agency WHERE logo_path IS NOT NULL AND logo_path != '' "
                                "AND logo_image IS NULL AND is_home = 1")).all()
    node = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'node_id'")).scalar()
    for agency_id, path in rows:
        newest = conn.execute(sa.text("SELECT origin FROM sync_op WHERE tbl = 'agency' AND row_id = :r AND "
                                      "field = 'logo_path' ORDER BY hlc DESC, node DESC LIMIT 1"),
                              {"r": agency_id}).scalar()
        if newest not in (None, "local"):
            continue  # a path another PC sent: never read
        try:
            p = Path(path)
            if not p.is_file() or p.stat().st_size > MAX_LOGO_BYTES:
                continue
            data = validate_logo(p.read_bytes())
        except Exception:  # noqa: BLE001 - unreadable or not an image: the letterhead falls back to the name mark
            continue
        if not data:
            continue
        conn.execute(sa.text("UPDATE agency SET logo_image = :d WHERE id = :r"), {"d": data, "r": agency_id})
        last = conn.execute(sa.text("SELECT max(hlc) FROM sync_op WHERE node = :n"), {"n": node}).scalar()
        if node and last:  # a row without ops gets them all from the next sync cycle's baseline
            ms, counter = parse(last)
            hlc = render(ms, counter + 1)
            conn.execute(sa.text("INSERT INTO sync_op (op_id, hlc, node, tbl, row_id, field, value, origin) VALUES "
                                 "(:op, :h, :n, 'agency', :r, 'logo_image', :v, 'local')"),
                         {"op": f"{hlc}-{node}", "h": hlc, "n": node, "r": agency_id,
                          "v": json.dumps(encode(data))})


def upgrade() -> None:
    conn = op.get_bind()
    cols = {c["name"] for c in sa.inspect(conn).get_columns("agency")}
    if "logo_path" in cols:
        _adopt_logos(conn)
        op.execute("ALTER TABLE agency DROP COLUMN logo_path")  # plain SQLite: no rebuild of a parent table
    with op.batch_alter_table("sync_conflict") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))

    # -- issue 15: stacking ---------------------------------------------------------------------------------
    # An agreement may price an entry that is both after hours and overtime with both multipliers (their
    # product) instead of the higher one. A NOT NULL column with a constant default is a plain ADD COLUMN (no
    # rebuild of a parent table); every existing agreement keeps the higher-one rule.
    op.add_column("agreement", sa.Column("stack_multipliers", sa.Boolean(), nullable=False,
                                         server_default=sa.text("0")))


def downgrade() -> None:
    op.execute("ALTER TABLE agreement DROP COLUMN stack_multipliers")  # issue 15: stacking
    with op.batch_alter_table("sync_conflict") as batch:
        batch.drop_column("reason")
    op.execute("ALTER TABLE agency ADD COLUMN logo_path VARCHAR(400)")
