"""Issuing from the Statements page: the confirmations, then one run in a worker behind a cancellable progress
dialog, and the report of what was issued and what was not."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from partnerdesk.domain.statements import IssuePlan
from partnerdesk.domain.wording import plural
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.workers import run_in_worker

if TYPE_CHECKING:
    from partnerdesk.gui.pages.statements_page import StatementsPage


def describe_plan(plan: IssuePlan) -> str:
    """What Issue all will do: how many, how much, which will be refused and why."""
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


class IssueRunner:
    """Issue selected, Issue past cap and Issue all; ``progress`` is the open progress dialog, ``cancel`` is
    set when the user cancels it."""

    def __init__(self, page: StatementsPage):
        self.page = page
        self.progress: QProgressDialog | None = None
        self.cancel = threading.Event()
        self.last_results: list[Any] = []

    def issue_selected(self) -> None:
        page = self.page
        drafts = [s for s in page.selected_rows() if s.status == "draft"]
        if not drafts:
            DialogService.inform(page, "Issue statement", "Select a draft statement first (Draft makes them).")
            return
        names = ", ".join(f"{d.partner} ({d.agreement_number})" for d in drafts)
        if not DialogService.ask(page, "Issue statement", f"Issue {plural(len(drafts), 'statement')} to {names}?\n\n"
                                 "Issuing assigns the number and freezes the lines and the PDF."):
            return
        ids = [d.id for d in drafts]
        self._run(lambda progress, cancel: self._issue_ids(ids, progress, cancel), len(ids))

    def issue_past_cap(self) -> None:
        page = self.page
        drafts = [s for s in page.selected_rows() if s.status == "draft"]
        if len(drafts) != 1:
            DialogService.inform(page, "Issue past cap", "Select one draft statement.")
            return
        reason = page.ask_text("Issue past the agreement cap",
                               f"Reason for billing {drafts[0].partner} past the cap of "
                               f"{drafts[0].agreement_number} (it is recorded with the statement):")
        if reason:
            sid = drafts[0].id
            self._run(lambda progress, cancel: self._issue_ids([sid], progress, cancel, reason), 1)

    def _issue_ids(self, ids, progress, cancel, cap_reason: str | None = None):
        out = []
        for i, sid in enumerate(ids):
            if cancel():
                break
            progress(i, len(ids), "")
            try:
                out.append(self.page.services.statements.issue_statement(sid, cap_override_reason=cap_reason,
                                                                         today=self.page.today))
            except Exception as exc:  # reported per statement, the others go on
                out.append(exc)
        return out

    def issue_all(self) -> None:
        """Say what issuing the quarter will do and issue only when the user agrees."""
        page = self.page
        q = page.current_quarter()
        page.ui.footer.setText(f"Checking the statements for {q}…")
        run_in_worker(page, lambda: page.services.statements.plan_issue(q, today=page.today),
                      self._confirm_issue_all, self._failed)

    def _confirm_issue_all(self, plan: IssuePlan) -> None:
        page = self.page
        page._update_footer()
        q = plan.quarter
        if not plan.drafts:
            DialogService.inform(page, "Issue all statements", f"Nothing to issue for {q}: no unbilled hours given "
                                 "in the quarter.")
            page.reload()
            return
        if not plan.to_issue:
            DialogService.inform(page, "Issue all statements", describe_plan(plan), kind="warning")
            page.reload()
            return
        if not DialogService.ask(page, "Issue all statements", describe_plan(plan)):
            page.reload()  # the drafts were refreshed for the count: show them
            return
        self._run(lambda progress, cancel: page.services.statements.issue(
            q, all_partners=True, today=page.today, progress=progress, should_cancel=cancel), None)

    def _run(self, job, total: int | None) -> None:
        self.cancel = threading.Event()
        dlg = QProgressDialog("Issuing statements…", "Cancel", 0, total or 0, self.page)
        dlg.setWindowTitle("Issue statements")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(self.cancel.set)
        self.progress = dlg
        dlg.show()

        def work(progress):
            return job(lambda done, n, _label="": progress(done, n), self.cancel.is_set)

        run_in_worker(self.page, work, self._issued, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        dlg = self.progress
        if dlg is None or self.cancel.is_set():
            return
        dlg.setLabelText(f"Issuing statement {min(done + 1, total)} of {total}…")
        dlg.setMaximum(total)
        dlg.setValue(done)  # a modal dialog processes events here: the run may finish inside this call

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel.set)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _issued(self, results) -> None:
        page = self.page
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
        if self.cancel.is_set():
            text += "\nCancelled before the rest; no number was used by them."
        if problems:
            text += "\n\nNot issued:\n" + "\n".join(problems)
        page.set_subtitle(text.splitlines()[0] + (f" — {len(problems)} not issued" if problems else ""))
        DialogService.inform(page, "Issue statements", text, kind="warning" if problems else "info")
        page.issued.emit(len(done))
        page.reload()

    def _failed(self, exc: BaseException) -> None:
        self._close_progress()
        show_error(self.page, exc)
        self.page.reload()
