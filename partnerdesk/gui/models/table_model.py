"""A read-only table model over a list of DTOs, described by columns.

``SORT_ROLE`` gives the raw value (numbers sort as numbers, dates as dates); ``ROW_ROLE`` the DTO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QSortFilterProxyModel
from PySide6.QtGui import QBrush

from partnerdesk.gui.palette import color as palette_color

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    display: Callable[[Any], str] | None = None
    align_right: bool = False
    tooltip: str | None = None
    color: Callable[[Any], str | None] | None = None  # row -> palette role of the text (gui/palette.py)
    # how the column gives way on a narrow screen (gui/column_fit.py): elastic text shrinks (elided, with a
    # tooltip); then columns are hidden, the highest priority number first; 0 is a key column, always shown
    priority: int = 1
    elastic: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class DtoTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._search: list[str] = []

    def set_rows(self, rows: Sequence[Any], search_text: Callable[[Any], str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        fn = search_text or (lambda r: " ".join(_text(c.value(r)) for c in self.columns))
        self._search = [fn(r).casefold() for r in self.rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = col.value(row)
            return col.display(value) if col.display else _text(value)
        if role == SORT_ROLE:
            value = col.value(row)
            if value is None:
                return ""
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, bool):
                return int(value)
            return value
        if role == ROW_ROLE:
            return row
        if role == FILTER_ROLE:
            return self._search[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.color:
            c = palette_color(col.color(row))  # asked at paint time: follows a light or dark scheme
            return QBrush(c) if c is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].header
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].tooltip
            if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SearchProxy(QSortFilterProxyModel):
    """Sorts by the raw value and filters on every word of the search text (AND)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self._words: list[str] = []
        self.extra: Callable[[Any], bool] | None = None

    def set_search(self, text: str) -> None:
        words = text.casefold().split()
        if words != self._words:
            self._refilter(lambda: setattr(self, "_words", words))

    def set_extra_filter(self, fn: Callable[[Any], bool] | None) -> None:
        self._refilter(lambda: setattr(self, "extra", fn))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        idx = model.index(source_row, 0, source_parent)
        if self.extra is not None and not self.extra(model.data(idx, ROW_ROLE)):
            return False
        if not self._words:
            return True
        hay = model.data(idx, FILTER_ROLE) or ""
        return all(w in hay for w in self._words)
