"""Seals: tamper evidence for issued statements (issue 15). Pure functions over plain values; no I/O.

At issue, a statement's canonical content — its number, kind, dates, parties, agreement, period, totals,
reasons, the SHA-256 of its PDF, and every line's fields — is written as one canonical JSON *record*,
together with its place in the issuer's chain (``seq``) and the seal of the statement the issuer sealed
before it (``previous``). The record's SHA-256 is the statement's *seal*. Like a signed log, each seal
covers the one before it, so changing, removing or reordering an earlier statement breaks every later link.

``verify`` in ``services/statements.py`` rebuilds the record from the rows as they are now and compares:
which field of which line differs is named, not just "hash mismatch".
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Iterable, Mapping

VERSION = 1
# What a seal covers. Not the status, void reason or time (bookkeeping that may still change: freeze.py).
STATEMENT_FIELDS = ("id", "number", "kind", "issuer_agency_id", "bill_to_agency_id", "agreement_id",
                    "bill_to_reference", "period", "fiscal_year", "period_start", "period_end", "issue_date",
                    "due_date", "supersedes_id", "original_id", "gross_cents", "offset_cents", "total_cents",
                    "amount_due_cents", "cap_override_reason", "notes", "issued_by", "pdf_sha256", "deleted_at")
LINE_FIELDS = ("id", "position", "kind", "side", "work_date", "staff_name", "staff_title", "category_code",
               "description", "quantity", "unit_rate", "multiplier", "amount_cents", "source_entry_ids")
SEAL_COLUMNS = ("chain_seq", "chain_prev_sha256", "content_record", "content_sha256")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def record(statement: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], seq: int,
           previous: str | None) -> str:
    """The canonical record of a statement: sorted keys, no insignificant spaces, UTF-8 text. ``lines`` are
    its live lines (any order: they are put in position order)."""
    doc = {
        "v": VERSION, "seq": seq, "previous": previous,
        "statement": {k: _plain(statement.get(k)) for k in STATEMENT_FIELDS},
        "lines": [{k: _plain(ln.get(k)) for k in LINE_FIELDS}
                  for ln in sorted(lines, key=lambda ln: (ln.get("position") or 0, ln.get("id") or ""))],
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def seal(record_text: str) -> str:
    """The seal of a record: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(record_text.encode("utf-8")).hexdigest()


def _money_or(value: Any, field: str) -> str:
    if field.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value) / 100:,.2f}"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:37] + "…")
    return repr(value) if isinstance(value, str) else str(value)


def differences(recorded: str, current: str) -> list[str]:
    """What differs between a recorded and a rebuilt record, one phrase each ("line 2 amount_cents:
    $118.00 recorded, $218.00 now"). Both are ``record`` texts."""
    a, b = json.loads(recorded), json.loads(current)
    out = []
    for k in ("v", "seq", "previous"):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {a.get(k)} recorded, {b.get(k)} now")
    sa, sb = a.get("statement", {}), b.get("statement", {})
    for k in sorted(set(sa) | set(sb)):
        if sa.get(k) != sb.get(k):
            out.append(f"{k}: {_money_or(sa.get(k), k)} recorded, {_money_or(sb.get(k), k)} now")
    la = {ln["id"]: ln for ln in a.get("lines", [])}
    lb = {ln["id"]: ln for ln in b.get("lines", [])}
    for i, ln in enumerate(a.get("lines", []), 1):
        now = lb.get(ln["id"])
        label = f"line {ln.get('position') or i}"
        if now is None:
            out.append(f"{label} is missing")
            continue
        for k in LINE_FIELDS:
            if ln.get(k) != now.get(k):
                out.append(f"{label} {k}: {_money_or(ln.get(k), k)} recorded, {_money_or(now.get(k), k)} now")
    for ln in b.get("lines", []):
        if ln["id"] not in la:
            out.append(f"line {ln.get('position')} was added ({_money_or(ln.get('amount_cents'), 'amount_cents')})")
    return out
