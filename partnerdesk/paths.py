"""Where partnerdesk keeps its files.

The live database is local, never roaming: SQLite must not live on a network share. ``PARTNERDESK_HOME``
puts everything (database, logs, backups, attachments) under one folder, which is what tests and
portable installs use.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from partnerdesk import APP_NAME, ORG_NAME

DB_FILENAME = "partnerdesk.sqlite3"
DEMO_DB_FILENAME = "demo.sqlite3"  # the demo region lives in a file of its own, never the real database


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    log_dir: Path
    db_path: Path

    @property
    def backup_dir(self) -> Path:
        """This database file's backups: ``backups/`` for the default database, ``backups/<name>-<hash>/`` for
        any other file (``--db``), so a backup offered for one database is always a backup of that database."""
        return backup_dir_for(self.data_dir, self.db_path)

    @property
    def demo_db_path(self) -> Path:
        return self.data_dir / DEMO_DB_FILENAME

    @property
    def default_db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "partnerdesk.log"

    def ensure(self) -> "Paths":
        for d in (self.data_dir, self.log_dir, self.db_path.parent):
            d.mkdir(parents=True, exist_ok=True)
        return self


def backup_dir_for(data_dir: Path, db_path: Path) -> Path:
    base = Path(data_dir) / "backups"
    db_path = Path(db_path)
    if os.path.normcase(str(db_path)) == os.path.normcase(str(Path(data_dir) / DB_FILENAME)):
        return base
    digest = hashlib.sha256(os.path.normcase(str(db_path)).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return base / f"{db_path.stem[:40] or 'database'}-{digest}"


def resolve(db: str | os.PathLike | None = None, env: dict | None = None) -> Paths:
    """Paths for this run: ``--db`` wins, then ``PARTNERDESK_HOME``, then the platform user data dir."""
    env = os.environ if env is None else env
    home = env.get("PARTNERDESK_HOME")
    if home:
        base = Path(home).expanduser().resolve()
        data_dir, log_dir = base, base / "logs"
    else:
        data_dir = Path(platformdirs.user_data_dir(APP_NAME, ORG_NAME, roaming=False))
        log_dir = Path(platformdirs.user_log_dir(APP_NAME, ORG_NAME))
    db_path = Path(db).expanduser().resolve() if db else data_dir / DB_FILENAME
    return Paths(data_dir=data_dir, log_dir=log_dir, db_path=db_path)


def resources_dir() -> Path:
    """The top-level ``resources/`` folder, in a checkout or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
