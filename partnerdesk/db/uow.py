"""Units of work. ``db.write()`` is one transaction (BEGIN IMMEDIATE) whose changes are audited and
captured for sync; ``db.read()`` is a read-only snapshot. Services open exactly one per call.

A ``Database`` opened with ``lazy=True`` (the desktop app does) checks the file and its schema with the
standard library only and builds the SQLAlchemy engine on first use; ``raw_read()`` serves the read models
that the first window shows (plain SQL) meanwhile, so the window does not wait for SQLAlchemy to load.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from partnerdesk.clock import Clock
from partnerdesk.db import migrate
from partnerdesk.db.actor import Actor
from partnerdesk.domain.hlc import HybridClock

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from partnerdesk.db.capture import ChangeCapture

log = logging.getLogger(__name__)


class Database:
    """One SQLite database file, migrated to head, with read and write units of work."""

    def __init__(self, db_path: Path, actor: Actor, backup_dir: Path | None = None,
                 clock: Clock | None = None, *, lazy: bool = False, integrity: Callable[[], None] | None = None):
        self.path = Path(db_path)
        self._integrity = integrity  # waits for the file's check; raises when it is damaged (see open())
        self.actor = actor
        self.backup_dir = backup_dir or self.path.parent / "backups"
        self.clock = clock or Clock()  # "today" and "now" for every service on this database
        self.hlc = HybridClock(self.clock.time)  # stamps sync ops
        self.on_open: list[Callable[[], None]] = []  # run once, right after the engine is built
        self._lock = threading.RLock()
        self._gate = threading.Condition()  # units of work running, and whether the file is being swapped
        self._in_use = 0
        self._suspended = False
        self._opened = False
        self._node_id: str | None = None
        self.migrated = False  # set by open(): whether migrations ran
        migrate.check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if lazy:
            self._node_id = self._ready_node_id()
        if self._node_id is None:  # new, older schema or never opened: migrate (and back up) now
            self.open()

    def _ready_node_id(self) -> str | None:
        """This file's node id when it is at the current schema (so it can be read without migrating)."""
        try:
            with self._raw_connection() as conn:
                if migrate.raw_revision(conn) != migrate.SCHEMA_HEAD:
                    return None
                row = conn.execute("SELECT value FROM meta WHERE key = 'node_id'").fetchone()
        except sqlite3.Error:  # let open() report what is wrong with the file
            return None
        return row[0] if row else None

    def open(self) -> None:
        """Build the engine, migrate to head, install change capture, run ``on_open``. Idempotent, thread-safe."""
        if self._opened:
            return
        with self._gate:  # not while the file is being swapped (see suspended)
            while self._suspended:
                self._gate.wait()
        with self._lock:
            if self._opened:
                return
            from sqlalchemy.orm import sessionmaker

            from partnerdesk.db.capture import ChangeCapture
            from partnerdesk.db.engine import WRITE_OPTION, make_engine
            from partnerdesk.db.types import CLOCK_OPTION

            engine = make_engine(self.path)
            engine.update_execution_options(**{CLOCK_OPTION: self.clock})  # time stamp column defaults
            try:
                if self._integrity is not None:  # nothing is migrated or written before the file passes
                    self._integrity()
                self.migrated = migrate.upgrade(engine, self.path, self.backup_dir, self.clock.utc_stamp())
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
            self._read = sessionmaker(engine, expire_on_commit=False, autoflush=False)
            self._write = sessionmaker(engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)
            self._node_id = self._ensure_node_id()
            self._capture = ChangeCapture(self._node_id, self.hlc, self.clock)
            self._capture.install(self._write)
            from partnerdesk.db import freeze_guard

            freeze_guard.install(self._write)  # issued statements never change (domain/freeze.py)
            self._opened = True
            for callback in self.on_open:
                try:
                    callback()
                except Exception:  # e.g. a full disk: reading must still work; the log says why
                    log.exception("a first-use task on %s failed", self.path)

    @contextmanager
    def _use(self) -> Iterator[None]:
        """Every unit of work runs inside one: it waits while the database is suspended (a restore)."""
        with self._gate:
            while self._suspended:
                self._gate.wait()
            self._in_use += 1
        try:
            yield
        finally:
            with self._gate:
                self._in_use -= 1
                self._gate.notify_all()

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """No unit of work runs meanwhile: waits for the running ones to end, closes every connection, and
        keeps new ones waiting until the block ends; the next use reopens the file (engine, migrations,
        node id, change capture). A restore swaps the file inside this, so no connection of this process
        spans the swap. Never call it from inside a unit of work (it would wait for itself)."""
        with self._gate:
            while self._suspended:
                self._gate.wait()
            self._suspended = True
            while self._in_use:
                self._gate.wait()
        try:
            with self._lock:
                if self._opened:
                    self._engine.dispose()
                    self._opened = False
                    self._node_id = None
            yield
        finally:
            with self._gate:
                self._suspended = False
                self._gate.notify_all()

    @property
    def is_open(self) -> bool:
        return self._opened

    @property
    def engine(self) -> "Engine":
        self.open()
        return self._engine

    @property
    def node_id(self) -> str:
        if self._node_id is None:
            self.open()
        return self._node_id

    @node_id.setter
    def node_id(self, value: str) -> None:  # a new identity (sync's fork recovery); the caller stores it
        self._node_id = value

    @property
    def capture(self) -> "ChangeCapture":
        self.open()
        return self._capture

    def _raw_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @contextmanager
    def raw_read(self) -> Iterator[sqlite3.Connection]:
        """A read-only snapshot on a plain DB-API connection, for the read models of the first window."""
        with self._use():
            conn = self._raw_connection()
            try:
                conn.execute("PRAGMA query_only=ON")
                conn.execute("BEGIN")
                yield conn
            finally:
                conn.close()  # closing ends the read transaction

    def _ensure_node_id(self) -> str:
        from partnerdesk.db.models import Meta

        with self._write() as s, s.begin():
            row = s.get(Meta, "node_id")
            if row is None:
                row = Meta(key="node_id", value=uuid.uuid4().hex)
                s.add(row)
            return row.value

    @contextmanager
    def write(self, *, action: str | None = None, summary: str | None = None, audit: bool = True,
              capture_ops: bool = True) -> Iterator["Session"]:
        """One transaction; commits on success, rolls back everything on any exception."""
        with self._use():
            self.open()
            session = self._write()
            session.info.update(actor=self.actor, action=action, summary=summary, audit=audit,
                                capture_ops=capture_ops)
            try:
                with session.begin():
                    yield session
            finally:
                session.close()

    @contextmanager
    def read(self) -> Iterator["Session"]:
        with self._use():
            self.open()
            session = self._read()
            try:
                with session.begin():
                    yield session
            finally:
                session.close()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction on a pooled DB-API connection, for hot read paths (directory search) where
        setting up a Session costs more than the statements themselves."""
        with self._use():
            self.open()
            pooled = self._engine.raw_connection()
            conn = pooled.driver_connection
            try:
                conn.execute("BEGIN")
                yield conn
            finally:
                try:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")  # nothing was written: ending the read transaction
                finally:
                    pooled.close()

    def is_empty(self) -> bool:
        """No agency yet: a new database (the desktop app seeds the demo region into it)."""
        with self.raw_read() as conn:
            return conn.execute("SELECT count(*) FROM agency").fetchone()[0] == 0

    def meta(self, key: str) -> str | None:
        with self.raw_read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        from partnerdesk.db.models import Meta

        with self.write(audit=False) as s:
            row = s.get(Meta, key)
            if row is None:
                s.add(Meta(key=key, value=value))
            else:
                row.value = value

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self._engine.dispose()
