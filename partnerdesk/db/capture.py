"""The one choke point for writes: after every flush of a write unit of work, each changed row yields
an append-only AuditEvent (who, when, field: old -> new) and field-level SyncOps, in the same
transaction. Rows are never hard-deleted: ``deleted_at`` is a field like any other.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from partnerdesk.db.actor import Actor  # noqa: F401  (re-exported: callers import it from here)
from partnerdesk.db.models import DERIVED_COLUMNS, SYNCED_TABLES, AuditEvent, Entity, SyncOp
from partnerdesk.db.types import iso_utc, utcnow, uuid7
from partnerdesk.sync.clock import HybridClock

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


def _audit_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return encode(value)


class ChangeCapture:
    """Installed on the write sessionmaker; settings travel in ``session.info``."""

    def __init__(self, node_id: str, clock: HybridClock):
        self.node_id = node_id
        self.clock = clock

    def install(self, session_factory) -> None:
        event.listen(session_factory, "after_flush", self._after_flush)

    def _after_flush(self, session: Session, _ctx) -> None:
        actor: Actor = session.info["actor"]
        audit_on = session.info.get("audit", True)
        action_hint = session.info.get("action")
        audits: list[dict] = []
        ops: list[dict] = []
        now = utcnow()
        seeded = False
        for obj, is_new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
            if not isinstance(obj, Entity):
                continue
            state = inspect(obj)
            table = obj.__table__.name
            changes: dict[str, list[Any]] = {}
            for col in obj.__table__.columns:
                key = col.key
                if key in NOT_CAPTURED or key == "id" or (table, key) in DERIVED_COLUMNS:
                    continue
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
                    # our own newest op is binding; others' only up to the drift limit (a far-future
                    # clock elsewhere is never adopted)
                    self.clock.seed(session.execute(select(func.max(SyncOp.hlc))
                                                    .where(SyncOp.node == self.node_id)).scalar())
                    latest = session.execute(select(func.max(SyncOp.hlc)).where(
                        SyncOp.hlc <= self.clock.horizon())).scalar()
                    if latest:
                        self.clock.observe(latest)
                    seeded = True
                for key, (_old, new) in changes.items():
                    if is_new and new is None:
                        continue
                    hlc = self.clock.now()
                    ops.append(dict(op_id=f"{hlc}-{self.node_id}", hlc=hlc, node=self.node_id, tbl=table,
                                    row_id=obj.id, field=key,
                                    value=json.dumps(encode(new), ensure_ascii=False), origin="local"))
        for obj in session.deleted:
            if isinstance(obj, Entity):
                raise RuntimeError(f"{obj.__table__.name} rows are soft-deleted; set deleted_at instead")
        conn = session.connection()
        if audits:
            conn.execute(insert(AuditEvent), audits)
        if ops:
            conn.execute(insert(SyncOp), ops)
