"""A page: title, search box, toolbar, a sortable filtered table and a footer, filled from a worker."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QHeaderView, QPushButton, QWidget

from partnerdesk.gui import icons
from partnerdesk.gui.column_fit import ColumnFitter
from partnerdesk.gui.forms.ui_table_page import Ui_TablePage
from partnerdesk.gui.models.table_model import Column, DtoTableModel, SearchProxy
from partnerdesk.gui.workers import run_in_worker
from partnerdesk.container import Services


class TablePage(QWidget):
    """Subclasses set ``title``, ``columns`` and implement ``fetch()`` (runs in a worker)."""

    loaded = Signal()
    title = ""
    columns: Sequence[Column] = ()
    search_placeholder = "Search…"
    default_sort: tuple[int, Qt.SortOrder] | None = None  # (column, order); None keeps the service order

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.ui = Ui_TablePage()
        self.ui.setupUi(self)
        self.page_actions: list[tuple[QAction, QPushButton]] = []  # the toolbar's commands (Actions menu)
        self._filters: list[QWidget] = []  # beside the search box (add_filter)
        self.ui.title.setText(self.title)
        self.ui.table.setAccessibleName(f"{self.title} table")
        self.ui.search.setAccessibleName(f"Search {self.title.lower()}")
        f = QFont(self.ui.title.font())
        f.setPointSizeF(f.pointSizeF() * 1.6)
        f.setBold(True)
        self.ui.title.setFont(f)
        self.ui.subtitle.setVisible(False)
        self.ui.footer.setWordWrap(True)  # "Could not load: …" is read whole, never cut at the window's edge
        self.ui.search.setPlaceholderText(self.search_placeholder)
        self.ui.search.addAction(icons.icon("search"), self.ui.search.ActionPosition.LeadingPosition)
        self.model = DtoTableModel(self.columns, self)
        self.proxy = SearchProxy(self)
        self.proxy.setSourceModel(self.model)
        self.ui.table.setModel(self.proxy)
        fast = QFont()  # only this attribute set: family and size still follow the application's font
        fast.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)  # Latin text drawn without HarfBuzz:
        self.ui.table.setFont(fast)  # a fifth less time per repaint (cells are short, plain text)
        self.ui.table.verticalHeader().setVisible(False)
        self.ui.table.verticalHeader().setDefaultSectionSize(28)
        header = self.ui.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        self.fitter = ColumnFitter(self.ui.table, self.columns, self)  # sized to content, never wider than the view
        if self.default_sort:
            self.ui.table.sortByColumn(*self.default_sort)
        else:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.ui.search.textChanged.connect(self.proxy.set_search)
        self.proxy.rowsInserted.connect(self._update_footer)
        self.proxy.rowsRemoved.connect(self._update_footer)
        self.proxy.modelReset.connect(self._update_footer)
        self.proxy.layoutChanged.connect(self._update_footer)
        self.has_loaded = False
        self.has_restored_columns = False  # set when the main window restored saved column widths
        self._loading = False

    # -- toolbar ---------------------------------------------------------------------------------
    def add_button(self, text: str, slot: Callable[[], Any], icon: str | None = None,
                   tooltip: str | None = None, shortcut: str | None = None) -> QPushButton:
        """A toolbar button, and the same command as an action for the main window's Actions menu.

        ``text`` carries the mnemonic ("&Edit…": Alt+E on the page, E in the menu); ``shortcut`` an optional
        key that works while the page is shown. The action clicks the button, so it does nothing while the
        button is disabled, and the menu shows it disabled or hidden like the button (``sync_actions``)."""
        b = QPushButton(icons.icon(icon), text, self)
        b.setAccessibleName(text.replace("&", "").replace("…", ""))
        tip = tooltip or ""
        if shortcut:
            tip = f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})".strip()
        if tip:
            b.setToolTip(tip)
        b.clicked.connect(slot)
        self.ui.toolbarLayout.addWidget(b)
        action = QAction(icons.icon(icon), text, self)
        action.setObjectName(f"action_{b.accessibleName().lower().replace(' ', '_')}")
        if tooltip:
            action.setStatusTip(tooltip)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # only while this page is shown
        action.triggered.connect(b.click)
        self.addAction(action)
        self.page_actions.append((action, b))
        return b

    def sync_actions(self) -> None:
        """Mirror each button's enabled and shown state on its action (before the menu opens)."""
        for action, button in self.page_actions:
            action.setEnabled(button.isEnabled())
            action.setVisible(not button.isHidden())

    def add_filter(self, widget: QWidget) -> None:
        """A control that narrows the table (a list of agencies, a quarter): on the title row, left of the
        search box, so the toolbar below keeps its width for the buttons."""
        at = self.ui.headerLayout.indexOf(self.ui.search)
        self.ui.headerLayout.insertWidget(at, widget)
        self._filters.append(widget)

    def finish_toolbar(self) -> None:
        self.ui.toolbarLayout.addStretch(1)
        # Tab goes in reading order: search, the filters beside it, the toolbar left to right, then the table
        previous = self.ui.search
        for w in self._filters:
            QWidget.setTabOrder(previous, w)
            previous = w
        for i in range(self.ui.toolbarLayout.count()):
            w = self.ui.toolbarLayout.itemAt(i).widget()
            if w is not None and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
                QWidget.setTabOrder(previous, w)
                previous = w
        QWidget.setTabOrder(previous, self.ui.table)

    def set_subtitle(self, text: str) -> None:
        self.ui.subtitle.setText(text)
        self.ui.subtitle.setVisible(bool(text))

    # -- data ------------------------------------------------------------------------------------
    def fetch(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, data: Any) -> None:
        """Default: ``data`` is the row list."""
        self.model.set_rows(data)

    def reload(self) -> None:
        if self._loading:
            return
        self._loading = True
        self.ui.footer.setText("Loading…")
        run_in_worker(self, self.fetch, self._on_loaded, self._on_failed)

    def ensure_loaded(self) -> None:
        if not self.has_loaded:
            self.reload()

    def _on_loaded(self, data: Any) -> None:
        self._loading = False
        if not self.has_loaded and self.has_restored_columns:
            self.fitter.pin_current_widths()  # the widths the user left last time are kept
        self.apply(data)
        self.fitter.fit(remeasure=True)
        self.has_loaded = True
        self._update_footer()
        self.loaded.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self._loading = False
        from partnerdesk.errors import NoHomeError

        if isinstance(exc, NoHomeError):  # a new, empty database: say what to do, no message box
            self.model.set_rows([])
            self.ui.footer.setText("")
            self.set_subtitle("Your agency is not set up yet: File ▸ Set up my agency… (or File ▸ Switch to the "
                              "demo region to look around first).")
            self.loaded.emit()
            return
        self.ui.footer.setText("Could not load: " + str(exc))
        from partnerdesk.gui.dialogs.messages import show_error

        show_error(self, exc)
        self.loaded.emit()

    def _update_footer(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = self.footer_noun()  # plural: "contacts"; one of them reads "1 contact"
        if total == 1:
            noun = noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")
        self.ui.footer.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")

    def footer_noun(self) -> str:
        return "rows"

    def focus_search(self) -> None:
        self.ui.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ui.search.selectAll()

    def selected_rows(self) -> list[Any]:
        from partnerdesk.gui.models.table_model import ROW_ROLE

        sel = self.ui.table.selectionModel()
        if sel is None:
            return []
        return [self.proxy.data(i, ROW_ROLE) for i in sel.selectedRows()]
