"""Frozen results of the sync service, for the CLI and the Sync page."""

from __future__ import annotations

from dataclasses import dataclass, field

SYNCED = "synced"
SYNCING = "syncing"
UNAVAILABLE = "share unavailable"
CLOCK_WARNING = "clock warning"
FORK = "fork detected"
NOT_SET_UP = "not set up"
QUARANTINED = "files quarantined"
UNPUBLISHED = "changes not yet published"
AWAITING = "awaiting approval"
REFUSED_KINDS = ("invalid", "unauthorised")  # ops never applied (sync/validate.py, sync/authorise.py)


@dataclass(frozen=True)
class NodeDTO:
    node: str
    name: str
    is_self: bool
    segments: int
    last_seq: int
    problem: str | None = None


@dataclass(frozen=True)
class PendingDTO:
    """An installation that asked to join and that nobody admitted yet (or this one, while it waits)."""

    node: str
    name: str  # "<display name> — <agency> (<machine>)"
    display_name: str | None
    agency: str | None  # the agency code it asked for
    machine: str | None
    fingerprint: str | None  # of its signing key: compare it with the one its own screen shows
    segments: int = 0
    is_self: bool = False
    reason: str = ""


@dataclass(frozen=True)
class QuarantineDTO:
    node: str
    name: str
    status: str  # quarantined held newer_format
    reason: str
    attempts: int


@dataclass(frozen=True)
class ConflictDTO:
    id: str
    kind: str  # concurrent frozen duplicate invalid unauthorised overpaid
    table: str
    row_id: str
    field: str
    kept_value: object
    kept_node: str
    other_value: object
    other_node: str
    detected_at: str
    resolved: bool
    resolution: str | None
    label: str = ""
    reason: str = ""  # why an op was refused (kinds invalid, unauthorised) or what the money conflict is


@dataclass(frozen=True)
class SyncStatusDTO:
    state: str
    folder: str | None
    node: str
    last_sync: str | None
    quarantined: int
    conflicts: int
    nodes: tuple[NodeDTO, ...] = ()
    problems: tuple[str, ...] = ()
    quarantine: tuple[QuarantineDTO, ...] = ()
    applied_ops: int = 0
    published_ops: int = 0
    message: str = ""
    clock_skew_ms: int = 0
    clock_warning: str | None = None
    awaiting_approval: tuple = ()
    extra: dict = field(default_factory=dict)
