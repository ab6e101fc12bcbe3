"""Import contacts: pick a file, see what would happen (computed in a worker), then import it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from partnerdesk.domain.directory import ImportResult
from partnerdesk.errors import UserError
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.gui.models.table_model import Column, DtoTableModel
from partnerdesk.gui.palette import span
from partnerdesk.gui.workers import run_in_worker
from partnerdesk.container import Services

ACTION_COLUMNS = (
    Column("#", lambda a: a.record, align_right=True, tooltip="Record number in the file"),
    Column("Action", lambda a: a.action, color=lambda a: {"create": "good", "update": "info"}.get(a.action)),
    Column("Name", lambda a: a.name),
    Column("Agency", lambda a: a.agency + (" (new)" if a.new_agency else "")),
    Column("Changes", lambda a: ", ".join(c.replace("_", " ") for c in a.changes) if a.action == "update" else ""),
    Column("Left out", lambda a: "; ".join(a.dropped), color=lambda a: "bad" if a.dropped else None,
           tooltip="Invalid values in the file (an e-mail address, phone number or date) that are not imported"),
)
AGENCIES_NAMED = 3  # in the summary line; the list marks every new agency
FORMATS = (("Detect automatically", "auto"), ("vCard (.vcf)", "vcard"), ("Outlook CSV", "outlook-csv"),
           ("Google CSV", "google-csv"))


class ImportDialog(QDialog):
    previewed = Signal()
    imported = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.result: ImportResult | None = None
        self.preview: ImportResult | None = None
        self._asked: tuple[str, str] | None = None  # (file, format) of the newest preview asked for
        self._importing = False
        self.setWindowTitle("Import contacts")
        self.resize(760, 480)
        self.path = QLineEdit(self)
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("a .vcf file, or a CSV exported from Outlook or Google Contacts")
        browse = QPushButton("C&hoose file…", self)
        browse.clicked.connect(self.choose)
        self.format = QComboBox(self)
        self.format.setAccessibleName("File format")
        for label, value in FORMATS:
            self.format.addItem(label, value)
        self.format.currentIndexChanged.connect(self.run_preview)
        self.path.editingFinished.connect(self.run_preview)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        row.addWidget(self.format)
        self.summary = QLabel("Choose a file to see what will be imported. Nothing changes until you press Import.",
                              self)
        self.summary.setWordWrap(True)
        self.model = DtoTableModel(ACTION_COLUMNS, self)
        self.table = QTableView(self)
        self.table.setAccessibleName("What the import will do")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def choose(self) -> None:
        path = FilePicker.open_file(self, "Import contacts", "Contacts (*.vcf *.vcard *.csv);;All files (*)")
        if path:
            self.path.setText(path)
            self.run_preview(again=True)

    def run_preview(self, again: bool = False) -> None:
        """Preview the file in a worker. The line edit's editingFinished also fires when focus leaves it
        (the dialog closing after an import, say): the same file and format are not read again unless
        ``again`` (the file was chosen again: it may have changed)."""
        path, fmt = self.path.text().strip(), self.format.currentData()
        if not path or self._importing or ((path, fmt) == self._asked and not again):
            return
        asked = self._asked = (path, fmt)
        self.import_button.setEnabled(False)
        self.summary.setText(f"Reading {Path(path).name}…")

        def newest(handler):  # the answer to an older question (another file since) is dropped
            return lambda answer: handler(answer) if asked is self._asked and not self._importing else None

        run_in_worker(self, lambda: self.services.directory.preview_import(path, fmt), newest(self._previewed),
                      newest(self._preview_failed))

    def _previewed(self, result: ImportResult) -> None:
        self.preview = result
        self.model.set_rows(list(result.actions))
        self.table.resizeColumnsToContents()
        self.summary.setText(result.summary(agencies_named=AGENCIES_NAMED).replace("would import", "will import"))
        self.import_button.setEnabled(bool(result.actions))
        self.previewed.emit()

    def _preview_failed(self, exc: BaseException) -> None:
        self.preview = None
        self._asked = None  # (the same file may be tried again once it is fixed)
        self.model.set_rows([])
        if isinstance(exc, UserError):
            self.summary.setText(span(f"Cannot import: {exc}", "bad", bold=True))
        else:
            show_error(self, exc)
        self.previewed.emit()

    def do_import(self) -> None:
        path, fmt = self.path.text().strip(), self.format.currentData()
        self._importing = True
        self.import_button.setEnabled(False)
        self.summary.setText("Importing…")
        self.progress.setRange(0, 0)  # busy until the file is read
        self.progress.setVisible(True)
        run_in_worker(self, lambda progress: self.services.directory.import_file(path, fmt, progress=progress),
                      self._imported, self._import_failed, on_progress=self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.summary.setText(f"Importing… {min(done, total - 1):,} of {total - 1:,} records")

    def _import_failed(self, exc: BaseException) -> None:
        self._importing = False
        self.progress.setVisible(False)
        self._preview_failed(exc)

    def _imported(self, result: ImportResult) -> None:
        self.result = result
        self.imported.emit(result)
        self.accept()
