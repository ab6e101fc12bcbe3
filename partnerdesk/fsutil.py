"""File-system helpers that behave the same on Windows as on Linux and macOS."""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
import time
from pathlib import Path

# On Windows, os.replace fails with PermissionError while another process has the target open (Python opens
# files without FILE_SHARE_DELETE; so do virus scanners and search indexers, briefly). Retry for a while.
_WINDOWS_RETRIES = 20
_WINDOWS_WAIT_S = 0.05


def replace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """``os.replace(src, dst)``: atomic where the OS allows, retried on Windows while ``dst`` is held open.

    Only a regular file is ever replaced: a device, a pipe or a folder named as the output (``export json
    /dev/null`` run as root would swap /dev/null for a file) is refused with an OSError naming it."""
    if os.path.lexists(dst) and not os.path.isfile(dst):
        raise FileExistsError(errno.EEXIST, "is not a regular file (a folder or a device); name a file",
                              os.fspath(dst))
    attempts = _WINDOWS_RETRIES if sys.platform == "win32" else 1
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(_WINDOWS_WAIT_S * (attempt + 1))



def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once: os.umask can only be read by setting it, which would race other threads


def safe_file_stem(text: str, limit: int = 60) -> str:
    """A file-name-safe version of ``text`` on every OS: letters, digits, dot, dash, underscore; no leading or
    trailing dot or dash, never empty. The one rule for a file name built from data (a statement number, an
    agency code, an agreement number that came from another PC): it cannot name a folder, climb out with
    "..", or be a device."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-._")
    return stem[:limit].rstrip("-._") or "document"


def file_in(folder: str | os.PathLike, text: str, suffix: str = "", limit: int = 120) -> Path:
    """``folder`` / the safe name of ``text`` + ``suffix``: always a file directly inside ``folder``."""
    folder = Path(folder)
    path = folder / (safe_file_stem(text, limit) + suffix)
    assert path.parent == folder  # safe_file_stem leaves no separator
    return path


def write_atomic(path: str | os.PathLike, data: bytes, private: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file in the same folder, flushed to disk,
    then renamed over ``path``. Readable as any new file (``private``: by the owner only). The folder must
    exist; on failure the temporary file is removed and ``path`` is untouched."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not private:  # mkstemp makes 0600; os.chmod (not os.fchmod) exists on Windows too
            os.chmod(tmp, 0o666 & ~_UMASK)
        replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- temporary ".part" files -------------------------------------------------------------------------------
# A copy is written to "<final name>.<pid>.part" and renamed into place when complete. A process killed
# mid-copy leaves its .part behind; the next start removes those whose writer is gone (remove_stale_parts).
_PART_RE = re.compile(r"\.(\d+)\.part$")
_LEGACY_PART_AGE_S = 3600  # a .part without a pid (older versions): stale after an hour


def part_path(dest: str | os.PathLike) -> Path:
    """Where to write ``dest`` before renaming it into place: a name that says which process writes it."""
    dest = Path(dest)
    return dest.with_name(f"{dest.name}.{os.getpid()}.part")


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` exists (or when that cannot be told)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.GetLastError() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            ctypes.windll.kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(paths: list[Path]) -> list[Path]:
    """Delete the given ``.part`` files whose writing process is gone. Returns what was removed."""
    removed = []
    for p in paths:
        m = _PART_RE.search(p.name)
        try:
            if m:
                if int(m.group(1)) == os.getpid() or pid_alive(int(m.group(1))):
                    continue
            elif time.time() - p.stat().st_mtime < _LEGACY_PART_AGE_S:  # not a date: a file's age
                continue
            p.unlink()
            removed.append(p)
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
    return removed
