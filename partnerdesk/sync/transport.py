"""Where a sync space lives: a shared folder or a PostgreSQL server, behind the same methods.

``open_share`` takes what the user typed (a folder path or a ``postgresql://`` address) and returns a
``store.Share`` or a ``pg_store.PgShare``; the sync service never asks which. The PostgreSQL driver is
imported only when an address needs it, so a folder-only installation never loads it.
"""

from __future__ import annotations

import atexit
from pathlib import Path

from partnerdesk.sync.store import Share

FOLDER = "folder"
POSTGRESQL = "postgresql"


def is_server(location: str | Path | None) -> bool:
    return str(location or "").startswith(("postgresql://", "postgres://"))


def transport_of(location: str | Path | None) -> str:
    return POSTGRESQL if is_server(location) else FOLDER


_servers: dict[str, object] = {}


def open_share(location: str | Path):
    """The share at ``location``. A server's connection pool is opened once per process and reused by every
    cycle (a no-op cycle then costs a few queries, not a TLS handshake)."""
    if is_server(location):
        from partnerdesk.sync.pg_store import PgShare  # noqa: PLC0415 - the driver loads only for a server

        key = str(location)
        if key not in _servers:
            if not _servers:
                atexit.register(close_all)
            _servers[key] = PgShare(key)
        return _servers[key]
    return Share(Path(location))


def close_all() -> None:
    """Close every server connection this process opened (at exit, and between tests)."""
    while _servers:
        _servers.popitem()[1].close()
