"""File-system helpers that behave the same on Windows as on Linux and macOS."""

from __future__ import annotations

import os
import sys
import time

# On Windows, os.replace fails with PermissionError while another process has the target open (Python opens
# files without FILE_SHARE_DELETE; so do virus scanners and search indexers, briefly). Retry for a while.
_WINDOWS_RETRIES = 20
_WINDOWS_WAIT_S = 0.05


def replace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """``os.replace(src, dst)``: atomic where the OS allows, retried on Windows while ``dst`` is held open."""
    attempts = _WINDOWS_RETRIES if sys.platform == "win32" else 1
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(_WINDOWS_WAIT_S * (attempt + 1))

