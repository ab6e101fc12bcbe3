"""Tables that fit the screen: columns sized to their content, and when the view is too narrow the secondary
columns give way before the ones that matter, so a page never scrolls sideways to show its key columns.

Each ``Column`` says how it may give way: ``elastic`` text (a title, notes, skills) shrinks to a minimum and
is elided, with the full text as a tooltip; then columns are hidden, the highest ``priority`` number first
(0: a key column, never hidden). The header's context menu is the column chooser: a column the user asks for
stays shown, one the user hides stays hidden. A width the user drags (or that the main window restored from
the last run) is kept as it is.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QHelpEvent
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QMenu, QStyledItemDelegate, QStyleOptionViewItem,
                               QTableView, QToolTip)

MAX_WIDTH = 340  # no column grows wider than this from its content alone
MIN_ELASTIC = 90  # an elastic column shrinks no narrower than this (or its content, if narrower)
PADDING = 4


class ElidedTipDelegate(QStyledItemDelegate):
    """Shows a cell's whole text as its tooltip when the cell is too narrow to show it."""

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem, index) -> bool:
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            if index.data(Qt.ItemDataRole.ToolTipRole):
                return super().helpEvent(event, view, option, index)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if text and is_cut(view, option, index):
                QToolTip.showText(event.globalPos(), str(text), view, option.rect)
                return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().helpEvent(event, view, option, index)


def is_cut(view: QAbstractItemView, option: QStyleOptionViewItem, index) -> bool:
    """True when the cell's text does not fit its width (it is drawn elided)."""
    text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
    width = option.rect.width() if option is not None else view.visualRect(index).width()
    metrics = option.fontMetrics if option is not None else view.fontMetrics()
    return metrics.horizontalAdvance(text) + PADDING > width


