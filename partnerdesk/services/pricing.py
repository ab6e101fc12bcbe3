"""Loads what pricing needs (rates, mileage table, caps) once per unit of work and prices entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from partnerdesk.db.models import Agreement, RateSchedule, TimeEntry
from partnerdesk.domain.billing import EntryFacts, Priced, Rate, price_entry, rate_in_force
from partnerdesk.domain.caps import CapUse
from partnerdesk.domain.periods import fiscal_year_range
from partnerdesk.services.agreements import mileage_table, rate_facts


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

    @classmethod
    def of(cls, e: TimeEntry) -> "EntryRow":
        return cls(e.agreement_id, e.provider_agency_id, e.category_id, e.work_date, e.minutes, e.after_hours,
                   e.callout, e.travel_minutes, e.miles)


ENTRY_COLUMNS = (TimeEntry.agreement_id, TimeEntry.provider_agency_id, TimeEntry.category_id,
                 TimeEntry.work_date, TimeEntry.minutes, TimeEntry.after_hours, TimeEntry.callout,
                 TimeEntry.travel_minutes, TimeEntry.miles)


class Pricer:
    def __init__(self, s: Session):
        self.rates: dict[str, list[Rate]] = defaultdict(list)
        for r in s.scalars(select(RateSchedule).where(RateSchedule.deleted_at.is_(None))):
            self.rates[r.agreement_id].append(rate_facts(r))
        self.mileage = mileage_table(s)
        self._cache: dict[tuple, Priced] = {}

    def price(self, e: EntryRow) -> Priced:
        if e.agreement_id is None:
            return Priced(rate=None)
        key = (e.agreement_id, e.provider_agency_id, e.category_id, e.work_date, e.minutes, e.after_hours,
               e.callout, e.travel_minutes, e.miles)
        hit = self._cache.get(key)
        if hit is None:
            rate = rate_in_force(self.rates.get(e.agreement_id, ()), e.work_date, e.category_id,
                                 e.provider_agency_id)
            facts = EntryFacts(e.work_date, e.minutes, e.after_hours, e.callout, e.travel_minutes, e.miles,
                               e.category_id, e.provider_agency_id)
            hit = self._cache[key] = price_entry(facts, rate, self.mileage)
        return hit


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
    pricer = Pricer(s)
    rows = []
    for row in s.execute(q):
        p = pricer.price(EntryRow(*row[1:]))
        rows.append({"eid": row[0], "bm": p.billable_minutes if p.priced else None,
                     "amt": p.amount_cents if p.priced else None})
    if rows:
        stmt = (update(TimeEntry.__table__).where(TimeEntry.__table__.c.id == bindparam("eid"))
                .values(billable_minutes=bindparam("bm"), amount_cents=bindparam("amt"),
                        updated_at=TimeEntry.__table__.c.updated_at))  # derived: not an edit
        conn = s.connection()
        for i in range(0, len(rows), 5000):
            conn.execute(stmt, rows[i:i + 5000])
    return len(rows)


def cap_use(s: Session, agreement: Agreement, provider_agency_id: str, fiscal_year: int, fy_start_month: int,
            extra: tuple[int, int] | None = None) -> CapUse:
    """Use of an agreement's fiscal-year cap by one provider (stored price snapshots), optionally plus an
    unsaved entry's (amount_cents, billable_minutes)."""
    start, end = fiscal_year_range(fiscal_year, fy_start_month)
    used_cents, used_minutes = s.execute(
        select(func.coalesce(func.sum(TimeEntry.amount_cents), 0),
               func.coalesce(func.sum(func.coalesce(TimeEntry.billable_minutes, TimeEntry.minutes)), 0))
        .where(TimeEntry.agreement_id == agreement.id, TimeEntry.provider_agency_id == provider_agency_id,
               TimeEntry.deleted_at.is_(None), TimeEntry.work_date >= start, TimeEntry.work_date <= end)).one()
    if extra is not None:
        used_cents += extra[0]
        used_minutes += extra[1]
    return CapUse(agreement.cap_cents, used_cents, agreement.cap_minutes, used_minutes)
