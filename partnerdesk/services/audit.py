"""Reading the append-only audit trail."""

from __future__ import annotations

import json

from sqlalchemy import select

from partnerdesk.db.models import AuditEvent
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import AuditDTO
from partnerdesk.domain.privacy import withhold_changes


def _changes(entity: str | None, text: str | None, include_personal: bool) -> dict:
    changes = json.loads(text) if text else {}
    return changes if include_personal else withhold_changes(entity, changes)


class AuditService:
    def __init__(self, db: Database):
        self.db = db

    def list(self, entity_id: str | None = None, limit: int | None = None,
             include_personal: bool = False) -> list[AuditDTO]:
        """Events, newest first. Personal numbers are withheld (domain/privacy.py) unless ``include_personal``;
        asking for them is itself recorded in the trail."""
        with self.db.read() as s:
            q = select(AuditEvent).order_by(AuditEvent.seq.desc())
            if entity_id:
                q = q.where(AuditEvent.entity_id == entity_id)
            if limit:
                q = q.limit(limit)
            events = [AuditDTO(e.id, e.at, e.os_user, e.display_name, e.action, e.entity, e.entity_id, e.summary,
                               _changes(e.entity, e.changes, include_personal)) for e in s.scalars(q)]
        if include_personal:
            self.record("view_personal", "audit_event", entity_id=entity_id,
                        summary="audit trail read with personal numbers"
                                + (f" (events of {entity_id})" if entity_id else ""))
        return events

    def record(self, action: str, entity: str, entity_id: str | None = None, summary: str | None = None,
               details: dict | None = None) -> None:
        """An event that is not a row change (an export that included personal numbers, a backup)."""
        with self.db.write(audit=False) as s:
            a = self.db.actor
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action=action, entity=entity,
                             entity_id=entity_id, summary=summary,
                             changes=json.dumps(details or {}, ensure_ascii=False, sort_keys=True)))
