"""The one clock: every "today" and "now" the app uses is read here, and nowhere else.

The composition root (``app.open_context``) makes one ``Clock`` and hands it to the database and the
services; the GUI and the CLI reach it through them. Tests freeze it in one fixture (tests/conftest.py), and
a test fails when a module outside this one reads the system clock for a date or a time stamp.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone


class Clock:
    """The system clock, read through one object so that tests can stop and move it."""

    def time(self) -> float:
        """Seconds since the epoch (for time stamps, never for measuring durations)."""
        return time.time()

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        return datetime.fromtimestamp(self.time(), timezone.utc)

    def utcnow(self) -> datetime:
        """Now in UTC to the millisecond, as the database stores time stamps."""
        now = self.now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def local_now(self) -> datetime:
        """The current moment as a naive local date and time (what the user's wall clock shows)."""
        return datetime.fromtimestamp(self.time())

    def today(self) -> date:
        """The user's local date: the date hours are logged on and quarters end by."""
        return self.local_now().date()

    def utc_stamp(self) -> str:
        """The current moment as a compact UTC stamp for file names, e.g. ``20261207T213611Z``."""
        return self.now().strftime("%Y%m%dT%H%M%SZ")

