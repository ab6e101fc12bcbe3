"""Column types: ISO text for dates and UTC timestamps; ids are UUIDv7 text. Money columns are plain
Integer cents named ``*_cents`` (the Money type wraps them at the edges)."""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime, timezone

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator



def uuid7() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, random; sorts by creation time."""
    ms = time.time_ns() // 1_000_000  # not a date: the id's time prefix
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


CLOCK_OPTION = "partnerdesk_clock"  # the engine's execution option that carries the app's one clock


def column_now(context) -> datetime:
    """Column default for time stamps: now, read from the clock the database was opened with."""
    return context.execution_options[CLOCK_OPTION].utcnow()


def session_now(session) -> datetime:
    """Now, from the clock of the database this session writes to (for code that holds a session only)."""
    return session.connection().get_execution_options()[CLOCK_OPTION].utcnow()


def iso_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as ISO-8601 UTC text ("2026-03-01T12:00:00.000Z")."""

    impl = String(30)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return iso_utc(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ISODate(TypeDecorator):
    """A date stored as ISO text ("2026-03-01")."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return date.fromisoformat(value).isoformat()
        return value.isoformat()

    def process_result_value(self, value, dialect):
        return None if value is None else date.fromisoformat(value)
