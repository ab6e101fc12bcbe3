"""The one choke point for ORM writes: after every flush of a write unit of work, each changed row goes to
the trail writer (``db/trail.py``: an append-only AuditEvent and field-level SyncOps, in the same
transaction). Rows are never hard-deleted: ``deleted_at`` is a field like any other.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from partnerdesk.db.actor import Actor  # noqa: F401  (re-exported: callers import it from here)
from partnerdesk.db.models import DERIVED_COLUMNS, LOCAL_ONLY, SYNCED_TABLES, Entity
from partnerdesk.clock import Clock
from partnerdesk.db.trail import RowChange, TrailWriter
from partnerdesk.db.trail import encode, op_value, seed_clock  # noqa: F401  (re-exported to older callers)
from partnerdesk.db.types import iso_utc
from partnerdesk.domain.hlc import HybridClock
from partnerdesk.domain.hlc import parse as parse_hlc

NOT_CAPTURED = {"updated_at"}


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
        self.trail = TrailWriter(node_id, clock, wall)

    @property
    def node_id(self) -> str:
        return self.trail.node_id

    @node_id.setter
    def node_id(self, value: str) -> None:  # a forked database takes a new identity (sync)
        self.trail.node_id = value

    def install(self, session_factory) -> None:
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "before_commit", _stamp_touched)
        event.listen(session_factory, "after_rollback", lambda session: session.info.pop(_TOUCHED, None))

    def _after_flush(self, session: Session, _ctx) -> None:
        rows: list[RowChange] = []
        for obj, is_new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
            if not isinstance(obj, Entity):
                continue
            table = obj.__table__.name
            if table in SYNCED_TABLES:
                session.info.setdefault(_TOUCHED, set()).add((table, obj.id))
            changes = _changes(inspect(obj), obj.__table__, is_new)
            if changes:
                rows.append(RowChange(table, obj.id, is_new, changes))
        for obj in session.deleted:
            if isinstance(obj, Entity):
                raise RuntimeError(f"{obj.__table__.name} rows are soft-deleted; set deleted_at instead")
        if rows:
            self.trail.record(session, rows)


def _changes(state, table, is_new: bool) -> dict[str, tuple[Any, Any]]:
    """``{field: (old, new)}`` of one flushed object: a pending row, every captured column; a dirty one, only
    the attributes changed since load (those SQLAlchemy keeps an original value for in committed_state)."""
    keys = _captured_keys(table) if is_new else [k for k in _captured_keys(table) if k in state.committed_state]
    changes: dict[str, tuple[Any, Any]] = {}
    for key in keys:
        attr = state.attrs[key]
        if is_new:
            changes[key] = (None, attr.value)
            continue
        hist = attr.history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old != new:
            changes[key] = (old, new)
    return changes


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


def raw_insert(conn, table: str, rows: list[dict[str, Any]]) -> None:
    """executemany straight through the driver (SQLAlchemy's per-row parameter processing costs more than
    SQLite itself for audit and op rows). Rows must hold stored values (ISO text for dates) and share keys."""
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
    conn.exec_driver_sql(sql, rows)
