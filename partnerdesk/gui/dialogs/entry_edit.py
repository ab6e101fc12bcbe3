"""Edit one time entry that is not yet invoiced (invoiced entries are shown read-only)."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import TimeEntryDTO
from partnerdesk.domain.durations import format_minutes
from partnerdesk.errors import UserError
from partnerdesk.gui import format as fmt
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.inputs import save_cancel
from partnerdesk.gui.palette import span
from partnerdesk.container import Services


class EntryEditDialog(QDialog):
    def __init__(self, services: Services, entry: TimeEntryDTO, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.entry = services, entry
        self.setWindowTitle(f"Time entry — {fmt.direction(entry.direction)} {entry.partner_code}")
        self.setMinimumWidth(480)
        form = QFormLayout()
        self.date = DateField(services.clock.today, entry.work_date, parent=self)
        self.date.setAccessibleName("Date")
        form.addRow("&Date:", self.date)
        self.hours = QLineEdit(format_minutes(entry.minutes), self)
        self.hours.setAccessibleName("Hours")
        form.addRow("&Hours:", self.hours)
        self.category = QComboBox(self)
        self.category.addItem("(none)", None)
        for c in services.agreements.categories():
            self.category.addItem(c.name, c.code)
        self.category.setCurrentIndex(max(self.category.findData(entry.category_code), 0))
        form.addRow("&Category:", self.category)
        self.staff = QLineEdit(entry.staff_name or "", self)
        form.addRow("&Staff:", self.staff)
        self.after_hours = QCheckBox("&After hours", self)
        self.after_hours.setChecked(entry.after_hours)
        self.callout = QCheckBox("Call-&out", self)
        self.callout.setChecked(entry.callout)
        self.overtime = QCheckBox("O&vertime", self)
        self.overtime.setToolTip("Priced with the rate schedule's overtime multiplier (with after hours: the higher)")
        self.overtime.setChecked(entry.overtime)
        form.addRow("", self.after_hours)
        form.addRow("", self.callout)
        form.addRow("", self.overtime)
        self.miles = QLineEdit("" if entry.miles in ("0", "0.0") else entry.miles, self)
        form.addRow("&Miles:", self.miles)
        self.description = QLineEdit(entry.description or "", self)
        form.addRow("D&escription:", self.description)
        from partnerdesk.gui.incident_box import incident_combo

        self.incident = incident_combo(services, self, entry.incident_ref)
        form.addRow("&Incident:", self.incident)
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        if entry.status == "invoiced":
            lay.addWidget(QLabel(f"Invoiced on statement <b>{entry.statement_number or '?'}</b>: read-only. "
                                 "Void or credit the statement to correct it.", self))
            for w in (self.date, self.hours, self.category, self.incident, self.staff, self.after_hours, self.callout,
                      self.overtime, self.miles, self.description):
                w.setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def changes(self) -> dict:
        out = dict(work_date=self.date.date(), minutes=self.hours.text(),
                   category=self.category.currentData(), staff=self.staff.text() or None,
                   after_hours=self.after_hours.isChecked(), callout=self.callout.isChecked(),
                   overtime=self.overtime.isChecked(), miles=self.miles.text() or None,
                   description=self.description.text() or None)
        if self.incident.currentData() != self.entry.incident_ref:  # picked: a real incident, or none
            out["incident_ref"] = self.incident.currentData()
        return out

    def save(self) -> None:
        try:
            self.date.normalise()
            self.updated = self.services.hours.update(self.entry.id, **self.changes())
        except UserError as exc:
            self.message.setText(span(str(exc), 'bad'))
            return
        self.accept()
