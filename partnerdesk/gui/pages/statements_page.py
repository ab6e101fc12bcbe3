"""Statements page: the quarter's drafts and issued statements, an in-app PDF preview (QtPdf), issuing one
or all in a worker with a cancellable progress dialog (after a confirmation that says what will happen),
saving or printing every selected statement in one step, and each partner's statement of account.

After every action the page reloads, keeps the selection (rows are matched by id: a draft keeps its id
when it is issued) and renders the preview again, so it never shows what was true before.

Thin widget: every action is one service call (off the GUI thread when it can take time). The page holds the
quarter, the table and its actions; the preview (statements_preview.py), issuing (statements_issuing.py)
and the actions on made statements (statements_actions.py) are its parts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QComboBox, QInputDialog, QSplitter, QWidget

from partnerdesk.domain.freeze import LIVE_STATUSES
from partnerdesk.domain.periods import Quarter
from partnerdesk.domain.wording import plural, statement_status_word
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.gui.models.table_model import ROW_ROLE, Column
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.pages.statements_actions import StatementActions
from partnerdesk.gui.pages.statements_issuing import IssueRunner
from partnerdesk.gui.pages.statements_preview import StatementPreviewer
from partnerdesk.gui.pdf_preview import PdfPreview
from partnerdesk.gui.workers import run_in_worker

STATUS_COLORS = {"draft": "muted", "void": "bad", "partially_paid": "warn", "paid": "good",  # palette roles
                 "overpaid": "bad"}


class StatementsPage(TablePage):
    title = "Statements"
    search_placeholder = "Filter statements…"
    issued = Signal(int)  # how many statements an issue run produced
    preview_ready = Signal()
    printed = Signal(int)  # pages sent to the printer
    columns = (
        Column("Number", lambda s: s.number or "(draft)", priority=0),
        Column("Partner", lambda s: s.partner, priority=0),
        Column("Agreement", lambda s: s.agreement_number, priority=1),
        Column("Status", lambda s: statement_status_word(s.status, s.balance_cents),
               color=lambda s: STATUS_COLORS.get(s.status), priority=0),
        Column("Lines", lambda s: s.line_count, align_right=True, priority=4),
        Column("Gross", lambda s: s.gross_cents, fmt.money, align_right=True, priority=3),
        Column("Offset", lambda s: s.offset_cents, fmt.money, align_right=True, priority=3),
        Column("Amount due", lambda s: s.amount_due_cents, fmt.money, align_right=True, priority=0),
        Column("Balance", lambda s: s.balance_cents, fmt.money, align_right=True, priority=0),
        Column("Issued", lambda s: s.issue_date, priority=2),
        Column("Notes", lambda s: "; ".join(s.warnings) if s.status == "draft" else
               (f"replaces {s.supersedes}" if s.supersedes else s.void_reason
                or ("Mutual aid reimbursement request" if s.kind == "mutual_aid" else "")),  # docs/incidents.md
               priority=1, elastic=True),
    )

    def __init__(self, services, parent: QWidget | None = None, today: date | None = None):
        super().__init__(services, parent)
        self.today = today
        self.issuing = IssueRunner(self)
        self.statement_actions = StatementActions(self)
        self.previewer = StatementPreviewer(self)
        self.quarter = QComboBox(self)
        self.quarter.setAccessibleName("Quarter")
        self.quarter.setToolTip("Fiscal quarter to bill (quarters follow your fiscal year)")
        self.quarter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # never clip "FY2026 Q3 (…)"
        self._fill_quarters()
        self.add_filter(self.quarter)
        self.btn_draft = self.add_button("&Draft", self.draft, "refresh",
                                         "Create or refresh the drafts for the quarter")
        self.btn_issue = self.add_button("&Issue selected…", self.issuing.issue_selected, "statements",
                                         "Number, freeze and file the selected draft")
        self.btn_issue_all = self.add_button("Issue a&ll…", self.issuing.issue_all, "statements",
                                             "Issue every draft of the quarter")
        self.btn_override = self.add_button("Issue past &cap…", self.issuing.issue_past_cap, None,
                                            "Issue the selected draft past its agreement's cap, with a "
                                            "recorded reason")
        # the shortcuts of these three live on the table's actions below (a key may have one owner)
        self.btn_pay = self.add_button("Pa&yment…", self.statement_actions.record_payment, None,
                                       "Record a full or partial payment on the selected statement (Ctrl+Shift+P)")
        self.btn_pay.setAccessibleName("Record payment")  # the short caption fits the toolbar
        self.btn_credit = self.add_button("Credit &note…", self.statement_actions.credit_note, None,
                                          "Issue a credit note against the selected statement (Ctrl+Shift+R)")
        self.btn_void = self.add_button("&Void…", self.statement_actions.void_selected, None,
                                        "Void the selected statement, with a reason; optionally issue its "
                                        "replacement (Ctrl+Shift+D)")
        self.btn_save = self.add_button("&Save PDF…", self.statement_actions.save_pdf, "export",
                                        "Save every selected statement as PDF, drafts included (marked DRAFT)",
                                        "Ctrl+S")
        self.btn_print = self.add_button("&Print…", self.statement_actions.print_selected, "print",
                                         "Print every selected statement in one job, drafts included", "Ctrl+P")
        self.btn_account = self.add_button("Acc&ount…", self.statement_actions.show_account, None,
                                           "The selected partner's statement of account and payments")
        self.btn_settle = self.add_button("Se&ttle…", self.statement_actions.open_settlement, None,
                                          "Regional settlement: one round of payments for the quarter's "
                                          "statements between agencies")
        self.finish_toolbar()
        self.preview = PdfPreview(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.ui.pageLayout.replaceWidget(self.ui.table, splitter)
        splitter.addWidget(self.ui.table)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 380])  # at 1366 px the table shows its key columns, the agreement and notes
        splitter.setChildrenCollapsible(False)
        self.ui.pageLayout.setStretchFactor(splitter, 1)
        self.ui.pageLayout.setStretchFactor(self.ui.subtitle, 0)
        self.splitter = splitter
        self.quarter.currentIndexChanged.connect(lambda _i: self.reload())
        self.ui.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # the same actions on the table's context menu, with keyboard shortcuts while the page has focus
        self.act_pay = self._table_action("Record &payment…", "Ctrl+Shift+P", self.statement_actions.record_payment)
        self.act_credit = self._table_action("&Credit note…", "Ctrl+Shift+R", self.statement_actions.credit_note)
        self.act_void = self._table_action("&Void…", "Ctrl+Shift+D", self.statement_actions.void_selected)
        self.ui.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.loaded.connect(self.update_actions)
        self.update_actions()

    def _table_action(self, text: str, shortcut: str, slot) -> QAction:
        a = QAction(text, self)
        a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(lambda _=False: slot())
        self.ui.table.addAction(a)
        self.addAction(a)
        return a

    # the state of the parts that tests and the main window look at
    progress = property(lambda self: self.issuing.progress)  # the issue run's progress dialog, while open
    _cancel = property(lambda self: self.issuing.cancel)  # set when the issue run is cancelled
    last_saved = property(lambda self: self.statement_actions.last_saved)  # the files the last Save PDF wrote

    def void_selected(self) -> None:
        self.statement_actions.void_selected()

    def one_issued(self):
        """The one selected row when it is a live issued statement or mutual-aid request (not a draft, void or
        credit note)."""
        rows = self.selected_rows()
        if len(rows) == 1 and rows[0].kind != "credit_note" and rows[0].status in LIVE_STATUSES:
            return rows[0]
        return None

    def update_actions(self) -> None:
        st = self.one_issued()
        can_pay = bool(st and st.status in ("issued", "partially_paid") and st.balance_cents > 0)
        can_credit = bool(st and st.balance_cents > 0)
        can_void = bool(st and st.paid_cents == 0)
        for widgets, ok in (((self.btn_pay, self.act_pay), can_pay), ((self.btn_credit, self.act_credit), can_credit),
                            ((self.btn_void, self.act_void), can_void)):
            for w in widgets:
                w.setEnabled(ok)
        rows = self.selected_rows()
        for b in (self.btn_save, self.btn_print):
            b.setEnabled(bool(rows))
        self.btn_account.setEnabled(len({r.partner for r in rows}) == 1)

    def _fill_quarters(self) -> None:
        try:
            home = self.services.agencies.home()
        except Exception:  # no database yet: a plain calendar year
            home = None
        fsm = home.fy_start_month if home else 1
        current = Quarter.of(self.today or self.services.clock.today(), fsm)
        q = current.previous()  # bill the quarter just ended by default
        items = []
        for _ in range(8):
            items.append(q)
            q = q.previous()
        for q in [current] + items:
            self.quarter.addItem(q.label(), str(q))
        self.quarter.setCurrentIndex(1)

    def current_quarter(self) -> str:
        return self.quarter.currentData()

    def set_quarter(self, quarter: str) -> None:
        i = self.quarter.findData(quarter)
        if i >= 0:
            self.quarter.setCurrentIndex(i)

    def footer_noun(self) -> str:
        return "statements"

    def apply(self, data) -> None:
        keep = [r.id for r in self.selected_rows()]  # the model still holds the rows before the reload
        current = self.proxy.data(self.ui.table.currentIndex(), ROW_ROLE)
        super().apply(data)
        self.previewer.restore_selection(keep, current.id if current is not None else None)
        if not data:
            self.set_subtitle(f"No statements for {self.current_quarter()} yet. Click Draft to prepare one per "
                              "partner and agreement from the hours logged in that quarter, review them, then "
                              "issue.")
        elif self.ui.subtitle.text().startswith("No statements for "):  # said of a list that was empty
            self.set_subtitle("")

    def fetch(self):
        return self.services.statements.list(quarter=self.current_quarter())

    # -- actions -----------------------------------------------------------------------------------
    def draft(self) -> None:
        q = self.current_quarter()
        self.ui.footer.setText(f"Drafting {q}…")
        run_in_worker(self, lambda: self.services.statements.draft(q, all_partners=True, today=self.today),
                      self._drafted, lambda exc: show_error(self, exc))

    def _drafted(self, drafts) -> None:
        warnings = sum(len(d.warnings) for d in drafts)
        self.set_subtitle(f"{len(drafts)} draft statement{'s' if len(drafts) != 1 else ''} for "
                          f"{self.current_quarter()}"
                          + (f"; {plural(warnings, 'warning')} — see Notes or select a statement" if warnings else ""))
        self.reload()

    def _selection_changed(self, *_args) -> None:
        if self.previewer.restoring:
            return
        self.previewer.show_selected()
        self.update_actions()

    # -- what tests replace --------------------------------------------------------------------------------
    def ask_text(self, title: str, label: str) -> str | None:
        """A one-line answer from the user (tests replace this method)."""
        text, ok = QInputDialog.getText(self, title, label)
        return text.strip() if ok and text.strip() else None

    def open_dialog(self, dlg) -> bool:
        """Run a statement dialog modally (tests replace the dialog's ``exec`` to fill it in)."""
        return bool(dlg.exec())

    def open_print_dialog(self, printer: QPrinter) -> bool:
        """The system print dialog (tests replace this method to choose a PDF printer)."""
        return QPrintDialog(printer, self).exec() == QPrintDialog.DialogCode.Accepted
