"""Bulk inserts that leave the same trail as the ORM capture hook (``db/capture.py``).

A 10,000-contact import cannot afford the ORM unit of work per row. Rows inserted with Core through
``insert_captured`` get exactly what ``ChangeCapture`` would have written for new rows: one
AuditEvent per row (field: [None, value] for every non-empty column but ``id``/``updated_at``) and
one SyncOp per such field, stamped by the database's hybrid logical clock, in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerdesk.db.capture import NOT_CAPTURED, encode
from partnerdesk.db.models import SYNCED_TABLES, AuditEvent, Base, SyncOp
from partnerdesk.db.types import iso_utc, utcnow, uuid7
from partnerdesk.db.uow import Database


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _raw_insert(conn, table: str, rows: list[dict[str, Any]]) -> None:
    """executemany straight through the driver: SQLAlchemy's per-row parameter processing costs more
    than SQLite itself here. Rows must already hold stored values (ISO text for dates)."""
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
    conn.exec_driver_sql(sql, rows)


def insert_captured(s: Session, db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    assert table in Base.metadata.tables
    conn = s.connection()
    rows = [{k: encode(v) for k, v in r.items()} for r in rows]  # dates as the column types store them
    _raw_insert(conn, table, rows)
    info = s.info
    actor = info["actor"]
    now = iso_utc(utcnow())
    audits: list[dict] = []
    ops: list[dict] = []
    capture_ops = info.get("capture_ops", True) and table in SYNCED_TABLES
    if capture_ops:
        db.clock.seed(s.execute(select(func.max(SyncOp.hlc))).scalar())
    node = db.node_id
    audit_on = info.get("audit", True)
    action = info.get("action") or "create"
    summary = info.get("summary")
    for r in rows:
        changes = {k: v for k, v in r.items() if k != "id" and k not in NOT_CAPTURED and v is not None}
        if audit_on:
            audits.append(dict(id=uuid7(), at=now, os_user=actor.os_user, display_name=actor.display_name,
                               action=action, entity=table, entity_id=r["id"], summary=summary,
                               changes=_dumps({k: [None, changes[k]] for k in sorted(changes)})))
        if capture_ops:
            for k, v in changes.items():
                hlc = db.clock.now()
                ops.append(dict(op_id=f"{hlc}-{node}", hlc=hlc, node=node, tbl=table, row_id=r["id"], field=k,
                                value=_dumps(v), origin="local"))
    if audits:
        _raw_insert(conn, AuditEvent.__tablename__, audits)
    if ops:
        _raw_insert(conn, SyncOp.__tablename__, ops)
