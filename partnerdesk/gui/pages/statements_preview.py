"""The Statements page's selection kept across reloads and its PDF preview pane, rendered in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel

from partnerdesk.domain.wording import status_word
from partnerdesk.gui.dialogs.messages import show_error
from partnerdesk.gui.models.table_model import ROW_ROLE
from partnerdesk.gui.workers import run_in_worker

if TYPE_CHECKING:
    from partnerdesk.gui.pages.statements_page import StatementsPage


class StatementPreviewer:
    """Selects again the rows a reload dropped and keeps ``page.preview`` showing the statement in focus."""

    def __init__(self, page: StatementsPage):
        self.page = page
        self.previewed_id: str | None = None  # the statement the preview shows
        self._token = 0  # drops a preview that arrives after a newer one was asked for
        self.restoring = False

    def restore_selection(self, ids: list[str], current_id: str | None) -> None:
        """Select again the rows that were selected before a reload, and render the preview afresh (or clear
        it when its statement is gone)."""
        page, proxy = self.page, self.page.proxy
        wanted = set(ids)
        selection = QItemSelection()
        current = None
        for row in range(proxy.rowCount()):
            r = proxy.data(proxy.index(row, 0), ROW_ROLE)
            if r.id in wanted:
                selection.select(proxy.index(row, 0), proxy.index(row, proxy.columnCount() - 1))
                if current is None or r.id == current_id:
                    current = proxy.index(row, 0)
        self.restoring = True
        try:
            sm = page.ui.table.selectionModel()
            if current is not None:
                sm.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
            sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self.restoring = False
        if current is not None:
            page.ui.table.scrollTo(current)
        page.update_actions()
        self.show_selected(refresh=True)

    def _target(self):
        """The statement to preview: the current row when it is selected, else the first selected row, else
        (nothing selected) the one already shown, if it is still listed."""
        page = self.page
        rows = page.selected_rows()
        current = page.proxy.data(page.ui.table.currentIndex(), ROW_ROLE)
        if rows:
            return next((r for r in rows if current is not None and r.id == current.id), rows[0]), len(rows)
        return next((r for r in page.model.rows if r.id == self.previewed_id), None), 0

    def show_selected(self, refresh: bool = False) -> None:
        s, selected = self._target()
        if s is None:
            if refresh or self.previewed_id is not None:
                self.previewed_id = None
                self._token += 1
                self.page.preview.clear()
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
        self._token += 1
        token = self._token
        page = self.page
        run_in_worker(page, lambda: page.services.statements.preview(s.id, today=page.today),
                      lambda data: self._show(token, data, caption), lambda exc: show_error(page, exc))

    def _show(self, token: int, data: bytes, caption: str) -> None:
        if token != self._token:  # a newer preview was asked for meanwhile
            return
        self.page.preview.show_pdf(data, caption)
        self.page.preview_ready.emit()
