"""Disaster cost recovery in the window (issue 20, docs/incidents.md): File ▸ Incidents… lists the incident
register, adds and edits incidents, saves an incident's Force Account Labor Summary (PDF or CSV) and issues a
Mutual Aid Reimbursement Request; File ▸ Pay rates… sets the home agency's staff pay rates from a date and
shows each person's history. Thin: every button is one service call; the slow ones run in a worker while a
busy bar shows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from partnerdesk.domain.durations import format_minutes
from partnerdesk.domain.incidents import FEMA_CATEGORIES, IncidentDTO
from partnerdesk.domain.periods import long_date
from partnerdesk.errors import UserError
from partnerdesk.gui import format as fmt
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.gui.dialogs.settlement import _table
from partnerdesk.gui.models.table_model import ROW_ROLE, Column
from partnerdesk.gui.palette import span
from partnerdesk.gui.workers import run_in_worker

INCIDENT_COLUMNS = (
    Column("Ref", lambda i: i.ref),
    Column("Name", lambda i: i.name),
    Column("Declaration", lambda i: i.declaration or ""),
    Column("Work", lambda i: i.work),
    Column("Start", lambda i: i.start_date),
    Column("End", lambda i: i.end_date or ""),
    Column("Hours", lambda i: i.hours_minutes, format_minutes, align_right=True),
    Column("Type", lambda i: i.incident_type or ""),
)
RATE_COLUMNS = (
    Column("Name", lambda r: r["name"]),
    Column("From", lambda r: r["from"]),
    Column("Regular", lambda r: r["regular_cents"], fmt.money, align_right=True),
    Column("Fringe", lambda r: f"{r['fringe_regular']}%", align_right=True),
    Column("Overtime", lambda r: r["overtime_cents"], fmt.money, align_right=True),
    Column("Fringe OT", lambda r: f"{r['fringe_overtime']}%", align_right=True),
    Column("Staff", lambda r: "permanent" if r["permanent"] else "temporary"),
)


def field_message(exc: UserError, labels: dict[str, str]) -> tuple[str, str | None]:
    """The service's one line ("--end: 2026-11-01 is before the start") as the form says it ("End: …"), and the
    key of the field it names (None when it names none of ``labels``)."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    key = head.strip().lstrip("-").replace("-", "_").replace(" ", "_").lower()
    key = {"start": "start_date", "end": "end_date", "from": "effective_from", "pa_id": "pa_id",
           "incident_type": "incident_type"}.get(key, key)
    if sep and key in labels:
        return f"{labels[key].rstrip(':').replace('&', '')}: {rest}", key
    return text, None


def _layout(dialog: QDialog, intro: QLabel, table: QWidget, under: list, buttons: list[QPushButton]) -> None:
    """A register window's layout: the intro, the table (which takes the height), what goes under it, and a
    row of its buttons with Close at the right."""
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    close.rejected.connect(dialog.reject)
    row.addWidget(close)
    lay = QVBoxLayout(dialog)
    lay.addWidget(intro)
    lay.addWidget(table, 1)
    for part in under:
        lay.addLayout(part) if isinstance(part, QFormLayout) else lay.addWidget(part)
    lay.addLayout(row)


class _Busy:
    """A message line and a busy bar under a dialog's buttons: ``run`` disables ``buttons`` and calls ``job``
    in a worker; ``ok`` gets its result on the GUI thread, an error is shown on the message line."""

    def __init__(self, dialog: QDialog, buttons: list[QPushButton]):
        self.dialog, self.buttons = dialog, buttons
        self.message = QLabel("", dialog)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.bar = QProgressBar(dialog)
        self.bar.setRange(0, 0)
        self.bar.setMaximumHeight(10)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Working")
        self.bar.hide()

    def run(self, busy: str, job, ok) -> None:
        self.message.setText(busy)
        self.bar.show()
        for b in self.buttons:
            b.setEnabled(False)

        def finish():
            self.bar.hide()
            for b in self.buttons:
                b.setEnabled(True)

        def done(result):
            finish()
            ok(result)

        def failed(exc):
            finish()
            self.message.setText(span(str(exc), "bad"))
            if not isinstance(exc, UserError):
                show_error(self.dialog, exc)

        run_in_worker(self.dialog, job, done, failed)


