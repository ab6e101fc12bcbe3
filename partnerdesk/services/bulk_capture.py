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
import os
import time
from itertools import compress, repeat
from operator import is_
from typing import Any

from sqlalchemy.orm import Session

from partnerdesk.db.capture import (NOT_CAPTURED, _audit_value, encode, op_value, raw_insert, seed_clock,
                                    stamp_rows)
from partnerdesk.db.freeze_guard import check_rows
from partnerdesk.db.models import DERIVED_COLUMNS, SYNCED_TABLES, AuditEvent, Base, SyncOp
from partnerdesk.db.types import iso_utc, session_now, uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain.hlc import HybridClock
from partnerdesk.domain.hlc import parse as parse_hlc
from partnerdesk.domain.hlc import render as render_hlc


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_sorted_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_quote = json.encoder.encode_basestring  # what _dumps does to a str, without the encoder's overhead
_PLAIN = frozenset((str, int, float, type(None)))


def _json(value: Any) -> str:
    t = type(value)
    if t is str:
        return _quote(value)
    if t is int:
        return str(value)
    return _dumps(value)


def _json_column(values) -> list[str | None]:
    """A column's values as JSON text (None stays None), in C where the column holds only text."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(map(_quote, values))
    if kinds == {str, type(None)}:
        return [None if v is None else _quote(v) for v in values]
    return [None if v is None else _json(v) for v in values]


def _raw_insert(conn, table: str, cols: list[str], rows: list[tuple], values: list[str] | None = None) -> None:
    """executemany straight through the driver with positional parameters: SQLAlchemy's per-row
    parameter processing (and even binding by name) costs more than SQLite itself here. Rows must
    already hold stored values (ISO text for dates). ``values``, when given, are the SQL expressions
    for ``cols`` (numbered parameters, SQL the whole batch shares)."""
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(values or '?' * len(cols))})"
    conn.exec_driver_sql(sql, rows)


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
_COUNTERS: list[str] = []


def _stamps(clock: HybridClock, n: int) -> list[str]:
    """``n`` consecutive hybrid-clock timestamps in one go, as ``n`` calls of ``clock.now()`` would give
    within the same millisecond (the counter carries into the next millisecond past 99999, so the
    rendered stamps stay fixed-width and sortable); the clock then continues after the last one. The
    caller holds the write transaction (BEGIN IMMEDIATE), so no other writer stamps meanwhile."""
    if not _COUNTERS:
        _COUNTERS.extend(f"{c:05d}" for c in range(100_000))
    first = clock.now()
    ms, counter = parse_hlc(first)
    out = [first]
    while len(out) < n:
        if counter == 99999:
            ms, counter = ms + 1, -1
        take = min(n - len(out), 99999 - counter)
        prefix = render_hlc(ms, 0)[:-5]
        out += [prefix + c for c in _COUNTERS[counter + 1:counter + 1 + take]]
        counter += take
    clock.seed(out[-1])
    return out


def insert_captured(s: Session, db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    assert table in Base.metadata.tables
    check_rows(s, table, [(r["id"], None, r) for r in rows])  # no new lines for an issued statement
    conn = s.connection()
    cols = list(rows[0])
    # dates as the column types store them (checked per column, in C: most columns hold no date at all)
    columns = list(zip(*(r.values() for r in rows)))
    dated = False
    for j, column in enumerate(columns):
        if not set(map(type, column)) <= _PLAIN:
            columns[j] = tuple(v if type(v) in _PLAIN else encode(v) for v in column)
            dated = True
    values = list(zip(*columns)) if dated else [tuple(r.values()) for r in rows]
    _raw_insert(conn, table, cols, values)
    info = s.info
    actor = info["actor"]
    now = iso_utc(session_now(s))
    capture_ops = info.get("capture_ops", True) and table in SYNCED_TABLES
    if capture_ops:
        seed_clock(s, db.hlc, db.node_id)
    node = db.node_id
    audit_on = info.get("audit", True)
    action = info.get("action") or "create"
    summary = info.get("summary")
    id_at = cols.index("id")
    captured = [i for i, k in enumerate(cols) if k != "id" and k not in NOT_CAPTURED]
    names = [cols[i] for i in captured]
    # the audit's changes are json.dumps({field: [null, value]}, sort_keys=True), put together from the
    # same JSON values the sync ops carry instead of encoding each value twice
    by_name = sorted(range(len(captured)), key=names.__getitem__)
    heads = [f"{_quote(n)}: [null, " for n in names]
    # each captured column's values as JSON, a column at a time (None stays None), then rows of them in
    # field-name order: the order of the (tbl, row, field) index, and of the audit's sorted keys
    js_columns = [_json_column(columns[i]) for i in captured]
    sorted_names = [names[k] for k in by_name]
    sorted_heads = [heads[k] for k in by_name]
    shapes: dict[tuple[bool, ...], tuple[str, tuple[str, ...], tuple[bool, ...]]] = {}  # which fields are null ->
    # the audit's template, the names and the mask of the fields present
    n_ops = sum(len(col) - col.count(None) for col in js_columns) if capture_ops else 0
    stamps = iter(_stamps(db.hlc, n_ops)) if n_ops else iter(())
    audit_ids = iter(uuid7_many(len(values))) if audit_on else iter(())
    who = (now, actor.os_user, actor.display_name, action, table)
    audits: list[tuple] = []
    ops: list[tuple] = []  # (row id, field, JSON value, hlc, node, table)
    for rid, *row in zip(columns[id_at], *(js_columns[k] for k in by_name)):
        nulls = tuple(map(is_, row, repeat(None)))
        shape = shapes.get(nulls)
        if shape is None:
            mask = tuple(not null for null in nulls)
            shape = shapes[nulls] = ("{" + ", ".join(compress([h + "%s]" for h in sorted_heads], mask)) + "}",
                                     tuple(compress(sorted_names, mask)), mask)
        present = tuple(compress(row, shape[2]))
        if audit_on:
            audits.append((next(audit_ids), *who, rid, summary, shape[0] % present))
        if capture_ops:  # (stamps last: zip stops at the names without taking one more)
            ops += zip(repeat(rid), shape[1], present, stamps, repeat(node), repeat(table))
    if audits:
        _raw_insert(conn, AuditEvent.__tablename__, ["id", "at", "os_user", "display_name", "action", "entity",
                                                     "entity_id", "summary", "changes"], audits)
    if ops:  # SQLite puts the op id together (hlc-node)
        _raw_insert(conn, SyncOp.__tablename__, ["op_id", "hlc", "node", "tbl", "row_id", "field", "value", "origin"],
                    ops, ["?4 || '-' || ?5", "?4", "?5", "?6", "?1", "?2", "?3", "'local'"])
        stamp_rows(conn, ((table, o[0], o[1], o[3]) for o in ops))


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
    info = s.info
    actor = info["actor"]
    audits: list[dict] = []
    ops: list[dict] = []
    capture_ops = info.get("capture_ops", True) and table in SYNCED_TABLES
    if capture_ops:
        seed_clock(s, db.hlc, db.node_id)
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
                hlc = db.hlc.now()
                ops.append(dict(op_id=f"{hlc}-{node}", hlc=hlc, node=node, tbl=table, row_id=row_id, field=k,
                                value=op_value(n), origin="local"))
    if audits:
        raw_insert(conn, AuditEvent.__tablename__, audits)
    if ops:
        raw_insert(conn, SyncOp.__tablename__, ops)
        stamp_rows(conn, ((table, o["row_id"], o["field"], o["hlc"]) for o in ops))
