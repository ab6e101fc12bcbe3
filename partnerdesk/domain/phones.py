"""Phone numbers shown one way. The number is kept as it was typed (or imported): that is what the person
wrote and what goes back out in an export. North American numbers are shown in the national format,
``(425) 555-0103`` (with ``x204`` for an extension), and dialled from their E.164 form ``+14255550103``;
anything else (an international number, a short internal extension) is shown as typed."""

from __future__ import annotations

import re

_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*(\d{1,6})\s*$", re.I)


_NON_DIGIT = re.compile(r"\D")


def digits(text: str | None) -> str:
    """Only the digits of a phone number (how numbers compare)."""
    return _NON_DIGIT.sub("", text) if text else ""


def _nanp(raw: str) -> tuple[str, str | None] | None:
    """(ten digits, extension) of a North American number, or None."""
    text = (raw or "").strip()
    ext = None
    m = _EXTENSION.search(text)
    if m:
        ext, text = m.group(1), text[:m.start()]
    if re.search(r"[^\d\s().+\-/]", text):  # letters left over: not a number we can read
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("1"):
        return None  # another country
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return digits, ext


def national(raw: str | None) -> str:
    """``425.555.0123``, ``425-555-0183``, ``+1 425 555 0103`` → ``(425) 555-0103``; others as typed."""
    if not raw:
        return ""
    parsed = _nanp(raw)
    if parsed is None:
        return raw.strip()
    d, ext = parsed
    return f"({d[:3]}) {d[3:6]}-{d[6:]}" + (f" x{ext}" if ext else "")


def e164(raw: str | None) -> str | None:
    """``+14255550103`` (what a phone dials from a tel: link), or None when the number cannot be read."""
    if not raw:
        return None
    parsed = _nanp(raw)
    if parsed is not None:
        return "+1" + parsed[0]
    text = _EXTENSION.sub("", raw.strip())
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and 7 <= len(digits) <= 15:
        return "+" + digits
    return None


def dial(raw: str | None) -> str:
    """What a tel: link dials: the E.164 form, else the digits as typed (an internal extension)."""
    return e164(raw) or re.sub(r"[^\d+]", "", raw or "")
