"""The Directory table: contacts as rows, searched across name, agency, title, skills, notes and phone digits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from itertools import compress, repeat
from operator import contains
from typing import Any, Callable

from PySide6.QtCore import QAbstractProxyModel, QModelIndex, Qt

from partnerdesk.domain import contact_search
from partnerdesk.domain.directory import alternatives
from partnerdesk.domain.dto import ContactDTO
from partnerdesk.domain.phones import national
from partnerdesk.domain.text import strip_accents
from partnerdesk.gui.models.table_model import FILTER_ROLE, ROW_ROLE, SORT_ROLE, Column, DtoTableModel, Index, _text

CONTACT_COLUMNS = (
    Column("Name", lambda c: c.name, priority=0),
    Column("Agency", lambda c: c.agency_code, tooltip="Agency code", priority=0),
    Column("Title", lambda c: c.title, priority=4, elastic=True),
    Column("Work", lambda c: national(c.work_phone), priority=1),
    Column("Mobile", lambda c: national(c.mobile_phone), priority=2),
    Column("After hours", lambda c: national(c.after_hours_phone), priority=0),
    Column("Esc.", lambda c: c.escalation_order, align_right=True, tooltip="Escalation order: call 1 first",
           priority=3),
    Column("Skills", lambda c: ", ".join(c.skills), priority=5, elastic=True),
)

_NOT_DIGIT = re.compile(r"\D")


def search_text(c: ContactDTO) -> str:
    """What search-as-you-type looks in: every word typed must occur here (accents optional).

    Phone numbers are kept as digits only ("4255550120"); a typed word of digits and phone punctuation is
    looked for both as typed and as its digits (``search_words``). Short texts scan faster: every character
    here is scanned again, for every contact, on a keystroke that rescans all of them."""
    searched = contact_search.fields(name=c.name, agency_name=c.agency_name, agency_code=c.agency_code,
                                     title=c.title, role_tags=", ".join(c.role_tags), skills=c.skills, notes=c.notes,
                                     on_call_notes=c.on_call_notes)
    words = " ".join([*searched.values(), c.email or ""])  # (the page also finds an e-mail address)
    plain = " ".join(strip_accents(w) for w in words.split(" "))  # accented words only
    digits = [_NOT_DIGIT.sub("", p) for p in contact_search.numbers(
        (c.work_phone, c.mobile_phone, c.after_hours_phone, c.personal_phone), c.notes, c.on_call_notes)]
    return " ".join([words, plain, *digits] if plain != words else [words, *digits])


def search_words(text: str) -> list[tuple[str, ...]]:
    """The typed text as words, each with the forms any one of which must occur: ``("555-0120", "5550120")``."""
    out = []
    for w in text.casefold().split():
        digits = _NOT_DIGIT.sub("", w) if contact_search.is_phone_word(w) else w
        out.append((w,) if digits == w else (w, digits))
    return out


_EMPTY = 2


def sort_key(value: Any) -> tuple:
    """Numbers as numbers, dates by date, text without regard to case; empty cells last."""
    if value is None or value == "":
        return (_EMPTY, "")
    if isinstance(value, (bool, int, float)):
        return (0, value, "")
    if isinstance(value, date):
        return (1, value.isoformat())
    return (1, str(value).casefold())


class ContactTableModel(DtoTableModel):
    """Every contact, with its prepared search text (the Directory's source of rows)."""

    def __init__(self, parent=None):
        super().__init__(CONTACT_COLUMNS, parent)

    def set_contacts(self, contacts: list[ContactDTO], texts: list[str] | None = None) -> None:
        """``texts``: their ``search_texts``, when worked out already (in the worker that loaded them)."""
        if texts is None:
            texts = search_texts(contacts)
        assert len(texts) == len(contacts)
        self.beginResetModel()
        self.rows, self._search = list(contacts), texts
        self.endResetModel()


def search_texts(contacts: Sequence[ContactDTO]) -> list[str]:
    """What the Directory searches in, per contact: slow for a whole region, so worked out off the GUI thread."""
    return [search_text(c).casefold() for c in contacts]


class _Picked(Sequence):
    """``items[picks[i]]`` for each ``i``, without copying."""

    __slots__ = ("items", "picks")

    def __init__(self, items: Sequence, picks: list[int]):
        self.items, self.picks = items, picks

    def __len__(self) -> int:
        return len(self.picks)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.items[p] for p in self.picks[i]]
        return self.items[self.picks[i]]


