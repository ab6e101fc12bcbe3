"""The column-mapping step of an hours import: map the file's columns to fields, preview every row (priced,
with problems by line number), then import all rows or none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QListWidget,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import HoursImportPreview
from partnerdesk.errors import UserError
from partnerdesk.gui import format as fmt
from partnerdesk.gui.models.table_model import Column, DtoTableModel
from partnerdesk.gui.palette import span
from partnerdesk.services import Services
from partnerdesk.services.hours_import import FIELDS, KIND, REQUIRED

PREVIEW_COLUMNS = (
    Column("Line", lambda r: r.line, align_right=True),
    Column("Date", lambda r: r.work_date),
    Column("Direction", lambda r: r.direction, fmt.direction),
    Column("Partner", lambda r: r.partner_code),
    Column("Staff", lambda r: r.staff_name, lambda v: v or ""),
    Column("Matched", lambda r: r.staff_matched, tooltip="Staff name matched to a contact"),
    Column("Category", lambda r: r.category_code),
    Column("Hours", lambda r: r.minutes, fmt.hours, align_right=True),
    Column("Amount", lambda r: r.amount_cents, fmt.money, align_right=True),
    Column("Agreement", lambda r: r.agreement_number, lambda v: v or "none: flagged"),
    Column("Description", lambda r: r.description),
)


class HoursImportDialog(QDialog):
    def __init__(self, services: Services, settings, path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.settings, self.path = services, settings, Path(path)
        self.svc = services.hours_import
        self.columns = self.svc.columns(self.path)  # UserError for an unreadable file: the caller shows it
        remembered = settings.import_mapping(KIND, self.columns) if settings is not None else None
        mapping = self.svc.suggest_mapping(self.columns, remembered)
        self.result_preview: HoursImportPreview | None = None
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

        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.problems = QListWidget(self)
        self.problems.setAccessibleName("Problems")
        self.problems.setMaximumHeight(110)
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
        lay.addWidget(self.summary)
        lay.addWidget(self.problems)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)
        self.refresh()

    def mapping(self) -> dict[str, str]:
        return {f: b.currentData() for f, b in self.boxes.items() if b.currentData()}

    def refresh(self, *_args) -> None:
        self.problems.clear()
        try:
            p = self.svc.preview(self.path, self.mapping())
        except UserError as exc:
            self.result_preview = None
            self.model.set_rows([])
            self.summary.setText(span(str(exc), 'bad'))
            self.import_button.setEnabled(False)
            return
        self.result_preview = p
        self.model.set_rows(list(p.rows))
        for pr in p.problems:
            self.problems.addItem(f"Line {pr.line}: {pr.message}")
        self.problems.setVisible(bool(p.problems))
        total = sum(r.amount_cents or 0 for r in p.rows)
        unmatched = sum(1 for r in p.rows if r.staff_name and not r.staff_matched)
        flagged = sum(1 for r in p.rows if r.agreement_number is None)
        if p.problems:
            self.summary.setText(span(f"{len(p.problems)} rows cannot be imported (listed below); nothing will be "
                                      "imported until they are fixed.", "bad") + f" {len(p.rows)} rows are fine.")
        else:
            self.summary.setText(f"{len(p.rows)} rows ready, {fmt.money(total)} priced. "
                                 f"{unmatched} staff names kept as text (no matching contact); "
                                 f"{flagged} entries outside every agreement will be saved unbilled and flagged.")
        self.import_button.setEnabled(p.ok and bool(p.rows))
        self.table.resizeColumnsToContents()

    def do_import(self) -> None:
        try:
            result = self.svc.import_file(self.path, self.mapping())
        except UserError as exc:
            self.summary.setText(span(str(exc), 'bad'))
            return
        if not result.ok:
            self.result_preview = result
            self.refresh()
            return
        if self.settings is not None:
            self.settings.remember_import_mapping(KIND, self.columns, result.mapping)
        self.result_preview = result
        self.accept()
