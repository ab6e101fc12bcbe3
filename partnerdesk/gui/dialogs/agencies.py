"""The agencies you work with (issue 16): the register (add, edit, retire, bring back) and the form of one
agency. The same services as ``partnerdesk agencies add|edit|retire``: an agency something refers to is
retired (kept for its history, offered for nothing new), never deleted; one nothing refers to (a mistake) is
deleted, and either can be brought back."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from partnerdesk.container import Services
from partnerdesk.domain.dto import AgencyDTO
from partnerdesk.errors import UserError
from partnerdesk.gui.dialogs.agency_form import KINDS, AgencyForm
from partnerdesk.gui.dialogs.inputs import save_cancel
from partnerdesk.gui.dialogs.messages import DialogService
from partnerdesk.gui.models.table_model import ROW_ROLE, Column, DtoTableModel
from partnerdesk.gui.palette import span

KIND_WORDS = {value: label for label, value in KINDS}


def _status(a: AgencyDTO) -> str:
    if a.is_home:
        return "your agency"
    return f"retired {a.retired_on.isoformat()}" if a.retired_on else "active"


COLUMNS = (
    Column("Code", lambda a: a.code),
    Column("Name", lambda a: a.name),
    Column("Kind", lambda a: KIND_WORDS.get(a.kind, a.kind)),
    Column("Status", _status, color=lambda a: "muted" if a.retired_on else None),
    Column("Billing contact", lambda a: a.billing_contact_name or ""),
)


class AgencyDialog(QDialog):
    """Add an agency (``agency`` None) or edit one: its identity and its billing details, one tab each (the
    setup assistant's two steps). A refusal is one line naming the field, which gets the focus."""

    def __init__(self, services: Services, agency: AgencyDTO | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.agency = services, agency
        self.saved: AgencyDTO | None = None
        self.setWindowTitle(f"Agency {agency.code} — {agency.name}" if agency else "Add an agency")
        self.setMinimumWidth(620)
        self.identity = AgencyForm(services, AgencyForm.IDENTITY, self)
        self.billing = AgencyForm(services, AgencyForm.BILLING, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.identity, "&Identity")
        self.tabs.addTab(self.billing, "Billin&g and remittance")
        if agency is not None:
            self.identity.set_values(agency)
            self.billing.set_values(agency)
        self.message, self.buttons = save_cancel(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.identity.fields["name"].setFocus()

    def values(self) -> dict:
        return {**self.identity.values(), **self.billing.values()}

    def save(self) -> None:
        try:
            v = self.values()
            if self.agency is None:
                self.saved = self.services.agencies.create(**v)
            else:
                self.saved = self.services.agencies.update(self.agency.id, **v)
        except UserError as exc:
            self.show_problem(exc)
            return
        self.accept()

    def show_problem(self, exc: BaseException) -> None:
        """One line in red under the tabs, naming the field as the form labels it ("Short code: CODE is already
        used by …"); the tab holding it is shown, the field focused."""
        text, field = str(exc), getattr(exc, "field", None)
        key = "logo_image" if field == "logo" else field
        for form in (self.identity, self.billing):
            widget = form.fields.get(key or "")
            if widget is not None:
                if field and text.startswith(f"{field}:") and widget.accessibleName():
                    text = widget.accessibleName() + text[len(field):]
                self.tabs.setCurrentWidget(form)
                widget.setFocus()
                break
        self.message.setText(span(text, "bad"))


class AgenciesDialog(QDialog):
    """Every agency, yours first: add, edit, retire or bring back the selected one."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.changed = False  # the caller refreshes its pages when something was saved
        self.setWindowTitle("Agencies")
        self.resize(820, 460)
        self.model = DtoTableModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Agencies")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda *_: self.edit())
        self.note = QLabel("An agency that agreements, hours or statements refer to is retired, never deleted: its "
                           "history stays, and it is offered for nothing new.", self)
        self.note.setWordWrap(True)
        self.note.setObjectName("muted")
        buttons = QHBoxLayout()
        self.add_button = self._button(buttons, "&Add…", self.add)
        self.edit_button = self._button(buttons, "&Edit…", self.edit)
        self.retire_button = self._button(buttons, "&Retire…", self.retire)
        self.back_button = self._button(buttons, "&Bring back", self.bring_back)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.reload()
        self.table.setFocus()

    def _button(self, row: QHBoxLayout, text: str, slot) -> QPushButton:
        b = QPushButton(text, self)
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    def reload(self, select: str | None = None) -> None:
        current = self.current()
        select = select or (current.code if current else None)
        self.model.set_rows(self.services.agencies.list())
        self.table.resizeColumnsToContents()
        row = next((i for i, a in enumerate(self.model.rows) if a.code == select), 0)
        if self.model.rows:
            self.table.selectRow(row)
        self._enable()

    def current(self) -> AgencyDTO | None:
        idx = self.table.currentIndex()
        return self.model.data(idx, ROW_ROLE) if idx.isValid() else None

    def _enable(self) -> None:
        a = self.current()
        self.edit_button.setEnabled(a is not None)
        self.retire_button.setEnabled(a is not None and not a.is_home and a.retired_on is None)
        self.back_button.setEnabled(a is not None and a.retired_on is not None)

    def add(self) -> None:
        dlg = AgencyDialog(self.services, None, self)
        if dlg.exec() and dlg.saved is not None:
            self.changed = True
            self.reload(dlg.saved.code)

    def edit(self) -> None:
        a = self.current()
        if a is None:
            return
        dlg = AgencyDialog(self.services, a, self)
        if dlg.exec() and dlg.saved is not None:
            self.changed = True
            self.reload(dlg.saved.code)

    def retire(self) -> None:
        a = self.current()
        if a is None:
            return
        if not DialogService.ask(self, "Retire an agency",
                                 f"Retire {a.name} ({a.code})? Its agreements, hours and statements stay; it is no "
                                 "longer offered for new agreements or hours. Bring back undoes this."):
            return
        try:
            got, outcome = self.services.agencies.retire(a.code)
        except UserError as exc:
            DialogService.inform(self, "Retire an agency", str(exc), kind="warning")
            return
        self.changed = True
        if outcome == "deleted":
            DialogService.inform(self, "Retire an agency", f"Nothing referred to {got.code} yet, so it was deleted "
                                 "(a mistake undone). Bring back is in the CLI: partnerdesk agencies retire "
                                 f"{got.code} --undo.")
        self.reload(got.code)

    def bring_back(self) -> None:
        a = self.current()
        if a is None:
            return
        try:
            got = self.services.agencies.reinstate(a.code)
        except UserError as exc:
            DialogService.inform(self, "Bring back an agency", str(exc), kind="warning")
            return
        self.changed = True
        self.reload(got.code)
