"""Move a database file's schema to a given Alembic revision (tests of migrations: start from an older schema)."""

from __future__ import annotations

from pathlib import Path


def move_schema(path: Path, revision: str, down: bool = False) -> None:
    """Upgrade (or, with ``down``, downgrade) the SQLite file at ``path`` to ``revision``."""
    from alembic import command
    from sqlalchemy import create_engine

    from partnerdesk.db.migrate import alembic_config

    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()
