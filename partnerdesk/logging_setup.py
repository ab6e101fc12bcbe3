"""Logging: one rotating file in the user log dir; one logger per module."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup(log_file: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_partnerdesk", False):
            root.removeHandler(h)
            h.close()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:  # read-only or full disk: keep going without a file log
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._partnerdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
