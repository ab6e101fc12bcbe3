"""Hybrid logical clock for sync ops: (wall ms, counter), rendered sortable as "0001767225600000-00000".

A remote timestamp never drags us more than ``MAX_DRIFT_MS`` ahead of local wall time: a clock far in
the future is noted (``future_skew_ms``) and not adopted.
"""

from __future__ import annotations

import threading
from typing import Callable

MAX_DRIFT_MS = 10 * 60 * 1000


def parse(hlc: str) -> tuple[int, int]:
    ms, counter = hlc.split("-")[:2]
    return int(ms), int(counter)


def render(ms: int, counter: int) -> str:
    return f"{ms:016d}-{counter:05d}"


class HybridClock:
    def __init__(self, wall: Callable[[], float]):
        """``wall``: seconds since the epoch, from the app's one clock (partnerdesk.clock.Clock.time)."""
        self._wall = wall
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()
        self.future_skew_ms = 0  # largest remote lead over our wall clock we refused to adopt

    def wall_ms(self) -> int:
        return int(self._wall() * 1000)

    def horizon(self) -> str:
        """The newest timestamp we would adopt from elsewhere right now (wall time + MAX_DRIFT_MS)."""
        return render(self.wall_ms() + MAX_DRIFT_MS, 99999)

    def seed(self, hlc: str | None) -> None:
        """Never issue a timestamp at or below ``hlc`` (the newest one already in the database)."""
        if not hlc:
            return
        ms, counter = parse(hlc)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter

    def now(self) -> str:
        with self._lock:
            wall = self.wall_ms()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._counter += 1
            return render(self._ms, self._counter)

    def observe(self, remote: str) -> None:
        """Move forward past a remote timestamp, but never beyond wall time + MAX_DRIFT_MS."""
        ms, counter = parse(remote)
        with self._lock:
            wall = self.wall_ms()
            if ms > wall + MAX_DRIFT_MS:
                self.future_skew_ms = max(self.future_skew_ms, ms - wall)
                return
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter
