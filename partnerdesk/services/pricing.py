"""Loads what pricing needs (rates, mileage table, caps) once per unit of work and prices entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
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


def cap_use(s: Session, pricer: Pricer, agreement: Agreement, provider_agency_id: str, fiscal_year: int,
            fy_start_month: int, extra: EntryRow | None = None, exclude_id: str | None = None) -> CapUse:
    """Use of an agreement's fiscal-year cap by one provider, optionally with an entry not yet saved."""
    start, end = fiscal_year_range(fiscal_year, fy_start_month)
    q = (select(TimeEntry.id, *ENTRY_COLUMNS)
         .where(TimeEntry.agreement_id == agreement.id, TimeEntry.provider_agency_id == provider_agency_id,
                TimeEntry.deleted_at.is_(None), TimeEntry.work_date >= start, TimeEntry.work_date <= end))
    used_cents = used_minutes = 0
    for row in s.execute(q):
        if row[0] == exclude_id:
            continue
        p = pricer.price(EntryRow(*row[1:]))
        used_cents += p.amount_cents
        used_minutes += p.billable_minutes or row.minutes
    if extra is not None:
        p = pricer.price(extra)
        used_cents += p.amount_cents
        used_minutes += p.billable_minutes or extra.minutes
    return CapUse(agreement.cap_cents, used_cents, agreement.cap_minutes, used_minutes)
