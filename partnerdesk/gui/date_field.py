"""The one date field of every form: a line that takes a date typed the way people write it, with the
weekday beside it and a calendar button.

It replaces QDateEdit, whose sections made typing ``2026-12-01`` record 2026-12-12 (the year filled the
month section, the dash skipped to the day) and made Tab walk through year, month and day. Here the text is
read whole by ``domain.periods.parse_date`` with today's date from the clock: ``2026-12-01``, ``12/1/2026``,
``Dec 1, 2026``, ``20261201``, ``today``, ``yesterday``, ``tue`` (the most recent Tuesday), ``-2`` (two days
ago). The label beside it says which day that is, or why it is not a date; leaving the field writes the date
back in the displayed format (ISO). Up and Down move a day, Page Up and Page Down a month.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QCalendarWidget, QHBoxLayout, QLabel, QLineEdit, QMenu, QSizePolicy, QToolButton,
                               QWidget, QWidgetAction)

from partnerdesk.domain.periods import parse_date, short_date, weekday_name
from partnerdesk.errors import ValidationError
from partnerdesk.gui.palette import css

DISPLAY_FORMAT = "YYYY-MM-DD"


def iso(d: date) -> str:
    return d.isoformat()


class _Line(QLineEdit):
    """The text part: Up/Down step a day and Page Up/Down a month, as QDateEdit's did."""

    step = Signal(int, bool)  # amount, by month

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Up: (1, False), Qt.Key.Key_Down: (-1, False),
                 Qt.Key.Key_PageUp: (1, True), Qt.Key.Key_PageDown: (-1, True)}
        if event.key() in steps and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.step.emit(*steps[event.key()])
            event.accept()
            return
        super().keyPressEvent(event)


class DateField(QWidget):
    """``date()`` is the date typed (``None`` when an optional field is empty) or raises ValidationError
    naming the field; ``setDate`` fills it; ``dateChanged`` fires with each new valid date (or None)."""

    dateChanged = Signal(object)

    def __init__(self, today: date | Callable[[], date], value: date | None = None, *, optional: bool = False,
                 field: str = "date", parent: QWidget | None = None):
        super().__init__(parent)
        self._today = today if callable(today) else (lambda: today)
        self.optional, self.field = optional, field
        self._last: date | None | bool = False  # the last date announced (False: none yet)
        self.edit = _Line(self)
        self.edit.setAccessibleName(field[:1].upper() + field[1:])  # "Approval date"; setAccessibleName renames
        self.edit.setPlaceholderText("(none)" if optional else DISPLAY_FORMAT)
        self.edit.setToolTip("A date: 2026-12-01, 12/1/2026, today, yesterday, a weekday (tue: the most recent "
                             "one) or -N days. Up/Down: a day; Page Up/Down: a month.")
        width = self.edit.fontMetrics().horizontalAdvance("Wednesday 0000") + 16
        self.edit.setMinimumWidth(width)
        self.edit.setMaximumWidth(width + 40)
        self.pick = QToolButton(self)
        self.pick.setText("▾")
        self.pick.setToolTip("Pick the date on a calendar")
        self.pick.setAccessibleName("Calendar")
        self.pick.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the date to the next field
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.pick.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")  # ▾ says it
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Sunday)
        menu = QMenu(self.pick)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._sync_calendar)
        self.pick.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.weekday = QLabel(self)
        self.weekday.setAccessibleName("Day of the week")
        self.weekday.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.weekday.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.edit)
        lay.addWidget(self.pick)
        lay.addSpacing(4)
        lay.addWidget(self.weekday, 1)
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(self.edit.focusPolicy())
        self.edit.textChanged.connect(self._changed)
        self.edit.editingFinished.connect(self.normalise)
        self.edit.step.connect(self._step)
        self.setDate(value if value is not None or optional else self._today())

    # -- value -------------------------------------------------------------------------------------
    def date(self) -> date | None:
        text = self.edit.text().strip()
        if not text:
            if self.optional:
                return None
            raise ValidationError(f"{self.field}: required", self.field)
        return parse_date(text, self.field, today=self._today())

    def try_date(self) -> date | None:
        """The date, or None when the text is not one (or is empty)."""
        try:
            return self.date()
        except ValidationError:
            return None

    def is_valid(self) -> bool:
        try:
            self.date()
        except ValidationError:
            return False
        return True

    def setDate(self, value: date | None) -> None:
        self.edit.setText(iso(value) if value else "")
        self._changed()

    def text(self) -> str:
        return self.edit.text()

    def setAccessibleName(self, name: str) -> None:  # the line edit is what a screen reader lands on
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    # -- behaviour ---------------------------------------------------------------------------------
    def normalise(self) -> None:
        """Write a valid date in the displayed format (``yesterday`` becomes ``2026-11-25``)."""
        d = self.try_date()
        if d is not None and self.edit.text() != iso(d):
            self.edit.setText(iso(d))

    def _changed(self, *_args) -> None:
        text = self.edit.text().strip()
        try:
            d = self.date()
        except ValidationError as exc:
            self.weekday.setText(f"<span style='color:{css('bad')}'>not a date</span>")
            self.weekday.setToolTip(str(exc))
            return
        self.weekday.setToolTip("")
        if d is None:
            self.weekday.setText("")
        elif text == iso(d):
            self.weekday.setText(weekday_name(d))
        else:  # what "tue" or "-2" stands for
            self.weekday.setText(f"{weekday_name(d)}, {short_date(d)}")
        if d != self._last:
            self._last = d
            self.dateChanged.emit(d)

    def _step(self, amount: int, by_month: bool) -> None:
        d = self.try_date() or self._today()
        if by_month:
            month = d.month - 1 + amount
            year, month = d.year + month // 12, month % 12 + 1
            day = min(d.day, (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day)
            d = date(year, month, day)
        else:
            d = d + timedelta(days=amount)
        self.setDate(d)

    def _sync_calendar(self) -> None:
        self.calendar.setSelectedDate(QDate(self.try_date() or self._today()))

    def _picked(self, qd: QDate) -> None:
        self.setDate(qd.toPython())
        self.pick.menu().hide()
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
