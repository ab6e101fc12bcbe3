"""The one choke point for writes: after every flush of a write unit of work, each changed row yields
an append-only AuditEvent (who, when, field: old -> new) and field-level SyncOps, in the same
transaction. Rows are never hard-deleted: ``deleted_at`` is a field like any other.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from partnerdesk.db.actor import Actor  # noqa: F401  (re-exported: callers import it from here)
from partnerdesk.db.models import DERIVED_COLUMNS, LOCAL_ONLY, SYNCED_TABLES, AuditEvent, Entity, SyncOp
from partnerdesk.clock import Clock
from partnerdesk.db.types import iso_utc, uuid7
from partnerdesk.domain.hlc import HybridClock
from partnerdesk.domain.hlc import parse as parse_hlc

NOT_CAPTURED = {"updated_at"}


def encode(value: Any) -> Any:
    """A column value as JSON-safe data (used by audit, sync ops and the JSON export)."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return value


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_encode_str = json.encoder.encode_basestring


def op_value(value: Any) -> str:
    """A column value as the JSON text of a sync op: ``json.dumps(encode(value), ensure_ascii=False)``,
    with the common scalar types done directly (tens of thousands of ops per billing run)."""
    if value is None:
        return "null"
    t = type(value)
    if t is str:
        return _encode_str(value)
    if t is int:
        return int.__repr__(value)
    if t is bool:
        return "true" if value else "false"
    return _dumps(encode(value))


def _audit_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return encode(value)


_KEYS: dict[Any, tuple[str, ...]] = {}


def _captured_keys(table) -> tuple[str, ...]:
    """The attribute keys of ``table`` whose changes are audited and synced, in column order."""
    keys = _KEYS.get(table)
    if keys is None:
        keys = _KEYS[table] = tuple(c.key for c in table.columns
                                    if c.key not in NOT_CAPTURED and c.key != "id"
                                    and (table.name, c.key) not in DERIVED_COLUMNS)
    return keys


class ChangeCapture:
    """Installed on the write sessionmaker; settings travel in ``session.info``."""

    def __init__(self, node_id: str, clock: HybridClock, wall: Clock):
        self.node_id = node_id
        self.clock = clock
        self.wall = wall

    def install(self, session_factory) -> None:
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "before_commit", _stamp_touched)
        event.listen(session_factory, "after_rollback", lambda session: session.info.pop(_TOUCHED, None))

    def _after_flush(self, session: Session, _ctx) -> None:
        actor: Actor = session.info["actor"]
        audit_on = session.info.get("audit", True)
        action_hint = session.info.get("action")
        audits: list[dict] = []
        ops: list[dict] = []
        now = self.wall.utcnow()
        seeded = False
        for obj, is_new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
            if not isinstance(obj, Entity):
                continue
            state = inspect(obj)
            table = obj.__table__.name
            changes: dict[str, list[Any]] = {}
            # a pending row: every column; a dirty one: only the attributes changed since load (those
            # SQLAlchemy keeps an original value for in committed_state), not every column's history
            keys = _captured_keys(obj.__table__) if is_new else \
                [k for k in _captured_keys(obj.__table__) if k in state.committed_state]
            for key in keys:
                attr = state.attrs[key]
                if is_new:
                    value = attr.value
                    changes[key] = [None, value]
                else:
                    hist = attr.history
                    if not hist.has_changes():
                        continue
                    old = hist.deleted[0] if hist.deleted else None
                    new = hist.added[0] if hist.added else None
                    if old == new:
                        continue
                    changes[key] = [old, new]
            if table in SYNCED_TABLES:
                session.info.setdefault(_TOUCHED, set()).add((table, obj.id))
            if not changes:
                continue
            if is_new:
                action = "create"
            elif "deleted_at" in changes and changes["deleted_at"][1] is not None:
                action = "delete"
            elif "deleted_at" in changes:
                action = "restore"
            else:
                action = "update"
            if audit_on:
                shown = {k: [_audit_value(o), _audit_value(n)] for k, (o, n) in changes.items()
                         if not (is_new and n is None)}
                audits.append(dict(
                    id=uuid7(), at=now, os_user=actor.os_user, display_name=actor.display_name,
                    action=action_hint or action, entity=table, entity_id=obj.id,
                    summary=session.info.get("summary"), changes=json.dumps(shown, ensure_ascii=False,
                                                                            sort_keys=True),
                ))
            if table in SYNCED_TABLES and session.info.get("capture_ops", True):
                if not seeded:
                    seed_clock(session, self.clock, self.node_id)
                    seeded = True
                for key, (_old, new) in changes.items():
                    if is_new and new is None:
                        continue
                    hlc = self.clock.now()
                    ops.append(dict(op_id=f"{hlc}-{self.node_id}", hlc=hlc, node=self.node_id, tbl=table,
                                    row_id=obj.id, field=key,
                                    value=op_value(new), origin="local"))
        for obj in session.deleted:
            if isinstance(obj, Entity):
                raise RuntimeError(f"{obj.__table__.name} rows are soft-deleted; set deleted_at instead")
        conn = session.connection()
        if audits:
            at = iso_utc(now)
            for a in audits:
                a["at"] = at
            raw_insert(conn, AuditEvent.__tablename__, audits)
        if ops:
            raw_insert(conn, SyncOp.__tablename__, ops)


