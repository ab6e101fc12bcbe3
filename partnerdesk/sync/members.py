"""Sync membership (issue 14): which installations are admitted to the space, for which agency.

Membership is the synced table ``sync_member`` (one row per admitted node, ``id`` = node id). Its rows
arrive only in segments whose signer the importing node already counts as a member, and the founder, pinned
by the join code, is the root; ``space.json`` and ``node.json`` on the share are hints, never trusted.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerdesk.db.models import SyncMember

ADMITTED = "admitted"
REVOKED = "revoked"


def agency_of(session: Session, node_id: str) -> str | None:
    """The agency id ``node_id`` is admitted for; None when it is not admitted (or was revoked)."""
    row = session.execute(select(SyncMember.agency_id, SyncMember.status, SyncMember.deleted_at)
                          .where(SyncMember.id == node_id)).first()
    if row is None or row.status != ADMITTED or row.deleted_at is not None:
        return None
    return row.agency_id
