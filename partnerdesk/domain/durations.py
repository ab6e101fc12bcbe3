"""Hours as people type them: "1.5", "1:30", "90m", "2h", "1h 30m" -> integer minutes."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from partnerdesk.errors import ValidationError

_HM = re.compile(r"^(\d+):([0-5]\d)$")
_UNITS = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?$", re.I)


def parse_minutes(text: str | int | float | Decimal, field: str = "hours") -> int:
    s = str(text).strip().lower()
    if not s:
        raise ValidationError(f"{field}: empty (write 1.5, 1:30 or 90m)", field)
    if s.startswith("-"):
        raise ValidationError(f"{field}: '{text}' is negative; hours must be positive", field)
    m = _HM.match(s)
    if m:
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif re.fullmatch(r"\d+(\.\d+)?|\.\d+", s):
        try:
            minutes = int((Decimal(s) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except InvalidOperation as exc:  # pragma: no cover
            raise ValidationError(f"{field}: '{text}' is not a number of hours", field) from exc
    else:
        m = _UNITS.match(s)
        if not m or not (m.group(1) or m.group(2)):
            raise ValidationError(f"{field}: '{text}' is not a duration (write 1.5, 1:30 or 90m)", field)
        minutes = int((Decimal(m.group(1) or 0) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        minutes += int(m.group(2) or 0)
    if minutes <= 0:
        raise ValidationError(f"{field}: '{text}' is zero; log at least one minute", field)
    return minutes


def format_minutes(minutes: int) -> str:
    """Minutes as decimal hours, e.g. 90 -> "1.50"."""
    return f"{Decimal(minutes) / 60:.2f}"


def hours_decimal(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
