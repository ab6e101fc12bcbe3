"""Register or edit an interlocal agreement (every DESIGN §3 field), and add an effective-dated rate."""

from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QLineEdit, QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import AgreementDTO
from partnerdesk.domain.money import Money
from partnerdesk.errors import UserError, ValidationError
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.inputs import save_cancel
from partnerdesk.gui.palette import span
from partnerdesk.container import Services
from partnerdesk.services.agreements import KINDS


def _date_edit(parent, today: Callable[[], date], value: date | None = None, optional: bool = False,
               field: str = "date") -> DateField:
    return DateField(today, value, optional=optional, field=field, parent=parent)


def _money_cents(text: str, field: str) -> int | None:
    text = text.strip()
    return Money.parse(text).cents if text else None


class AgreementDialog(QDialog):
    """New agreement when ``agreement`` is None, else edit it (parties are fixed once registered)."""

    def __init__(self, services: Services, agreement: AgreementDTO | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.agreement = services, agreement
        self.setWindowTitle(f"Agreement {agreement.number}" if agreement else "Register an agreement")
        self.setMinimumWidth(560)
        a = agreement
        today = services.clock.today
        form = QFormLayout()
        self.number = QLineEdit(a.number if a else "", self)
        self.title = QLineEdit(a.title if a else "", self)
        self.kind = QComboBox(self)
        for k in KINDS:
            self.kind.addItem(k.replace("_", " "), k)
        self.kind.setCurrentIndex(max(self.kind.findData(a.kind if a else "service"), 0))
        self.partner = QComboBox(self)
        home = services.agencies.home()
        for ag in services.agencies.list():
            if home is None or ag.id != home.id:
                self.partner.addItem(f"{ag.name} ({ag.code})", ag.code)
        if a:
            self.partner.setEnabled(False)
            others = [p.agency_code for p in a.parties if home is None or p.agency_id != home.id]
            if others:
                self.partner.setCurrentIndex(max(self.partner.findData(others[0]), 0))
        self.partner_reference = QLineEdit(self)
        self.partner_reference.setPlaceholderText("their PO or contract number")
        self.is_draft = QCheckBox("Draft (not yet signed)", self)
        self.is_draft.setChecked(bool(a and a.is_draft))
        self.approval_resolution = QLineEdit(a.approval_resolution or "" if a else "", self)
        self.approval_date = _date_edit(self, today, a.approval_date if a else None, optional=True,
                                        field="approval date")
        self.filing_reference = QLineEdit(a.filing_reference or "" if a else "", self)
        self.filing_reference.setPlaceholderText("county auditor no. or web listing (RCW 39.34.040)")
        self.effective_date = _date_edit(self, today, a.effective_date if a else None, field="effective date")
        self.expiry_date = _date_edit(self, today, a.expiry_date if a else None, optional=True, field="expiry date")
        self.notice = QSpinBox(self)
        self.notice.setRange(0, 3650)
        self.notice.setSuffix(" days")
        self.notice.setValue(a.termination_notice_days if a else 90)
        self.frequency = QComboBox(self)
        for f in ("quarterly", "monthly", "annually"):
            self.frequency.addItem(f, f)
        self.frequency.setCurrentIndex(max(self.frequency.findData(a.billing_frequency if a else "quarterly"), 0))
        self.terms = QSpinBox(self)
        self.terms.setRange(0, 365)
        self.terms.setSuffix(" days")
        self.terms.setValue(a.payment_terms_days if a else 30)
        self.offset = QCheckBox("Reciprocal hours may offset the bill", self)
        self.offset.setChecked(bool(a and a.offset_allowed))
        self.stack = QCheckBox("&Stack after-hours and overtime multipliers", self)
        self.stack.setToolTip("An entry both after hours and overtime is priced with both multipliers (1.5 × 1.5 = "
                              "2.25); unchecked, with the higher one")
        self.stack.setChecked(bool(a and a.stack_multipliers))
        self.cap_dollars = QLineEdit(Money(a.cap_cents).format(symbol=False) if a and a.cap_cents else "", self)
        self.cap_dollars.setPlaceholderText("not-to-exceed dollars per fiscal year")
        self.cap_hours = QSpinBox(self)
        self.cap_hours.setRange(0, 100_000)
        self.cap_hours.setSpecialValueText("(none)")
        self.cap_hours.setValue(a.cap_minutes // 60 if a and a.cap_minutes else 0)
        self.notes = QPlainTextEdit(a.notes or "" if a else "", self)
        self.notes.setMaximumHeight(70)
        for label, w in (("&Number:", self.number), ("&Title:", self.title), ("&Kind:", self.kind),
                         ("&Partner:", self.partner), ("Partner's reference:", self.partner_reference),
                         ("", self.is_draft), ("Approval &resolution:", self.approval_resolution),
                         ("Approval date:", self.approval_date), ("&Filing reference:", self.filing_reference),
                         ("&Effective:", self.effective_date), ("E&xpires:", self.expiry_date),
                         ("Termination notice:", self.notice), ("Billing:", self.frequency),
                         ("Payment terms:", self.terms), ("", self.offset), ("", self.stack),
                         ("Cap, dollars/FY:", self.cap_dollars),
                         ("Cap, hours/FY:", self.cap_hours), ("Notes:", self.notes)):
            form.addRow(label, w)
        if a:
            self.partner_reference.setEnabled(False)
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def values(self) -> dict:
        return dict(number=self.number.text(), title=self.title.text(), kind=self.kind.currentData(),
                    is_draft=self.is_draft.isChecked(), approval_resolution=self.approval_resolution.text() or None,
                    approval_date=self.approval_date.date(),
                    filing_reference=self.filing_reference.text() or None,
                    effective_date=self.effective_date.date(), expiry_date=self.expiry_date.date(),
                    termination_notice_days=self.notice.value(), billing_frequency=self.frequency.currentData(),
                    payment_terms_days=self.terms.value(), offset_allowed=self.offset.isChecked(),
                    stack_multipliers=self.stack.isChecked(),
                    cap_cents=_money_cents(self.cap_dollars.text(), "cap"),
                    cap_minutes=self.cap_hours.value() * 60 or None, notes=self.notes.toPlainText() or None)

    def save(self) -> None:
        try:
            v = self.values()
            if self.agreement is None:
                home = self.services.agencies.home()
                if home is None:
                    raise ValidationError("set up your own agency first")
                self.saved = self.services.agreements.create(
                    parties=[(home.code, "both"), (self.partner.currentData(), "both",
                                                    self.partner_reference.text() or None)], **v)
            else:
                self.saved = self.services.agreements.update(self.agreement.number, **v)
        except UserError as exc:
            self.message.setText(span(str(exc), 'bad'))
            return
        self.accept()


class RateDialog(QDialog):
    """Add an effective-dated rate schedule to an agreement (per category and provider, or for all)."""

    def __init__(self, services: Services, agreement: AgreementDTO, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.agreement = services, agreement
        self.setWindowTitle(f"Add a rate — {agreement.number}")
        form = QFormLayout()
        self.effective_from = _date_edit(self, services.clock.today, field="from")
        self.effective_to = _date_edit(self, services.clock.today, optional=True, field="to")
        self.provider = QComboBox(self)
        self.provider.addItem("Either party", None)
        for p in agreement.parties:
            self.provider.addItem(f"{p.agency_name} ({p.agency_code})", p.agency_code)
        self.category = QComboBox(self)
        self.category.addItem("All categories", None)
        for c in services.agreements.categories():
            self.category.addItem(c.name, c.code)
        self.hourly = QLineEdit(self)
        self.hourly.setPlaceholderText("e.g. 118.00")
        self.after_hours = QLineEdit("1.5", self)
        self.increment = QSpinBox(self)
        self.increment.setRange(1, 240)
        self.increment.setValue(15)
        self.increment.setSuffix(" min")
        self.callout = QSpinBox(self)
        self.callout.setRange(0, 1440)
        self.callout.setSuffix(" min")
        self.travel = QCheckBox("Travel time is billable", self)
        self.mileage = QLineEdit(self)
        self.mileage.setPlaceholderText("cents per mile; blank = IRS table in force")
        for label, w in (("&From:", self.effective_from), ("&To:", self.effective_to), ("&Provider:", self.provider),
                         ("&Category:", self.category), ("&Hourly rate ($):", self.hourly),
                         ("&After-hours ×:", self.after_hours), ("&Increment:", self.increment),
                         ("Call-out &minimum:", self.callout), ("", self.travel), ("M&ileage:", self.mileage)):
            form.addRow(label, w)
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def save(self) -> None:
        try:
            cents = _money_cents(self.hourly.text(), "hourly rate")
            if cents is None:
                raise ValidationError("hourly rate: required (dollars per hour)")
            self.saved = self.services.agreements.add_rate(
                self.agreement.number, category=self.category.currentData(), provider=self.provider.currentData(),
                effective_from=self.effective_from.date(), effective_to=self.effective_to.date(),
                hourly_rate_cents=cents, after_hours_multiplier=self.after_hours.text() or "1",
                billing_increment_minutes=self.increment.value(), minimum_callout_minutes=self.callout.value(),
                travel_billable=self.travel.isChecked(), mileage_rate_cents=self.mileage.text() or None)
        except UserError as exc:
            self.message.setText(span(str(exc), 'bad'))
            return
        self.accept()
