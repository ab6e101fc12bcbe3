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

import contextlib
import errno
import logging
import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from partnerdesk import __version__, fsutil
from partnerdesk.clock import Clock
from partnerdesk.errors import DatabaseError, UserError
from partnerdesk.instance import InstanceLock, refuse_if_in_use

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
class BackupContents:
    """What a backup file holds, read from it read-only (the restore dialog's summary)."""

    path: Path
    size: int
    modified: datetime
    kind: str
    agencies: int
    contacts: int
    hours: int  # time entries
    statements: int

    def summary(self) -> str:
        from partnerdesk.domain.wording import plural

        return ", ".join((plural(self.agencies, "agency"), plural(self.contacts, "contact"),
                          plural(self.hours, "hours entry", "hours entries"), plural(self.statements, "statement")))


COUNTED = (("agencies", "agency"), ("contacts", "contact"), ("hours", "time_entry"), ("statements", "statement"))


def backup_contents(path: Path) -> BackupContents:
    """Count what a backup holds (live rows: not deleted), opening it read-only: the file is never changed.
    Raises UserError when it is not a partnerdesk database or cannot be read."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from exc
    counts: dict[str, int] = {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in tables:
                raise DatabaseError(f"{path}: is not a partnerdesk database")
            for field, table in COUNTED:
                counts[field] = (conn.execute(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL").fetchone()[0]
                                 if table in tables else 0)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot be read as a partnerdesk backup ({_sqlite_problem(exc)})") from exc
    return BackupContents(path=path, size=st.st_size, modified=made_at(path.name, st.st_mtime),
                          kind=_kind(path.name), **counts)


STAMP_RE = re.compile(r"(\d{8}T\d{6}Z)")


def made_at(name: str, mtime: float) -> datetime:
    """When a backup was made: the UTC stamp in its name (``manual-20261126T140500Z``), the day in a daily's
    name (with the file's time of day when it agrees), else the file's modification time."""
    written = datetime.fromtimestamp(mtime, timezone.utc)
    m = STAMP_RE.search(name)
    if m:
        return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    m = DAILY_RE.match(name)
    if m:
        try:
            day = date.fromisoformat(m.group(1))
        except ValueError:
            return written
        local = written.astimezone()
        return written if local.date() == day else datetime(day.year, day.month, day.day).astimezone(timezone.utc)
    return written


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_copy: Path
    revision: str | None


def copy_database(src: Path, dest: Path, *, check: bool = True, overwrite: bool = False,
                  progress=None) -> Path:
    """A consistent copy of ``src`` at ``dest``, rollback-journal mode, written to a ``.part`` file first.

    ``check``: the copy passes ``PRAGMA quick_check`` before it gets its name, so a damaged database never
    yields a backup (DamagedDatabaseError). Unless ``overwrite``, an existing ``dest`` is never replaced
    (FileExistsError): a backup is never overwritten. ``progress(done, total)``: pages copied."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and dest.exists():
        raise FileExistsError(errno.EEXIST, "the file exists", str(dest))
    tmp = fsutil.part_path(dest)
    tmp.unlink(missing_ok=True)
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # the folder takes files: say so if not
    except OSError as exc:
        raise UserError(f"cannot write the backup in the folder {dest.parent} ({exc.strerror or exc}); "
                        "choose another folder") from exc
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(tmp)
            try:
                if progress is None:
                    source.backup(target)
                else:  # in steps of 1,024 pages (4 MB), reporting the pages copied so far
                    source.backup(target, pages=1024,
                                  progress=lambda _status, remaining, total: progress(total - remaining, total))
                target.execute("PRAGMA journal_mode=DELETE")
                problem = _check_connection(target) if check else None
            finally:
                target.close()
        finally:
            source.close()
        if problem:
            raise DamagedDatabaseError(f"{src}: the database is damaged ({problem}); no backup was made",
                                       Path(src), problem, None)
        _publish(tmp, dest, overwrite)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        if "unable to open" in str(exc):  # (not access_problem(): it opens the file, see _header_problem)
            raise DatabaseError(f"{src}: cannot be read ({exc}); if the file or its folder is read-only, make "
                                "it writable") from exc
        if _is_damage(exc):
            raise DamagedDatabaseError(f"{src}: the database is damaged ({exc}); no backup was made",
                                       Path(src), str(exc), None) from exc
        raise DatabaseError(f"{src}: cannot be copied ({exc})") from exc
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{dest}: cannot write the backup ({exc.strerror or exc})") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _publish(tmp: Path, dest: Path, overwrite: bool) -> None:
    """Give the finished copy its name; without ``overwrite``, never over an existing file (a hard link
    fails when the name is taken, so two processes cannot both claim it)."""
    if overwrite:
        fsutil.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system (FAT, some network shares)
        if dest.exists():
            raise FileExistsError(errno.EEXIST, "the file exists", str(dest)) from None
        fsutil.replace(tmp, dest)
        return
    tmp.unlink()


def _is_damage(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _check_connection(conn: sqlite3.Connection) -> str | None:
    rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    if rows == ["ok"]:
        return None
    lines = [line.strip() for r in rows for line in str(r).splitlines() if line.strip()]  # one line, for messages
    return "SQLite found damage: " + "; ".join(lines[:3]) + (" …" if len(lines) > 3 else "")


def access_problem(db_path: Path) -> str | None:
    """Why partnerdesk cannot write to a database that exists (read-only file or folder), in one line; None
    when it can. Only before this process opens the database: it opens the file (see _header_problem). SQLite in WAL mode writes ``-wal`` and ``-shm`` files beside the database, so the folder
    must be writable too (unless both already exist and are writable)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    try:
        fd = os.open(db_path, os.O_RDWR)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ("the database is read-only (it is not damaged): PartnerDesk cannot write to the file. "
                    "Make it writable, or copy it to a folder you can write to and open the copy with --db")
        return None
    os.close(fd)
    sides = [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
    if all(p.exists() for p in sides):
        return None
    probe = db_path.with_name(f".{db_path.name}.{os.getpid()}.probe")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        probe.unlink()
    except FileExistsError:
        probe.unlink(missing_ok=True)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (f"the database is read-only (it is not damaged): PartnerDesk cannot write to its folder "
                    f"{db_path.parent}. Make the folder writable, or copy the database to a folder you can "
                    "write to and open the copy with --db")
    return None


NOT_SQLITE = "it is not an SQLite database file (the header is damaged or it is another file)"


def _header_problem(db_path: Path) -> str | None:
    """"" (nothing to check: no file yet, or empty), a problem in one line, or None. Only stat(): the file is
    never opened with Python's open(), whose close would drop this process's SQLite locks on it (see
    migrate.check_file); SQLite itself reports a file that is not a database."""
    try:
        size = db_path.stat().st_size
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    return "" if size == 0 else None


def _sqlite_problem(exc: sqlite3.Error) -> str:
    return NOT_SQLITE if "not a database" in str(exc) else f"SQLite cannot read it ({exc})"


def quick_check(db_path: Path) -> str | None:
    """None when the file is healthy (or does not exist yet); otherwise what is wrong, in one line."""
    problem = _header_problem(Path(db_path))
    if problem is not None:
        return problem or None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return _check_connection(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return _sqlite_problem(exc)


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
                lines = [ln.strip() for r in check for ln in str(r).splitlines() if ln.strip()]
                raise DatabaseError(f"{path}: the backup is damaged ({'; '.join(lines[:2])}); "
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

    def __init__(self, db_path: Path, backup_dir: Path, clock: Clock | None = None, database=None):
        self.db_path = Path(db_path)
        self.backup_dir = Path(backup_dir)
        self.clock = clock or Clock()
        self.database = database  # the open Database of this file, if any: a restore suspends it (uow.py)

    # -- making copies ---------------------------------------------------------------------------
    def backup(self, dest: Path | None = None, progress=None) -> Path:
        """A manual backup, to ``dest`` or ``<backups>/manual-<UTC stamp>.sqlite3``. The copy is checked
        (``PRAGMA quick_check``) before it is kept: a damaged database raises DamagedDatabaseError naming the
        newest good backup. A file that exists is never overwritten."""
        from partnerdesk.db.migrate import check_file

        if not self.db_path.exists():
            raise UserError(f"{self.db_path}: there is no database to back up yet")
        check_file(self.db_path, read_header=False)  # a folder, another file, another program's database: refused
        chosen = dest is not None
        if dest is None:
            dest = self.backup_dir / f"manual-{self.clock.utc_stamp()}.sqlite3"
        dest = Path(dest)
        if dest.is_dir():
            dest, chosen = dest / f"partnerdesk-{self.clock.utc_stamp()}.sqlite3", False
        if dest.resolve() == self.db_path.resolve():
            raise UserError(f"{dest}: is the live database; choose another file")
        if chosen and dest.exists():
            raise UserError(f"{dest}: already exists, and a backup never replaces a file; choose a new name")
        for n in range(1, 100):
            name = dest if n == 1 else dest.with_name(f"{dest.stem}-{n}{dest.suffix}")
            try:
                out = self._copy(name, progress)
                break
            except FileExistsError:  # another backup took this name in the same second
                if chosen:
                    raise UserError(f"{dest}: already exists, and a backup never replaces a file; "
                                    "choose a new name") from None
        else:  # pragma: no cover - a hundred backups in one second
            raise UserError(f"{dest}: too many backups with this name; choose another")
        log.info("backed up %s to %s", self.db_path, out)
        return out

    def _copy(self, dest: Path, progress=None) -> Path:
        try:
            return copy_database(self.db_path, dest, progress=progress)
        except DamagedDatabaseError as exc:
            raise damaged_error(self.db_path, self.backup_dir, exc.problem, "no backup was made") from exc

    def daily_due(self, today: date | None = None) -> bool:
        """True on the first start of a day (no daily backup for today yet) when there is a database."""
        today = today or self.clock.today()
        return self.db_path.exists() and not (self.backup_dir / f"daily-{today.isoformat()}.sqlite3").exists()

    def daily(self, today: date | None = None) -> Path | None:
        """The automatic backup: the first start of a day copies the database, then old dailies are pruned.
        Returns the new file, or None when today's already exists (or there is no database). A damaged
        database raises DamagedDatabaseError before anything is pruned, so the good backups all stay."""
        today = today or self.clock.today()
        if not self.db_path.exists():
            return None
        dest = self.backup_dir / f"daily-{today.isoformat()}.sqlite3"
        made = None
        if not dest.exists():
            try:
                made = self._copy(dest)
                log.info("daily backup %s", made)
            except FileExistsError:  # another process made today's meanwhile
                pass
        self.prune(today)
        return made

    def remove_leftovers(self) -> list[Path]:
        """Delete the ``.part`` files that killed backups and restores left behind (their process is gone)."""
        candidates = list(self.backup_dir.glob("*.part")) if self.backup_dir.is_dir() else []
        candidates += list(self.db_path.parent.glob(self.db_path.name + ".*part"))
        removed = fsutil.remove_stale_parts(candidates)
        for p in removed:
            log.info("removed %s, left by a backup or restore that did not finish", p)
        return removed

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
    def restore(self, source: Path, held_lock: InstanceLock | None = None, progress=None) -> RestoreResult:
        """Replace the live database with ``source`` after checking it; keeps a safety copy of the current one.

        Raises AlreadyRunningError when a partnerdesk window has the database open. A window restoring into
        its own database passes the lock it holds as ``held_lock``. ``progress(done, total)``: the backup
        checked, the safety copy made, the backup copied in, the result checked."""
        step = progress or (lambda done, total: None)
        step(0, 4)
        source = Path(source)
        if self.db_path.exists() and source.resolve() == self.db_path.resolve():
            raise UserError(f"{source}: is the live database; choose a backup file")
        info = inspect_backup(source, full=True)
        step(1, 4)
        own = held_lock is None or not held_lock.held
        lock = InstanceLock(self.db_path, purpose="restore") if own else held_lock
        if own:
            lock.acquire()
        try:
            refuse_if_in_use(self.db_path)
            # This process's own connections are closed for the swap and reopened on next use: a connection
            # that spans it could go on writing to a WAL file that no longer belongs to the database.
            with self.database.suspended() if self.database is not None else contextlib.nullcontext():
                safety = self._safety_copy()
                step(2, 4)
                self._copy_into_live(source)
                step(3, 4)
        finally:
            if own:
                lock.release()
        problem = quick_check(self.db_path)
        if problem:  # pragma: no cover - the source passed integrity_check; this would be an SQLite bug
            raise DatabaseError(f"{self.db_path}: the restored database failed its check ({problem}); "
                                f"the previous database is kept at {safety}")
        step(4, 4)
        log.info("restored %s from %s (safety copy %s)", self.db_path, source, safety)
        return RestoreResult(restored_from=source, safety_copy=safety, revision=info.revision)

    def _safety_copy(self) -> Path:
        stamp, n = self.clock.utc_stamp(), 1
        dest = self.backup_dir / f"pre-restore-{stamp}.sqlite3"
        while dest.exists() or dest.with_name(dest.stem + "-damaged.sqlite3").exists():  # a restore this second
            n += 1
            dest = self.backup_dir / f"pre-restore-{stamp}-{n}.sqlite3"
        if not self.db_path.exists():
            return dest
        if quick_check(self.db_path) is None:
            try:
                return copy_database(self.db_path, dest, check=False)  # just checked
            except DatabaseError:
                pass
        # Damaged: keep the raw files as they are, for whoever wants to try to rescue them.
        dest = dest.with_name(dest.stem + "-damaged.sqlite3")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.db_path, dest)
        dest.chmod(0o600)  # like every backup: it holds personal numbers, for the owner alone
        for suffix in ("-wal",):
            side = self.db_path.with_name(self.db_path.name + suffix)
            if side.exists():
                shutil.copy2(side, dest.with_name(dest.name + suffix))
                dest.with_name(dest.name + suffix).chmod(0o600)
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
        return _sqlite_problem(exc)
    wal = db_path.with_name(db_path.name + "-wal")
    if pages * size > db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0):
        return f"the file is shorter than its {pages:,} pages (truncated)"
    return None


def damaged_error(db_path: Path, backup_dir: Path, problem: str,
                  what: str = "was not opened") -> DamagedDatabaseError:
    """The damaged-file error: what is wrong, and the newest good backup of this same database (backups are
    kept per database file) with the command that restores it."""
    good = BackupService(db_path, backup_dir).newest_good()
    if good:
        hint = (f"The newest good backup of this database is {good.path} ({good.modified:%Y-%m-%d %H:%M} UTC). "
                f"Restore it with: partnerdesk{_db_option(db_path)} restore \"{good.path}\"")
    else:
        hint = ("There is no good backup of it in " + str(backup_dir) + "; keep this file and contact support.")
    log.error("database %s failed its check: %s", db_path, problem)
    return DamagedDatabaseError(f"{db_path}: the database is damaged and {what} ({problem}). {hint}",
                                Path(db_path), problem, good.path if good else None)


def _db_option(db_path: Path) -> str:
    """`` --db "PATH"`` when the database is not the default one, so the command restores into this file."""
    from partnerdesk.paths import resolve

    return "" if Path(db_path) == resolve().db_path else f' --db "{db_path}"'


def startup_check(db_path: Path, backup_dir: Path, full: bool = True) -> None:
    """Check the database before it is opened: a wrong file or a read-only one is refused with what is
    wrong; then ``PRAGMA quick_check`` (``full``) or light_check (milliseconds whatever the size). Raises
    DamagedDatabaseError naming the newest good backup and the command that restores it, instead of opening
    a damaged file."""
    from partnerdesk.db.migrate import check_file

    db_path = Path(db_path)
    check_file(db_path)  # another kind of file entirely (--db report.docx) is a wrong file, not damage
    problem = access_problem(db_path)
    if problem:
        raise DatabaseError(f"{db_path}: {problem}")
    problem = quick_check(db_path) if full else light_check(db_path)
    if problem is not None:
        raise damaged_error(db_path, backup_dir, problem)


class IntegrityCheck:
    """``PRAGMA quick_check`` of the live database on its own read-only connection, in a thread, so that the
    desktop app's first window does not wait for it (it reads the whole file: a quarter of a second for
    200 MB). ``wait()`` returns once the file is known to be healthy, or raises DamagedDatabaseError: the
    Database calls it before its first write (and before any ORM use), so nothing is written to a damaged
    file. A file of up to SYNC_BYTES is simply checked at once (tens of milliseconds)."""

    SYNC_BYTES = 32 * 1024 * 1024

    def __init__(self, db_path: Path, backup_dir: Path):
        self.db_path = Path(db_path)
        self.backup_dir = Path(backup_dir)
        self._problem: str | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, background: bool = True) -> "IntegrityCheck":
        size = self.db_path.stat().st_size if self.db_path.exists() else 0
        if background and size > self.SYNC_BYTES:
            self._thread = threading.Thread(target=self._run, name="partnerdesk-quick-check", daemon=True)
            self._thread.start()
        else:
            self._run()
        return self

    def passed(self, problem: str | None = None) -> "IntegrityCheck":
        """Record a verdict reached elsewhere (the daily backup checks its copy of the file)."""
        self._problem = problem
        self._done.set()
        return self

    def _run(self) -> None:
        try:
            self._problem = quick_check(self.db_path)
        except Exception as exc:  # pragma: no cover - quick_check reports SQLite's errors itself
            log.exception("the integrity check of %s failed to run", self.db_path)
            self._problem = f"the check could not run ({exc})"
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def join(self) -> None:
        """Let a running check finish (its connection is closed before the app closes the database)."""
        if self._thread is not None:
            self._thread.join()

    def wait(self) -> None:
        """Block until the verdict; raise DamagedDatabaseError when the file is damaged."""
        self._done.wait()
        if self._problem is not None:
            raise damaged_error(self.db_path, self.backup_dir, self._problem)
