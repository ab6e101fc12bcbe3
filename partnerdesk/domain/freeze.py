"""Frozen statements (DESIGN §4 rule 6): the one rule for what may still change once a statement is issued.

A statement is frozen once a committed transaction leaves it issued, partially paid, paid or void. From then
on its number, kind, dates, parties, agreement, period, totals, reasons, hashes, lines and document never
change, and it gets no new lines or document. What may still change is bookkeeping that the issued document
does not show: its payment status (issued → partially paid → paid, following payments and credit notes),
voiding it once (status, reason and time), and ``updated_at``. Corrections are a void and a replacement, or a
credit note: new statements, never edits.

Every path that writes statements asks this module, so the rule is written once: the ORM guard
(``db/freeze_guard.py``), the bulk writers (``services/bulk_capture.py``), ``import json``
(``services/interchange.py``) and sync, which quarantines an op the rule refuses. Pure functions over plain
values; no I/O.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

FROZEN_STATUSES = frozenset({"issued", "partially_paid", "paid", "overpaid", "void"})
LIVE_STATUSES = frozenset({"issued", "partially_paid", "paid", "overpaid"})  # frozen and not void
STATEMENT_TABLE = "statement"
CHILD_TABLES = frozenset({"statement_line", "statement_document"})  # rows that belong to one statement
FROZEN_TABLES = CHILD_TABLES | {STATEMENT_TABLE}
# The statement fields that may change on a frozen statement (bookkeeping the issued PDF does not show).
STATEMENT_OPEN_FIELDS = frozenset({"status", "void_reason", "voided_at", "updated_at"})
SET_ONCE_FIELDS = frozenset({"void_reason", "voided_at"})  # written once, when the statement is voided


def is_frozen(status: str | None) -> bool:
    """Whether a statement with this (committed) status is frozen: issued, partially paid, paid or void."""
    return status in FROZEN_STATUSES


def refused_change(table: str, field: str, old: Any, new: Any, statement_status: str | None) -> bool:
    """Whether the freeze refuses changing ``field`` of a ``table`` row from ``old`` to ``new``.

    ``table`` is ``statement``, ``statement_line`` or ``statement_document``; ``statement_status`` is the
    committed status of the statement concerned (the row itself, or the statement the line or document
    belongs to). A new line or document of a frozen statement is refused whatever its fields: pass
    ``old=None`` for each field with ``refused_new_row`` instead. Rows of other tables are never refused.
    """
    if table not in FROZEN_TABLES or not is_frozen(statement_status) or old == new or field == "updated_at":
        return False
    if table != STATEMENT_TABLE:
        return True
    if field == "status":
        # payments move a live statement between issued, partially paid and paid; any live one may be voided;
        # nothing comes back from void, and nothing goes back to draft
        return statement_status == "void" or new not in FROZEN_STATUSES
    if field in SET_ONCE_FIELDS:
        return old is not None
    return field not in STATEMENT_OPEN_FIELDS


def refused_new_row(table: str, parent_status: str | None) -> bool:
    """Whether the freeze refuses a new ``statement_line`` or ``statement_document`` row for a statement
    whose committed status is ``parent_status`` (a frozen statement gets no new lines or document)."""
    return table in CHILD_TABLES and is_frozen(parent_status)


def refused_fields(table: str, before: Mapping[str, Any] | None, after: Mapping[str, Any],
                   statement_status: str | None) -> list[str]:
    """The fields of a row change the freeze refuses, sorted ([] when it is allowed).

    ``before`` is the row as committed (None for a new row), ``after`` the new values (only the fields that
    are written need be given); ``statement_status`` as for ``refused_change``. A new child row of a frozen
    statement is refused as a whole: every field it sets is named."""
    if before is None:
        return sorted(after) if refused_new_row(table, statement_status) else []
    return sorted(k for k, v in after.items() if k in before
                  and refused_change(table, k, before[k], v, statement_status))


def refusal_message(number: str | None, status: str | None, table: str, fields: Iterable[str],
                    where: str | None = None) -> str:
    """One line for a refused change: which statement, what was to change, and what to do instead."""
    what = {"statement_line": "its lines", "statement_document": "its PDF"}.get(table, "the statement")
    names = ", ".join(sorted(set(fields))) or "a new row"
    state = (status or "issued").replace("_", " ")
    head = f"{where}: " if where else ""
    return (f"{head}statement {number or '(unnumbered)'} is {state} and frozen: {what} cannot change ({names}); "
            "correct it with a void and a replacement statement, or a credit note")


__all__ = ["FROZEN_STATUSES", "LIVE_STATUSES", "STATEMENT_OPEN_FIELDS", "CHILD_TABLES", "FROZEN_TABLES",
           "is_frozen", "refused_change", "refused_new_row", "refused_fields", "refusal_message"]
