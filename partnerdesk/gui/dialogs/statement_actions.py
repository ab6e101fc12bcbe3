"""Corrections and money on an issued statement, from the Statements page: void (with a required reason and,
optionally, a replacement issued at once), a credit note, and recording a payment. Each dialog makes its
service call when the user presses the default button; a refused input (a UserError) is shown inside the
dialog, which stays open so nothing typed is lost."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from partnerdesk.domain.money import Money, format_cents
from partnerdesk.domain.statements import StatementDTO
from partnerdesk.domain.wording import status_word
from partnerdesk.errors import UserError
from partnerdesk.gui.date_field import DateField
from partnerdesk.gui.palette import css
from partnerdesk.container import Services

METHOD_LABELS = (("warrant", "Warrant"), ("check", "Check"), ("eft", "EFT (electronic funds transfer)"),
                 ("offset", "Offset against what we owe them"))


def describe(st: StatementDTO) -> str:
    """One line naming the statement for a dialog header."""
    return (f"<b>{st.number}</b> to {st.partner_name} ({st.partner}) · {st.period} · "
            f"{st.agreement_number or 'no agreement'}<br/>Amount due {format_cents(st.amount_due_cents)} · "
            f"paid or credited {format_cents(st.paid_cents)} · <b>balance {format_cents(st.balance_cents)}</b>")


class _StatementDialog(QDialog):
    """Header, a form, an error line and OK/Cancel; ``submit()`` does the service call and returns the
    text reported to the user (``self.outcome``)."""

    ok_text = "OK"

    def __init__(self, services: Services, statement: StatementDTO, title: str, parent: QWidget | None = None,
                 today: date | None = None):
        super().__init__(parent)
        self.services, self.statement, self.today = services, statement, today or services.clock.today()
        self.outcome: str | None = None
        self.setWindowTitle(f"{title} — {statement.number}")
        self.setMinimumWidth(520)
        self.header = QLabel(describe(statement), self)
        self.header.setWordWrap(True)
        self.form = QFormLayout()
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {css('bad')};")
        self.message.setAccessibleName("Problem")
        self.message.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok: QPushButton = self.buttons.addButton(self.ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setAccessibleName(self.ok_text.replace("&", ""))
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        lay.addLayout(self.form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def submit(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _accept(self) -> None:
        try:
            self.outcome = self.submit()
        except UserError as exc:
            self.message.setText(str(exc))
            self.message.setVisible(True)
            return
        self.accept()


class VoidDialog(_StatementDialog):
    ok_text = "&Void statement"

    def __init__(self, services: Services, statement: StatementDTO, parent: QWidget | None = None,
                 today: date | None = None):
        super().__init__(services, statement, "Void statement", parent, today)
        note = QLabel("The number is kept and never reused, and the frozen PDF stays on file marked void. Its "
                      "hours are released so a replacement statement can bill them; the replacement names "
                      "the statement it supersedes.", self)
        note.setWordWrap(True)
        self.form.addRow(note)
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for voiding")
        self.reason.setPlaceholderText("Required: why this statement is void (it is recorded and audited)")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(72)
        self.form.addRow("&Reason:", self.reason)
        self.replace = QCheckBox("&Issue a replacement now, re-priced from the released hours", self)
        self.replace.setAccessibleName("Issue a replacement now")
        self.form.addRow("", self.replace)
        self.reason.setFocus()

    def submit(self) -> str:
        st = self.statement
        reason = self.reason.toPlainText().strip()
        if not reason:
            raise UserError("reason: say why the statement is void (the reason is recorded)")
        sv = self.services.statements
        voided = sv.void(st.number, reason)
        text = f"Voided {voided.number}."
        if not self.replace.isChecked():
            return text + " Its hours are back in the quarter: Draft, review and issue the replacement."
        drafts = [d for d in sv.draft(st.period, partner=st.partner, today=self.today)
                  if d.agreement_number == st.agreement_number and d.status == "draft"]
        if not drafts:
            return text + " No replacement: nothing is left to bill under the agreement."
        try:
            result = sv.issue_statement(drafts[0].id, today=self.today)
        except UserError as exc:
            return text + f" The replacement was drafted but not issued: {exc}"
        return text + f" Issued {result.statement.number} to replace it."


class CreditNoteDialog(_StatementDialog):
    ok_text = "&Issue credit note"

    def __init__(self, services: Services, statement: StatementDTO, parent: QWidget | None = None,
                 today: date | None = None):
        super().__init__(services, statement, "Credit note", parent, today)
        note = QLabel("A credit note is numbered in its own series, linked to this statement, and reduces its "
                      "balance. Use it when the statement has payments or is otherwise final.", self)
        note.setWordWrap(True)
        self.form.addRow(note)
        self.amount = QLineEdit(format_cents(max(statement.balance_cents, 0), symbol=False), self)
        self.amount.setAccessibleName("Credit amount")
        self.amount.setToolTip("Dollars and cents; at most the open balance")
        self.form.addRow("&Amount ($):", self.amount)
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for the credit")
        self.reason.setPlaceholderText("Required: printed on the credit note")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(72)
        self.form.addRow("&Reason:", self.reason)
        self.amount.setFocus()
        self.amount.selectAll()

    def submit(self) -> str:
        reason = self.reason.toPlainText().strip()
        if not reason:
            raise UserError("reason: say why the statement is credited (it is printed on the credit note)")
        try:
            cents = Money.parse(self.amount.text()).cents
        except (ValueError, ArithmeticError) as exc:
            raise UserError(f"amount: '{self.amount.text()}' is not an amount of money") from exc
        cn = self.services.statements.credit_note(self.statement.number, reason, amount_cents=cents,
                                                  today=self.today)
        return f"Issued credit note {cn.number} for {format_cents(-cn.total_cents)} against {self.statement.number}."


class PaymentDialog(_StatementDialog):
    ok_text = "&Record payment"

    def __init__(self, services: Services, statement: StatementDTO, parent: QWidget | None = None,
                 today: date | None = None):
        super().__init__(services, statement, "Record payment", parent, today)
        self.amount = QLineEdit(format_cents(max(statement.balance_cents, 0), symbol=False), self)
        self.amount.setAccessibleName("Amount paid")
        self.amount.setToolTip("Dollars and cents; a partial payment is fine")
        self.form.addRow("&Amount ($):", self.amount)
        self.paid_on = DateField(self.today, field="date paid", parent=self)
        self.paid_on.setAccessibleName("Date paid")
        self.form.addRow("&Date paid:", self.paid_on)
        self.method = QComboBox(self)
        for key, label in METHOD_LABELS:
            self.method.addItem(label, key)
        self.method.setAccessibleName("Payment method")
        self.form.addRow("&Method:", self.method)
        self.reference = QLineEdit(self)
        self.reference.setAccessibleName("Payment reference")
        self.reference.setPlaceholderText("Warrant, check or EFT number")
        self.form.addRow("Re&ference:", self.reference)
        self.amount.setFocus()
        self.amount.selectAll()

    def set_method(self, key: str) -> None:
        self.method.setCurrentIndex(max(self.method.findData(key), 0))

    def submit(self) -> str:
        self.paid_on.normalise()
        p = self.services.payments.record(self.statement.number, self.amount.text().strip() or "0",
                                          self.paid_on.date(), self.method.currentData(),
                                          self.reference.text().strip() or None, today=self.today)
        st = self.services.statements.get(self.statement.number)
        return (f"Recorded {format_cents(p.amount_cents)} by {p.method} on {st.number}: now "
                f"{status_word(st.status)}, balance {format_cents(st.balance_cents)}.")
