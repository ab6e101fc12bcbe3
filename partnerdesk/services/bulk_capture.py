"""Bulk inserts and updates with Core that leave the trail the ORM capture hook leaves (``db/trail.py``).

A 10,000-contact import cannot afford the ORM unit of work per row. ``insert_captured`` and
``update_captured`` write the rows with Core and hand the same ``RowChange``s the ORM hook would to the one
trail writer, in the same transaction.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from partnerdesk.db.capture import NOT_CAPTURED, stamp_rows
from partnerdesk.db.freeze_guard import check_rows
from partnerdesk.db.models import DERIVED_COLUMNS, Base
from partnerdesk.db.trail import RowChange, TrailWriter, encode
from partnerdesk.db.types import iso_utc, session_now
from partnerdesk.db.uow import Database


def _raw_insert(conn, table: str, cols: list[str], rows: list[tuple]) -> None:
    """executemany straight through the driver with positional parameters. Rows hold stored values."""
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.exec_driver_sql(sql, rows)


def _stored(value: Any) -> Any:
    """A value as its column stores it (dates and times as ISO text)."""
    return encode(value) if isinstance(value, (date, datetime)) else value


def uuid7_many(n: int) -> list[str]:
    """``n`` UUIDv7 (RFC 9562) of this millisecond, as ``db.types.uuid7`` makes them one by one: 48-bit
    Unix ms, version 7, 12 random bits, variant 10, 62 random bits. One call of the random source."""
    ms = f"{(time.time_ns() // 1_000_000) & ((1 << 48) - 1):012x}"  # not a date: the ids' time prefix
    head = f"{ms[:8]}-{ms[8:]}-7"
    rnd = os.urandom(10 * n).hex()
    out = []
    append = out.append
    for i in range(0, 20 * n, 20):
        r = rnd[i:i + 20]
        append(f"{head}{r[:3]}-{_VARIANT[r[3]]}{r[4:7]}-{r[7:19]}")
    out.sort()  # monotonic within the millisecond (RFC 9562 §6.2): rows and their index entries go in in order
    return out


_VARIANT = {h: "89ab"[int(h, 16) & 3] for h in "0123456789abcdef"}


def insert_captured(s: Session, db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts sharing their keys) with Core and leave the trail an ORM insert leaves."""
    if not rows:
        return
    assert table in Base.metadata.tables
    check_rows(s, table, [(r["id"], None, r) for r in rows])  # no new lines for an issued statement
    cols = list(rows[0])
    _raw_insert(s.connection(), table, cols, [tuple(map(_stored, r.values())) for r in rows])
    # fields in name order: the order of the (tbl, row, field) index of sync_op
    captured = sorted(k for k in cols if k != "id" and k not in NOT_CAPTURED and (table, k) not in DERIVED_COLUMNS)
    changes = [RowChange(table, r["id"], True, {k: (None, r[k]) for k in captured}) for r in rows]
    stamp_rows(s.connection(), TrailWriter(db.node_id, db.hlc, db.clock).record(s, changes))


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
    check_rows(s, table, [(rid, {k: o for k, (o, _n) in ch.items()}, {k: n for k, (_o, n) in ch.items()})
                          for rid, ch in cleaned])  # an issued statement never changes
    conn = s.connection()
    now = iso_utc(session_now(s))
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, changed in cleaned:
        keys = tuple(sorted(changed))
        params = {k: encode(changed[k][1]) for k in keys}
        params["id"], params["updated_at"] = row_id, now
        groups.setdefault(keys, []).append(params)
    for keys, params in groups.items():
        sets = ", ".join(f"{k} = :{k}" for k in (*keys, "updated_at"))
        conn.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE id = :id", params)
    changes = [RowChange(table, row_id, False, changed) for row_id, changed in cleaned]
    stamp_rows(conn, TrailWriter(db.node_id, db.hlc, db.clock).record(s, changes))
