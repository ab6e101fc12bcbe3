"""Backups: automatic rotating dailies, manual copies, checked restores, and the start-up health check.

Every copy is made with SQLite's online backup API, so it is consistent even while the app writes, and is
saved as a self-contained file (rollback journal, no ``-wal`` beside it). Retention of the automatic
``daily-YYYY-MM-DD.sqlite3`` files: the newest 14, plus the oldest of each of the last 12 months. Manual,
pre-migrate and pre-restore copies are never pruned.

A restore checks the file first (SQLite magic, ``PRAGMA integrity_check``, an Alembic revision this
version knows), keeps a safety copy of the current database, then copies the backup *into* the live file
with the backup API: one transaction, so a crash mid-restore leaves the old database intact. It holds the
instance lock, so it never runs under an open window. Qt-free; works on paths, before any Database exists.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from partnerdesk import __version__
from partnerdesk.clock import Clock
from partnerdesk.errors import DatabaseError, UserError
from partnerdesk.instance import InstanceLock

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
KEEP_DAILIES = 14
KEEP_MONTHS = 12
DAILY_RE = re.compile(r"^daily-(\d{4}-\d{2}-\d{2})\.sqlite3$")


class DamagedDatabaseError(DatabaseError):
    """The database failed its start-up check; ``backup`` is the newest good backup, if any."""

    def __init__(self, message: str, db_path: Path, problem: str, backup: Path | None):
        super().__init__(message)
        self.db_path = db_path
        self.problem = problem
        self.backup = backup


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    modified: datetime
    revision: str | None
    kind: str  # daily, manual, pre-migrate, pre-restore, other


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_copy: Path
    revision: str | None


def copy_database(src: Path, dest: Path) -> Path:
    """A consistent copy of ``src`` at ``dest`` (written to ``dest.part`` then renamed), rollback-journal mode."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        tmp.replace(dest)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"{src}: cannot be copied ({exc})") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{dest}: cannot write the backup ({exc.strerror or exc})") from exc
    return dest


