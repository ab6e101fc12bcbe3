"""Reading the CSV files contacts programs export: the header, checked against the format's columns, then
one dict per non-empty row, numbered by record and line."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Callable, Iterable

from partnerdesk.domain.wording import nouns
from partnerdesk.errors import ImportFormatError

_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")


def _unguard(value: str) -> str:
    """Undo the formula-injection guard our own CSV export adds (a leading apostrophe)."""
    return _FORMULA_GUARD.sub("", value)


def header(path: Path, text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        raise ImportFormatError(f"{path.name}: line 1: {exc}") from None
    if not first or len(first) < 2:
        raise ImportFormatError(f"{path.name}: line 1: not a contacts file (no CSV header row, no BEGIN:VCARD)")
    return [c.strip() for c in first]


def rows(path: Path, text: str, known: Callable[[str], bool]) -> Iterable[tuple[int, int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [c.strip() for c in next(reader)]
        unknown = [c for c in header if not known(c)]
        if unknown:
            raise ImportFormatError(f"{path.name}: line 1: unknown {nouns(len(unknown), 'column')} {', '.join(repr(c) for c in unknown)}"
                                    " — export again with the standard column set, or pick the right --format")
        dupes = {c for c in header if header.count(c) > 1 and c}
        if dupes:
            raise ImportFormatError(f"{path.name}: line 1: {nouns(len(dupes), 'column')} {', '.join(sorted(dupes))} "
                                  f"{'appears' if len(dupes) == 1 else 'appear'} twice")
        n = 0
        last_line = reader.line_num
        for row in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            n += 1
            if len(row) != len(header):
                raise ImportFormatError(f"{path.name}: record {n} (line {start}): {len(row)} fields where the "
                                        f"header has {len(header)} — the file is damaged or truncated")
            yield n, start, {h: _unguard(v.strip()) for h, v in zip(header, row)}
    except csv.Error as exc:
        raise ImportFormatError(f"{path.name}: line {reader.line_num}: {exc}") from None


def join_name(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())
