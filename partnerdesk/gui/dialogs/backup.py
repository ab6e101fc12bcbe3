"""File → Back up now… / Restore from backup…: two dialogs over BackupService; every file read runs in a worker.

* **Back up** says where the copy goes (the backups folder, a new time-stamped name: never overwritten;
  "Change…" picks another file), makes it in a worker and shows the result: the file, its size and what it
  holds, checked for damage.
* **Restore** lists this database's backups (they are kept per database file) with their date, kind, size
  and contents (agencies, contacts, hours entries and statements, counted from each file opened read-only);
  "Other file…" takes one from elsewhere. The confirmation names the backup's date and contents beside what
  the database holds now.

A restore (in a worker) suspends the window's database: it waits for the units of work under way, closes
every connection, copies the backup into the file with SQLite's backup API, and the next use reopens it
(migrating an older backup). Then the services forget what they cached and every page reloads
(``data_changed``). A damaged database found by the background check opens the same dialog with the newest
good backup of that database selected (``offer_restore``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.workers import run_in_worker

KIND_WORDS = {"daily": "Daily (automatic)", "manual": "Made by hand", "pre-migrate": "Before an upgrade",
              "pre-restore": "Before a restore", "other": "Other"}


def size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:,.1f} MB"
    return f"{max(size, 1) / 1e3:,.0f} KB"


def when_text(moment: datetime) -> str:
    """A file's time in the computer's local time zone, as a person reads it: ``Thu 2026-11-26 14:05``."""
    local = moment.astimezone()
    return f"{local:%a} {local:%Y-%m-%d %H:%M}"


def backup_now(window, choose: Callable[[QWidget, Path], str] | None = None) -> BackupDialog:
    """Open the Back up dialog (window-modal); the copy is made when the user clicks Back up."""
    dlg = BackupDialog(window, choose)
    dlg.open()
    return dlg


def restore_from_backup(window, instance, choose: Callable[[QWidget, Path], str] | None = None,
                        damage=None) -> RestoreDialog:
    """Open the Restore dialog (window-modal) listing this database's backups. ``damage``: the
    DamagedDatabaseError that brought it up (its backup is selected and the problem is said at the top)."""
    dlg = RestoreDialog(window, instance, choose, damage)
    dlg.open()
    return dlg


def offer_restore(window, exc) -> None:
    """A damaged database (DamagedDatabaseError) found while the window is open: say so and open the Restore
    dialog with the newest good backup of this same database selected; once per window."""
    if getattr(window, "_restore_offered", False):
        return
    window._restore_offered = True
    if exc.backup is None:
        DialogService.inform(window, "PartnerDesk", str(exc), kind="warning")
        return
    window.restore_dialog = restore_from_backup(window, getattr(window, "instance", None), damage=exc)


class BackupDialog(QDialog):
    def __init__(self, window, choose: Callable[[QWidget, Path], str] | None = None):
        super().__init__(window)
        self.window_, self.svc = window, window.services.backups
        self._choose = choose or _save_name
        self.setWindowTitle("Back up the database")
        self.setMinimumWidth(620)
        self.default = self.svc.backup_dir / f"manual-{self.svc.clock.utc_stamp()}.sqlite3"
        self.result_path: Path | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(f"A checked copy of <b>{self.svc.db_path.name}</b>, made while you work. Backups are "
                       "never overwritten: each gets a new name.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel("Save to:", self))
        self.target = QLineEdit(str(self.default), self)
        self.target.setReadOnly(True)
        self.target.setAccessibleName("Where the backup goes")
        row.addWidget(self.target, 1)
        self.change_button = QPushButton("Change…", self)
        self.change_button.clicked.connect(self.change)
        row.addWidget(self.change_button)
        layout.addLayout(row)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Backing up")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.result_label = QLabel("", self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.run_button = self.buttons.addButton("&Back up", QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def change(self) -> None:
        self.svc.backup_dir.mkdir(parents=True, exist_ok=True)
        path = self._choose(self, Path(self.target.text()))
        if path:
            self.target.setText(path)

    def run(self) -> None:
        chosen = Path(self.target.text())
        dest = None if chosen == self.default else chosen  # the proposed name: the service makes it unique
        self.run_button.setEnabled(False)
        self.change_button.setEnabled(False)
        self.progress.setVisible(True)
        self.result_label.setText("Copying and checking…")

        def work(progress):
            from partnerdesk.services.backup import backup_contents

            return backup_contents(self.svc.backup(dest, progress=progress))

        run_in_worker(self, work, self._done, self._failed, on_progress=self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        """Pages copied so far (then the copy is checked)."""
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _done(self, contents) -> None:
        self.progress.setVisible(False)
        self.result_path = contents.path
        self.target.setText(str(contents.path))
        self.result_label.setText(f"<b>Backed up</b> to {contents.path} ({size_text(contents.size)}), checked: "
                                  f"no damage found.<br>It holds {contents.summary()}.")
        self.window_.statusBar().showMessage(f"Backed up to {contents.path}", 10000)
        self.adjustSize()  # room for the result's lines

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.run_button.setEnabled(True)
        self.change_button.setEnabled(True)
        self.result_label.setText(f"<b>No backup was made.</b> {_escape(str(exc))}")
        self.adjustSize()
        show_error(self, exc)


class RestoreDialog(QDialog):
    COLUMNS = ("Date", "Kind", "Size", "Contents")

    def __init__(self, window, instance, choose: Callable[[QWidget, Path], str] | None = None, damage=None):
        super().__init__(window)
        self.window_, self.instance, self.svc = window, instance, window.services.backups
        self._choose = choose or _open_name
        self.damage = damage
        self.backups: list = []  # BackupContents, newest first, in the table's order
        self.restored = None
        self.setWindowTitle("Restore from backup")
        self.resize(860, 420)
        layout = QVBoxLayout(self)
        if damage is not None:
            warn = QLabel(f"<b>{_escape(damage.db_path.name)} is damaged</b> ({_escape(damage.problem)}). "
                          "Nothing more is written to it. The newest good backup of this database is selected "
                          "below: restore it, and the damaged file is kept beside the backups.", self)
            warn.setWordWrap(True)
            warn.setObjectName("damageWarning")
            layout.addWidget(warn)
        intro = QLabel(f"Backups of <b>{_escape(self.svc.db_path.name)}</b> in {_escape(str(self.svc.backup_dir))}. "
                       "Restoring replaces everything in this database; the database as it is now is kept as a "
                       "safety copy.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = QStandardItemModel(0, len(self.COLUMNS), self)
        self.model.setHorizontalHeaderLabels(self.COLUMNS)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Backups of this database")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)  # Contents takes the room left
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        layout.addWidget(self.table, 1)
        self.status = QLabel("Reading the backups…", self)
        layout.addWidget(self.status)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Reading backups")
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.other_button = self.buttons.addButton("&Other file…", QDialogButtonBox.ButtonRole.ActionRole)
        self.other_button.clicked.connect(self.choose_other)
        self.restore_button = self.buttons.addButton("&Restore…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.restore_button.setEnabled(self.selected() is not None))
        run_in_worker(self, self._read_backups, self._listed, self._failed)

    # -- the list ----------------------------------------------------------------------------------
    def _read_backups(self):
        from partnerdesk.errors import UserError
        from partnerdesk.services.backup import backup_contents

        listed, unreadable = [], 0
        for info in self.svc.list():
            try:
                listed.append(backup_contents(info.path))
            except UserError:
                unreadable += 1
        return listed, unreadable

    def _listed(self, result) -> None:
        self.backups, unreadable = result
        self.progress.setVisible(False)
        self.model.setRowCount(0)
        for b in self.backups:
            items = [QStandardItem(when_text(b.modified)), QStandardItem(KIND_WORDS.get(b.kind, b.kind)),
                     QStandardItem(size_text(b.size)), QStandardItem(b.summary())]
            items[0].setToolTip(str(b.path))
            items[2].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.model.appendRow(items)
        for column in range(len(self.COLUMNS) - 1):
            self.table.resizeColumnToContents(column)
        count = len(self.backups)
        text = (f"{count} {'backup' if count == 1 else 'backups'} of this database, newest first."
                if count else "There is no backup of this database yet: choose Other file… to restore one "
                              "from elsewhere.")
        if unreadable:
            text += f" {unreadable} {'file' if unreadable == 1 else 'files'} in the folder could not be read."
        self.status.setText(text)
        want = self.damage.backup if self.damage is not None else None
        row = next((i for i, b in enumerate(self.backups) if want is not None and b.path == want), 0 if count else -1)
        if row >= 0:
            self.table.selectRow(row)
        self.table.setFocus()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows and rows[0].row() < len(self.backups) else None

    # -- restoring ---------------------------------------------------------------------------------
    def choose_other(self) -> None:
        path = self._choose(self, self.svc.backup_dir)
        if not path:
            return
        from partnerdesk.services.backup import backup_contents

        self.status.setText(f"Reading {Path(path).name}…")
        from partnerdesk.services.backup import inspect_backup

        def read():  # a file from elsewhere: refuse what cannot be restored before asking
            inspect_backup(Path(path), full=False)
            return backup_contents(Path(path))

        run_in_worker(self, read, self._confirm, self._failed)

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._confirm(chosen)

    def _confirm(self, backup) -> None:
        question = (f"Replace everything in this database with the backup of {when_text(backup.modified)}?\n\n"
                    f"The backup ({backup.path.name}, {size_text(backup.size)}) holds {backup.summary()}.\n\n"
                    "The database as it is now is kept as a safety copy in the backups folder.")
        if not DialogService.ask(self, "Restore from backup", question):
            return
        self.restore_button.setEnabled(False)
        self.other_button.setEnabled(False)
        self.progress.setVisible(True)
        self.status.setText(f"Restoring the backup of {when_text(backup.modified)}…")
        ctx = self.window_.ctx

        def work(progress):
            result = self.svc.restore(backup.path, held_lock=getattr(self.instance, "lock", None), progress=progress)
            if ctx.integrity is not None:
                ctx.integrity.passed()  # restore() checked the restored file: the verdict on the old one is void
            return result

        run_in_worker(self, work, self._restored, self._failed, on_progress=self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        """The restore's steps: backup checked, safety copy made, copied in, result checked."""
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _restored(self, result) -> None:
        self.restored = result
        self.progress.setVisible(False)
        window = self.window_
        window._restore_offered = False
        window.services.reset()
        window.data_changed.emit()
        window.statusBar().showMessage(f"Restored from {result.restored_from.name}; the previous database is "
                                       f"kept at {result.safety_copy}", 15000)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.other_button.setEnabled(True)
        self.restore_button.setEnabled(self.selected() is not None)
        self.status.setText("Choose a backup to restore.")
        show_error(self, exc)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _save_name(parent: QWidget, default: Path) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Back up the database", str(default),
                                          "PartnerDesk database (*.sqlite3)",
                                          options=QFileDialog.Option.DontConfirmOverwrite)  # refused, never replaced
    return path


def _open_name(parent: QWidget, folder: Path) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Restore from a backup", str(folder),
                                          "PartnerDesk database (*.sqlite3);;All files (*)")
    return path