class _Form:
    """What the two forms share: a field's row (its label, without the mnemonic, is its accessible name) and a
    refused value said on the error line, with the cursor put back in the field it names."""

    LABELS: dict[str, str] = {}
    fields: dict[str, QWidget]
    error: QLabel

    def _add(self, form: QFormLayout, key: str, widget: QWidget) -> None:
        label = self.LABELS[key]
        widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow(label, widget)
        self.fields[key] = widget

    def _line(self, form: QFormLayout, key: str, placeholder: str, width: int | None = None) -> QLineEdit:
        w = QLineEdit(self)  # type: ignore[arg-type]  # a QDialog's
        w.setPlaceholderText(placeholder)
        if width:
            w.setMaximumWidth(width)  # an amount, not a paragraph
        self._add(form, key, w)
        return w

    def _refused(self, exc: UserError) -> None:
        text, key = field_message(exc, self.LABELS)
        self.error.setText(span(text, "bad"))
        if key in self.fields:
            getattr(self.fields[key], "edit", self.fields[key]).setFocus()  # a DateField: its line


class IncidentDialog(QDialog, _Form):
    """Add an incident (``incident`` None) or edit one; Save calls the service and names the field it refuses."""

    LABELS = {"ref": "&Ref:", "name": "&Name:", "declaration": "&Declaration:", "incident_type": "&Type:",
              "start_date": "&Start:", "end_date": "&End:", "work": "&Work:", "pa_id": "&PA ID:",
              "project_number": "Pro&ject no.:", "site": "S&ite:", "category": "&Category:",
              "applicant": "&Applicant:", "description": "Descripti&on:"}

    def __init__(self, services, incident: IncidentDTO | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.incident = services, incident
        self.saved: IncidentDTO | None = None
        self.setWindowTitle(f"Incident {incident.ref}" if incident else "New incident")
        self.setMinimumWidth(620)
        today = services.clock.today
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields: dict[str, QWidget] = {}

        self.ref = self._line(form, "ref", "a short code people type and pick, e.g. WS-2026-11")
        self.ref.setReadOnly(incident is not None)
        self.name = self._line(form, "name", "e.g. November windstorm")
        self.declaration = self._line(form, "declaration", "federal or state declaration no., e.g. DR-4999-WA")
        self.incident_type = self._line(form, "incident_type", "severe storm, flood, cyber attack …")
        self.start = DateField(today, field="start", parent=self)
        self._add(form, "start_date", self.start)
        self.end = DateField(today, optional=True, field="end", parent=self)
        self._add(form, "end_date", self.end)
        self.work = QComboBox(self)
        self.work.addItem("Emergency work", "emergency")
        self.work.addItem("Permanent work", "permanent")
        self._add(form, "work", self.work)
        self.applicant = self._line(form, "applicant", "the FEMA applicant (empty: your agency)")
        self.pa_id = self._line(form, "pa_id", "FEMA Public Assistance applicant id")
        self.project_number = self._line(form, "project_number", "project (worksheet) number")
        self.site = self._line(form, "site", "location or site of the work")
        self.category = QComboBox(self)
        self.category.addItem("(none)", None)
        for letter, what in FEMA_CATEGORIES.items():
            self.category.addItem(f"{letter} — {what}", letter)
        self._add(form, "category", self.category)
        self.description = QPlainTextEdit(self)
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(72)
        self._add(form, "description", self.description)

        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        if incident is not None:
            self._fill(incident)
            self.name.setFocus()
        else:
            self.start.setDate(services.clock.today())
            self.ref.setFocus()

    def _fill(self, i: IncidentDTO) -> None:
        for key in ("ref", "name", "declaration", "incident_type", "applicant", "pa_id", "project_number",
                    "site"):
            getattr(self, key).setText(getattr(i, key) or "")
        self.start.setDate(i.start_date)
        self.end.setDate(i.end_date)
        self.work.setCurrentIndex(max(self.work.findData(i.work), 0))
        self.category.setCurrentIndex(max(self.category.findData(i.category), 0))
        self.description.setPlainText(i.description or "")

    def values(self) -> dict[str, Any]:
        """What the form says, for the service: every field, empty text as '' so that an edit can clear it."""
        return dict(name=self.name.text(), declaration=self.declaration.text(),
                    incident_type=self.incident_type.text(), start_date=self.start.date(),
                    end_date=self.end.date() or "", work=self.work.currentData(), applicant=self.applicant.text(),
                    pa_id=self.pa_id.text(), project_number=self.project_number.text(), site=self.site.text(),
                    category=self.category.currentData() or "", description=self.description.toPlainText())

    def save(self) -> None:
        try:
            self.start.normalise()
            self.end.normalise()
            v = self.values()
            if self.incident is None:
                self.saved = self.services.incidents.add(self.ref.text(), **v)
            else:
                self.saved = self.services.incidents.edit(self.incident.ref, **v)
        except UserError as exc:
            self._refused(exc)
            return
        self.accept()


class IncidentsDialog(QDialog):
    """The incident register, with what can be done for the selected incident."""

    changed = Signal()  # an incident was added or changed, or a request issued: the pages reload

    def __init__(self, services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Incidents")
        self.resize(1100, 600)
        intro = QLabel("<b>Disasters and emergencies your staff worked on.</b> Pick an incident when you log "
                       "hours; here, print its FEMA Force Account Labor Summary from your staff's pay rates, or "
                       "invoice the agency you helped at actual cost (docs/incidents.md).", self)
        intro.setWordWrap(True)
        self.view, self.model = _table(self, INCIDENT_COLUMNS, "Incidents")
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        self.btn_add = QPushButton("&Add…", self)
        self.btn_edit = QPushButton("&Edit…", self)
        self.btn_summary = QPushButton("Labor &summary…", self)
        self.btn_summary.setToolTip("Save the Force Account Labor Summary and benefit worksheet (PDF or CSV)")
        self.btn_invoice = QPushButton("Mutual-aid &invoice…", self)
        self.btn_invoice.setToolTip("Issue a Mutual Aid Reimbursement Request for the hours given under this "
                                    "incident")
        self.btn_rates = QPushButton("&Pay rates…", self)
        self.btn_rates.setToolTip("Your own staff's hourly pay and fringe rates (private, never synced)")
        for b, slot in ((self.btn_add, self.add), (self.btn_edit, self.edit_selected),
                        (self.btn_summary, self.save_summary), (self.btn_invoice, self.invoice),
                        (self.btn_rates, self.open_rates)):
            b.clicked.connect(slot)
        self.runner = _Busy(self, [self.btn_summary, self.btn_invoice])
        _layout(self, intro, self.view, [self.runner.message, self.runner.bar],
                [self.btn_add, self.btn_edit, self.btn_summary, self.btn_invoice, self.btn_rates])
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.load()
        self.view.setFocus()

    def load(self, select_ref: str | None = None) -> None:
        keep = select_ref or (self.selected().ref if self.selected() else None)
        items = self.services.incidents.list()
        self.model.set_rows(items)
        self.view.resizeColumnsToContents()
        row = next((n for n, i in enumerate(items) if i.ref == keep), 0 if items else None)
        if row is not None:
            self.view.selectRow(row)
        self._update_buttons()

    def selected(self) -> IncidentDTO | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        for b in (self.btn_edit, self.btn_summary, self.btn_invoice):
            b.setEnabled(self.selected() is not None)

    def open_form(self, dlg: QDialog) -> bool:
        """Run a child form modally (tests replace this to drive the form themselves)."""
        return bool(dlg.exec())

    def add(self) -> None:
        dlg = IncidentDialog(self.services, None, self)
        if self.open_form(dlg) and dlg.saved:
            self.load(dlg.saved.ref)
            self.runner.message.setText(f"Added {dlg.saved.label}")
            self.changed.emit()

    def edit_selected(self) -> None:
        i = self.selected()
        if i is None:
            return
        dlg = IncidentDialog(self.services, i, self)
        if self.open_form(dlg) and dlg.saved:
            self.load(dlg.saved.ref)
            self.runner.message.setText(f"Saved {dlg.saved.label}")
            self.changed.emit()

    def open_rates(self) -> None:
        self.open_form(PayRatesDialog(self.services, self))

    def save_summary(self) -> None:
        i = self.selected()
        if i is None:
            return
        path = FilePicker.save_file(self, f"Save the labor summary of {i.ref}", f"{i.ref}-labor-summary.pdf",
                                    "PDF (*.pdf);;CSV (*.csv)")
        if not path:
            return
        self.runner.run(f"Writing the labor summary of {i.ref}…",
                      lambda: self.services.incidents.write_labor_summary(i.ref, path),
                      lambda p: self.runner.message.setText(f"Saved {p.name} in {p.parent}"))

    def invoice(self) -> None:
        i = self.selected()
        if i is None:
            return
        dlg = InvoiceDialog(self.services, i, self)
        if not self.open_form(dlg):
            return
        partner, agreement, folder = dlg.choice()

        def done(out):
            st, path = out
            self.load(i.ref)
            self.runner.message.setText(f"Issued {st.number}: Mutual Aid Reimbursement Request to {st.partner}, "
                                      f"{fmt.money(st.amount_due_cents)}" + (f" ({path})" if path else ""))
            self.changed.emit()

        self.runner.run(f"Issuing a Mutual Aid Reimbursement Request to {partner}…",
                      lambda: self.services.mutual_aid.invoice(i.ref, partner, agreement=agreement, out=folder),
                      done)


class InvoiceDialog(QDialog):
    """Who to bill under the incident, under which agreement, and where the PDF goes; says what happens."""

    def __init__(self, services, incident: IncidentDTO, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Mutual aid invoice — {incident.ref}")
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.partner = QComboBox(self)
        self.partner.setAccessibleName("Partner")
        for a in services.agencies.list():
            if not a.is_home:
                self.partner.addItem(f"{a.code} — {a.name}", a.code)
        form.addRow("&Bill to:", self.partner)
        self.agreement = QLineEdit(self)
        self.agreement.setAccessibleName("Agreement")
        self.agreement.setPlaceholderText("only when the hours name more than one agreement")
        form.addRow("&Agreement:", self.agreement)
        self.folder = QLineEdit(self)
        self.folder.setAccessibleName("Folder")
        self.folder.setPlaceholderText("also save the PDF in this folder (optional)")
        browse = QPushButton("B&rowse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        label = QLabel("&Folder:", self)
        label.setBuddy(self.folder)
        form.addRow(label, row)
        note = QLabel(f"Issues a <b>Mutual Aid Reimbursement Request</b> for every hour your staff gave that agency "
                      f"under {incident.label} that no statement has billed yet, priced at actual cost (or the "
                      "agreement's rates when it says so). It is numbered and frozen like a statement.", self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        buttons.addButton("&Issue", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)
        self.partner.setFocus()

    def _browse(self) -> None:
        folder = FilePicker.folder(self, "Save the request's PDF into")
        if folder:
            self.folder.setText(folder)

    def choice(self) -> tuple[str, str | None, str | None]:
        return (self.partner.currentData(), self.agreement.text().strip() or None,
                self.folder.text().strip() or None)


class PayRatesDialog(QDialog, _Form):
    """The home agency's staff pay rates: a person's history, and a new rate (or a correction) from a date."""

    LABELS = {"name": "&Person:", "regular": "&Regular pay:", "overtime": "&Overtime pay:",
              "fringe_regular": "&Fringe, regular:", "fringe_overtime": "Fringe, o&vertime:",
              "effective_from": "From &date:"}

    def __init__(self, services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Pay rates")
        self.resize(900, 600)
        home = services.agencies.home()
        intro = QLabel(f"<b>Hourly pay and fringe benefits of {home.name if home else 'your agency'}'s own "
                       "staff</b>, for FEMA labor summaries and mutual-aid invoices at actual cost. Private: kept "
                       "on this PC only, never synced. A raise is a new rate from the day it takes effect; the "
                       "same day again corrects that rate.", self)
        intro.setWordWrap(True)
        self.view, self.model = _table(self, RATE_COLUMNS, "Pay rate history")
        self.person = QComboBox(self)
        self.person.addItem("(everyone)", None)
        for c in services.contacts.list(agency=home.code) if home else []:
            self.person.addItem(c.name, c.name)
        self.fields: dict[str, QWidget] = {"name": self.person}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._add(form, "name", self.person)
        self.regular = self._line(form, "regular", "hourly, e.g. 48.50", 360)
        self.overtime = self._line(form, "overtime", "hourly, e.g. 72.75", 360)
        self.fringe_regular = self._line(form, "fringe_regular", "percent of regular pay, e.g. 38.5", 360)
        self.fringe_overtime = self._line(form, "fringe_overtime", "percent of overtime pay, e.g. 9.65", 360)
        self.start = DateField(services.clock.today, services.clock.today(), field="from", parent=self)
        self._add(form, "effective_from", self.start)
        self.temporary = QCheckBox("&Temporary or extra hire (not budgeted staff)", self)
        form.addRow("", self.temporary)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Message")
        self.btn_set = QPushButton("&Set rate", self)
        self.btn_set.setDefault(True)
        self.btn_set.clicked.connect(self.set_rate)
        _layout(self, intro, self.view, [form, self.error], [self.btn_set])
        self.person.currentIndexChanged.connect(lambda _i: self.load())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._fill_from_selected())
        self.load()
        self.person.setFocus()

    def load(self) -> None:
        self.model.set_rows(self.services.incidents.rates(self.person.currentData()))
        self.view.resizeColumnsToContents()

    def _fill_from_selected(self) -> None:
        """A row picked in the history fills the form (its person and figures): change a figure to correct it,
        or the date to start a new rate."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        r = rows[0].data(ROW_ROLE)
        self.regular.setText(f"{r['regular_cents'] / 100:.2f}")
        self.overtime.setText(f"{r['overtime_cents'] / 100:.2f}")
        self.fringe_regular.setText(r["fringe_regular"])
        self.fringe_overtime.setText(r["fringe_overtime"])
        self.temporary.setChecked(not r["permanent"])
        if self.person.currentData() is None:
            self.person.blockSignals(True)
            self.person.setCurrentIndex(max(self.person.findData(r["name"]), 0))
            self.person.blockSignals(False)

    def set_rate(self) -> None:
        name = self.person.currentData()
        try:
            if name is None:
                raise UserError("name: pick the person the rate is for")
            self.start.normalise()
            r = self.services.incidents.set_rate(
                name, regular=self.regular.text(), overtime=self.overtime.text(),
                fringe_regular=self.fringe_regular.text(), fringe_overtime=self.fringe_overtime.text(),
                effective_from=self.start.date(), permanent=not self.temporary.isChecked())
        except UserError as exc:
            self._refused(exc)
            return
        self.load()
        self.error.setText(f"{r['name']}: from {long_date(self.start.date())}, {fmt.money(r['regular_cents'])} an "
                           f"hour + {r['fringe_regular']}%, overtime {fmt.money(r['overtime_cents'])} + "
                           f"{r['fringe_overtime']}%")
