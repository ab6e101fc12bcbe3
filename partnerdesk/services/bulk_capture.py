"""Bulk inserts and updates that leave the same trail as the ORM capture hook (``db/capture.py``).

A 10,000-contact import cannot afford the ORM unit of work per row. Rows inserted with Core through
``insert_captured`` get exactly what ``ChangeCapture`` would have written for new rows: one
AuditEvent per row (field: [None, value] for every non-empty column but ``id``/``updated_at``) and
one SyncOp per such field, stamped by the database's hybrid logical clock, in the same transaction.
Rows updated through ``update_captured`` get one AuditEvent per row (field: [old, new] for each changed
field) and one SyncOp per changed field, as an ORM update would.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from partnerdesk.db.capture import NOT_CAPTURED, _audit_value, encode, op_value, raw_insert, seed_clock
from partnerdesk.db.models import DERIVED_COLUMNS, SYNCED_TABLES, AuditEvent, Base, SyncOp
from partnerdesk.db.types import iso_utc, utcnow, uuid7
from partnerdesk.db.uow import Database


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_sorted_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_raw_insert = raw_insert


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
        seed_clock(s, db.clock, db.node_id)
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
                                value=op_value(v), origin="local"))
    if audits:
        _raw_insert(conn, AuditEvent.__tablename__, audits)
    if ops:
        _raw_insert(conn, SyncOp.__tablename__, ops)


def update_captured(s: Session, db: Database, table: str,
                    updates: list[tuple[str, dict[str, tuple[Any, Any]]]]) -> None:
    """Update rows with Core and leave the trail the ORM hook would: ``updates`` holds (row id,
    {field: (old, new)}) with the old values as read in this same transaction. Fields whose value does
    not change are left out; ``updated_at`` is stamped on every updated row."""
    assert table in Base.metadata.tables
    cleaned: list[tuple[str, dict[str, tuple[Any, Any]]]] = []
    for row_id, fields in updates:
        changed = {k: (o, n) for k, (o, n) in fields.items() if o != n}
        assert not any(k == "id" or k in NOT_CAPTURED or (table, k) in DERIVED_COLUMNS for k in changed)
        if changed:
            cleaned.append((row_id, changed))
    if not cleaned:
        return
    conn = s.connection()
    now = iso_utc(utcnow())
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, changed in cleaned:
        keys = tuple(sorted(changed))
        params = {k: encode(changed[k][1]) for k in keys}
        params["id"], params["updated_at"] = row_id, now
        groups.setdefault(keys, []).append(params)
    for keys, params in groups.items():
        sets = ", ".join(f"{k} = :{k}" for k in (*keys, "updated_at"))
        conn.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE id = :id", params)
    info = s.info
    actor = info["actor"]
    audits: list[dict] = []
    ops: list[dict] = []
    capture_ops = info.get("capture_ops", True) and table in SYNCED_TABLES
    if capture_ops:
        seed_clock(s, db.clock, db.node_id)
    node = db.node_id
    summary = info.get("summary")
    for row_id, changed in cleaned:
        if info.get("audit", True):
            if info.get("action"):
                action = info["action"]
            elif "deleted_at" in changed:
                action = "delete" if changed["deleted_at"][1] is not None else "restore"
            else:
                action = "update"
            audits.append(dict(id=uuid7(), at=now, os_user=actor.os_user, display_name=actor.display_name,
                               action=action, entity=table, entity_id=row_id, summary=summary,
                               changes=_sorted_dumps({k: [_audit_value(o), _audit_value(n)]
                                                      for k, (o, n) in changed.items()})))
        if capture_ops:
            for k, (_o, n) in changed.items():
                hlc = db.clock.now()
                ops.append(dict(op_id=f"{hlc}-{node}", hlc=hlc, node=node, tbl=table, row_id=row_id, field=k,
                                value=op_value(n), origin="local"))
    if audits:
        raw_insert(conn, AuditEvent.__tablename__, audits)
    if ops:
        raw_insert(conn, SyncOp.__tablename__, ops)
