"""Register or edit an interlocal agreement (every DESIGN §3 field: parties, number, title, dates, approval,
filing, cap, offsets, payment terms, the signed copy), add an effective-dated rate, and end one on a date.
The same services as ``partnerdesk agreements add|edit|attach`` and ``agreements rates add|end``; a refusal
is one line naming the field as the form labels it, and that field gets the focus."""

from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import AgreementDTO, RateDTO
from partnerdesk.domain.money import Money
from partnerdesk.errors import UserError, ValidationError
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.inputs import save_cancel
from partnerdesk.gui.palette import span
from partnerdesk.container import Services
from partnerdesk.services.agreements import KINDS


def _date_edit(parent, today: Callable[[], date], value: date | None = None, optional: bool = False,
               field: str = "date") -> DateField:
    return DateField(today, value, optional=optional, field=field, parent=parent)


def money_cents(text: str, field: str) -> int | None:
    """Dollars typed in a form as cents (None when empty); a refusal names ``field``."""
    text = text.strip()
    if not text:
        return None
    try:
        return Money.parse(text).cents
    except ValidationError as exc:
        raise ValidationError(f"{field}: {exc}", field) from None


def show_refusal(dialog, exc: BaseException, widgets: dict[str, tuple[str, QWidget]]) -> None:
    """A service's "field: problem" shown on the dialog's message line as "Label: problem" (the field as the
    form names it), and that field focused. ``widgets``: service field -> (label, widget)."""
    text = str(exc)
    field = getattr(exc, "field", None)
    label, widget = widgets.get(field or "", (None, None))
    if label and text.startswith(f"{field}:"):
        text = label + text[len(field):]
    dialog.message.setText(span(text, "bad"))
    if widget is not None:
        widget.setFocus()


class AgreementDialog(QDialog):
    """New agreement when ``agreement`` is None, else edit it: every field, another party added (a party, once
    named, stays: its hours and statements refer to it), and the signed copy attached."""

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
        self.partner = QComboBox(self)  # new: the partner; editing: a party to add, if any
        home = services.agencies.home()
        parties = {p.agency_id for p in a.parties} if a else set()
        if a:
            self.partner.addItem("(no new party)", None)
        for ag in services.agencies.list(include_retired=False):
            if (home is None or ag.id != home.id) and ag.id not in parties:
                self.partner.addItem(f"{ag.name} ({ag.code})", ag.code)
        self.parties = QLabel("\n".join(
            f"{p.agency_name} ({p.agency_code})" + (f" — their reference {p.reference}" if p.reference else "")
            for p in a.parties) if a else "", self)
        self.parties.setTextFormat(Qt.TextFormat.PlainText)
        self.partner_reference = QLineEdit(self)
        self.partner_reference.setPlaceholderText("their PO or contract number")
        self.partner_reference.setAccessibleName("Partner's reference")
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
        self.notes.setTabChangesFocus(True)
        self.document = QLabel(self)
        self.attach = QPushButton("Attac&h signed copy…", self)
        self.attach.setAutoDefault(False)
        self.attach.clicked.connect(lambda: self.attach_document())
        doc_row = QHBoxLayout()
        doc_row.addWidget(self.document, 1)
        doc_row.addWidget(self.attach)
        self._show_document(a.document_path if a else None)
        party_rows = ((("Parties:", self.parties), ("Add a &party:", self.partner)) if a else
                      (("&Partner:", self.partner), ("Partner's reference:", self.partner_reference)))
        for label, w in (("&Number:", self.number), ("&Title:", self.title), ("&Kind:", self.kind), *party_rows,
                         ("", self.is_draft), ("Approval &resolution:", self.approval_resolution),
                         ("Approval date:", self.approval_date), ("&Filing reference:", self.filing_reference),
                         ("&Effective:", self.effective_date), ("E&xpires:", self.expiry_date),
                         ("Termination notice:", self.notice), ("Billing:", self.frequency),
                         ("Payment terms:", self.terms), ("", self.offset), ("", self.stack),
                         ("Cap, dollars/FY:", self.cap_dollars),
                         ("Cap, hours/FY:", self.cap_hours), ("Notes:", self.notes), ("Signed copy:", doc_row)):
            form.addRow(label, w)
        (self.partner_reference if a else self.parties).hide()  # the row the other mode has
        self.widgets = {"number": ("Number", self.number), "title": ("Title", self.title),
                        "kind": ("Kind", self.kind), "parties": ("Add a party" if a else "Partner", self.partner),
                        "approval_resolution": ("Approval resolution", self.approval_resolution),
                        "approval_date": ("Approval date", self.approval_date),
                        "filing_reference": ("Filing reference", self.filing_reference),
                        "effective_date": ("Effective", self.effective_date),
                        "expiry_date": ("Expires", self.expiry_date),
                        "termination_notice_days": ("Termination notice", self.notice),
                        "payment_terms_days": ("Payment terms", self.terms),
                        "cap": ("Cap, dollars/FY", self.cap_dollars), "cap_cents": ("Cap, dollars/FY", self.cap_dollars),
                        "cap_minutes": ("Cap, hours/FY", self.cap_hours), "notes": ("Notes", self.notes),
                        "approval date": ("Approval date", self.approval_date),
                        "effective date": ("Effective", self.effective_date),
                        "expiry date": ("Expires", self.expiry_date)}
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
                    cap_cents=money_cents(self.cap_dollars.text(), "cap"),
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
                added = [(self.partner.currentData(), "both")] if self.partner.currentData() else []
                self.saved = self.services.agreements.update(self.agreement.number, add_parties=added, **v)
        except UserError as exc:
            show_refusal(self, exc, self.widgets)
            return
        self.accept()

    # -- the signed copy ------------------------------------------------------------------------------
    def _show_document(self, path: str | None) -> None:
        self.document.setText(path.rsplit("/", 1)[-1] if path else
                              "none attached" if self.agreement else "attach it once the agreement is saved")
        self.attach.setEnabled(self.agreement is not None)

    def attach_document(self, path: str | None = None) -> None:
        """Copy the signed agreement into the data folder (in a worker: it may be a large scan)."""
        from partnerdesk.gui.workers import run_in_worker

        path = path or FilePicker.open_file(self, f"Signed copy of {self.agreement.number}",
                                            "Documents (*.pdf *.docx *.doc *.tif *.tiff *.png *.jpg);;All files (*)")
        if not path:
            return
        self.attach.setEnabled(False)
        self.document.setText("attaching…")
        number = self.agreement.number

        def done(a: AgreementDTO) -> None:
            self.attached = a
            self._show_document(a.document_path)

        def failed(exc: BaseException) -> None:
            self._show_document(self.agreement.document_path)
            show_refusal(self, exc, {})

        run_in_worker(self, lambda: self.services.agreements.attach_document(number, path), done, failed)


