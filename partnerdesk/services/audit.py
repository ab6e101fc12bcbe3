"""Reading the append-only audit trail."""

from __future__ import annotations

import json

from sqlalchemy import select

from partnerdesk.db.models import AuditEvent
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import AuditDTO


class AuditService:
    def __init__(self, db: Database):
        self.db = db

    def list(self, entity_id: str | None = None, limit: int | None = None) -> list[AuditDTO]:
        with self.db.read() as s:
            q = select(AuditEvent).order_by(AuditEvent.seq.desc())
            if entity_id:
                q = q.where(AuditEvent.entity_id == entity_id)
            if limit:
                q = q.limit(limit)
            return [AuditDTO(e.id, e.at, e.os_user, e.display_name, e.action, e.entity, e.entity_id, e.summary,
                             json.loads(e.changes) if e.changes else {}) for e in s.scalars(q)]

    def record(self, action: str, entity: str, entity_id: str | None = None, summary: str | None = None,
               details: dict | None = None) -> None:
        """An event that is not a row change (an export that included personal numbers, a backup)."""
        with self.db.write(audit=False) as s:
            a = self.db.actor
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action=action, entity=entity,
                             entity_id=entity_id, summary=summary,
                             changes=json.dumps(details or {}, ensure_ascii=False, sort_keys=True)))
