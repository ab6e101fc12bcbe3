"""Open a database file: check it is ours, refuse one from a newer app, back it up, migrate to head."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from typing import TYPE_CHECKING

from partnerdesk import __version__
from partnerdesk.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

# The newest revision in migrations/versions. A test keeps it equal to Alembic's head; with it, opening an
# up-to-date database never has to import Alembic (start-up time matters).
SCHEMA_HEAD = "0014_settlement"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_MAGIC = b"SQLite format 3\x00"


def alembic_config() -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check_file(db_path: Path, read_header: bool = True) -> None:
    """Refuse a file that is not a partnerdesk database before anything touches it: not a regular file
    (``--db /dev/null``, a folder), not SQLite, or another program's SQLite database. The probe is a
    read-only SQLite connection, so a refused file keeps every byte (SQLAlchemy's connection would switch it
    to WAL). The file is never opened with Python's own open(): closing such a handle drops every POSIX lock
    this process holds on the file, its SQLite connections' included, and another process could then take
    the database for unused and delete its WAL under them. So only ``read_header`` (before this process has
    opened the database) reads the first bytes, which tell a damaged SQLite file from another kind of file."""
    if not db_path.exists():
        return
    if not db_path.is_file():
        raise DatabaseError(f"{db_path}: is not a database file (it is a folder or a device); give a file's path")
    if db_path.stat().st_size == 0:
        return
    magic = None
    if read_header:
        try:
            with open(db_path, "rb") as f:
                magic = f.read(16)
        except OSError as exc:
            raise DatabaseError(f"{db_path}: cannot be read ({exc.strerror})") from exc
        if magic != SQLITE_MAGIC:
            raise DatabaseError(f"{db_path}: is not a partnerdesk database (not an SQLite file)")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                 "AND name NOT LIKE 'sqlite_%'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) and magic is None:
            raise DatabaseError(f"{db_path}: is not a partnerdesk database (not an SQLite file)") from None
        return  # damaged or unreadable: the start-up check says what is wrong
    except sqlite3.Error:
        return
    if names and "alembic_version" not in names:
        raise DatabaseError(f"{db_path}: is an SQLite file but not a partnerdesk database; it was not changed")


def raw_revision(conn: sqlite3.Connection) -> str | None:
    """The schema revision stamped in an open DB-API connection's database (None: not stamped)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone():
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def current_revision(engine: "Engine") -> str | None:
    with engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").first()
        if not has_table:
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def backup_file(src: Path, dest: Path) -> Path:
    """Copy a live database with SQLite's online backup API (consistent even with WAL)."""
    from partnerdesk.fsutil import part_path

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(dest)
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # it holds personal numbers: owner only
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


def upgrade(engine: "Engine", db_path: Path, backup_dir: Path, stamp: str) -> bool:
    """Bring the database to head. Returns True when migrations ran. Backs up a non-empty file first (its
    name carries ``stamp``, the UTC time from the app's clock)."""
    try:
        current = current_revision(engine)
    except Exception as exc:  # sqlite3.DatabaseError: file is not a database, encrypted, damaged
        raise DatabaseError(f"{db_path}: cannot be opened as a partnerdesk database ({exc.__cause__ or exc})") from exc
    if current == SCHEMA_HEAD:
        return False
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current == head:
        return False
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise DatabaseError(
                f"{db_path}: was written by a newer partnerdesk (schema {current}); this is {__version__}. "
                "Install the newer version to open it."
            ) from None
        dest = backup_dir / f"pre-migrate-{current}-{stamp}.sqlite3"
        backup_file(db_path, dest)
        log.info("backed up %s to %s before migrating", db_path, dest)
    elif _has_user_tables(engine):
        raise DatabaseError(f"{db_path}: is an SQLite file but not a partnerdesk database")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("migrated %s from %s to %s", db_path, current, head)
    return True


def _has_user_tables(engine: "Engine") -> bool:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").all()
    return bool(rows)
