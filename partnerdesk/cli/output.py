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


def context(args):
    """Open the application context for a command (imported late: `--version` and `--help` stay fast)."""
    from partnerdesk.app import open_context

    return open_context(args.db)


def add_json_flag(p) -> None:
    p.add_argument("--json", action="store_true", help="print a JSON array of objects")
