"""Agreements page: the register with its status, the signed document (attach, open with the system viewer),
the effective-dated rate schedules of the selected agreement, and the deadlines as a calendar file."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QLabel, QTableView

from partnerdesk.domain.dto import AgreementDTO
from partnerdesk.domain.wording import status_word
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.models.table_model import Column, DtoTableModel
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.workers import run_in_worker

STATUS_COLORS = {"expired": "bad", "unfiled": "warn", "expiring": "warn", "draft": "muted"}  # palette roles

RATE_COLUMNS = (
    Column("From", lambda r: r.effective_from),
    Column("To", lambda r: r.effective_to, lambda v: v.isoformat() if v else "open"),
    Column("Provider", lambda r: r.provider_code, lambda v: v or "either"),
    Column("Category", lambda r: r.category_code, lambda v: v or "all"),
    Column("Per hour", lambda r: r.hourly_rate_cents, fmt.money, align_right=True),
    Column("After hours ×", lambda r: r.after_hours_multiplier, align_right=True),
    Column("Overtime ×", lambda r: r.overtime_multiplier, align_right=True),
    Column("Increment", lambda r: r.billing_increment_minutes, lambda v: f"{v} min", align_right=True),
    Column("Call-out min.", lambda r: r.minimum_callout_minutes, lambda v: f"{v} min" if v else "",
           align_right=True),
    Column("Travel billed", lambda r: r.travel_billable),
    Column("Mileage", lambda r: r.mileage_rate_cents, lambda v: f"{v}¢" if v else "IRS table"),
)


def _days(v) -> str:
    return f"{v} days" if v is not None else ""


class AgreementsPage(TablePage):
    title = "Agreements"
    search_placeholder = "Search agreements…"
    columns = (
        Column("Number", lambda a: a.number, priority=0),
        Column("Title", lambda a: a.title, priority=0, elastic=True),
        Column("Status", lambda a: a.status, color=lambda a: STATUS_COLORS.get(a.status), priority=0),
        Column("Kind", lambda a: status_word(a.kind), priority=2),
        Column("Parties", lambda a: a.party_codes, priority=1),
        Column("Approval", lambda a: " ".join(x for x in (a.approval_resolution,
                                                          a.approval_date.isoformat() if a.approval_date else None)
                                              if x), priority=4, elastic=True),
        Column("Filing reference", lambda a: a.filing_reference, lambda v: v or "not filed",
               priority=1, elastic=True),
        Column("Effective", lambda a: a.effective_date, priority=1),
        Column("Expires", lambda a: a.expiry_date, priority=0),
        Column("Notice", lambda a: a.termination_notice_days, _days, align_right=True,
               tooltip="Termination notice", priority=3),
        Column("Terms", lambda a: a.payment_terms_days, _days, align_right=True, tooltip="Payment terms", priority=3),
        Column("Offset", lambda a: a.offset_allowed, tooltip="Reciprocal hours may offset the bill", priority=3),
        Column("Cap $/FY", lambda a: a.cap_cents, lambda v: fmt.money(v) if v else "", align_right=True, priority=1),
        Column("Cap h/FY", lambda a: a.cap_minutes, lambda v: f"{v // 60:,}" if v else "", align_right=True,
               priority=2),
        Column("Document", lambda a: bool(a.document_path), priority=4),
    )

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.add_button("&New agreement…", self.new_agreement, tooltip="Register an interlocal agreement",
                        shortcut="Ctrl+N")
        self.add_button("&Edit…", self.edit_agreement, tooltip="Change the selected agreement", shortcut="Ctrl+E")
        self.add_button("Add &rate…", self.add_rate, tooltip="Add an effective-dated rate schedule")
        self.add_button("&Stop a rate…", self.end_rate, tooltip="End the selected rate schedule on a date (its "
                                                                 "last day in force)")
        self.attach_button = self.add_button("A&ttach signed copy…", self.attach_document,
                                             tooltip="Copy the signed agreement into the data folder")
        self.open_button = self.add_button("&Open document", self.open_document,
                                           tooltip="Open the signed agreement with the system viewer")
        self.add_button("&Deadlines to calendar…", self.export_calendar,
                        tooltip="Renewal and termination-notice deadlines as an iCalendar (.ics) file")
        self.add_button("Agen&cies…", self.manage_agencies,
                        tooltip="Add, edit, retire or bring back the agencies you work with")
        self.finish_toolbar()
        self.rates_label = QLabel("Select an agreement to see its rate schedules.", self)
        self.rates_model = DtoTableModel(RATE_COLUMNS, self)
        self.rates_table = QTableView(self)
        self.rates_table.setModel(self.rates_model)
        self.rates_table.setAccessibleName("Rate schedules")
        self.rates_table.verticalHeader().setVisible(False)
        self.rates_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.rates_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.rates_table.horizontalHeader().setStretchLastSection(True)
        self.rates_table.setMaximumHeight(170)
        index = self.ui.pageLayout.indexOf(self.ui.footer)
        self.ui.pageLayout.insertWidget(index, self.rates_label)
        self.ui.pageLayout.insertWidget(index + 1, self.rates_table)
        self.ui.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_rates())

    def footer_noun(self) -> str:
        return "agreements"

    def fetch(self):
        return self.services.agreements.list()

    def current(self) -> AgreementDTO | None:
        rows = self.selected_rows()
        if rows:
            return rows[0]
        from partnerdesk.gui.models.table_model import ROW_ROLE

        idx = self.ui.table.currentIndex()
        return self.proxy.data(idx, ROW_ROLE) if idx.isValid() else None

    def show_rates(self) -> None:
        a = self.current()
        if a is None:
            self.rates_model.set_rows([])
            return
        self.rates_model.set_rows(self.services.agreements.rates(a.number))
        self.rates_label.setText(f"Rate schedules of {a.number} (the one in force on the work date prices each "
                                 "entry):")
        self.rates_table.resizeColumnsToContents()

    def new_agreement(self) -> None:
        from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog

        self._open(AgreementDialog(self.services, None, self))

    def edit_agreement(self) -> None:
        from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog

        a = self._need_current()
        if a is not None:
            self._open(AgreementDialog(self.services, a, self))

    def add_rate(self) -> None:
        from partnerdesk.gui.dialogs.agreement_edit import RateDialog

        a = self._need_current()
        if a is not None:
            self._open(RateDialog(self.services, a, self))

    def end_rate(self) -> None:
        from partnerdesk.gui.dialogs.agreement_edit import EndRateDialog
        from partnerdesk.gui.models.table_model import ROW_ROLE

        a = self._need_current()
        if a is None:
            return
        idx = self.rates_table.currentIndex()
        rate = self.rates_model.data(idx, ROW_ROLE) if idx.isValid() else None
        if rate is None and len(self.rates_model.rows) == 1:
            rate = self.rates_model.rows[0]
        if rate is None:
            DialogService.inform(self, "Agreements", f"Select the rate of {a.number} to end, in the rate schedules "
                                 "below." if self.rates_model.rows else f"{a.number} has no rate schedule yet.")
            return
        self._open(EndRateDialog(self.services, a, rate, self))

    def manage_agencies(self) -> None:
        from partnerdesk.gui.dialogs.agencies import AgenciesDialog

        dialog = AgenciesDialog(self.services, self)
        dialog.exec()
        if dialog.changed:
            self.reload()
            window = self.window()
            if hasattr(window, "data_changed"):
                window.data_changed.emit()

    def _open(self, dialog) -> None:
        if dialog.exec():
            self.reload()
            self.show_rates()
            window = self.window()
            if hasattr(window, "data_changed"):
                window.data_changed.emit()

    def _need_current(self) -> AgreementDTO | None:
        a = self.current()
        if a is None:
            DialogService.inform(self, "Agreements", "Select an agreement first.")
        return a

    def attach_document(self, path: str | None = None) -> None:
        a = self._need_current()
        if a is None:
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, f"Signed copy of {a.number}", "",
                                                  "Documents (*.pdf *.docx *.doc *.tif *.tiff *.png *.jpg);;"
                                                  "All files (*)")
        if not path:
            return
        run_in_worker(self, lambda: self.services.agreements.attach_document(a.number, path),
                      lambda _r: (self.reload(), self._status(f"Attached the signed copy of {a.number}")),
                      lambda exc: show_error(self, exc))

    def open_document(self) -> None:
        a = self._need_current()
        if a is None:
            return
        try:
            path = self.services.agreements.document_file(a.number)
        except Exception as exc:  # a missing file is the user's to fix; shown plainly
            show_error(self, exc)
            return
        if path is None:
            DialogService.inform(self, "Agreements", f"{a.number} has no signed copy attached yet.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def export_calendar(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Agreement deadlines", "agreement-deadlines.ics",
                                                  "iCalendar (*.ics)")
        if not path:
            return

        run_in_worker(self, lambda: self.services.agreements.write_calendar(path),
                      lambda n: self._status(f"Wrote {n} deadlines to {path}"), lambda exc: show_error(self, exc))

    def _status(self, text: str) -> None:
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(text, 8000)