_TOUCHED = "_rows_written"  # session.info: (table, id) of synced rows the ORM wrote in this transaction


def _stamp_touched(session: Session) -> None:
    """Before commit: every synced row the ORM wrote gets the time of its newest op as ``updated_at`` (a later
    flush of derived values in the same transaction would otherwise leave the wall clock's stamp)."""
    if session.new or session.dirty:
        session.flush()  # what is still pending is written (and noted as touched) now
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    conn = session.connection()
    by_tbl: dict[str, list[str]] = {}
    for tbl, row_id in touched:
        by_tbl.setdefault(tbl, []).append(row_id)
    found = []
    for tbl, ids in by_tbl.items():
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            found += [(tbl, r, f, h) for r, f, h in conn.exec_driver_sql(
                f"SELECT row_id, field, max(hlc) FROM sync_op WHERE tbl = ? AND row_id IN "
                f"({','.join('?' * len(chunk))}) GROUP BY row_id, field", (tbl, *chunk))]
    stamp_rows(conn, found)


def hlc_time(hlc: str) -> datetime:
    """The wall time an op was written at (its hybrid clock's milliseconds), in UTC."""
    return datetime.fromtimestamp(parse_hlc(hlc)[0] / 1000, timezone.utc)


def stamp_rows(conn, ops) -> None:
    """Set each written row's ``updated_at`` to the time of its newest op, given as (table, row id, field, hlc):
    the stamp every replica gives the row when it merges the same ops (sync/merge.py), so the export is equal
    everywhere, ``updated_at`` included. Ops of derived and per-installation fields, which no replica applies,
    do not count."""
    latest: dict[tuple[str, str], str] = {}
    for tbl, row_id, fld, hlc in ops:
        if (tbl, fld) in DERIVED_COLUMNS or (tbl, fld) in LOCAL_ONLY:
            continue
        key = (tbl, row_id)
        if hlc > latest.get(key, ""):
            latest[key] = hlc
    by_tbl: dict[str, list[tuple[str, str]]] = {}
    for (tbl, row_id), hlc in latest.items():
        by_tbl.setdefault(tbl, []).append((iso_utc(hlc_time(hlc)), row_id))
    for tbl, rows in by_tbl.items():
        conn.exec_driver_sql(f"UPDATE {tbl} SET updated_at = ? WHERE id = ?", rows)


def seed_clock(session: Session, clock: HybridClock, node_id: str) -> None:
    """Before stamping ops: our own newest op is binding; others' only up to the drift limit (a far-future
    clock elsewhere is never adopted). Once per write transaction: it holds the write lock (BEGIN
    IMMEDIATE), so no other writer adds ops until it ends, and our own clock is past every op it wrote."""
    tx = session.get_transaction()
    if tx is not None and session.info.get("_clock_seeded") is tx:
        return
    clock.seed(session.execute(select(func.max(SyncOp.hlc)).where(SyncOp.node == node_id)).scalar())
    latest = session.execute(select(func.max(SyncOp.hlc)).where(SyncOp.hlc <= clock.horizon())).scalar()
    if latest:
        clock.observe(latest)
    if tx is not None:
        session.info["_clock_seeded"] = tx


def raw_insert(conn, table: str, rows: list[dict[str, Any]]) -> None:
    """executemany straight through the driver (SQLAlchemy's per-row parameter processing costs more than
    SQLite itself for audit and op rows). Rows must hold stored values (ISO text for dates) and share keys."""
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
    conn.exec_driver_sql(sql, rows)
