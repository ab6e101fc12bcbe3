"""Regional settlement for a quarter (issue 20), from the Statements page: propose a plan, see each agency's
net position and the payments, accept or decline for the agency this installation bills for, record a
payment of a final plan, and save the Settlement Proposal PDF and CSV. Thin: one service call per button,
in a worker."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from partnerdesk.domain.periods import long_date
from partnerdesk.domain.settlement import BILATERAL, FINAL, PROPOSED, SETTLING, ProposalView
from partnerdesk.domain.wording import plural
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.inputs import TextPrompt
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.models.table_model import ROW_ROLE, Column, DtoTableModel
from partnerdesk.gui.workers import run_in_worker

STATUS_COLORS = {"proposed": "warn", "final": "good", "settling": "good", "settled": "good", "declined": "bad",
                 "stale": "bad"}
PROPOSAL_COLUMNS = (
    Column("ID", lambda v: v.code),
    Column("Status", lambda v: v.status_label, color=lambda v: STATUS_COLORS.get(v.status)),
    Column("Netting", lambda v: "Bilateral only" if v.mode == BILATERAL else "Multilateral"),
    Column("Statements", lambda v: len(v.items), align_right=True),
    Column("Payments", lambda v: len(v.transfers), align_right=True),
    Column("Total", lambda v: v.total_cents, fmt.money, align_right=True),
    Column("Answers", lambda v: "  ".join(f"{p.code} {_answer_word(p.decision)}" for p in v.parties)),
)
TRANSFER_COLUMNS = (
    Column("No.", lambda t: t.seq, align_right=True),
    Column("Payer", lambda t: t.payer),
    Column("Payee", lambda t: t.payee),
    Column("Amount", lambda t: t.cents, fmt.money, align_right=True),
    Column("Reference", lambda t: t.reference),
    Column("Paid", lambda t: t.paid_on or "not yet"),
    Column("Settles statements", lambda t: ", ".join(t.statements) or "—"),
)


def _answer_word(decision: str | None) -> str:
    return {"accepted": "✓ accepted", "declined": "✗ declined"}.get(decision or "", "… awaiting")


def _table(parent: QWidget, columns, name: str) -> tuple[QTableView, DtoTableModel]:
    model = DtoTableModel(columns, parent)
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view, model


class SettlementDialog(QDialog):
    changed = Signal()  # statements were paid or a proposal changed: the page reloads
    done = Signal(str)  # what the last action reported

    def __init__(self, services, quarter: str, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.services, self.quarter, self.today = services, quarter, today
        self.setWindowTitle(f"Regional settlement — {quarter}")
        self.resize(1100, 640)
        intro = QLabel(f"<b>Settle {quarter}'s statements between agencies in one round of payments.</b> "
                       "A proposal nets every issued, unpaid statement of the quarter; it is final when every "
                       "party has accepted it on its own billing installation. Recording a payment of a final "
                       "plan marks every statement it settles as paid.", self)
        intro.setWordWrap(True)
        self.proposals_view, self.proposals = _table(self, PROPOSAL_COLUMNS, "Settlement proposals")
        self.detail = QLabel("", self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAccessibleName("Proposal details")
        self.transfers_view, self.transfers = _table(self, TRANSFER_COLUMNS, "Payments of the plan")
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.btn_propose = QPushButton("&Propose", self)
        self.btn_propose.setToolTip(f"Propose a plan for {quarter} from the statements as they are now")
        self.btn_accept = QPushButton("&Accept", self)
        self.btn_decline = QPushButton("&Decline…", self)
        self.btn_pay = QPushButton("&Record payment", self)
        self.btn_pay.setToolTip("Record the selected payment of a final plan as paid today")
        self.btn_save = QPushButton("&Save PDF and CSV…", self)
        for b, slot in ((self.btn_propose, self.propose), (self.btn_accept, self.accept_selected),
                        (self.btn_decline, self.decline_selected), (self.btn_pay, self.record_payment),
                        (self.btn_save, self.save_documents)):
            b.clicked.connect(slot)
        row = QHBoxLayout()
        for b in (self.btn_propose, self.btn_accept, self.btn_decline, self.btn_pay, self.btn_save):
            row.addWidget(b)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.proposals_view, 1)
        lay.addWidget(self.detail)
        lay.addWidget(self.transfers_view, 2)
        lay.addWidget(self.message)
        lay.addLayout(row)
        self.proposals_view.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.transfers_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.load(services.settlement.list(quarter=quarter))

    # -- showing -------------------------------------------------------------------------------------
    def load(self, items: list[ProposalView], select_id: str | None = None) -> None:
        keep = select_id or (self.selected().id if self.selected() else None)
        self.proposals.set_rows(items)
        self.proposals_view.resizeColumnsToContents()
        row = next((i for i, v in enumerate(items) if v.id == keep), 0 if items else None)
        if row is not None:
            self.proposals_view.selectRow(row)
        self._show_selected()

    def selected(self) -> ProposalView | None:
        rows = self.proposals_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def selected_transfer(self):
        rows = self.transfers_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _show_selected(self) -> None:
        v = self.selected()
        self.transfers.set_rows(v.transfers if v else [])
        self.transfers_view.resizeColumnsToContents()
        if v is None:
            self.detail.setText(f"No proposal for {self.quarter} yet: <b>Propose</b> makes one from the statements "
                                "as they are now.")
        else:
            positions = " · ".join(f"<b>{p.code}</b> {fmt.money(p.position_cents)} ({_answer_word(p.decision)}"
                                   f"{', on its behalf' if p.on_behalf else ''})" for p in v.parties)
            mode = ("<b>Bilateral netting only</b>: not every agency settles through PartnerDesk, so each pair nets "
                    "only its own statements." if v.mode == BILATERAL else "Multilateral netting.")
            why = f"<br/><b>{v.status_label.capitalize()}:</b> {v.status_reason}" if v.status_reason else ""
            self.detail.setText(f"Proposal <b>{v.code}</b>, {v.status_label}, proposed by {v.proposed_by} on "
                                f"{long_date(v.proposed_on)}. {mode}<br/>Net positions (+ is owed): {positions}{why}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        v = self.selected()
        mine = bool(v) and any(p.answers_here and p.decision is None for p in v.parties)
        self.btn_accept.setEnabled(bool(v) and v.status == PROPOSED and mine)
        self.btn_decline.setEnabled(bool(v) and v.status == PROPOSED and mine)
        t = self.selected_transfer()
        self.btn_pay.setEnabled(bool(v) and v.status in (FINAL, SETTLING) and t is not None and not t.paid_on)
        self.btn_save.setEnabled(v is not None)

    # -- actions -------------------------------------------------------------------------------------
    def _run(self, busy: str, job, report) -> None:
        self.message.setText(busy)

        def work():
            result = job()
            return result, self.services.settlement.list(quarter=self.quarter)

        def finished(out):
            result, items = out
            text = report(result)
            self.load(items, select_id=getattr(result, "id", None))
            self.message.setText(text)
            self.done.emit(text)
            self.changed.emit()

        def failed(exc):
            self.message.setText(str(exc))
            show_error(self, exc)

        run_in_worker(self, work, finished, failed)

    def propose(self) -> None:
        self._run(f"Proposing a plan for {self.quarter}…",
                  lambda: self.services.settlement.propose(self.quarter)[0],
                  lambda v: f"Proposed {v.code}: {plural(len(v.items), 'statement')} settled by "
                            f"{plural(len(v.transfers), 'payment')}"
                            + (" (bilateral netting only)" if v.mode == BILATERAL else ""))

    def accept_selected(self) -> None:
        v = self.selected()
        if v is None:
            return
        if not DialogService.ask(self, "Accept settlement", f"Accept proposal {v.code} for your agency? The plan is "
                                 "final once every party has accepted it."):
            return
        self._run("Accepting…", lambda: self.services.settlement.accept(v.code),
                  lambda r: f"Accepted {r.code}: {r.status_label}")

    def decline_selected(self) -> None:
        v = self.selected()
        if v is None:
            return
        reason = TextPrompt.ask(self, "Decline settlement", f"Why does your agency decline {v.code}?")
        if not reason:
            return
        self._run("Declining…", lambda: self.services.settlement.decline(v.code, reason),
                  lambda r: f"Declined {r.code}")

    def record_payment(self) -> None:
        v, t = self.selected(), self.selected_transfer()
        if v is None or t is None:
            return
        day = self.today or self.services.clock.today()
        if not DialogService.ask(self, "Record payment", f"Record payment {t.seq} ({t.payer} pays {t.payee} "
                                 f"{fmt.money(t.cents)}, {t.reference}) as paid on {long_date(day)}? Every "
                                 "statement it settles is marked paid."):
            return
        self._run("Recording…", lambda: self.services.settlement.record_transfer(v.code, t.seq, day),
                  lambda r: f"Recorded {t.reference}: {r.status_label}")

    def save_documents(self) -> None:
        v = self.selected()
        if v is None:
            return
        folder = FilePicker.folder(self, f"Save the proposal {v.code} (PDF and CSV) into")
        if not folder:
            return
        self.message.setText("Saving…")
        run_in_worker(self, lambda: self.services.settlement.write_documents(v.code, folder),
                      lambda paths: self.message.setText(f"Saved {paths[0].name} and {paths[1].name} in "
                                                         f"{paths[0].parent}"),
                      lambda exc: show_error(self, exc))
