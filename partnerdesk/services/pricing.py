"""Loads what pricing needs (rates, mileage table) once per unit of work and prices entries."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from partnerdesk.db.models import Agreement, MileageRate, RateSchedule, StatementLine, TimeEntry
from partnerdesk.domain.billing import (IRS_MILEAGE_CENTS, EntryFacts, Priced, Rate, billed_price, price_entry,
                                       rate_in_force)

# The columns of a rate schedule that pricing reads (and agreements edit).
RATE_FIELDS = ("effective_from", "effective_to", "hourly_rate_cents", "after_hours_multiplier",
               "overtime_multiplier", "billing_increment_minutes", "minimum_callout_minutes",
               "travel_billable", "mileage_rate_cents")


def mileage_table(s: Session) -> tuple[tuple[date, str], ...]:
    rows = s.execute(select(MileageRate.effective_from, MileageRate.cents_per_mile)
                     .where(MileageRate.deleted_at.is_(None))).all()
    return tuple((d, c) for d, c in rows) or IRS_MILEAGE_CENTS


@dataclass(frozen=True)
class EntryRow:
    """The columns of a time entry that pricing reads."""

    agreement_id: str | None
    provider_agency_id: str
    category_id: str | None
    work_date: date
    minutes: int
    after_hours: bool
    callout: bool
    travel_minutes: int
    miles: str
    overtime: bool = False

    @classmethod
    def of(cls, e: TimeEntry) -> "EntryRow":
        return cls(e.agreement_id, e.provider_agency_id, e.category_id, e.work_date, e.minutes, e.after_hours,
                   e.callout, e.travel_minutes, e.miles, bool(e.overtime))


ENTRY_COLUMNS = (TimeEntry.agreement_id, TimeEntry.provider_agency_id, TimeEntry.category_id,
                 TimeEntry.work_date, TimeEntry.minutes, TimeEntry.after_hours, TimeEntry.callout,
                 TimeEntry.travel_minutes, TimeEntry.miles, TimeEntry.overtime)


class Pricer:
    """Prices entries for one unit of work.

    The rate in force is piecewise constant between the schedules' start and end dates, so each
    (agreement, provider, category) gets a timeline searched by bisection. One price function,
    ``billing.price_entry``, prices every entry; an entry priced once is remembered by the rate and the
    facts its price depends on, and ``amount`` is that price's totals.
    """

    def __init__(self, s: Session, agreement_ids: set[str] | None = None):
        """``agreement_ids``: load only these agreements' schedules (pricing a few entries stays cheap)."""
        self.rates: dict[str, list[Rate]] = defaultdict(list)
        cols = [RateSchedule.id, RateSchedule.agreement_id, RateSchedule.provider_agency_id,
                RateSchedule.category_id, *(getattr(RateSchedule, k) for k in RATE_FIELDS),
                Agreement.stack_multipliers]
        q = (select(*cols).join(Agreement, Agreement.id == RateSchedule.agreement_id)
             .where(RateSchedule.deleted_at.is_(None)))
        if agreement_ids is not None:
            q = q.where(RateSchedule.agreement_id.in_(sorted(a for a in agreement_ids if a)))
        for row in s.execute(q):
            self.rates[row[1]].append(Rate(row[0], row[1], row[2], row[3], *row[4:-1],
                                           stack_multipliers=bool(row[-1])))
        self.mileage = mileage_table(s)
        table = sorted(self.mileage)
        self._mileage_starts = [d for d, _ in table]
        self._mileage_values = [c for _, c in table]
        self._timelines: dict[tuple, tuple[list[date], list[Rate | None]]] = {}
        self._cache: dict[tuple, Priced] = {}

    # -- the rate and mileage rate in force -----------------------------------------------------------
    def rate_for(self, agreement_id: str | None, provider_agency_id: str, category_id: str | None,
                 on: date) -> Rate | None:
        if agreement_id is None:
            return None
        key = (agreement_id, provider_agency_id, category_id)
        timeline = self._timelines.get(key)
        if timeline is None:
            timeline = self._timelines[key] = self._timeline(*key)
        starts, rates = timeline
        i = bisect_right(starts, on) - 1
        return rates[i] if i >= 0 else None

    def _timeline(self, agreement_id: str, provider_agency_id: str, category_id: str | None):
        rates = self.rates.get(agreement_id, ())
        bounds = {date.min}
        for r in rates:
            bounds.add(r.effective_from)
            if r.effective_to is not None and r.effective_to < date.max:
                bounds.add(r.effective_to + timedelta(days=1))
        starts = sorted(bounds)
        return starts, [rate_in_force(rates, b, category_id, provider_agency_id) for b in starts]

    def mileage_on(self, on: date) -> str:
        i = bisect_right(self._mileage_starts, on) - 1
        return self._mileage_values[i] if i >= 0 else "0"

    # -- pricing ------------------------------------------------------------------------------------------
    def price(self, e: EntryRow) -> Priced:
        """The full pricing (lines with rate snapshots) of one entry."""
        return self._price(e.agreement_id, e.provider_agency_id, e.category_id, e.work_date, e.minutes,
                           e.after_hours, e.callout, e.travel_minutes, e.miles, e.overtime)

    def _price(self, agreement_id: str | None, provider_agency_id: str, category_id: str | None, work_date: date,
               minutes: int, after_hours: bool, callout: bool, travel_minutes: int, miles: str,
               overtime: bool) -> Priced:
        rate = self.rate_for(agreement_id, provider_agency_id, category_id, work_date)
        if rate is None:
            return Priced(rate=None)
        per_mile = (rate.mileage_rate_cents or self.mileage_on(work_date)) if miles not in ("0", "", None) else ""
        key = (rate.id, per_mile, minutes, after_hours, callout, travel_minutes, miles, overtime)
        hit = self._cache.get(key)
        if hit is None:
            facts = EntryFacts(work_date, minutes, after_hours, callout, travel_minutes, miles, category_id,
                               provider_agency_id, overtime)
            hit = self._cache[key] = price_entry(facts, rate, ((date.min, per_mile or "0"),))
        return hit

    def amount(self, agreement_id: str | None, provider_agency_id: str, category_id: str | None, work_date: date,
               minutes: int, after_hours: bool, callout: bool, travel_minutes: int,
               miles: str, overtime: bool = False) -> tuple[int, int] | None:
        """(amount_cents, billable_minutes) of one entry, or None when it is not priced: ``price`` reduced to
        its totals, for sums over many entries (its cache makes repeated entries cheap)."""
        priced = self._price(agreement_id, provider_agency_id, category_id, work_date, minutes, after_hours, callout,
                             travel_minutes, miles, overtime)
        if priced.rate is None:
            return None
        return priced.amount_cents, priced.billable_minutes