def _header_problem(db_path: Path) -> str | None:
    """"" (nothing to check: no file yet), a problem in one line, or None when the header is SQLite's."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return ""
    try:
        with open(db_path, "rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                return "it is not an SQLite database file (the header is damaged or it is another file)"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    return None


def quick_check(db_path: Path) -> str | None:
    """None when the file is healthy (or does not exist yet); otherwise what is wrong, in one line."""
    problem = _header_problem(Path(db_path))
    if problem is not None:
        return problem or None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"SQLite cannot read it ({exc})"
    if rows == ["ok"]:
        return None
    return "SQLite found damage: " + "; ".join(str(r) for r in rows[:3]) + (" …" if len(rows) > 3 else "")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from partnerdesk.db.migrate import alembic_config

    return {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def inspect_backup(path: Path, full: bool = True) -> BackupInfo:
    """Check a backup file: SQLite, undamaged, a partnerdesk schema this version can open. Raises UserError."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such backup file")
    try:
        with open(path, "rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from exc
    if magic != SQLITE_MAGIC:
        raise DatabaseError(f"{path}: is not a partnerdesk backup (not an SQLite file)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = [r[0] for r in conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
            if check != ["ok"]:
                raise DatabaseError(f"{path}: the backup is damaged ({'; '.join(map(str, check[:2]))}); "
                                    "choose another one")
            has_version = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_version else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot be read as a partnerdesk backup ({exc})") from exc
    if revision is None:
        raise DatabaseError(f"{path}: is an SQLite file but not a partnerdesk database")
    rev = revision[0]
    if rev not in _known_revisions():
        raise DatabaseError(f"{path}: was written by a newer partnerdesk (schema {rev}); this is {__version__}. "
                            "Install the newer version to restore it.")
    st = path.stat()
    return BackupInfo(path=path, size=st.st_size, modified=datetime.fromtimestamp(st.st_mtime, timezone.utc),
                      revision=rev, kind=_kind(path.name))


def _kind(name: str) -> str:
    if DAILY_RE.match(name):
        return "daily"
    for k in ("manual", "pre-migrate", "pre-restore"):
        if name.startswith(k + "-"):
            return k
    return "other"


def retained_dailies(days: list[date], today: date) -> set[date]:
    """Which daily backups to keep: the newest KEEP_DAILIES, plus the oldest in each of the last KEEP_MONTHS
    months (counting this one)."""
    days = sorted(set(days))
    keep = set(days[-KEEP_DAILIES:])
    months = set()
    y, m = today.year, today.month
    for _ in range(KEEP_MONTHS):
        months.add((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    seen: set[tuple[int, int]] = set()
    for d in days:  # ascending: the first seen per month is that month's oldest
        key = (d.year, d.month)
        if key in months and key not in seen:
            seen.add(key)
            keep.add(d)
    return keep


class BackupService:
    """Backups of one database file into one backup folder."""

    def __init__(self, db_path: Path, backup_dir: Path, clock: Clock | None = None):
        self.db_path = Path(db_path)
        self.backup_dir = Path(backup_dir)
        self.clock = clock or Clock()

    # -- making copies ---------------------------------------------------------------------------
    def backup(self, dest: Path | None = None) -> Path:
        """A manual backup, to ``dest`` or ``backups/manual-<UTC stamp>.sqlite3``."""
        if not self.db_path.exists():
            raise UserError(f"{self.db_path}: there is no database to back up yet")
        if dest is None:
            dest = self.backup_dir / f"manual-{self.clock.utc_stamp()}.sqlite3"
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"partnerdesk-{self.clock.utc_stamp()}.sqlite3"
        if dest.resolve() == self.db_path.resolve():
            raise UserError(f"{dest}: is the live database; choose another file")
        out = copy_database(self.db_path, dest)
        log.info("backed up %s to %s", self.db_path, out)
        return out

    def daily_due(self, today: date | None = None) -> bool:
        """True on the first start of a day (no daily backup for today yet) when there is a database."""
        today = today or self.clock.today()
        return self.db_path.exists() and not (self.backup_dir / f"daily-{today.isoformat()}.sqlite3").exists()

    def daily(self, today: date | None = None) -> Path | None:
        """The automatic backup: the first start of a day copies the database, then old dailies are pruned.
        Returns the new file, or None when today's already exists (or there is no database)."""
        today = today or self.clock.today()
        if not self.db_path.exists():
            return None
        dest = self.backup_dir / f"daily-{today.isoformat()}.sqlite3"
        made = None
        if not dest.exists():
            made = copy_database(self.db_path, dest)
            log.info("daily backup %s", made)
        self.prune(today)
        return made

    def prune(self, today: date | None = None) -> list[Path]:
        today = today or self.clock.today()
        dailies: dict[date, Path] = {}
        for p in self.backup_dir.glob("daily-*.sqlite3"):
            m = DAILY_RE.match(p.name)
            if m:
                try:
                    dailies[date.fromisoformat(m.group(1))] = p
                except ValueError:
                    continue
        keep = retained_dailies(list(dailies), today)
        removed = []
        for d, p in sorted(dailies.items()):
            if d not in keep:
                p.unlink(missing_ok=True)
                removed.append(p)
        if removed:
            log.info("pruned %d old daily backups", len(removed))
        return removed

    # -- looking at copies -----------------------------------------------------------------------
    def list(self) -> list[BackupInfo]:
        """Backup files in the backup folder, newest first (not checked; see inspect_backup)."""
        if not self.backup_dir.is_dir():
            return []
        out = []
        for p in self.backup_dir.glob("*.sqlite3"):
            st = p.stat()
            out.append(BackupInfo(path=p, size=st.st_size, modified=datetime.fromtimestamp(st.st_mtime, timezone.utc),
                                  revision=None, kind=_kind(p.name)))
        return sorted(out, key=lambda b: (b.modified, b.path.name), reverse=True)

    def newest_good(self) -> BackupInfo | None:
        """The newest backup that passes inspect_backup (quick check), or None."""
        for b in self.list():
            try:
                return inspect_backup(b.path, full=False)
            except UserError:
                continue
        return None

    # -- restoring -------------------------------------------------------------------------------
    def restore(self, source: Path, held_lock: InstanceLock | None = None) -> RestoreResult:
        """Replace the live database with ``source`` after checking it; keeps a safety copy of the current one.

        Raises AlreadyRunningError when a partnerdesk window has the database open. A window restoring into
        its own database passes the lock it holds as ``held_lock``."""
        source = Path(source)
        if self.db_path.exists() and source.resolve() == self.db_path.resolve():
            raise UserError(f"{source}: is the live database; choose a backup file")
        info = inspect_backup(source, full=True)
        own = held_lock is None or not held_lock.held
        lock = InstanceLock(self.db_path, purpose="restore") if own else held_lock
        if own:
            lock.acquire()
        try:
            safety = self._safety_copy()
            self._copy_into_live(source)
        finally:
            if own:
                lock.release()
        problem = quick_check(self.db_path)
        if problem:  # pragma: no cover - the source passed integrity_check; this would be an SQLite bug
            raise DatabaseError(f"{self.db_path}: the restored database failed its check ({problem}); "
                                f"the previous database is kept at {safety}")
        log.info("restored %s from %s (safety copy %s)", self.db_path, source, safety)
        return RestoreResult(restored_from=source, safety_copy=safety, revision=info.revision)

    def _safety_copy(self) -> Path:
        dest = self.backup_dir / f"pre-restore-{self.clock.utc_stamp()}.sqlite3"
        if not self.db_path.exists():
            return dest
        if quick_check(self.db_path) is None:
            try:
                return copy_database(self.db_path, dest)
            except DatabaseError:
                pass
        # Damaged: keep the raw files as they are, for whoever wants to try to rescue them.
        dest = dest.with_name(dest.stem + "-damaged.sqlite3")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.db_path, dest)
        for suffix in ("-wal",):
            side = self.db_path.with_name(self.db_path.name + suffix)
            if side.exists():
                shutil.copy2(side, dest.with_name(dest.name + suffix))
        return dest

    def _copy_into_live(self, source: Path) -> None:
        """Backup API from ``source`` into the live file: one transaction on the live database."""
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(self.db_path, timeout=30)
                try:
                    src.backup(dst)
                finally:
                    dst.close()
            finally:
                src.close()
            return
        except sqlite3.Error as exc:
            log.warning("restoring into %s in place failed (%s); replacing the file", self.db_path, exc)
        # The live file is too damaged to write into: move it (and its WAL) aside and copy afresh.
        # Safe because we hold the instance lock and the safety copy is made.
        stamp = self.clock.utc_stamp()
        for suffix in ("", "-wal", "-shm"):
            p = self.db_path.with_name(self.db_path.name + suffix)
            if p.exists():
                p.replace(p.with_name(f"{p.name}.damaged-{stamp}"))
        copy_database(source, self.db_path)


def light_check(db_path: Path) -> str | None:
    """The every-start check, in milliseconds whatever the size: SQLite header, schema readable, file not
    shorter than its page count says (a truncated copy). None when it passes."""
    problem = _header_problem(Path(db_path))
    if problem is not None:
        return problem or None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"SQLite cannot read it ({exc})"
    wal = db_path.with_name(db_path.name + "-wal")
    if pages * size > db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0):
        return f"the file is shorter than its {pages:,} pages (truncated)"
    return None


def startup_check(db_path: Path, backup_dir: Path, full: bool = True) -> None:
    """Check the database before it is opened: ``PRAGMA quick_check`` (``full``, the first start of a day, before
    the daily backup) or light_check (every other start; quick_check reads the whole file: seconds on a large
    database). Raises DamagedDatabaseError naming the newest good backup and the command that restores it,
    instead of opening a damaged file."""
    from partnerdesk.db.migrate import check_file

    check_file(Path(db_path))  # another kind of file entirely (--db report.docx) is a wrong file, not damage
    problem = quick_check(db_path) if full else light_check(db_path)
    if problem is None:
        return
    good = BackupService(db_path, backup_dir).newest_good()
    if good:
        hint = (f"The newest good backup is {good.path} ({good.modified:%Y-%m-%d %H:%M} UTC). "
                f"Restore it with: partnerdesk restore \"{good.path}\"")
    else:
        hint = "There is no good backup in " + str(backup_dir) + "; keep this file and contact support."
    log.error("database %s failed its start-up check: %s", db_path, problem)
    raise DamagedDatabaseError(f"{db_path}: the database is damaged and was not opened ({problem}). {hint}",
                               Path(db_path), problem, good.path if good else None)
