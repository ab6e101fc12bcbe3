"""Statements page: the quarter's drafts and issued statements, an in-app PDF preview (QtPdf), issuing one
or all in a worker with a cancellable progress dialog (after a confirmation that says what will happen),
saving or printing every selected statement in one step, and each partner's statement of account.

After every action the page reloads, keeps the selection (rows are matched by id: a draft keeps its id
when it is issued) and renders the preview again, so it never shows what was true before.

Thin widget: every action is one service call (off the GUI thread when it can take time)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QComboBox, QInputDialog, QProgressDialog, QSplitter, QWidget

from partnerdesk.domain.freeze import LIVE_STATUSES
from partnerdesk.domain.periods import Quarter
from partnerdesk.domain.statements import IssuePlan
from partnerdesk.domain.wording import plural, statement_status_word, status_word
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.models.table_model import ROW_ROLE, Column
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.pdf_preview import PdfPreview, print_pdfs
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
        self.quarter = QComboBox(self)
        self.quarter.setAccessibleName("Quarter")
        self.quarter.setToolTip("Fiscal quarter to bill (quarters follow your fiscal year)")
        self.quarter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # never clip "FY2026 Q3 (…)"
        self._fill_quarters()
        self.add_filter(self.quarter)
        self.btn_draft = self.add_button("&Draft", self.draft, "refresh",
                                         "Create or refresh the drafts for the quarter")
        self.btn_issue = self.add_button("&Issue selected…", self.issue_selected, "statements",
                                         "Number, freeze and file the selected draft")
        self.btn_issue_all = self.add_button("Issue a&ll…", self.issue_all, "statements",
                                             "Issue every draft of the quarter")
        self.btn_override = self.add_button("Issue past &cap…", self.issue_past_cap, None,
                                            "Issue the selected draft past its agreement's cap, with a "
                                            "recorded reason")
        # the shortcuts of these three live on the table's actions below (a key may have one owner)
        self.btn_pay = self.add_button("Pa&yment…", self.record_payment, None,
                                       "Record a full or partial payment on the selected statement (Ctrl+Shift+P)")
        self.btn_pay.setAccessibleName("Record payment")  # the short caption fits the toolbar
        self.btn_credit = self.add_button("Credit &note…", self.credit_note, None,
                                          "Issue a credit note against the selected statement (Ctrl+Shift+R)")
        self.btn_void = self.add_button("&Void…", self.void_selected, None,
                                        "Void the selected statement, with a reason; optionally issue its "
                                        "replacement (Ctrl+Shift+D)")
        self.btn_save = self.add_button("&Save PDF…", self.save_pdf, "export",
                                        "Save every selected statement as PDF, drafts included (marked DRAFT)",
                                        "Ctrl+S")
        self.btn_print = self.add_button("&Print…", self.print_selected, "print",
                                         "Print every selected statement in one job, drafts included", "Ctrl+P")
        self.btn_account = self.add_button("Acc&ount…", self.show_account, None,
                                           "The selected partner's statement of account and payments")
        self.btn_settle = self.add_button("Se&ttle…", self.open_settlement, None,
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
        self.act_pay = self._table_action("Record &payment…", "Ctrl+Shift+P", self.record_payment)
        self.act_credit = self._table_action("&Credit note…", "Ctrl+Shift+R", self.credit_note)
        self.act_void = self._table_action("&Void…", "Ctrl+Shift+D", self.void_selected)
        self.ui.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.loaded.connect(self._update_actions)
        self._update_actions()
        self.last_action: str | None = None  # what the last void / credit / payment reported
        self.progress: QProgressDialog | None = None
        self._cancel = threading.Event()
        self.last_results: list[Any] = []
        self.last_saved: list[str] = []  # the files the last Save PDF wrote
        self.previewed_id: str | None = None  # the statement the preview shows
        self._preview_token = 0  # drops a preview that arrives after a newer one was asked for
        self._restoring = False

    def _table_action(self, text: str, shortcut: str, slot) -> QAction:
        a = QAction(text, self)
        a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(lambda _=False: slot())
        self.ui.table.addAction(a)
        self.addAction(a)
        return a

    def _one_issued(self):
        """The one selected row when it is a live issued statement or mutual-aid request (not a draft, void or
        credit note)."""
        rows = self.selected_rows()
        if len(rows) == 1 and rows[0].kind != "credit_note" and rows[0].status in LIVE_STATUSES:
            return rows[0]
        return None

    def _update_actions(self) -> None:
        st = self._one_issued()
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
        self._restore_selection(keep, current.id if current is not None else None)
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

    # -- selection and preview ---------------------------------------------------------------------
    def _selection_changed(self, *_args) -> None:
        if self._restoring:
            return
        self._preview_selected()
        self._update_actions()

    def _restore_selection(self, ids: list[str], current_id: str | None) -> None:
        """Select again the rows that were selected before a reload, and render the preview afresh (or clear
        it when its statement is gone)."""
        wanted = set(ids)
        selection = QItemSelection()
        current = None
        for row in range(self.proxy.rowCount()):
            r = self.proxy.data(self.proxy.index(row, 0), ROW_ROLE)
            if r.id in wanted:
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
                if current is None or r.id == current_id:
                    current = self.proxy.index(row, 0)
        self._restoring = True
        try:
            sm = self.ui.table.selectionModel()
            if current is not None:
                sm.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
            sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._restoring = False
        if current is not None:
            self.ui.table.scrollTo(current)
        self._update_actions()
        self._preview_selected(refresh=True)

    def _preview_target(self):
        """The statement to preview: the current row when it is selected, else the first selected row, else
        (nothing selected) the one already shown, if it is still listed."""
        rows = self.selected_rows()
        current = self.proxy.data(self.ui.table.currentIndex(), ROW_ROLE)
        if rows:
            return next((r for r in rows if current is not None and r.id == current.id), rows[0]), len(rows)
        return next((r for r in self.model.rows if r.id == self.previewed_id), None), 0

    def _preview_selected(self, refresh: bool = False) -> None:
        s, selected = self._preview_target()
        if s is None:
            if refresh or self.previewed_id is not None:
                self.previewed_id = None
                self._preview_token += 1
                self.preview.clear()
            return
        if s.id == self.previewed_id and not refresh:
            return
        caption = (f"{s.number} — {s.partner_name} — {status_word(s.status)}" if s.number
                   else f"DRAFT for {s.partner_name} — review, then issue")
        if selected > 1:
            caption += f" ({selected} selected: Save PDF and Print take them all)"
        if s.status == "draft" and s.warnings:  # the Notes column, whole
            caption += "".join(f"\n⚠ {w}" for w in s.warnings)
        self.previewed_id = s.id
        self._preview_token += 1
        token = self._preview_token
        run_in_worker(self, lambda: self.services.statements.preview(s.id, today=self.today),
                      lambda data: self._show_preview(token, data, caption), lambda exc: show_error(self, exc))

    def _show_preview(self, token: int, data: bytes, caption: str) -> None:
        if token != self._preview_token:  # a newer preview was asked for meanwhile
            return
        self.preview.show_pdf(data, caption)
        self.preview_ready.emit()

    def issue_selected(self) -> None:
        drafts = [s for s in self.selected_rows() if s.status == "draft"]
        if not drafts:
            DialogService.inform(self, "Issue statement", "Select a draft statement first (Draft makes them).")
            return
        names = ", ".join(f"{d.partner} ({d.agreement_number})" for d in drafts)
        if not DialogService.ask(self, "Issue statement", f"Issue {plural(len(drafts), 'statement')} to {names}?\n\n"
                                 "Issuing assigns the number and freezes the lines and the PDF."):
            return
        ids = [d.id for d in drafts]
        self._run_issue(lambda progress, cancel: self._issue_ids(ids, progress, cancel), len(ids))

    def ask_text(self, title: str, label: str) -> str | None:
        """A one-line answer from the user (tests replace this method)."""
        text, ok = QInputDialog.getText(self, title, label)
        return text.strip() if ok and text.strip() else None

    def issue_past_cap(self) -> None:
        drafts = [s for s in self.selected_rows() if s.status == "draft"]
        if len(drafts) != 1:
            DialogService.inform(self, "Issue past cap", "Select one draft statement.")
            return
        reason = self.ask_text("Issue past the agreement cap",
                               f"Reason for billing {drafts[0].partner} past the cap of "
                               f"{drafts[0].agreement_number} (it is recorded with the statement):")
        if reason:
            sid = drafts[0].id
            self._run_issue(lambda progress, cancel: self._issue_ids([sid], progress, cancel, reason), 1)

    def _issue_ids(self, ids, progress, cancel, cap_reason: str | None = None):
        out = []
        for i, sid in enumerate(ids):
            if cancel():
                break
            progress(i, len(ids), "")
            try:
                out.append(self.services.statements.issue_statement(sid, cap_override_reason=cap_reason,
                                                                    today=self.today))
            except Exception as exc:  # reported per statement, the others go on
                out.append(exc)
        return out

    def issue_all(self) -> None:
        """Say what issuing the quarter will do — how many, how much, which will be refused and why — and
        issue only when the user agrees."""
        q = self.current_quarter()
        self.ui.footer.setText(f"Checking the statements for {q}…")
        run_in_worker(self, lambda: self.services.statements.plan_issue(q, today=self.today),
                      self._confirm_issue_all, self._issue_failed)

    @staticmethod
    def describe_plan(plan: IssuePlan) -> str:
        lines = []
        n = len(plan.to_issue)
        if n:
            lines.append(f"Issue {plural(n, 'statement')} for {plan.quarter}, {fmt.money(plan.total_cents)} due "
                         "in all?")
            lines += [f"  • {d.partner} {d.agreement_number or ''}: {fmt.money(d.amount_due_cents)}"
                      for d in plan.to_issue[:12]]
            if n > 12:
                lines.append(f"  • and {plural(n - 12, 'more statement')}")
        else:
            lines.append(f"Nothing can be issued for {plan.quarter}.")
        if plan.refusals:
            lines.append("")
            lines.append(f"{plural(len(plan.refusals), 'statement')} will not be issued:")
            lines += [f"  • {d.partner} {d.agreement_number or ''}: {why}" for d, why in plan.refusals]
        if n:
            lines += ["", "Each one is numbered and frozen as it is issued; cancelling stops before the next one."]
        return "\n".join(lines)

    def _confirm_issue_all(self, plan: IssuePlan) -> None:
        self._update_footer()
        q = plan.quarter
        if not plan.drafts:
            DialogService.inform(self, "Issue all statements", f"Nothing to issue for {q}: no unbilled hours given "
                                 "in the quarter.")
            self.reload()
            return
        if not plan.to_issue:
            DialogService.inform(self, "Issue all statements", self.describe_plan(plan), kind="warning")
            self.reload()
            return
        if not DialogService.ask(self, "Issue all statements", self.describe_plan(plan)):
            self.reload()  # the drafts were refreshed for the count: show them
            return
        self._run_issue(lambda progress, cancel: self.services.statements.issue(
            q, all_partners=True, today=self.today, progress=progress, should_cancel=cancel), None)

    def _run_issue(self, job, total: int | None) -> None:
        self._cancel = threading.Event()
        dlg = QProgressDialog("Issuing statements…", "Cancel", 0, total or 0, self)
        dlg.setWindowTitle("Issue statements")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(self._cancel.set)
        self.progress = dlg
        dlg.show()

        def work(progress):
            return job(lambda done, n, _label="": progress(done, n), self._cancel.is_set)

        run_in_worker(self, work, self._issued, self._issue_failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        dlg = self.progress
        if dlg is None or self._cancel.is_set():
            return
        dlg.setLabelText(f"Issuing statement {min(done + 1, total)} of {total}…")
        dlg.setMaximum(total)
        dlg.setValue(done)  # a modal dialog processes events here: the run may finish inside this call

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self._cancel.set)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _issued(self, results) -> None:
        self._close_progress()
        self.last_results = list(results)
        done, problems = [], []
        for r in results:
            if isinstance(r, Exception):
                problems.append(str(r))
            elif r.issued:
                done.append(r.statement.number)
            else:
                problems.append(f"{r.partner} {r.agreement_number}: {r.skipped_reason}")
        text = f"Issued {plural(len(done), 'statement')}" + (f": {', '.join(done)}." if done else ".")
        if self._cancel.is_set():
            text += "\nCancelled before the rest; no number was used by them."
        if problems:
            text += "\n\nNot issued:\n" + "\n".join(problems)
        self.set_subtitle(text.splitlines()[0] + (f" — {len(problems)} not issued" if problems else ""))
        DialogService.inform(self, "Issue statements", text, kind="warning" if problems else "info")
        self.issued.emit(len(done))
        self.reload()

    def _issue_failed(self, exc: BaseException) -> None:
        self._close_progress()
        show_error(self, exc)
        self.reload()

    # -- corrections and payments ------------------------------------------------------------------------
    def open_dialog(self, dlg) -> bool:
        """Run a statement dialog modally (tests replace the dialog's ``exec`` to fill it in)."""
        return bool(dlg.exec())

    def _statement_action(self, dialog_cls, title: str, hint: str) -> None:
        st = self._one_issued()
        if st is None:
            DialogService.inform(self, title, hint)
            return
        dlg = dialog_cls(self.services, st, self, today=self.today)
        try:
            if not self.open_dialog(dlg) or not dlg.outcome:
                return
            self.last_action = dlg.outcome
        finally:
            dlg.deleteLater()
        self.set_subtitle(self.last_action)
        self.ui.footer.setText(self.last_action)
        self.reload()

    def record_payment(self) -> None:
        from partnerdesk.gui.dialogs.statement_actions import PaymentDialog

        self._statement_action(PaymentDialog, "Record payment",
                               "Select one issued statement with a balance to record a payment on it.")

    def credit_note(self) -> None:
        from partnerdesk.gui.dialogs.statement_actions import CreditNoteDialog

        self._statement_action(CreditNoteDialog, "Credit note",
                               "Select one issued statement with an open balance to credit it.")

    def void_selected(self) -> None:
        from partnerdesk.gui.dialogs.statement_actions import VoidDialog

        self._statement_action(VoidDialog, "Void statement",
                               "Select one issued statement without payments to void it (one with payments "
                               "is corrected by a credit note).")

    def save_pdf(self) -> None:
        """Save every selected statement in one step: one file asked for one statement, a folder for several.
        Drafts are saved too, rendered for review with the DRAFT mark."""
        from partnerdesk.services.statements import pdf_file_name

        rows = self.selected_rows()
        if not rows:
            DialogService.inform(self, "Save PDF", "Select one or more statements (Ctrl+A selects them all).")
            return
        ids = [r.id for r in rows]
        if len(rows) == 1:
            path = FilePicker.save_file(self, "Save statement", pdf_file_name(rows[0]), "PDF (*.pdf)")
            if not path:
                return
            job = lambda: [self.services.statements.save_pdf(ids[0], path, today=self.today)]  # noqa: E731
        else:
            folder = FilePicker.folder(self, f"Save {plural(len(rows), 'statement')} as PDF into")
            if not folder:
                return
            job = lambda: self.services.statements.save_pdfs(ids, folder, today=self.today)  # noqa: E731
        self.ui.footer.setText(f"Saving {plural(len(rows), 'statement')}…")
        run_in_worker(self, job, self._saved, lambda exc: show_error(self, exc))

    def _saved(self, paths) -> None:
        self.last_saved = [str(p) for p in paths]
        drafts = sum(1 for p in paths if p.name.startswith("DRAFT-"))
        where = str(paths[0]) if len(paths) == 1 else f"{plural(len(paths), 'PDF')} in {paths[0].parent}"
        text = f"Saved {where}" + (f" ({plural(drafts, 'draft')}, marked DRAFT)" if drafts and len(paths) > 1 else "")
        self.ui.footer.setText(text)
        self.set_subtitle(text)

    def open_print_dialog(self, printer: QPrinter) -> bool:
        """The system print dialog (tests replace this method to choose a PDF printer)."""
        return QPrintDialog(printer, self).exec() == QPrintDialog.DialogCode.Accepted

    def print_selected(self) -> None:
        """Print every selected statement, drafts included, in one print job."""
        rows = self.selected_rows()
        if not rows:
            DialogService.inform(self, "Print", "Select one or more statements to print.")
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName((rows[0].number or "DRAFT") if len(rows) == 1 else plural(len(rows), "statement"))
        if not self.open_print_dialog(printer):
            return
        ids = [r.id for r in rows]
        self.ui.footer.setText(f"Printing {plural(len(rows), 'statement')}…")
        run_in_worker(self, lambda: [data for _st, data in self.services.statements.documents(ids, self.today)],
                      lambda docs: self._print(printer, docs), lambda exc: show_error(self, exc))

    def _print(self, printer: QPrinter, documents: list[bytes]) -> None:
        pages = print_pdfs(printer, documents)
        self.ui.footer.setText(f"Printed {plural(len(documents), 'statement')}, {plural(pages, 'page')}")
        self.printed.emit(pages)

    def open_settlement(self) -> None:
        """The quarter's regional settlement: propose, accept or decline, record its payments (issue 20)."""
        from partnerdesk.gui.dialogs.settlement import SettlementDialog

        dlg = SettlementDialog(self.services, self.current_quarter(), self, today=self.today)
        dlg.changed.connect(self.reload)
        try:
            self.open_dialog(dlg)
        finally:
            dlg.deleteLater()

    def show_account(self) -> None:
        """The selected partner's statement of account and payments."""
        from partnerdesk.gui.dialogs.account import AccountDialog

        partners = {r.partner for r in self.selected_rows()}
        if len(partners) != 1:
            DialogService.inform(self, "Statement of account", "Select a statement of one partner.")
            return
        dlg = AccountDialog(self.services, partners.pop(), self)
        try:
            self.open_dialog(dlg)
        finally:
            dlg.deleteLater()
