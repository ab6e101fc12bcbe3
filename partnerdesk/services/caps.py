"""What an agreement's not-to-exceed cap counts — computed here and nowhere else (DESIGN §4 rule 4, issue 15).

**The rule.** The use of an agreement's cap in a fiscal year, by one provider, is the gross value that provider
provided under the agreement in that fiscal year (entries by work date, at their price — the billed price once
invoiced), net of the live credit notes against its statements for that fiscal year, excluding held entries:
disputed ones and ones with no rate in force. Offsets do not reduce it (a cap limits what is provided, not
what is paid). Hours count the same entries' billable minutes (credit notes carry no hours). ``through``
stops the count at a date (a statement counts through the end of its service period).

Logging warnings (``services/hours.py``), the statement's cap box and the override it calls for, the credit
note's cap box (``services/statements.py``) and the Dashboard (``services/balances.py``) all call ``cap_use``.

It reads ``ledger_month`` (the entries summed per month by triggers), takes off the held entries (a partial
index finds them) and adds the credit notes: plain SQL on a DB-API connection, so the Dashboard's first
window can call it without the ORM, and services call it with their unit of work's connection.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from partnerdesk.domain.caps import CapUse
from partnerdesk.domain.periods import fiscal_year_range

_LEDGER = """
SELECT coalesce(sum(amount_cents), 0), coalesce(sum(billable_minutes), 0) FROM ledger_month
WHERE agreement_id = :agreement AND provider_agency_id = :provider AND month BETWEEN :m_start AND :m_end
"""
# held entries: disputed, or not priced (the same expression as the partial index ix_time_entry_held)
_HELD = """
SELECT coalesce(sum(amount_cents), 0), coalesce(sum(coalesce(billable_minutes, minutes)), 0) FROM time_entry
WHERE agreement_id = :agreement AND provider_agency_id = :provider AND work_date BETWEEN :start AND :end
  AND deleted_at IS NULL AND (status = 'disputed' OR amount_cents IS NULL)
"""
# live credit notes against the provider's statements under the agreement for the fiscal year (negative totals)
_CREDITS = """
SELECT coalesce(sum(cn.total_cents), 0) FROM statement cn JOIN statement o ON o.id = cn.original_id
WHERE cn.kind = 'credit_note' AND cn.status != 'void' AND cn.deleted_at IS NULL AND o.deleted_at IS NULL
  AND o.agreement_id = :agreement AND o.issuer_agency_id = :provider AND o.fiscal_year = :fy
  AND o.period_end <= :end
"""


# the entries of a partial last month after ``through`` (whole months come from the ledger)
_AFTER = """
SELECT coalesce(sum(amount_cents), 0), coalesce(sum(coalesce(billable_minutes, minutes)), 0) FROM time_entry
WHERE agreement_id = :agreement AND provider_agency_id = :provider AND deleted_at IS NULL
  AND work_date > :end AND work_date <= :month_end
"""


def _one(conn, sql: str, params: dict[str, Any]) -> tuple:
    run = getattr(conn, "exec_driver_sql", None) or conn.execute  # SQLAlchemy Connection or sqlite3
    return tuple(run(sql, params).fetchone())


def cap_use(conn, agreement_id: str, provider_agency_id: str, fiscal_year: int, fy_start_month: int, *,
            cap_cents: int | None, cap_minutes: int | None, through: date | None = None,
            extra: tuple[int, int] | None = None) -> CapUse:
    """The use of an agreement's fiscal-year cap by one provider (the rule above), optionally only through
    ``through`` and plus an unsaved entry's (amount_cents, billable_minutes). ``conn`` is a sqlite3 connection
    or a SQLAlchemy Connection (``session.connection()``)."""
    start, end = fiscal_year_range(fiscal_year, fy_start_month)
    if through is not None and through < end:
        end = through
    params = {"agreement": agreement_id, "provider": provider_agency_id, "start": start.isoformat(),
              "end": end.isoformat(), "m_start": start.isoformat()[:7], "m_end": end.isoformat()[:7],
              "fy": fiscal_year}
    cents, minutes = _one(conn, _LEDGER, params)
    if (end + timedelta(days=1)).day != 1:  # ``end`` is inside a month: take off that month's entries after it
        month_end = date(end.year + (end.month == 12), end.month % 12 + 1, 1) - timedelta(days=1)
        after = _one(conn, _AFTER, params | {"month_end": month_end.isoformat()})
        cents, minutes = cents - after[0], minutes - after[1]
    held = _one(conn, _HELD, params)
    credits = _one(conn, _CREDITS, params)[0]
    cents, minutes = cents - held[0] + credits, minutes - held[1]
    if extra is not None:
        cents, minutes = cents + extra[0], minutes + extra[1]
    return CapUse(cap_cents, cents, cap_minutes, minutes)
