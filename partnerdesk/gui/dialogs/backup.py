"""File → Back up now… / Restore from backup…: thin slots over BackupService, run in a worker.

Wire into the main window's File menu (the lead's file), e.g.::

    from partnerdesk.gui.dialogs import backup as backup_actions
    self._action(m, "&Back up now…", lambda: backup_actions.backup_now(self))
    self._action(m, "&Restore from backup…", lambda: backup_actions.restore_from_backup(self, instance))

A restore (in a worker) suspends the window's database: it waits for the units of work under way, closes
every connection, copies the backup into the file with SQLite's backup API, and the next use reopens it
(migrating an older backup). Then the services forget what they cached and every page reloads
(``data_changed``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.workers import run_in_worker


def backup_now(window, choose: Callable[[QWidget, Path], str] | None = None) -> None:
    """Save a checked copy of the database where the user says (default: the backups folder)."""
    svc = window.services.backups
    default = svc.backup_dir / f"manual-{svc.clock.utc_stamp()}.sqlite3"  # a new name each time: never overwritten
    svc.backup_dir.mkdir(parents=True, exist_ok=True)
    path = (choose or _save_name)(window, default)
    if not path:
        return
    chosen = None if Path(path) == default else Path(path)  # the proposed name: the service makes it unique
    run_in_worker(window, lambda: svc.backup(chosen),
                  lambda out: window.statusBar().showMessage(f"Backed up to {out}", 10000),
                  lambda exc: show_error(window, exc))


def restore_from_backup(window, instance, choose: Callable[[QWidget, Path], str] | None = None) -> None:
    """Pick a backup, confirm, restore it into the open database (a safety copy is kept), reload."""
    svc = window.services.backups
    path = (choose or _open_name)(window, svc.backup_dir)
    if not path:
        return
    if not DialogService.ask(window, "Restore from backup",
                             f"Replace everything in this database with {Path(path).name}?\n\n"
                             "The database as it is now is kept as a safety copy in the backups folder."):
        return

    def done(result) -> None:
        window.services.reset()
        window.data_changed.emit()
        window.statusBar().showMessage(f"Restored from {result.restored_from.name}; the previous database is "
                                       f"kept at {result.safety_copy}", 15000)

    run_in_worker(window, lambda: svc.restore(Path(path), held_lock=getattr(instance, "lock", None)), done,
                  lambda exc: show_error(window, exc))


def _save_name(parent: QWidget, default: Path) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Back up the database", str(default),
                                          "PartnerDesk database (*.sqlite3)",
                                          options=QFileDialog.Option.DontConfirmOverwrite)  # refused, never replaced
    return path


def _open_name(parent: QWidget, folder: Path) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Restore from a backup", str(folder),
                                          "PartnerDesk database (*.sqlite3);;All files (*)")
    return path
