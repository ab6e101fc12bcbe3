"""Who makes a change: the OS user and the display name from the settings (kept Qt- and SQLAlchemy-free)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    os_user: str
    display_name: str
