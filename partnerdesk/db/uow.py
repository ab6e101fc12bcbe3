"""Units of work. ``db.write()`` is one transaction (BEGIN IMMEDIATE) whose changes are audited and
captured for sync; ``db.read()`` is a read-only snapshot. Services open exactly one per call."""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from partnerdesk.db import migrate
from partnerdesk.db.capture import Actor, ChangeCapture
from partnerdesk.db.engine import WRITE_OPTION, make_engine
from partnerdesk.db.models import Meta
from partnerdesk.sync.clock import HybridClock

log = logging.getLogger(__name__)


class Database:
    """One SQLite database file, migrated to head, with read and write units of work."""

    def __init__(self, db_path: Path, actor: Actor, backup_dir: Path | None = None,
                 clock: HybridClock | None = None):
        self.path = Path(db_path)
        self.actor = actor
        self.backup_dir = backup_dir or self.path.parent / "backups"
        self.clock = clock or HybridClock()
        migrate.check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = make_engine(self.path)
        try:
            self.migrated = migrate.upgrade(self.engine, self.path, self.backup_dir)
        except BaseException:
            self.engine.dispose()
            raise
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}),
                                   expire_on_commit=False)
        self.node_id = self._ensure_node_id()
        self.capture = ChangeCapture(self.node_id, self.clock)
        self.capture.install(self._write)

    def _ensure_node_id(self) -> str:
        with self._write() as s, s.begin():
            row = s.get(Meta, "node_id")
            if row is None:
                row = Meta(key="node_id", value=uuid.uuid4().hex)
                s.add(row)
            return row.value

    @contextmanager
    def write(self, *, action: str | None = None, summary: str | None = None, audit: bool = True,
              capture_ops: bool = True) -> Iterator[Session]:
        """One transaction; commits on success, rolls back everything on any exception."""
        session = self._write()
        session.info.update(actor=self.actor, action=action, summary=summary, audit=audit,
                            capture_ops=capture_ops)
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._read()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def meta(self, key: str) -> str | None:
        with self.read() as s:
            return s.scalar(select(Meta.value).where(Meta.key == key))

    def set_meta(self, key: str, value: str | None) -> None:
        with self.write(audit=False) as s:
            row = s.get(Meta, key)
            if row is None:
                s.add(Meta(key=key, value=value))
            else:
                row.value = value

    def close(self) -> None:
        self.engine.dispose()
