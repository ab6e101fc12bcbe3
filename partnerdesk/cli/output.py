"""Printing listings: a JSON array of objects (``--json``) or an aligned text table."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence



def emit_json(items: Any) -> None:
    from partnerdesk.domain.dto import to_json

    json.dump(to_json(items), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def emit_table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    rows = [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    if not rows:
        print("(none)")


MAX_LIMIT = 1_000_000


def limit_number(text: str) -> int:
    """``--limit N``: a whole number from 1 to MAX_LIMIT (a huge one is a mistake, not a request)."""
    import argparse
    import re

    shown = text if len(text) <= 20 else text[:17] + "…"
    if not re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):
        raise argparse.ArgumentTypeError(f"'{shown}' is not a whole number")
    digits = text.strip().lstrip("+")
    n = int(digits) if len(digits.lstrip("-0")) <= 9 else MAX_LIMIT + 1
    if not 1 <= n <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LIMIT:,} (not {shown})")
    return n


def context(args):
    """Open the application context for a command (imported late: `--version` and `--help` stay fast)."""
    from partnerdesk.app import open_context

    return open_context(args.db)


def add_json_flag(p, help: str = "print a JSON array of objects") -> None:
    p.add_argument("--json", action="store_true", help=help)