class ColumnFitter(QObject):
    """Keeps ``view``'s columns fitted to its width; call ``fit(remeasure=True)`` after new rows arrive."""

    def __init__(self, view: QTableView, columns: Sequence, parent: QObject | None = None):
        super().__init__(parent or view)
        self.view, self.columns = view, list(columns)
        self.natural: list[int] = []  # content widths, measured when rows arrive
        self.pinned: dict[int, int] = {}  # widths the user chose
        self.user_hidden: set[int] = set()  # hidden with the column chooser
        self.wanted: set[int] = set()  # shown with the column chooser: never given way
        self.auto_hidden: set[int] = set()  # hidden by the last fit, for want of room
        self._fitting = False
        self._ready = False
        self._last_width = -1
        header = view.horizontalHeader()
        header.setStretchLastSection(False)  # the fit fills the width itself (a stretched section would
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # be taken for the user's)
        header.sectionResized.connect(self._resized_by_user)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.choose_columns)
        view.setItemDelegate(ElidedTipDelegate(view))
        view.viewport().installEventFilter(self)

    # -- the rules ---------------------------------------------------------------------------------
    def priority(self, i: int) -> int:
        return 0 if i in self.wanted else getattr(self.columns[i], "priority", 1)

    def elastic(self, i: int) -> bool:
        return i not in self.pinned and getattr(self.columns[i], "elastic", False)

    def pin_current_widths(self) -> None:
        """Keep every column's present width (widths the main window restored from the last run)."""
        header = self.view.horizontalHeader()
        self.pinned = {i: header.sectionSize(i) for i in range(header.count()) if header.sectionSize(i) > 0}

    def measure(self) -> None:
        header = self.view.horizontalHeader()
        out = []
        for i in range(header.count()):
            content = max(self.view.sizeHintForColumn(i), 0)
            out.append(min(max(content, header.sectionSizeHint(i)) + PADDING, MAX_WIDTH))
        self.natural = out

    def available(self) -> int:
        return self.view.viewport().width()

    def plan(self, available: int) -> tuple[dict[int, int], set[int]]:
        """(width of each shown column, hidden columns) for ``available`` pixels: secondary elastic columns
        shrink first; then the columns of the highest priority number are hidden together (a pair such as
        "Quarter given" and "Quarter received" goes as one), and so on; key elastic columns shrink last.
        Room to spare is shared by the shown columns."""
        n = len(self.natural)
        want = {i: self.pinned.get(i, self.natural[i]) for i in range(n) if i not in self.user_hidden}
        hidden = set(range(n)) - set(want)
        floor = {i: min(w, MIN_ELASTIC) if self.elastic(i) else w for i, w in want.items()}

        def shrink(widths: dict[int, int], from_priority: int) -> dict[int, int]:
            """Elastic columns of at least ``from_priority`` give way, in proportion to what each can give."""
            excess = sum(widths.values()) - available
            give = {i: widths[i] - floor[i] for i in widths
                    if self.elastic(i) and widths[i] > floor[i] and self.priority(i) >= from_priority}
            if excess <= 0 or not give:
                return widths
            room = sum(give.values())
            return {i: w - min(give.get(i, 0), -(-excess * give.get(i, 0) // room)) for i, w in widths.items()}

        widths = dict(want)
        for level in sorted({self.priority(i) for i in want if self.priority(i) > 0}, reverse=True):
            widths = shrink(dict(want), level)  # the elastic columns of this level and below it shrink first
            if sum(widths.values()) <= available:
                break
            for i in [i for i in want if self.priority(i) == level]:  # then the level goes, as one
                want.pop(i)
                hidden.add(i)
            widths = dict(want)
        widths = shrink(widths, 0)  # the key columns' text is elided last
        spare = available - sum(widths.values())
        if spare > 0 and widths:  # shared by the shown columns (a width the user chose stays as it is)
            shown = sorted(i for i in widths if i not in self.pinned) or [max(widths)]
            for k, i in enumerate(shown):
                widths[i] += spare // len(shown) + (1 if k < spare % len(shown) else 0)
        return widths, hidden

    # -- applying ----------------------------------------------------------------------------------
    def fit(self, remeasure: bool = False) -> None:
        if remeasure or len(self.natural) != self.view.horizontalHeader().count():
            self.measure()
        available = self.available()
        if available <= 0 or not self.natural:
            return
        widths, hidden = self.plan(available)
        header = self.view.horizontalHeader()
        self._fitting = True
        try:
            for i in range(header.count()):
                if i in hidden:
                    header.hideSection(i)
                else:
                    header.showSection(i)
                    if header.sectionSize(i) != widths[i]:
                        header.resizeSection(i, widths[i])
        finally:
            self._fitting = False
        self.auto_hidden = hidden - self.user_hidden
        self._last_width = available
        self._ready = True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._ready and self.available() != self._last_width:
            self.fit()
        return False

    def _resized_by_user(self, index: int, _old: int, new: int) -> None:
        if self._fitting or not self._ready or new <= 0:
            return
        self.pinned[index] = new

    # -- the column chooser --------------------------------------------------------------------------
    def choose_columns(self, pos: QPoint) -> QMenu:
        menu = QMenu(self.view)
        header = self.view.horizontalHeader()
        for i, col in enumerate(self.columns):
            a = QAction(col.header, menu)
            a.setCheckable(True)
            a.setChecked(not header.isSectionHidden(i))
            a.toggled.connect(lambda on, i=i: self.set_shown(i, on))
            menu.addAction(a)
        menu.addSeparator()
        reset = menu.addAction("Fit columns to the window")
        reset.triggered.connect(self.reset)
        if pos is not None:
            menu.popup(header.mapToGlobal(pos))
        return menu

    def set_shown(self, i: int, shown: bool) -> None:
        if shown:
            self.user_hidden.discard(i)
            self.wanted.add(i)
        else:
            self.wanted.discard(i)
            self.user_hidden.add(i)
        self.fit()

    def reset(self) -> None:
        self.pinned.clear()
        self.user_hidden.clear()
        self.wanted.clear()
        self.fit(remeasure=True)
