"""Composition root: paths, logging, settings, database (migrated), services."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from partnerdesk import paths as paths_mod
from partnerdesk.clock import Clock
from partnerdesk.db.actor import Actor
from partnerdesk.db.uow import Database
from partnerdesk.instance import DatabaseUse
from partnerdesk.logging_setup import setup as setup_logging
from partnerdesk.container import Services
from partnerdesk.services.backup import (BackupService, DamagedDatabaseError, IntegrityCheck, damaged_error,
                                         startup_check)
from partnerdesk.settings import Settings, os_user

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    paths: paths_mod.Paths
    settings: Settings
    db: Database
    services: Services
    integrity: IntegrityCheck | None = None
    use: DatabaseUse | None = None

    @property
    def clock(self) -> Clock:
        return self.db.clock

    def close(self) -> None:
        if self.integrity is not None:
            self.integrity.join()
        self.db.close()
        if self.use is not None:
            self.use.release()


def open_context(db: str | None = None, *, daily_backup: bool = True, lazy: bool = False,
                 clock: Clock | None = None, purpose: str | None = None) -> AppContext:
    """Resolve paths, start logging, check, open (create, migrate) and back up the database, build the services.

    Before anything is written the file is checked: a wrong file (not SQLite, another program's database, a
    folder) or a read-only one is refused with what is wrong, at once; ``PRAGMA quick_check`` reads the whole
    file: on the first start of a day it checks the daily backup's copy, otherwise it runs on the file itself
    (in a thread when the file is large, see IntegrityCheck; the first write waits for its verdict). A
    damaged database is not opened and never backed up: DamagedDatabaseError (a UserError) names the newest
    good backup of this same database. ``.part`` files left by killed backups and restores are removed.

    ``lazy`` (the desktop app): a database already at the current schema is checked and opened with the
    standard library only; SQLAlchemy, the change capture and the reference-data check load on first use
    (the window starts them in a worker once the first page shows)."""
    clock = clock or Clock()  # the one clock: every "today" and "now" below is read from it
    p = paths_mod.resolve(db)
    p.ensure()
    setup_logging(p.log_file)
    settings = Settings(p.settings_path)
    actor = Actor(os_user=os_user(), display_name=settings.display_name)
    existed = p.db_path.is_file() and p.db_path.stat().st_size > 0
    backups = BackupService(p.db_path, p.backup_dir, clock)
    backups.remove_leftovers()
    startup_check(p.db_path, p.backup_dir, full=False)  # wrong file, read-only, header and length: milliseconds
    # Say that this process has the database open (``purpose``: the command), so a restore refuses to swap
    # the file under it (instance.refuse_if_in_use); released by close().
    use = DatabaseUse(p.db_path, purpose or _command_line()).register()
    try:
        return _open(p, settings, actor, clock, backups, existed, daily_backup, lazy, use)
    except BaseException:
        use.release()
        raise


def _open(p, settings, actor, clock, backups, existed, daily_backup, lazy, use) -> AppContext:
    integrity = IntegrityCheck(p.db_path, p.backup_dir)
    if not existed:
        integrity.passed()
    elif daily_backup and backups.daily_due():
        try:
            backups.daily()  # the copy passes quick_check before it is kept: the file's verdict
            integrity.passed()
        except DamagedDatabaseError as exc:
            raise damaged_error(p.db_path, p.backup_dir, exc.problem) from None
        except Exception:  # a full disk must not stop the user from working; the log says why
            log.exception("the daily backup of %s failed", p.db_path)
            integrity.start()
    else:
        integrity.start()
    database = Database(p.db_path, actor, backup_dir=p.backup_dir, clock=clock, lazy=lazy,
                        integrity=integrity.wait)
    services = Services(database)
    if database.is_open:
        services.agreements.ensure_default_categories()
    else:
        database.on_open.append(lambda: services.agreements.ensure_default_categories())
    log.info("opened %s (node %s)%s", p.db_path, database.node_id,
             "" if database.is_open else "; SQLAlchemy loads on first use")
    return AppContext(paths=p, settings=settings, db=database, services=services, integrity=integrity, use=use)


def _command_line() -> str:
    words = [a for a in sys.argv[1:] if not a.startswith("-")][:2]
    return " ".join(["partnerdesk"] + words) if words else "the PartnerDesk window"