_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class ContactMatches(QAbstractProxyModel):
    """The proxy model the Directory's table shows: the contacts of a ``ContactTableModel`` (its source)
    that the search words and the extra filter let through, in the chosen sort order.

    Searching, filtering and sorting all happen here rather than in a QSortFilterProxyModel: a refilter is
    one pass over the prepared search texts (``w in text`` per row, run in C by ``compress``/``map``),
    typing on narrows the previous matches instead of all rows, and the rows are scanned in sort order so
    the matches come out sorted. QSortFilterProxyModel asked Python about each row or, filtering in C, still
    mapped every row on every repaint of the table (docs/performance.md). Cells are answered here
    directly, not through the source."""

    def __init__(self, source: ContactTableModel, parent=None):
        super().__init__(parent)
        self.source = source
        self.setSourceModel(source)
        self.columns = list(source.columns)
        self.text = ""
        self.extra: Callable[[ContactDTO], bool] | None = None
        self.sort_column, self.sort_order = -1, Qt.SortOrder.AscendingOrder
        self._order: list[int] | None = None  # source rows in sort order; None: as loaded
        self._hay: list[str] = []  # the search texts in that order
        self._matched: list[int] = []  # source rows shown, in display order
        self.rows: Sequence[ContactDTO] = []
        self._display = [(lambda r, f=c.value: _text(f(r))) for c in self.columns]
        self._right = [c.align_right for c in self.columns]
        source.modelReset.connect(self._source_reset)
        self._source_reset()

    # -- search and filters ----------------------------------------------------------------------
    def set_search(self, text: str) -> None:
        """Every word must match; commas and "or" give alternatives ("mlt cisco, pbx, firewall": who at MLT
        has any of the three), read as the CLI's search reads them (``domain.directory.alternatives``)."""
        text = " ".join(text.casefold().split())
        if text == self.text:
            return
        new, old = alternatives(text), alternatives(self.text)
        if len(new) == 1 and len(old) == 1 and new[0].startswith(old[0]):
            # every match of the new text matched the old one: narrow those, checking only the word typed
            # on and any new ones
            done = max(len(old[0].split()) - 1, 0)
            self.text = text
            self._reset_to(self._holders_first(self._match(self._matched, search_words(new[0])[done:])))
        else:
            self.text = text
            self._reset_to(self._holders_first(self._match(None)))

    def set_extra_filter(self, fn: Callable[[ContactDTO], bool] | None) -> None:
        self.extra = fn
        self._reset_to(self._holders_first(self._match(None)))

    def _source_reset(self) -> None:
        self._order = self._sorted_rows(self.sort_column, self.sort_order)
        self._hay = self.source._search if self._order is None else [self.source._search[i] for i in self._order]
        rows = self.source.rows
        self._agency_start: dict[str, int] = {}  # agency id -> its first row as loaded (by agency name)
        for i in range(len(rows) - 1, -1, -1):
            self._agency_start[rows[i].agency_id] = i
        self._reset_to(self._holders_first(self._match(None)))

    HOLDERS_FIRST_UP_TO = 5000  # more matches than this: a query still being typed; left as loaded

    def _holders_first(self, matched: list[int]) -> list[int]:
        """In the order as loaded (by agency, then escalation order), the people who hold a skill asked for
        come first within their agency, as in the CLI's search (``services.search.directory_order``)."""
        if self._order is not None or not self.text or len(matched) > self.HOLDERS_FIRST_UP_TO:
            return matched
        words = {w for q in alternatives(self.text) for w in strip_accents(q).split() if not w[:1].isdigit()}
        if not words:
            return matched
        rows, start = self.source.rows, self._agency_start

        def holds(c: ContactDTO) -> bool:
            return any(sw.startswith(w) for s in c.skills for sw in strip_accents(s).casefold().split()
                       for w in words)

        return sorted(matched, key=lambda i: (start[rows[i].agency_id], not holds(rows[i]), i))

    def _match(self, among: list[int] | None, words: list[tuple[str, ...]] | None = None) -> list[int]:
        """The source rows, in display order, whose text has every word (any of its forms) — or, when the
        search has alternatives, every word of any one of them; ``among``: only those rows (already through
        the extra filter), else all."""
        hay = self.source._search
        if words is None:
            queries = alternatives(self.text)
            if len(queries) > 1:
                hit: set[int] = set()
                for q in queries:
                    hit.update(self._match(among, search_words(q)))
                order = among if among is not None else (self._order if self._order is not None
                                                         else range(len(hay)))
                return [i for i in order if i in hit]
            words = search_words(queries[0] if queries else "")
        if among is None:
            order = self._order if self._order is not None else range(len(hay))
            if words and len(words[0]) == 1:  # (compress/map: the loop runs in C, about 3x a comprehension)
                among = list(compress(order, map(contains, self._hay, repeat(words.pop(0)[0]))))
            else:
                among = list(order)
            if self.extra is not None:
                rows, keep = self.source.rows, self.extra
                among = [i for i in among if keep(rows[i])]
        for forms in words:
            texts = map(hay.__getitem__, among)
            if len(forms) == 1:
                among = list(compress(among, map(contains, texts, repeat(forms[0]))))
            else:
                among = list(compress(among, (any(f in t for f in forms) for t in texts)))
        return among

    def _reset_to(self, matched: list[int]) -> None:
        self.beginResetModel()
        self._set_matched(matched)
        self.endResetModel()

    def _set_matched(self, matched: list[int]) -> None:
        self._matched = matched
        self._position: dict[int, int] | None = None  # source row -> row here, made when first asked
        self.rows = _Picked(self.source.rows, matched)  # views, not copies: only visible rows are read

    # -- sorting ---------------------------------------------------------------------------------
    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> list[int] | None:
        if not 0 <= column < len(self.columns):
            return None
        value, rows = self.columns[column].value, self.source.rows
        keys = [sort_key(value(r)) for r in rows]
        filled = [i for i, k in enumerate(keys) if k[0] != _EMPTY]
        filled.sort(key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        return filled + [i for i, k in enumerate(keys) if k[0] == _EMPTY]  # empty cells last either way

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Called by the view when a column header is clicked; the selection and current row stay."""
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        self._order = self._sorted_rows(column, order)
        self._hay = self.source._search if self._order is None else [self.source._search[i] for i in self._order]
        before = self._matched
        shown = set(before)
        after = [i for i in (self._order if self._order is not None else range(len(self.source.rows))) if i in shown]
        old = self.persistentIndexList()
        if old:
            where = {src: i for i, src in enumerate(after)}
            self.changePersistentIndexList(old, [self.index(where[before[p.row()]], p.column()) for p in old])
        self._set_matched(after)
        self.layoutChanged.emit()

    # -- the proxy model -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if parent.isValid() or not (0 <= row < len(self._matched) and 0 <= column < len(self.columns)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: Index | None = None):
        """A flat table: no item has a parent. Without an index, the QObject parent, as for any QObject."""
        return QAbstractProxyModel.parent(self) if index is None else QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and bool(self._matched)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid():
            return QModelIndex()
        return self.source.index(self._matched[proxy_index.row()], proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        if self._position is None:
            self._position = {src: i for i, src in enumerate(self._matched)}
        row = self._position.get(source_index.row())
        return QModelIndex() if row is None else self.createIndex(row, source_index.column())

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._matched)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = _DISPLAY):
        # asked for a dozen roles per cell on every repaint: the common ones first, the rest at once
        if not index.isValid():
            return None
        if role == _DISPLAY:
            return self._display[index.column()](self.rows[index.row()])
        if role == _ALIGN:
            return _RIGHT if self._right[index.column()] else None
        if role == ROW_ROLE:
            return self.rows[index.row()]
        if role == SORT_ROLE:
            value = self.columns[index.column()].value(self.rows[index.row()])
            return "" if value is None else value
        if role == FILTER_ROLE:
            return self.source._search[self._matched[index.row()]]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):
        return self.source.headerData(section, orientation, role)
