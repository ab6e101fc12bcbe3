"""Hybrid logical clock for sync ops: (wall ms, counter), rendered sortable as "0001767225600000-00000".

A remote timestamp never drags us more than ``MAX_DRIFT_MS`` ahead of local wall time: a clock far in
the future is noted (``future_skew_ms``) and not adopted.
"""

from __future__ import annotations

import threading
from typing import Callable

MAX_DRIFT_MS = 10 * 60 * 1000
MAX_COUNTER = 99999  # the counter has five digits; the next millisecond follows


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
        return render(self.wall_ms() + MAX_DRIFT_MS, MAX_COUNTER)

    def seed(self, hlc: str | None) -> None:
        """Never issue a timestamp at or below ``hlc`` (the newest one already in the database)."""
        if not hlc:
            return
        ms, counter = parse(hlc)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter

    def now(self) -> str:
        return self.now_many(1)[0]

    def now_many(self, n: int) -> list[str]:
        """``n`` consecutive timestamps, as ``n`` calls of ``now()`` give them: past counter 99999 the next
        millisecond begins, so the rendered stamps stay fixed-width and sort in the order they were issued."""
        with self._lock:
            wall = self.wall_ms()
            ms, counter = (wall, 0) if wall > self._ms else (self._ms, self._counter + 1)
            out: list[str] = []
            while len(out) < n:
                if counter > MAX_COUNTER:
                    ms, counter = ms + 1, 0
                take = min(n - len(out), MAX_COUNTER + 1 - counter)
                prefix = f"{ms:016d}-"
                out += [f"{prefix}{c:05d}" for c in range(counter, counter + take)]
                counter += take
            if out:
                self._ms, self._counter = ms, counter - 1
            return out

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
