"""A partner's statement of account (what was billed, credited and paid, with the running balance and the
aging) and their payments, from the Statements page; saved as PDF or CSV like `statements account`."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from partnerdesk.domain.periods import long_date
from partnerdesk.domain.wording import plural, status_word
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.gui.models.table_model import Column, DtoTableModel, SearchProxy
from partnerdesk.gui.workers import run_in_worker
from partnerdesk.container import Services

KIND_WORDS = {"statement": "Statement", "credit_note": "Credit note", "payment": "Payment", "void": "Void"}
METHOD_WORDS = {"warrant": "Warrant", "check": "Check", "eft": "EFT", "offset": "Offset"}

ACCOUNT_COLUMNS = (
    Column("Date", lambda ln: ln.date),
    Column("Type", lambda ln: KIND_WORDS.get(ln.kind, status_word(ln.kind))),
    Column("Number", lambda ln: ln.number),
    Column("Description", lambda ln: ln.description),
    Column("Charge", lambda ln: ln.charge_cents, lambda c: fmt.money(c) if c else "", align_right=True),
    Column("Credit", lambda ln: ln.credit_cents, lambda c: fmt.money(c) if c else "", align_right=True),
    Column("Balance", lambda ln: ln.balance_cents, fmt.money, align_right=True),
)
PAYMENT_COLUMNS = (
    Column("Paid on", lambda p: p.paid_on),
    Column("Statement", lambda p: p.statement_number),
    Column("Amount", lambda p: p.amount_cents, fmt.money, align_right=True),
    Column("Method", lambda p: METHOD_WORDS.get(p.method, p.method)),
    Column("Reference", lambda p: p.reference or ""),
)


def _table(parent: QWidget, columns, rows, name: str) -> tuple[QTableView, DtoTableModel]:
    model = DtoTableModel(columns, parent)
    model.set_rows(rows)
    proxy = SearchProxy(parent)
    proxy.setSourceModel(model)
    view = QTableView(parent)
    view.setModel(proxy)
    view.setAccessibleName(name)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order: by date
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    desc = next((i for i, c in enumerate(columns) if c.header in ("Description", "Reference")), None)
    if desc is not None:
        header.setSectionResizeMode(desc, QHeaderView.ResizeMode.Stretch)  # the one column that gives way
    return view, model


class AccountDialog(QDialog):
    def __init__(self, services: Services, partner: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.partner = services, partner
        self.account = services.payments.account(partner)
        self.payments = services.payments.list(partner=partner)
        a = self.account
        self.setWindowTitle(f"Statement of account — {a.partner.name}")
        self.resize(900, 560)
        head = QLabel(f"<b>{a.partner.name} ({a.partner.code})</b> · as of {long_date(a.as_of)} · "
                      f"<b>balance due {fmt.money(a.balance_cents)}</b>", self)
        g = a.aging
        aging = QLabel(f"Aging: 0–30 days {fmt.money(g.current)} · 31–60 {fmt.money(g.d31_60)} · "
                       f"61–90 {fmt.money(g.d61_90)} · over 90 {fmt.money(g.over_90)}", self)
        aging.setAccessibleName("Aging")
        self.lines_view, self.lines_model = _table(self, ACCOUNT_COLUMNS, a.lines, "Account lines")
        self.payments_view, self.payments_model = _table(self, PAYMENT_COLUMNS, self.payments, "Payments")
        paid = sum(p.amount_cents for p in self.payments)
        self.payments_label = QLabel(f"<b>Payments</b> — {plural(len(self.payments), 'payment')}, "
                                     f"{fmt.money(paid)} in all", self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.btn_pdf = QPushButton("Save &PDF…", self)
        self.btn_csv = QPushButton("Save &CSV…", self)
        self.btn_pdf.clicked.connect(lambda: self.save("pdf"))
        self.btn_csv.clicked.connect(lambda: self.save("csv"))
        buttons.addButton(self.btn_pdf, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.btn_csv, QDialogButtonBox.ButtonRole.ActionRole)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.lines_view, 3)
        lay.addWidget(aging)
        lay.addWidget(self.payments_label)
        lay.addWidget(self.payments_view, 2)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

    def save(self, ext: str) -> None:
        a = self.account
        default = f"account-{a.partner.code}-{a.as_of.isoformat()}.{ext}"
        path = FilePicker.save_file(self, "Save the statement of account", default,
                                    "PDF (*.pdf)" if ext == "pdf" else "CSV (*.csv)")
        if not path:
            return
        self.message.setText("Saving…")
        run_in_worker(self, lambda: self.services.payments.write_account(self.partner, path, a.as_of),
                      lambda p: self.message.setText(f"Saved {p}"), lambda exc: show_error(self, exc))
