"""The column-mapping step of an hours import: map the file's columns to fields, preview every row (priced,
with problems by line number), then import all rows or none. Previews and the import run in a worker: a
spreadsheet of a few thousand rows takes seconds to price, and the window never freezes meanwhile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel,
                               QListWidget, QProgressBar, QPushButton, QTableView, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import HoursImportPreview
from partnerdesk.errors import UserError
from partnerdesk.domain.wording import nouns, plural
from partnerdesk.gui import format as fmt
from partnerdesk.gui.models.table_model import Column, DtoTableModel
from partnerdesk.gui.palette import span
from partnerdesk.gui.workers import run_in_worker
from partnerdesk.container import Services
from partnerdesk.services.hours_import import FIELDS, KIND, REQUIRED

PREVIEW_COLUMNS = (
    Column("Line", lambda r: r.line, align_right=True),
    Column("Date", lambda r: r.work_date),
    Column("Direction", lambda r: r.direction, fmt.direction),
    Column("Partner", lambda r: r.partner_code),
    Column("Staff", lambda r: r.staff_name, lambda v: v or ""),
    Column("Matched", lambda r: ("yes" if r.staff_matched else "no") if r.staff_name else "",
           tooltip="Staff name matched to a contact"),
    Column("Category", lambda r: r.category_code),
    Column("Hours", lambda r: r.minutes, fmt.hours, align_right=True),
    Column("Amount", lambda r: r.amount_cents, fmt.money, align_right=True),
    Column("Agreement", lambda r: r.agreement_number, lambda v: v or "none: flagged"),
    Column("Already logged", lambda r: ("skipped" if r.skipped else "yes: imported again") if r.duplicate == "exact"
           else ("likely: check" if r.duplicate == "likely" else ""),
           tooltip="The same entry (skipped), or one with the same partner, direction, date, hours and staff",
           color=lambda r: "warn" if r.duplicate == "likely" else ("muted" if r.skipped else None)),
    Column("Description", lambda r: r.description),
)


class HoursImportDialog(QDialog):
    previewed = Signal()  # a preview (or an import that found problems) is on screen

    def __init__(self, services: Services, settings, path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.settings, self.path = services, settings, Path(path)
        self.svc = services.hours_import
        self.columns = self.svc.columns(self.path)  # UserError for an unreadable file: the caller shows it
        remembered = settings.import_mapping(KIND, self.columns) if settings is not None else None
        mapping = self.svc.suggest_mapping(self.columns, remembered)
        self.result_preview: HoursImportPreview | None = None
        self._generation = 0  # the newest preview asked for; older answers are dropped
        self.busy = self.importing = False
        self.setWindowTitle(f"Import hours — {self.path.name}")
        self.resize(1000, 640)

        grid = QGridLayout()
        self.boxes: dict[str, QComboBox] = {}
        for i, (field, label) in enumerate(FIELDS.items()):
            box = QComboBox(self)
            box.addItem("(not in this file)", None)
            for c in self.columns:
                box.addItem(c, c)
            box.setCurrentIndex(max(box.findData(mapping.get(field)), 0))
            box.setAccessibleName(label)
            box.currentIndexChanged.connect(self.refresh)
            self.boxes[field] = box
            caption = QLabel(label + (" *" if field in REQUIRED else "") + ":", self)
            caption.setBuddy(box)
            grid.addWidget(caption, i // 3, (i % 3) * 2)
            grid.addWidget(box, i // 3, (i % 3) * 2 + 1)

        self.skip_duplicates = QCheckBox("&Skip rows that are already logged", self)
        self.skip_duplicates.setChecked(True)
        self.skip_duplicates.setToolTip("A row with the same date, partner, direction, staff, hours and description "
                                        "as an entry already in PartnerDesk is left out")
        self.skip_duplicates.toggled.connect(self.refresh)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.problems = QListWidget(self)
        self.problems.setAccessibleName("Problems")
        self.problems.setMaximumHeight(110)
        self.problems.setVisible(False)  # shown when a preview finds problems
        self.progress = QProgressBar(self)  # rows checked (and, on import, saved and priced)
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        self.model = DtoTableModel(PREVIEW_COLUMNS, self)
        self.table = QTableView(self)
        self.table.setAccessibleName("Rows to import")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = QPushButton("&Import all rows", self)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Match each field to a column of <b>{self.path.name}</b> "
                             f"({len(self.columns)} columns). Fields marked * are required.", self))
        lay.addLayout(grid)
        lay.addWidget(self.skip_duplicates)
        lay.addWidget(self.summary)
        lay.addWidget(self.progress)
        lay.addWidget(self.problems)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)
        self.refresh()

    def mapping(self) -> dict[str, str]:
        return {f: b.currentData() for f, b in self.boxes.items() if b.currentData()}

    def refresh(self, *_args) -> None:
        """Preview the file with the current mapping (in a worker; the newest mapping wins)."""
        self._generation += 1
        generation, mapping = self._generation, self.mapping()
        self.busy = True
        self.import_button.setEnabled(False)
        self.problems.setVisible(False)
        self.summary.setText(f"Checking every row of {self.path.name}…")
        skip = self.skip_duplicates.isChecked()
        run_in_worker(self, lambda progress: self.svc.preview(self.path, mapping, skip_duplicates=skip,
                                                              progress=progress),
                      lambda p: self._show(p, generation), lambda exc: self._show_error(exc, generation),
                      on_progress=lambda done, total: self._progressed(done, total, generation))

    def _progressed(self, done: int, total: int, generation: int) -> None:
        if generation != self._generation or not total:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setVisible(True)

    def _show_error(self, exc: BaseException, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return
        if not isinstance(exc, UserError):
            from partnerdesk.gui.dialogs.messages import show_error

            show_error(self, exc)
        self.busy = False
        self.progress.setVisible(False)
        self.problems.clear()
        self.result_preview = None
        self.model.set_rows([])
        self.summary.setText(span(str(exc), "bad"))
        self.import_button.setEnabled(False)
        self.previewed.emit()

    def _show(self, p: HoursImportPreview, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return
        self.busy = False
        self.progress.setVisible(False)
        self.problems.clear()
        self.result_preview = p
        self.model.set_rows(list(p.rows))
        for pr in p.problems:
            self.problems.addItem(f"Line {pr.line}: {pr.message}")
        self.problems.setVisible(bool(p.problems))
        kept = [r for r in p.rows if not r.skipped]
        total = sum(r.amount_cents or 0 for r in kept)
        unmatched = sum(1 for r in kept if r.staff_name and not r.staff_matched)
        flagged = sum(1 for r in kept if r.agreement_number is None)
        likely = sum(1 for r in kept if r.duplicate == "likely")
        if p.problems:
            n = len(p.problems)
            self.summary.setText(span(f"{plural(n, 'row')} cannot be imported (listed below); nothing will be "
                                      f"imported until {'it is' if n == 1 else 'they are'} fixed.", "bad")
                                 + f" {plural(len(p.rows), 'row')} {nouns(len(p.rows), 'is')} fine.")
        elif p.rows and not kept:
            self.summary.setText(span(f"Every row of {self.path.name} is already logged: nothing to import.", "warn"))
        else:
            text = (f"{plural(len(kept), 'row')} ready, {fmt.money(total)} priced. "
                    f"{plural(unmatched, 'staff name')} kept as text (no matching contact); "
                    f"{plural(flagged, 'entry')} outside every agreement will be saved unbilled and flagged.")
            if p.skipped:
                text += f" {plural(p.skipped, 'row')} {nouns(p.skipped, 'is')} already logged and will be skipped."
            if likely:
                text += " " + span(f"{plural(likely, 'row')} {'looks' if likely == 1 else 'look'} like entries already "
                                   "logged (marked “likely”): check them.", "warn")
            self.summary.setText(text)
        self.import_button.setText(f"&Import {plural(len(kept), 'new row')}" if p.skipped else "&Import all rows")
        self.import_button.setEnabled(p.ok and bool(kept))
        self.table.resizeColumnsToContents()
        self.previewed.emit()

    def do_import(self) -> None:
        """Import every row or none, in a worker; the dialog closes when it is done."""
        if self.busy:
            return
        self._generation += 1  # a preview still running is no longer wanted
        self.busy = self.importing = True
        mapping, skip = self.mapping(), self.skip_duplicates.isChecked()
        self._set_inputs_enabled(False)
        self.summary.setText(f"Importing {self.path.name}…")
        generation = self._generation
        self.progress.setRange(0, 0)  # busy until the first rows are counted
        self.progress.setVisible(True)
        run_in_worker(self, lambda progress: self.svc.import_file(self.path, mapping, skip_duplicates=skip,
                                                                  progress=progress),
                      self._imported, self._import_failed,
                      on_progress=lambda done, total: self._progressed(done, total, generation))

    def _set_inputs_enabled(self, enabled: bool) -> None:
        """While the import runs nothing can change it, and the dialog stays open until it is done."""
        self.import_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(enabled)
        for box in (*self.boxes.values(), self.skip_duplicates):
            box.setEnabled(enabled)

    def reject(self) -> None:
        if not self.importing:  # Esc or Cancel during the import would hide an import that still lands
            super().reject()

    def _imported(self, result: HoursImportPreview) -> None:
        self.importing = False
        self.progress.setVisible(False)
        self._set_inputs_enabled(True)
        if not result.ok:
            self._show(result)
            return
        if self.settings is not None:
            self.settings.remember_import_mapping(KIND, self.columns, result.mapping)
        self.busy = False
        self.result_preview = result
        self.accept()

    def _import_failed(self, exc: BaseException) -> None:
        self.importing = False
        self._set_inputs_enabled(True)
        self._show_error(exc)
