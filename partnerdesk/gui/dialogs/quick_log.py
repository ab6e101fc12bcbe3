"""Quick log (Ctrl+L): one favour in fifteen seconds, keyboard alone, priced before it is saved."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QCompleter, QDialog,
                               QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QRadioButton,
                               QVBoxLayout, QWidget)

from partnerdesk.errors import DuplicateError, UserError
from partnerdesk.gui import format as fmt
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.messages import DialogService
from partnerdesk.gui.palette import span
from partnerdesk.container import Services


class QuickLogDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.saved_message = ""
        self.setWindowTitle("Log hours")
        self.setMinimumWidth(520)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.partner = QComboBox(self)
        self.partner.setEditable(True)
        self.partner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        home = services.agencies.home()
        for a in services.agencies.list():
            if home is None or a.id != home.id:
                self.partner.addItem(f"{a.name} ({a.code})", a.code)
        self.partner.setCurrentIndex(-1)
        self.partner.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.partner.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.partner.setAccessibleName("Partner")
        form.addRow("&Partner:", self.partner)

        self.given = QRadioButton("&We helped them", self)
        self.received = QRadioButton("&They helped us", self)
        self.given.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.given)
        group.addButton(self.received)
        row = QHBoxLayout()
        row.addWidget(self.given)
        row.addWidget(self.received)
        row.addStretch(1)
        form.addRow("Direction:", row)

        self.date = DateField(services.clock.today, parent=self)
        self.date.setAccessibleName("Date")
        form.addRow("&Date:", self.date)

        self.hours = QLineEdit(self)
        self.hours.setPlaceholderText("1.5, 1:30 or 90m")
        self.hours.setAccessibleName("Hours")
        form.addRow("&Hours:", self.hours)

        self.category = QComboBox(self)
        self.category.addItem("(none)", None)
        for c in services.agreements.categories():
            self.category.addItem(c.name, c.code)
        self.category.setAccessibleName("Category")
        form.addRow("&Category:", self.category)

        self.staff = QLineEdit(self)
        self.staff.setPlaceholderText("who did the work")
        self.staff.setAccessibleName("Staff")
        form.addRow("&Staff:", self.staff)

        flags = QHBoxLayout()
        self.after_hours = QCheckBox("&After hours", self)
        self.callout = QCheckBox("Call-&out", self)
        self.overtime = QCheckBox("O&vertime", self)
        self.overtime.setToolTip("Priced with the rate schedule's overtime multiplier (with after hours: the higher)")
        flags.addWidget(self.after_hours)
        flags.addWidget(self.callout)
        flags.addWidget(self.overtime)
        flags.addStretch(1)
        form.addRow("", flags)

        self.miles = QLineEdit(self)
        self.miles.setPlaceholderText("0")
        self.miles.setAccessibleName("Miles")
        form.addRow("&Miles:", self.miles)

        self.description = QLineEdit(self)
        self.description.setAccessibleName("Description")
        form.addRow("D&escription:", self.description)

        from partnerdesk.gui.incident_box import incident_combo

        self.incident = incident_combo(services, self)
        form.addRow("&Incident:", self.incident)

        self.preview_label = QLabel("", self)
        self.preview_label.setWordWrap(True)
        self.preview_label.setAccessibleName("Price and cap")
        self.preview_label.setMinimumHeight(48)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preview_label)
        lay.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_preview)
        for w in (self.hours, self.staff, self.miles, self.description):
            w.textChanged.connect(self._timer.start)
        self.partner.currentIndexChanged.connect(self._timer.start)
        self.category.currentIndexChanged.connect(self._timer.start)
        self.incident.currentIndexChanged.connect(self._timer.start)
        self.date.dateChanged.connect(self._timer.start)
        for b in (self.given, self.received, self.after_hours, self.callout, self.overtime):
            b.toggled.connect(self._timer.start)
        self.partner.setFocus()

    def values(self) -> dict:
        code = self.partner.currentData()
        if code is None:
            text = self.partner.currentText().strip()
            idx = self.partner.findText(text, Qt.MatchFlag.MatchContains)
            code = self.partner.itemData(idx) if idx >= 0 and text else text
        return dict(partner=code or "", direction="given" if self.given.isChecked() else "received",
                    work_date=self.date.date(), hours=self.hours.text(),
                    category=self.category.currentData(), staff=self.staff.text() or None,
                    after_hours=self.after_hours.isChecked(), callout=self.callout.isChecked(),
                    overtime=self.overtime.isChecked(), miles=self.miles.text() or None,
                    description=self.description.text() or None, incident_ref=self.incident.currentData())

    def update_preview(self) -> None:
        try:
            v = self.values()
        except UserError as exc:  # a date that is not one yet
            self.preview_label.setText(span(str(exc), 'bad'))
            return
        if not v["partner"] or not v["hours"].strip():
            self.preview_label.setText("")
            return
        try:
            r = self.services.hours.preview(**v)
        except UserError as exc:
            self.preview_label.setText(span(str(exc), 'bad'))
            return
        self.preview_label.setText(self._describe(r))

    @staticmethod
    def _describe(r) -> str:
        e = r.entry
        parts = [f"<b>{fmt.money(e.amount_cents) if e.amount_cents is not None else 'Not priced'}</b>"
                 f" for {fmt.hours(e.billable_minutes or e.minutes)} billable hours"
                 f" under {e.agreement_number or 'no agreement'}"]
        if r.cap and r.cap.percent is not None:
            parts.append(f"cap {r.cap.percent:.0f}% used in FY{r.cap.fiscal_year}")
        text = "; ".join(parts)
        for w in r.warnings:
            text += "<br>" + span(f"⚠ {w}", 'warn')
        return text

    def save(self) -> None:
        try:
            self.date.normalise()
            values = self.values()
            try:
                r = self.services.hours.log(**values)
            except DuplicateError as exc:
                if not DialogService.ask(self, "Log it again?",
                                         f"This looks like an entry already logged: {exc}.\n\n"
                                         "Log it anyway, as another favour?"):
                    self.preview_label.setText(span(f"Not saved: {exc}", 'warn'))
                    return
                r = self.services.hours.log(**values, allow_duplicate=True)
        except UserError as exc:
            self.preview_label.setText(span(str(exc), 'bad'))
            return
        e = r.entry
        self.saved_message = (f"Logged {fmt.hours(e.minutes)} h with {e.partner_code} on {e.work_date}: "
                              f"{fmt.money(e.amount_cents)}" + (f" — {r.warnings[0]}" if r.warnings else ""))
        self.accept()
