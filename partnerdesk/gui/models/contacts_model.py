"""The Directory table: contacts as rows, searched across name, agency, title, skills, notes and phone digits."""

from __future__ import annotations

import re
import unicodedata
from itertools import compress, repeat
from operator import contains
from collections.abc import Sequence
from typing import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt

from partnerdesk.domain.dto import ContactDTO
from partnerdesk.gui.models.table_model import FILTER_ROLE, ROW_ROLE, SORT_ROLE, Column, DtoTableModel

CONTACT_COLUMNS = (
    Column("Name", lambda c: c.name),
    Column("Agency", lambda c: c.agency_code, tooltip="Agency code"),
    Column("Title", lambda c: c.title),
    Column("Work", lambda c: c.work_phone),
    Column("Mobile", lambda c: c.mobile_phone),
    Column("After hours", lambda c: c.after_hours_phone),
    Column("Esc.", lambda c: c.escalation_order, align_right=True, tooltip="Escalation order: call 1 first"),
    Column("Skills", lambda c: ", ".join(c.skills)),
)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def search_text(c: ContactDTO) -> str:
    """What search-as-you-type looks in: every word typed must occur here (accents optional)."""
    phones = [p for p in (c.work_phone, c.mobile_phone, c.after_hours_phone, c.personal_phone) if p]
    words = " ".join([c.name, c.agency_name, c.agency_code, c.title or "", " ".join(c.role_tags),
                      " ".join(c.skills), c.notes or "", c.on_call_notes or "", c.email or ""])
    digits = [re.sub(r"\D", "", p) for p in phones]
    return " ".join([words, _strip_accents(words), *phones, *digits])


class ContactTableModel(DtoTableModel):
    def __init__(self, parent=None):
        super().__init__(CONTACT_COLUMNS, parent)

    def set_contacts(self, contacts: list[ContactDTO]) -> None:
        self.set_rows(contacts, search_text)


_ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole,
                    SORT_ROLE, ROW_ROLE, FILTER_ROLE))


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


class ContactMatches(DtoTableModel):
    """The contacts of a ``ContactTableModel`` that the search words and the extra filter let through.

    A refilter is one pass of Python over the prepared search texts (``w in text`` per row), and typing
    on narrows the previous matches instead of all rows; the proxy above only sorts. (A per-row
    ``filterAcceptsRow`` costs a call from Qt into Python per contact per keystroke: half a second at
    100,000 contacts.)"""

    def __init__(self, source: ContactTableModel, parent=None):
        super().__init__(CONTACT_COLUMNS, parent)
        self.source = source
        self.text = ""
        self.extra: Callable[[ContactDTO], bool] | None = None
        self._matched: list[int] = []  # source rows shown, in source order
        source.modelReset.connect(self._refilter_all)
        self._refilter_all()

    def set_search(self, text: str) -> None:
        text = " ".join(text.casefold().split())
        if text == self.text:
            return
        narrower = text.startswith(self.text)  # every match of the new text matched the old one
        self.text = text
        self._apply(self._match(self._matched if narrower else None))

    def set_extra_filter(self, fn: Callable[[ContactDTO], bool] | None) -> None:
        self.extra = fn
        self._refilter_all()

    def _refilter_all(self) -> None:
        self._apply(self._match(None))

    def _match(self, among: list[int] | None) -> list[int]:
        hay = self.source._search
        words = self.text.split()
        if among is None:
            if words:  # (compress/map: the loop runs in C, about three times faster than a comprehension)
                among = list(compress(range(len(hay)), map(contains, hay, repeat(words.pop(0)))))
            else:
                among = list(range(len(hay)))
            if self.extra is not None:
                rows, keep = self.source.rows, self.extra
                among = [i for i in among if keep(rows[i])]
        for w in words:
            among = list(compress(among, map(contains, map(hay.__getitem__, among), repeat(w))))
        return among

    def _apply(self, matched: list[int]) -> None:
        self.beginResetModel()
        self._matched = matched
        self.rows = _Picked(self.source.rows, matched)  # views, not copies: only visible rows are read
        self._search = _Picked(self.source._search, matched)
        self.endResetModel()

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES:  # the view asks each cell for a dozen roles; answer the rest at once
            return None
        return super().data(index, role)


class ContactProxy(QSortFilterProxyModel):
    """Sorts the matches by the raw value; searching and filtering happen in ``ContactMatches`` below it
    (same calls as ``SearchProxy``)."""

    def __init__(self, matches: ContactMatches, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setSourceModel(matches)
        self.matches = matches

    def set_search(self, text: str) -> None:
        self.matches.set_search(text)

    def set_extra_filter(self, fn: Callable[[ContactDTO], bool] | None) -> None:
        self.matches.set_extra_filter(fn)
