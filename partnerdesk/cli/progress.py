"""A progress bar for the long commands (``demo --size large``, ``statements issue --all``, a big contacts
import): drawn on stderr when it is a terminal, so stdout stays the command's output; silent when stderr is
piped or redirected (a script, a log file). It appears only once a run has lasted half a second, redraws at
most ten times a second and is wiped when the run ends."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

DELAY = 0.5  # seconds before the bar appears: a quick run shows nothing
INTERVAL = 0.1


class Progress:
    """``progress(done, total[, label])``, the callback the services take; use as a context manager."""

    def __init__(self, what: str, stream: TextIO | None = None):
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self._last = 0.0
        self.drawn = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        finished = total and done >= total
        if now - self.started < DELAY or (now - self._last < INTERVAL and not finished):
            return
        self._last = now
        self.stream.write("\r" + self.line(done, total))
        self.stream.flush()
        self.drawn = True

    def line(self, done: int, total: int) -> str:
        width = shutil.get_terminal_size((80, 20)).columns
        if total > 0:
            share = min(max(done / total, 0.0), 1.0)
            counts = f" {done:,}/{total:,} {share:4.0%}"
            room = max(width - len(self.what) - len(counts) - 6, 10)
            filled = int(room * share)
            return f"{self.what} [{'#' * filled}{'.' * (room - filled)}]{counts}"[:width - 1]
        return f"{self.what} … {done:,}"[:width - 1]

    def close(self) -> None:
        if self.drawn:  # wipe the bar: what the command prints next starts on a clean line
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
            self.drawn = False
