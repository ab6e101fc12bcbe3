"""The one trail writer: the audit events and sync ops a write leaves, for ORM flushes and bulk writes alike.

``db/capture.py`` (after every ORM flush) and ``services/bulk_capture.py`` (Core inserts and updates) both
describe what they wrote as ``RowChange``s and hand them to ``TrailWriter.record``, so a row leaves the same
trail whichever way it was written: one AuditEvent per changed row (``field: [old, new]``, keys sorted) and
one SyncOp per changed field of a synced table, stamped by the hybrid logical clock, in the same transaction.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerdesk.clock import Clock
from partnerdesk.db.actor import Actor
from partnerdesk.db.models import SYNCED_TABLES, AuditEvent, SyncOp
from partnerdesk.db.types import iso_utc, uuid7
from partnerdesk.domain.hlc import HybridClock

_dumps = json.JSONEncoder(ensure_ascii=False).encode
_encode_str = json.encoder.encode_basestring
_AUDIT_COLUMNS = ("id", "at", "os_user", "display_name", "action", "entity", "entity_id", "summary", "changes")
_OP_COLUMNS = ("op_id", "hlc", "node", "tbl", "row_id", "field", "value", "origin")


@dataclass(frozen=True, slots=True)
class RowChange:
    """One written row: its table, id, whether it is new, and ``{field: (old, new)}`` for the captured fields
    (for a new row every captured field, None where empty)."""

    table: str
    row_id: str
    is_new: bool
    changes: dict[str, tuple[Any, Any]]


def encode(value: Any) -> Any:
    """A column value as JSON-safe data (used by audit, sync ops and the JSON export)."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return value


def op_value(value: Any) -> str:
    """A column value as the JSON text of a sync op: ``json.dumps(encode(value), ensure_ascii=False)``, with
    the common scalar types written directly (a billing run writes tens of thousands of ops)."""
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


_AS_IS = frozenset((str, int, bool, float, type(None)))


def audit_value(value: Any) -> Any:
    """A value as the audit shows it: bytes by their size only, everything else as JSON-safe data."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return encode(value)


def _action(change: RowChange) -> str:
    if change.is_new:
        return "create"
    deleted = change.changes.get("deleted_at")
    if deleted is None:
        return "update"
    return "delete" if deleted[1] is not None else "restore"


class TrailWriter:
    """Writes the audit and sync trail of ``RowChange``s; settings travel in ``session.info`` (``actor``,
    ``audit``, ``capture_ops``, ``action``, ``summary``)."""

    def __init__(self, node_id: str, clock: HybridClock, wall: Clock):
        self.node_id = node_id
        self.clock = clock
        self.wall = wall

    def record(self, session: Session, rows: Iterable[RowChange]) -> list[tuple[str, str, str, str]]:
        """Write the trail of ``rows``; returns the ops written as (table, row id, field, hlc)."""
        info = session.info
        actor: Actor = info["actor"]
        audit_on = info.get("audit", True)
        ops_on = info.get("capture_ops", True)
        action_hint, summary = info.get("action"), info.get("summary")
        at = iso_utc(self.wall.utcnow())
        audits: list[tuple] = []
        fields: list[tuple[str, str, str, Any]] = []  # (table, row id, field, new value)
        for row in rows:
            if not row.changes:
                continue
            shown = {k: (old, new) for k, (old, new) in row.changes.items() if not (row.is_new and new is None)}
            if audit_on:
                changes = json.dumps({k: [audit_value(old), audit_value(new)] for k, (old, new) in shown.items()},
                                     ensure_ascii=False, sort_keys=True)
                audits.append((uuid7(), at, actor.os_user, actor.display_name, action_hint or _action(row),
                               row.table, row.row_id, summary, changes))
            if ops_on and row.table in SYNCED_TABLES:
                fields += [(row.table, row.row_id, k, new) for k, (_old, new) in shown.items()]
        conn = session.connection()
        if audits:
            _insert(conn, AuditEvent.__tablename__, _AUDIT_COLUMNS, audits)
        if not fields:
            return []
        seed_clock(session, self.clock, self.node_id)
        node = self.node_id
        stamps = self.clock.now_many(len(fields))
        _insert(conn, SyncOp.__tablename__, _OP_COLUMNS,
                [(f"{hlc}-{node}", hlc, node, tbl, rid, fld, op_value(new), "local")
                 for (tbl, rid, fld, new), hlc in zip(fields, stamps)])
        return [(tbl, rid, fld, hlc) for (tbl, rid, fld, _new), hlc in zip(fields, stamps)]


def _insert(conn, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany straight through the driver: SQLAlchemy's per-row parameter processing costs more than
    SQLite itself for audit and op rows."""
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


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
