"""Fiscal years and quarters. A fiscal year is named by the calendar year it ends in
(a July-start FY 2027 runs 2026-07-01 .. 2027-06-30); a January start makes FY = calendar year."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from partnerdesk.errors import ValidationError

_Q = re.compile(r"^\s*(?:FY)?(\d{4})\s*-?\s*Q([1-4])\s*$", re.I)


def long_date(d: date | None) -> str:
    """``December 7, 2026`` (written out: strftime has no portable day without a leading zero)."""
    return f"{d:%B} {d.day}, {d.year}" if d else ""


def short_date(d: date, *, year: bool = True) -> str:
    """``Dec 7, 2026``, or ``Dec 7`` without the year, on every platform."""
    return f"{d:%b} {d.day}, {d.year}" if year else f"{d:%b} {d.day}"


def _check_month(start_month: int) -> None:
    if not 1 <= int(start_month) <= 12:
        raise ValidationError(f"fiscal-year start month must be 1..12, not {start_month}")


def fiscal_year_of(d: date, start_month: int = 1) -> int:
    _check_month(start_month)
    if start_month == 1:
        return d.year
    return d.year + 1 if d.month >= start_month else d.year


def fiscal_year_range(fy: int, start_month: int = 1) -> tuple[date, date]:
    _check_month(start_month)
    start = date(fy if start_month == 1 else fy - 1, start_month, 1)
    end = _add_months(start, 12) - timedelta(days=1)
    return start, end


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


@dataclass(frozen=True, order=True)
class Quarter:
    fiscal_year: int
    number: int
    start_month: int = 1

    def __post_init__(self):
        _check_month(self.start_month)
        if self.number not in (1, 2, 3, 4):
            raise ValidationError(f"quarter must be 1..4, not {self.number}")
        if not MIN_YEAR <= self.fiscal_year <= MAX_YEAR + 1:  # FY 2101 starts in 2100 with a July start
            raise ValidationError(f"quarter: fiscal year {self.fiscal_year} is outside {MIN_YEAR}–{MAX_YEAR}; "
                                  "check the year")

    @classmethod
    def parse(cls, text: str, start_month: int = 1) -> "Quarter":
        m = _Q.match(text or "")
        if not m:
            raise ValidationError(f"'{text}' is not a quarter (write it like 2026Q3)")
        return cls(int(m.group(1)), int(m.group(2)), start_month)

    @classmethod
    def of(cls, d: date, start_month: int = 1) -> "Quarter":
        fy = fiscal_year_of(d, start_month)
        fy_start, _ = fiscal_year_range(fy, start_month)
        months = (d.year - fy_start.year) * 12 + d.month - fy_start.month
        return cls(fy, months // 3 + 1, start_month)

    @property
    def start(self) -> date:
        fy_start, _ = fiscal_year_range(self.fiscal_year, self.start_month)
        return _add_months(fy_start, 3 * (self.number - 1))

    @property
    def end(self) -> date:
        return _add_months(self.start, 3) - timedelta(days=1)

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def months(self) -> list[date]:
        """The first day of each of the quarter's three months."""
        return [_add_months(self.start, i) for i in range(3)]

    def next(self) -> "Quarter":
        if self.number == 4:
            return Quarter(self.fiscal_year + 1, 1, self.start_month)
        return Quarter(self.fiscal_year, self.number + 1, self.start_month)

    def previous(self) -> "Quarter":
        if self.number == 1:
            return Quarter(self.fiscal_year - 1, 4, self.start_month)
        return Quarter(self.fiscal_year, self.number - 1, self.start_month)

    def __str__(self) -> str:
        return f"{self.fiscal_year}Q{self.number}"

    def label(self) -> str:
        return f"FY{self.fiscal_year} Q{self.number} ({short_date(self.start)} – {short_date(self.end)})"


# The one range every date a user or a file gives must fall in: wider than any agreement or fiscal year
# the app handles, narrow enough that a typo (0001-01-01, 20266-01-01) is caught instead of stored.
MIN_YEAR, MAX_YEAR = 1900, 2100


def check_date_range(d: date, field: str = "date") -> date:
    """``d`` if its year is from MIN_YEAR to MAX_YEAR; otherwise a ValidationError naming the field."""
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise ValidationError(f"{field}: {d.isoformat()} is outside {MIN_YEAR}–{MAX_YEAR}; check the year", field)
    return d


_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for m in names}
_WEEKDAYS = {w: i for i, names in enumerate(
    (("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")))
    for w in names}
_WORDED = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")  # Dec 1, 2026 (how the app writes dates)
_RELATIVE = re.compile(r"([+-])\s*(\d{1,4})\s*d?")  # -2, +7, -3d


def parse_date(text: str, field: str = "date", today: date | None = None) -> date:
    """The one rule for a date a person types or a file holds: ISO (2026-12-01), US (12/1/2026) and the
    app's own ``Dec 1, 2026``; years from MIN_YEAR to MAX_YEAR, with a clear error naming the field.

    With ``today`` (a date typed in a form or on the command line) also ``20261201``, ``today``,
    ``yesterday``, ``tomorrow``, a weekday name (``tue``, ``Tuesday``: the most recent one, today
    included — a weekday never means a date to come) and a number of days from today (``-2``, ``+7``)."""
    s = (text or "").strip()
    low = s.casefold()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", s):
            y, m, d = (int(x) for x in s.split("-"))
            return check_date_range(date(y, m, d), field)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", s):
            m, d, y = (int(x) for x in s.split("/"))
            if y < 100:
                y += 2000
            return check_date_range(date(y, m, d), field)
        worded = _WORDED.fullmatch(low)
        if worded and worded.group(1) in _MONTHS:
            return check_date_range(date(int(worded.group(3)), _MONTHS[worded.group(1)], int(worded.group(2))),
                                    field)
        if today is not None:
            if re.fullmatch(r"\d{8}", s):
                return check_date_range(date(int(s[:4]), int(s[4:6]), int(s[6:])), field)
            if low in ("today", "now", "t"):
                return today
            if low in ("yesterday", "y"):
                return today - timedelta(days=1)
            if low == "tomorrow":
                return today + timedelta(days=1)
            if low.rstrip(".") in _WEEKDAYS:
                return today - timedelta(days=(today.weekday() - _WEEKDAYS[low.rstrip(".")]) % 7)
            rel = _RELATIVE.fullmatch(low)
            if rel:
                days = int(rel.group(2))
                return check_date_range(today + timedelta(days=-days if rel.group(1) == "-" else days), field)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{field}: '{text}' is not a real date ({exc})", field) from exc
    hint = "YYYY-MM-DD, M/D/YYYY, today, yesterday, a weekday or -N days" if today else "YYYY-MM-DD"
    raise ValidationError(f"{field}: '{text}' is not a date (use {hint})", field)


def weekday_name(d: date) -> str:
    """``Tuesday`` (the English name whatever the locale: the app's text is English throughout)."""
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[d.weekday()]