def reprice(s: Session, *, entry_ids: list[str] | None = None, agreement_ids: list[str] | None = None,
            with_miles: bool = False, everything: bool = False) -> int:
    """Recompute the stored price snapshot (billable_minutes, amount_cents) of entries not yet invoiced.

    Called in the same transaction as whatever changed a price: logging or editing an entry, a rate
    schedule or agreement change, a mileage-rate change, an import, or applying synced changes. The
    update bypasses change capture: the snapshot is derived locally and never replicated.
    """
    s.flush()
    q = select(TimeEntry.id, *ENTRY_COLUMNS).where(TimeEntry.deleted_at.is_(None), TimeEntry.status != "invoiced")
    if not everything:
        conds = []
        if entry_ids:
            conds.append(TimeEntry.id.in_(entry_ids))
        if agreement_ids:
            conds.append(TimeEntry.agreement_id.in_(agreement_ids))
        if with_miles:
            conds.append(TimeEntry.miles != "0")
        if not conds:
            return 0
        from sqlalchemy import or_

        q = q.where(or_(*conds))
    found = s.execute(q).all()
    pricer = Pricer(s) if everything or len(found) > 200 else Pricer(s, {r[1] for r in found})
    rows = []
    for row in found:
        priced = pricer.amount(*row[1:])
        rows.append({"eid": row[0], "bm": priced[1] if priced else None, "amt": priced[0] if priced else None})
    if rows:
        stmt = (update(TimeEntry.__table__).where(TimeEntry.__table__.c.id == bindparam("eid"))
                .values(billable_minutes=bindparam("bm"), amount_cents=bindparam("amt"),
                        updated_at=TimeEntry.__table__.c.updated_at))  # derived: not an edit
        conn = s.connection()
        for i in range(0, len(rows), 5000):
            conn.execute(stmt, rows[i:i + 5000])
    return len(rows)


def freeze_invoiced(s: Session, entry_ids: Iterable[str]) -> int:
    """Set the price snapshot of invoiced entries to what their statement bills (``billing.billed_price`` of
    the lines naming the entry), so an invoiced entry's price equals its statement lines on every installation.

    Called where an entry is invoiced (issuing) and where an invoiced entry or its statement's lines arrive by
    sync. Entries whose lines are not here yet, or billed on a line shared with other entries (mutual aid),
    keep their price. Like ``reprice``, the update bypasses change capture."""
    ids = sorted(set(entry_ids))
    rows = []
    for i in range(0, len(ids), 500):
        found = s.execute(select(TimeEntry.id, StatementLine.statement_id).join(
            StatementLine, StatementLine.id == TimeEntry.statement_line_id).where(
            TimeEntry.id.in_(ids[i:i + 500]), TimeEntry.status == "invoiced", TimeEntry.deleted_at.is_(None))).all()
        by_statement: dict[str, set[str]] = defaultdict(set)
        for eid, sid in found:
            by_statement[sid].add(eid)
        for sid, eids in sorted(by_statement.items()):
            lines: dict[str, list[tuple]] = defaultdict(list)
            shared: set[str] = set()
            for ln in s.execute(select(StatementLine.kind, StatementLine.side, StatementLine.quantity,
                                       StatementLine.amount_cents, StatementLine.source_entry_ids).where(
                    StatementLine.statement_id == sid, StatementLine.deleted_at.is_(None))):
                sources = json.loads(ln.source_entry_ids or "[]")
                for eid in eids.intersection(sources):
                    lines[eid].append(tuple(ln[:4]))
                    if len(sources) > 1:
                        shared.add(eid)
            for eid in sorted(set(lines) - shared):
                amount, billable = billed_price(lines[eid])
                rows.append({"eid": eid, "bm": billable, "amt": amount})
    if rows:
        t = TimeEntry.__table__
        s.connection().execute(update(t).where(t.c.id == bindparam("eid")).values(
            billable_minutes=bindparam("bm"), amount_cents=bindparam("amt"), updated_at=t.c.updated_at), rows)
    return len(rows)
