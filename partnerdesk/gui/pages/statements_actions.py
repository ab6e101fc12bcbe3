"""The Statements page's actions on statements already made: payment, credit note and void dialogs, Save PDF
and Print of every selected statement, the statement of account and the regional settlement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtPrintSupport import QPrinter

from partnerdesk.domain.wording import plural
from partnerdesk.gui.dialogs.account import AccountDialog
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.dialogs.settlement import SettlementDialog
from partnerdesk.gui.dialogs.statement_actions import CreditNoteDialog, PaymentDialog, VoidDialog
from partnerdesk.gui.pdf_preview import print_pdfs
from partnerdesk.gui.workers import run_in_worker

if TYPE_CHECKING:
    from partnerdesk.gui.pages.statements_page import StatementsPage


class StatementActions:
    """Each action is one dialog or one service call in a worker; the page reloads after a change."""

    def __init__(self, page: StatementsPage):
        self.page = page
        self.last_action: str | None = None  # what the last void / credit / payment reported
        self.last_saved: list[str] = []  # the files the last Save PDF wrote

    # -- corrections and payments ------------------------------------------------------------------------
    def _statement_action(self, dialog_cls, title: str, hint: str) -> None:
        page = self.page
        st = page.one_issued()
        if st is None:
            DialogService.inform(page, title, hint)
            return
        dlg = dialog_cls(page.services, st, page, today=page.today)
        try:
            if not page.open_dialog(dlg) or not dlg.outcome:
                return
            self.last_action = dlg.outcome
        finally:
            dlg.deleteLater()
        page.set_subtitle(self.last_action)
        page.ui.footer.setText(self.last_action)
        page.reload()

    def record_payment(self) -> None:
        self._statement_action(PaymentDialog, "Record payment",
                               "Select one issued statement with a balance to record a payment on it.")

    def credit_note(self) -> None:
        self._statement_action(CreditNoteDialog, "Credit note",
                               "Select one issued statement with an open balance to credit it.")

    def void_selected(self) -> None:
        self._statement_action(VoidDialog, "Void statement",
                               "Select one issued statement without payments to void it (one with payments "
                               "is corrected by a credit note).")

    # -- documents ---------------------------------------------------------------------------------------
    def save_pdf(self) -> None:
        """Save every selected statement in one step: one file asked for one statement, a folder for several.
        Drafts are saved too, rendered for review with the DRAFT mark."""
        from partnerdesk.services.statements import pdf_file_name  # SQLAlchemy: not while the page opens

        page = self.page
        statements, today = page.services.statements, page.today
        rows = page.selected_rows()
        if not rows:
            DialogService.inform(page, "Save PDF", "Select one or more statements (Ctrl+A selects them all).")
            return
        ids = [r.id for r in rows]
        if len(rows) == 1:
            path = FilePicker.save_file(page, "Save statement", pdf_file_name(rows[0]), "PDF (*.pdf)")
            if not path:
                return
            job = lambda: [statements.save_pdf(ids[0], path, today=today)]  # noqa: E731
        else:
            folder = FilePicker.folder(page, f"Save {plural(len(rows), 'statement')} as PDF into")
            if not folder:
                return
            job = lambda: statements.save_pdfs(ids, folder, today=today)  # noqa: E731
        page.ui.footer.setText(f"Saving {plural(len(rows), 'statement')}…")
        run_in_worker(page, job, self._saved, lambda exc: show_error(page, exc))

    def _saved(self, paths) -> None:
        self.last_saved = [str(p) for p in paths]
        drafts = sum(1 for p in paths if p.name.startswith("DRAFT-"))
        where = str(paths[0]) if len(paths) == 1 else f"{plural(len(paths), 'PDF')} in {paths[0].parent}"
        text = f"Saved {where}" + (f" ({plural(drafts, 'draft')}, marked DRAFT)" if drafts and len(paths) > 1 else "")
        self.page.ui.footer.setText(text)
        self.page.set_subtitle(text)

    def print_selected(self) -> None:
        """Print every selected statement, drafts included, in one print job."""
        page = self.page
        rows = page.selected_rows()
        if not rows:
            DialogService.inform(page, "Print", "Select one or more statements to print.")
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName((rows[0].number or "DRAFT") if len(rows) == 1 else plural(len(rows), "statement"))
        if not page.open_print_dialog(printer):
            return
        ids = [r.id for r in rows]
        page.ui.footer.setText(f"Printing {plural(len(rows), 'statement')}…")
        run_in_worker(page, lambda: [data for _st, data in page.services.statements.documents(ids, page.today)],
                      lambda docs: self._print(printer, docs), lambda exc: show_error(page, exc))

    def _print(self, printer: QPrinter, documents: list[bytes]) -> None:
        pages = print_pdfs(printer, documents)
        self.page.ui.footer.setText(f"Printed {plural(len(documents), 'statement')}, {plural(pages, 'page')}")
        self.page.printed.emit(pages)

    # -- other dialogs -----------------------------------------------------------------------------------
    def open_settlement(self) -> None:
        """The quarter's regional settlement: propose, accept or decline, record its payments (issue 20)."""
        page = self.page
        dlg = SettlementDialog(page.services, page.current_quarter(), page, today=page.today)
        dlg.changed.connect(page.reload)
        try:
            page.open_dialog(dlg)
        finally:
            dlg.deleteLater()

    def show_account(self) -> None:
        """The selected partner's statement of account and payments."""
        page = self.page
        partners = {r.partner for r in page.selected_rows()}
        if len(partners) != 1:
            DialogService.inform(page, "Statement of account", "Select a statement of one partner.")
            return
        dlg = AccountDialog(page.services, partners.pop(), page)
        try:
            page.open_dialog(dlg)
        finally:
            dlg.deleteLater()
