"""Pricing rules (DESIGN §4 rules 1–3). Pure functions over plain data; exhaustively tested.

* the rate schedule in force **on the work date** prices the entry, and is snapshotted onto the line;
* minutes round **up** to the billing increment; a call-out bills at least the minimum;
* after-hours multiplies the rate, overtime by the schedule's overtime multiplier; an entry that is both is
  priced with the higher of the two, unless its agreement stacks them (then with their product);
* travel time is billed only where the schedule says so;
* mileage = miles × the rate in force on the date (IRS by default);
* every line rounds half-up to the cent; totals are sums of rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from partnerdesk.domain.money import round_half_up

# IRS standard business mileage rates, cents per mile, by the date they took effect. Defaults only:
# the user edits them (MileageRate rows) and those win.
IRS_MILEAGE_CENTS: tuple[tuple[date, str], ...] = (
    (date(2023, 1, 1), "65.5"),
    (date(2024, 1, 1), "67"),
    (date(2025, 1, 1), "70"),
    (date(2026, 1, 1), "72.5"),
)


@dataclass(frozen=True)
class Rate:
    """One rate schedule row as plain data."""

    id: str
    agreement_id: str
    provider_agency_id: str | None
    category_id: str | None
    effective_from: date
    effective_to: date | None
    hourly_rate_cents: int
    after_hours_multiplier: str = "1.5"
    overtime_multiplier: str = "1.5"
    billing_increment_minutes: int = 15
    minimum_callout_minutes: int = 0
    travel_billable: bool = False
    mileage_rate_cents: str | None = None  # decimal string; None = mileage table in force
    stack_multipliers: bool = False  # the agreement's: after-hours overtime is priced with both multipliers

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class EntryFacts:
    work_date: date
    minutes: int
    after_hours: bool = False
    callout: bool = False
    travel_minutes: int = 0
    miles: str = "0"
    category_id: str | None = None
    provider_agency_id: str | None = None
    overtime: bool = False


@dataclass(frozen=True)
class PricedLine:
    kind: str  # labor | after_hours | overtime | after_hours_overtime | callout_minimum | travel | mileage
    quantity: str  # minutes for time lines, miles for mileage
    unit_rate: str  # cents per hour (time) or cents per mile (mileage), as a decimal string
    multiplier: str
    amount_cents: int


@dataclass(frozen=True)
class Priced:
    rate: Rate | None
    billable_minutes: int = 0  # labor minutes billed, after rounding and call-out minimum
    lines: tuple[PricedLine, ...] = field(default_factory=tuple)

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def priced(self) -> bool:
        return self.rate is not None


# Line kinds that bill no labor minutes (the rest are labor at some multiplier, or a call-out top-up).
NOT_LABOR_KINDS = frozenset({"travel", "mileage", "offset", "adjustment"})


def billed_price(lines: Iterable[tuple[str, str, str, int]]) -> tuple[int, int]:
    """(amount_cents, billable_minutes) of one invoiced entry: the totals of the statement lines that bill it,
    given as (kind, side, quantity, amount_cents). An invoiced entry's price is frozen at what its statement
    shows, on every installation, whatever later happens to the rates (offset lines are negative)."""
    amount = billable = 0
    for kind, side, quantity, cents in lines:
        amount += -cents if side == "offset" else cents
        if kind not in NOT_LABOR_KINDS:
            billable += int(Decimal(quantity or "0"))
    return amount, billable


def round_up(minutes: int, increment: int) -> int:
    if minutes <= 0:
        return 0
    if increment <= 1:
        return minutes
    return -(-minutes // increment) * increment


def rate_in_force(rates: Iterable[Rate], on: date, category_id: str | None = None,
                  provider_agency_id: str | None = None) -> Rate | None:
    """The schedule in force on ``on``: an exact category beats a catch-all (no category); a
    provider-specific row beats one for any provider; among equals the latest start wins."""
    best: tuple[tuple[int, int, date], Rate] | None = None
    for r in rates:
        if not r.in_force(on):
            continue
        if r.category_id is not None and r.category_id != category_id:
            continue
        if r.provider_agency_id is not None and r.provider_agency_id != provider_agency_id:
            continue
        key = (int(r.category_id is not None), int(r.provider_agency_id is not None), r.effective_from)
        if best is None or key > best[0]:
            best = (key, r)
    return best[1] if best else None


def mileage_rate_on(on: date, table: Sequence[tuple[date, str]] = IRS_MILEAGE_CENTS) -> str:
    chosen = "0"
    for start, cents in sorted(table):
        if start <= on:
            chosen = cents
    return chosen


def _time_amount(minutes: int, rate_cents: int, multiplier: str) -> int:
    return round_half_up(Decimal(minutes) * Decimal(rate_cents) * Decimal(multiplier) / 60)


def labor_multiplier(after_hours: bool, overtime: bool, rate: Rate) -> tuple[str, str]:
    """(line kind, multiplier) of an entry's labor: after-hours and overtime each multiply the rate by the
    schedule's multiplier; an entry that is both gets the higher one (on a tie it is the after-hours line), or,
    when its agreement stacks them, the product of the two (an "after_hours_overtime" line)."""
    if after_hours and overtime and rate.stack_multipliers:
        both = Decimal(rate.after_hours_multiplier) * Decimal(rate.overtime_multiplier)
        return "after_hours_overtime", str(int(both)) if both == both.to_integral_value() else str(both.normalize())
    kind, mult = "labor", "1"
    if after_hours:
        kind, mult = "after_hours", rate.after_hours_multiplier
    if overtime and Decimal(rate.overtime_multiplier) > Decimal(mult if after_hours else "0"):
        kind, mult = "overtime", rate.overtime_multiplier
    return kind, mult


def labor_lines(minutes: int, after_hours: bool, callout: bool, rate: Rate,
                overtime: bool = False) -> tuple[tuple[PricedLine, ...], int]:
    """The labor line (after-hours or overtime when flagged) and any call-out top-up at the same multiplier;
    with the billable minutes."""
    lines: list[PricedLine] = []
    kind, mult = labor_multiplier(after_hours, overtime, rate)
    rounded = round_up(minutes, rate.billing_increment_minutes)
    lines.append(PricedLine(kind, str(rounded), str(rate.hourly_rate_cents), mult,
                            _time_amount(rounded, rate.hourly_rate_cents, mult)))
    billable = rounded
    if callout and rate.minimum_callout_minutes > rounded:
        extra = rate.minimum_callout_minutes - rounded
        lines.append(PricedLine("callout_minimum", str(extra), str(rate.hourly_rate_cents), mult,
                                _time_amount(extra, rate.hourly_rate_cents, mult)))
        billable += extra
    return tuple(lines), billable


def travel_lines(travel_minutes: int, rate: Rate) -> tuple[PricedLine, ...]:
    """Travel time at the plain rate, rounded up to the increment, only where the schedule bills it."""
    if travel_minutes <= 0 or not rate.travel_billable:
        return ()
    travel = round_up(travel_minutes, rate.billing_increment_minutes)
    return (PricedLine("travel", str(travel), str(rate.hourly_rate_cents), "1",
                       _time_amount(travel, rate.hourly_rate_cents, "1")),)


def mileage_lines(miles: str, per_mile: str) -> tuple[PricedLine, ...]:
    quantity = Decimal(miles or "0")
    if quantity <= 0:
        return ()
    return (PricedLine("mileage", str(quantity), per_mile, "1", round_half_up(quantity * Decimal(per_mile))),)


def mileage_rate_for(entry_date: date, rate: Rate, mileage_table: Sequence[tuple[date, str]]) -> str:
    """The schedule's own mileage rate, else the mileage table's rate in force on the date."""
    return rate.mileage_rate_cents or mileage_rate_on(entry_date, mileage_table)


def price_entry(entry: EntryFacts, rate: Rate | None,
                mileage_table: Sequence[tuple[date, str]] = IRS_MILEAGE_CENTS) -> Priced:
    """Price one entry. With no rate the entry is unpriced (never guessed)."""
    if rate is None:
        return Priced(rate=None)
    labor, billable = labor_lines(entry.minutes, entry.after_hours, entry.callout, rate, entry.overtime)
    lines = labor + travel_lines(entry.travel_minutes, rate)
    if Decimal(entry.miles or "0") > 0:
        lines += mileage_lines(entry.miles, mileage_rate_for(entry.work_date, rate, mileage_table))
    return Priced(rate=rate, billable_minutes=billable, lines=lines)
