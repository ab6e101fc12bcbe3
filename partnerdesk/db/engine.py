"""Engine with the pragmas partnerdesk relies on: foreign keys, WAL, synchronous FULL, busy timeout.

Write units of work start with ``BEGIN IMMEDIATE`` so two writers queue instead of failing on a lock
upgrade (gapless numbering depends on it); reads use a deferred ``BEGIN``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

WRITE_OPTION = "partnerdesk_write"


def make_engine(db_path: Path | str, echo: bool = False) -> Engine:
    engine = create_engine(
        f"sqlite:///{db_path}",
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite recipe)
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
