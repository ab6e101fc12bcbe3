"""Add or edit one contact."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLineEdit,
                               QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import ContactDTO
from partnerdesk.errors import UserError
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.container import Services


class ContactDialog(QDialog):
    def __init__(self, services: Services, contact: ContactDTO | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.contact = contact
        self.saved: ContactDTO | None = None
        self.setWindowTitle(f"Edit {contact.name}" if contact else "Add contact")
        self.setMinimumWidth(520)
        form = QFormLayout()
        self.agency = QComboBox(self)
        for a in services.agencies.list():
            self.agency.addItem(f"{a.name} ({a.code})", a.id)
        self.name = QLineEdit(self)
        self.title_edit = QLineEdit(self)
        self.role_tags = QLineEdit(self)
        self.work = QLineEdit(self)
        self.mobile = QLineEdit(self)
        self.after_hours = QLineEdit(self)
        self.personal = QLineEdit(self)
        self.personal.setPlaceholderText("private: never exported or printed unless asked")
        self.personal.setToolTip("A personal number is exempt from public disclosure: exports, printouts and the "
                                 "audit trail leave it out unless --include-personal (or its option) is given")
        self.email = QLineEdit(self)
        self.escalation = QSpinBox(self)
        self.escalation.setRange(0, 99)
        self.escalation.setSpecialValueText("—")
        self.skills = QLineEdit(self)
        self.skills.setPlaceholderText("comma separated: PBX, Avaya, Cisco")
        self.on_call = QPlainTextEdit(self)
        self.on_call.setFixedHeight(60)
        self.notes = QPlainTextEdit(self)
        self.notes.setFixedHeight(60)
        self.verified = DateField(services.clock.today, optional=True, field="last verified", parent=self)
        self.verified.setAccessibleName("Last verified")
        self.verified_today = QPushButton("Verified t&oday", self)
        self.verified_today.setToolTip("You have just checked these numbers with the person")
        self.verified_today.clicked.connect(lambda: self.verified.setDate(services.clock.today()))
        verified_row = QWidget(self)
        row = QHBoxLayout(verified_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.verified, 1)
        row.addWidget(self.verified_today)
        verified_row.setFocusProxy(self.verified)  # the label's Alt+L lands in the date
        for label, w in (("&Agency:", self.agency), ("&Name:", self.name), ("&Title:", self.title_edit),
                         ("&Role tags:", self.role_tags), ("&Work phone:", self.work), ("&Mobile:", self.mobile),
                         ("After &hours:", self.after_hours), ("&Personal:", self.personal),
                         ("&E-mail:", self.email), ("Es&calation order:", self.escalation),
                         ("S&kills:", self.skills), ("&On-call notes:", self.on_call), ("Note&s:", self.notes),
                         ("&Last verified:", verified_row)):
            form.addRow(label, w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        if contact:
            self.agency.setCurrentIndex(max(self.agency.findData(contact.agency_id), 0))
            self.name.setText(contact.name)
            self.title_edit.setText(contact.title or "")
            self.role_tags.setText(", ".join(contact.role_tags))
            self.work.setText(contact.work_phone or "")
            self.mobile.setText(contact.mobile_phone or "")
            self.after_hours.setText(contact.after_hours_phone or "")
            self.personal.setText(contact.personal_phone or "")
            self.email.setText(contact.email or "")
            self.escalation.setValue(contact.escalation_order or 0)
            self.skills.setText(", ".join(contact.skills))
            self.on_call.setPlainText(contact.on_call_notes or "")
            self.notes.setPlainText(contact.notes or "")
            self.verified.setDate(contact.last_verified)

    def values(self) -> dict:
        return dict(name=self.name.text(), title=self.title_edit.text(), role_tags=self.role_tags.text(),
                    work_phone=self.work.text(), mobile_phone=self.mobile.text(),
                    after_hours_phone=self.after_hours.text(), personal_phone=self.personal.text(),
                    email=self.email.text(), escalation_order=self.escalation.value() or None,
                    on_call_notes=self.on_call.toPlainText(), notes=self.notes.toPlainText(),
                    last_verified=self.verified.date())

    def save(self) -> None:
        skills = [s.strip() for s in self.skills.text().split(",") if s.strip()]
        agency = self.agency.currentData()
        try:
            if agency is None:
                raise UserError("add an agency first")
            if self.contact:
                self.saved = self.services.contacts.update(self.contact.id, agency=agency, skills=skills,
                                                           **self.values())
            else:
                self.saved = self.services.contacts.create(agency=agency, skills=skills, **self.values())
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()
