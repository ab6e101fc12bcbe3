"""Personal numbers: which values are exempt from public disclosure, and how an output withholds them.

One rule for every output that could carry them (the JSON export, the audit trail in text and JSON): a
personal value is left out unless the user asks for it (``--include-personal``), and asking is recorded in
the audit trail by the service that honours it. The audit trail shows *that* a personal number changed,
never the number."""

from __future__ import annotations

from typing import Any

# table (or audit entity) -> its personal fields
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("personal_phone",),
    # the home agency's pay (issue 20): the whole table is personal (services/interchange.PERSONAL_TABLES)
    "staff_pay_rate": ("regular_cents", "overtime_cents", "fringe_regular", "fringe_overtime"),
}
WITHHELD = "(personal number withheld)"


def personal_fields(entity: str | None) -> tuple[str, ...]:
    return PERSONAL_FIELDS.get(entity or "", ())


def withhold_changes(entity: str | None, changes: Any) -> Any:
    """An audit event's ``changes`` (``{field: [old, new]}`` or ``{field: value}``) with every personal value
    replaced by WITHHELD (an empty value stays empty: the trail still shows a number was added or removed)."""
    fields = personal_fields(entity)
    if not fields or not isinstance(changes, dict) or not any(f in changes for f in fields):
        return changes
    out = dict(changes)
    for f in fields:
        if f in out:
            v = out[f]
            out[f] = [None if x is None else WITHHELD for x in v] if isinstance(v, list) else \
                (None if v is None else WITHHELD)
    return out
