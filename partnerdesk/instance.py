"""One partnerdesk window per database: an OS file lock beside the database file.

The lock is the operating system's (``fcntl.flock`` on Linux/macOS, ``msvcrt.locking`` on Windows), so it
is released by the OS when the process ends, even on a crash or a kill: there is no stale lock to clean up.
The GUI holds it for as long as it runs; ``partnerdesk restore`` takes it while it swaps the database, so a
restore never happens under an open window. Qt-free; the GUI's "bring the running window forward" lives in
``partnerdesk/gui/single_instance.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from partnerdesk.errors import UserError

_LOCK_OFFSET = 1 << 20  # Windows locks a byte range; lock one far from the pid text so it stays readable


class AlreadyRunningError(UserError):
    """Another partnerdesk holds the lock for this database."""

    def __init__(self, message: str, pid: int | None):
        super().__init__(message)
        self.pid = pid


def lock_path_for(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


class InstanceLock:
    """An exclusive, non-blocking lock on ``<database>.lock``. Use as a context manager or acquire/release."""

    def __init__(self, db_path: Path, purpose: str = "open"):
        self.db_path = Path(db_path)
        self.path = lock_path_for(self.db_path)
        self.purpose = purpose
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free. False when another process (or another InstanceLock) holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not _lock(fd):
                os.close(fd)
                return False
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()} {self.purpose}\n".encode("ascii"))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def acquire(self) -> "InstanceLock":
        """Take the lock or raise AlreadyRunningError naming the process that holds it."""
        if not self.try_acquire():
            pid, purpose = self.holder()
            who = f"process {pid}" if pid else "another process"
            doing = "a restore" if purpose == "restore" else "partnerdesk"
            raise AlreadyRunningError(f"{doing} is already running on {self.db_path} ({who}); switch to that "
                                      "window or close it first", pid)
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def holder(self) -> tuple[int | None, str | None]:
        """The pid and purpose written by the current holder, if readable."""
        try:
            text = self.path.read_text(encoding="ascii", errors="replace").split()
        except OSError:
            return None, None
        pid = int(text[0]) if text and text[0].isdigit() else None
        return pid, (text[1] if len(text) > 1 else None)

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):  # pragma: no cover - a safety net; callers release explicitly
        try:
            self.release()
        except Exception:
            pass


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


# -- who has the database open --------------------------------------------------------------------------------
def users_dir(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".users")


class DatabaseUse:
    """This process has the database open: ``<database>.users/<pid>`` names the command, and this process
    holds an OS lock on that file until it closes the database. A killed process's file is unlocked by the
    OS, so it is recognised as stale (and removed) however its pid is reused."""

    def __init__(self, db_path: Path, what: str):
        self.path = users_dir(db_path) / str(os.getpid())
        self.what = " ".join(what.split())[:200]
        self._fd: int | None = None

    def register(self) -> "DatabaseUse":
        if self._fd is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Locked before it has its name, so a reader never sees it unlocked (Windows cannot rename an
            # open file: there a reader may, for a moment, and then fails to delete it, which is harmless).
            tmp = self.path if sys.platform == "win32" else self.path.with_name(f".{self.path.name}.tmp")
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _lock(fd)
                os.write(fd, (self.what + "\n").encode("utf-8", "replace"))
                if tmp != self.path:
                    os.replace(tmp, self.path)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        except OSError:  # a read-only folder: the database is refused anyway; never stop a command for this
            self._fd = None
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
            _unlock(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def database_users(db_path: Path) -> list[tuple[int, str]]:
    """Other processes that have the database open: (pid, command). Stale entries are removed."""
    folder = users_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for p in sorted(folder.iterdir()):
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            fd = os.open(p, os.O_RDWR)
        except OSError:
            continue
        try:
            if _lock(fd):  # nobody holds it: the process ended without closing
                _unlock(fd)
                try:
                    p.unlink(missing_ok=True)
                except OSError:
                    pass
                continue
            found.append((int(p.name), p.read_text(encoding="utf-8", errors="replace").strip() or "partnerdesk"))
        finally:
            os.close(fd)
    return found


def refuse_if_in_use(db_path: Path) -> None:
    """AlreadyRunningError naming the process when another one has the database open (a restore would swap
    the file under it)."""
    others = database_users(db_path)
    if others:
        pid, what = others[0]
        more = f" and {len(others) - 1} other process(es)" if len(others) > 1 else ""
        raise AlreadyRunningError(f"{db_path} is open in process {pid} ({what}){more}; let it finish or close "
                                  "it, then restore again", pid)
