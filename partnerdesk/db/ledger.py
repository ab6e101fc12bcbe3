"""``ledger_month``: the time entries summed per month, provider, recipient and agreement, kept by SQLite triggers.

The Dashboard (and ``partnerdesk balances``) read a fiscal year of figures from a few hundred of these rows
instead of summing twenty thousand entries at every start. SQLite maintains it inside the same transaction as
each insert, update and soft delete of ``time_entry``, whoever writes (services, sync merge, JSON import,
repricing), so it cannot drift. It is derived data: not in the ORM models, not exported, not synced; the
migration that adds it fills it from the existing entries (``REBUILD``).

Fiscal years and quarters start on the first of a month, so whole months sum them exactly. An entry without an
agreement is kept under ``agreement_id = ''``.

Note for future migrations: a batch (copy-and-move) rebuild of ``time_entry`` drops its triggers; recreate them
with ``TRIGGERS`` (tests/unit/test_ledger_month.py fails if they are missing).
"""

from __future__ import annotations

CREATE_TABLE = """
CREATE TABLE ledger_month (
    month TEXT NOT NULL,                 -- 'YYYY-MM' of work_date
    provider_agency_id TEXT NOT NULL,
    recipient_agency_id TEXT NOT NULL,
    agreement_id TEXT NOT NULL,          -- '' when the entry has no agreement
    entries INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,       -- sum of the entries' price snapshots (unpriced count as 0)
    unpriced INTEGER NOT NULL,           -- entries without a price
    billable_minutes INTEGER NOT NULL,   -- billable minutes (minutes where none are stored), for caps
    PRIMARY KEY (month, provider_agency_id, recipient_agency_id, agreement_id)
)
"""

_COLUMNS = "month, provider_agency_id, recipient_agency_id, agreement_id, entries, minutes, amount_cents, " \
           "unpriced, billable_minutes"


def _upsert(row: str, sign: str) -> str:
    """The statement adding (sign '+') or removing (sign '-') one entry (row NEW or OLD) to its month."""
    return f"""INSERT INTO ledger_month ({_COLUMNS}) VALUES (
        substr({row}.work_date, 1, 7), {row}.provider_agency_id, {row}.recipient_agency_id,
        coalesce({row}.agreement_id, ''), {sign}1, {sign}{row}.minutes, {sign}coalesce({row}.amount_cents, 0),
        {sign}({row}.amount_cents IS NULL), {sign}coalesce({row}.billable_minutes, {row}.minutes))
    ON CONFLICT (month, provider_agency_id, recipient_agency_id, agreement_id) DO UPDATE SET
        entries = entries + excluded.entries, minutes = minutes + excluded.minutes,
        amount_cents = amount_cents + excluded.amount_cents, unpriced = unpriced + excluded.unpriced,
        billable_minutes = billable_minutes + excluded.billable_minutes;"""


_WATCHED = "provider_agency_id, recipient_agency_id, agreement_id, work_date, minutes, amount_cents, " \
           "billable_minutes, deleted_at"

TRIGGERS = {
    "trg_ledger_month_insert": f"""CREATE TRIGGER trg_ledger_month_insert AFTER INSERT ON time_entry
        WHEN NEW.deleted_at IS NULL BEGIN {_upsert('NEW', '+')} END""",
    "trg_ledger_month_delete": f"""CREATE TRIGGER trg_ledger_month_delete AFTER DELETE ON time_entry
        WHEN OLD.deleted_at IS NULL BEGIN {_upsert('OLD', '-')} END""",
    "trg_ledger_month_update_old": f"""CREATE TRIGGER trg_ledger_month_update_old
        AFTER UPDATE OF {_WATCHED} ON time_entry
        WHEN OLD.deleted_at IS NULL BEGIN {_upsert('OLD', '-')} END""",
    "trg_ledger_month_update_new": f"""CREATE TRIGGER trg_ledger_month_update_new
        AFTER UPDATE OF {_WATCHED} ON time_entry
        WHEN NEW.deleted_at IS NULL BEGIN {_upsert('NEW', '+')} END""",
}

# What ledger_month must hold: recomputed from time_entry (the migration's fill, and the tests' oracle).
RECOMPUTE = """
SELECT substr(work_date, 1, 7), provider_agency_id, recipient_agency_id, coalesce(agreement_id, ''),
       count(*), sum(minutes), sum(coalesce(amount_cents, 0)), sum(amount_cents IS NULL),
       sum(coalesce(billable_minutes, minutes))
FROM time_entry WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4
"""

REBUILD = ["DELETE FROM ledger_month", f"INSERT INTO ledger_month ({_COLUMNS}) {RECOMPUTE}"]
