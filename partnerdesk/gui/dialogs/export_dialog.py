"""Export the directory as vCard or Outlook CSV; personal numbers only when the box is ticked."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from partnerdesk.gui.dialogs.files import FilePicker


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export contacts")
        self.setMinimumWidth(520)
        self.format = QComboBox(self)
        self.format.addItem("vCard 3.0 (.vcf) — phones, Outlook, Google", "vcard")
        self.format.addItem("Outlook CSV (.csv)", "csv")
        self.path = QLineEdit(self)
        self.path.setAccessibleName("File to write")
        browse = QPushButton("C&hoose…", self)
        browse.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.include_personal = QCheckBox("Include &personal numbers and on-call notes", self)
        note = QLabel("Personal numbers are exempt from public disclosure. Including them is recorded in the "
                      "audit trail.", self)
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Format:", self.format)
        form.addRow("&File:", row)
        form.labelForField(row).setBuddy(self.path)
        form.addRow("", self.include_personal)
        form.addRow("", note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choose(self) -> None:
        fmt = self.format.currentData()
        path = FilePicker.save_file(self, "Export contacts", "contacts.vcf" if fmt == "vcard" else "contacts.csv",
                                    "vCard (*.vcf)" if fmt == "vcard" else "CSV (*.csv)")
        if path:
            self.path.setText(path)

    def choice(self) -> tuple[str, str, bool]:
        return self.path.text().strip(), self.format.currentData(), self.include_personal.isChecked()