class RateDialog(QDialog):
    """Add an effective-dated rate schedule to an agreement (per category and provider, or for all)."""

    def __init__(self, services: Services, agreement: AgreementDTO, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.agreement = services, agreement
        self.setWindowTitle(f"Add a rate — {agreement.number}")
        self.setMinimumWidth(460)  # the mileage field's hint is read whole
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
        self.overtime = QLineEdit("1.5", self)
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
                         ("&After-hours ×:", self.after_hours), ("&Overtime ×:", self.overtime),
                         ("&Increment:", self.increment), ("Call-out &minimum:", self.callout), ("", self.travel),
                         ("M&ileage:", self.mileage)):
            form.addRow(label, w)
        self.widgets = {"effective_from": ("From", self.effective_from), "from": ("From", self.effective_from),
                        "effective_to": ("To", self.effective_to), "to": ("To", self.effective_to),
                        "provider": ("Provider", self.provider), "category": ("Category", self.category),
                        "hourly rate": ("Hourly rate", self.hourly), "hourly_rate_cents": ("Hourly rate", self.hourly),
                        "after_hours_multiplier": ("After-hours ×", self.after_hours),
                        "overtime_multiplier": ("Overtime ×", self.overtime),
                        "billing_increment_minutes": ("Increment", self.increment),
                        "minimum_callout_minutes": ("Call-out minimum", self.callout),
                        "mileage_rate_cents": ("Mileage", self.mileage)}
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def save(self) -> None:
        try:
            cents = money_cents(self.hourly.text(), "hourly rate")
            if cents is None:
                raise ValidationError("hourly rate: required (dollars per hour)", "hourly rate")
            self.saved = self.services.agreements.add_rate(
                self.agreement.number, category=self.category.currentData(), provider=self.provider.currentData(),
                effective_from=self.effective_from.date(), effective_to=self.effective_to.date(),
                hourly_rate_cents=cents, after_hours_multiplier=self.after_hours.text() or "1",
                overtime_multiplier=self.overtime.text() or "1",
                billing_increment_minutes=self.increment.value(), minimum_callout_minutes=self.callout.value(),
                travel_billable=self.travel.isChecked(), mileage_rate_cents=self.mileage.text() or None)
        except UserError as exc:
            show_refusal(self, exc, self.widgets)
            return
        self.accept()


def rate_words(r: RateDTO) -> str:
    """A rate schedule in one line: who, which category, how much, from when to when."""
    return (f"{r.provider_code or 'either party'}, {r.category_code or 'every category'}: "
            f"{Money(r.hourly_rate_cents).format()}/h from {r.effective_from.isoformat()}"
            + (f" to {r.effective_to.isoformat()}" if r.effective_to else " (open-ended)"))


class EndRateDialog(QDialog):
    """End a rate schedule on a date (its last day in force): what ``agreements rates end`` does. Entries after
    that date are priced by the next schedule, or held back when there is none."""

    def __init__(self, services: Services, agreement: AgreementDTO, rate: RateDTO, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.agreement, self.rate = services, agreement, rate
        self.saved: RateDTO | None = None
        self.setWindowTitle(f"End a rate — {agreement.number}")
        self.setMinimumWidth(480)
        what = QLabel(rate_words(rate), self)
        what.setWordWrap(True)
        self.last_day = _date_edit(self, services.clock.today, rate.effective_to, field="last day")
        self.last_day.setAccessibleName("Last day in force")
        note = QLabel("Entries worked after this day are priced by the agreement's next rate, if any; entries not "
                      "yet billed are repriced now. Billed statements do not change.", self)
        note.setWordWrap(True)
        note.setObjectName("muted")
        form = QFormLayout()
        form.addRow("Rate:", what)
        form.addRow("&Last day in force:", self.last_day)
        self.widgets = {"on": ("Last day in force", self.last_day), "last day": ("Last day in force", self.last_day)}
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.last_day.setFocus()

    def save(self) -> None:
        """Ends exactly the rate shown (``agreements rates end`` ends whichever is in force on the day: the same
        one unless schedules overlap); entries not yet billed are repriced."""
        try:
            last = self.last_day.date()
            if last < self.rate.effective_from:
                raise ValidationError(f"on: {last.isoformat()} is before this rate starts "
                                      f"({self.rate.effective_from.isoformat()})", "on")
            self.services.agreements.update_rate(self.rate.id, effective_to=last)
            self.saved = next(r for r in self.services.agreements.rates(self.agreement.number)
                              if r.id == self.rate.id)
        except UserError as exc:
            show_refusal(self, exc, self.widgets)
            return
        self.accept()
