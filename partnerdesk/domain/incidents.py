"""Disaster cost recovery (issue 20): the cost of our own staff's hours on an incident, as FEMA's Force Account
Labor Summary (Form 009-0-123) and a mutual-aid reimbursement request show it. Pure functions, no I/O.

The rounding rule, written once (docs/incidents.md):

1. the **benefit rate per hour** is the hourly pay times the fringe percentage, rounded half-up to the cent
   (regular time uses the regular fringe percentage, overtime the overtime one);
2. the **total hourly rate** is the hourly pay plus that benefit rate (whole cents, so exact);
3. one **row** per employee, regular or overtime, and pay rate in force: its hours are the minutes logged on its
   days added up, its cost is hours × total hourly rate, rounded half-up to the cent **once per row**;
4. every **total** is a sum of rounded rows.

Emergency work: the regular hours of permanent (budgeted) staff are usually not eligible for reimbursement.
Those rows are listed with their cost but left out of the claimable totals, unless an override (with its
reason) counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Sequence

REGULAR, OVERTIME = "regular", "overtime"
WORK_KINDS = ("emergency", "permanent")
NOT_ELIGIBLE = "usually not eligible: regular time of permanent staff on emergency work"
FEMA_CATEGORIES = {"A": "Debris removal", "B": "Emergency protective measures", "C": "Roads and bridges",
                   "D": "Water control facilities", "E": "Buildings and equipment", "F": "Utilities",
                   "G": "Parks, recreational and other facilities", "Z": "Management costs"}


PRICINGS = {"actual-cost": "actual_cost", "actual_cost": "actual_cost", "agreement-rates": "agreement_rates",
            "agreement_rates": "agreement_rates"}


def parse_pricing(text: str | None) -> str | None:
    """An agreement's mutual-aid pricing as typed: actual-cost or agreement-rates ('none' or empty: the default,
    actual cost); ValueError otherwise."""
    key = (text or "").strip().lower()
    if key in ("none", ""):
        return None
    if key not in PRICINGS:
        raise ValueError(f"mutual-aid pricing: '{text}' must be actual-cost or agreement-rates")
    return PRICINGS[key]


def half_up(value: Decimal) -> int:
    """Whole cents, half away from zero: the one rounding of this module."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_percent(text: str | Decimal, field_name: str = "fringe") -> str:
    """A percentage as typed ("38.5", "38.5%") as a canonical decimal string; ValueError naming the field."""
    raw = str(text).strip().removesuffix("%").strip()
    try:
        d = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{field_name}: '{text}' is not a percentage (like 38.5)") from None
    if not d.is_finite() or d < 0 or d > 200:
        raise ValueError(f"{field_name}: {text} must be from 0 to 200 percent")
    if d != d.quantize(Decimal("0.001")):
        raise ValueError(f"{field_name}: {text} has more than three decimals")
    return format(d.normalize(), "f")


def benefit_cents(hourly_cents: int, percent: str) -> int:
    """Rule 1: the benefit rate per hour, in cents."""
    return half_up(Decimal(hourly_cents) * Decimal(percent) / 100)


@dataclass(frozen=True)
class PayRate:
    """One employee's pay from ``effective_from`` until the next rate (cents per hour, fringe percentages)."""

    effective_from: date
    regular_cents: int
    overtime_cents: int
    fringe_regular: str
    fringe_overtime: str
    permanent: bool = True

    def hourly(self, kind: str) -> tuple[int, str]:
        return (self.regular_cents, self.fringe_regular) if kind == REGULAR else \
            (self.overtime_cents, self.fringe_overtime)


def rate_on(rates: Sequence[PayRate], day: date) -> PayRate | None:
    """The rate in force on ``day``: the latest whose effective date is on or before it."""
    live = [r for r in rates if r.effective_from <= day]
    return max(live, key=lambda r: r.effective_from) if live else None


@dataclass(frozen=True)
class WorkDay:
    """One time entry as the labor summary reads it."""

    entry_id: str
    person: str  # a stable key (the contact id)
    name: str
    title: str | None
    work_date: date
    minutes: int
    overtime: bool


@dataclass(frozen=True)
class LaborRow:
    person: str
    name: str
    title: str | None
    kind: str  # regular | overtime
    rate_from: date
    days: tuple[tuple[date, int], ...]  # (date, minutes) each day
    minutes: int
    hourly_cents: int
    fringe_percent: str
    benefit_cents: int
    total_hourly_cents: int
    cost_cents: int
    claimable: bool
    note: str | None  # why not claimable, or the override's reason
    entry_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaborSummary:
    rows: tuple[LaborRow, ...]
    regular_minutes: int
    overtime_minutes: int
    regular_cents: int  # claimable regular time
    overtime_cents: int  # claimable overtime
    not_claimed_minutes: int
    not_claimed_cents: int

    @property
    def claimable_cents(self) -> int:
        return self.regular_cents + self.overtime_cents

    @property
    def actual_cost_cents(self) -> int:
        """Every row's cost: what the hours cost us, eligible or not (a mutual-aid request at actual cost)."""
        return sum(r.cost_cents for r in self.rows)


@dataclass(frozen=True)
class MissingRate:
    name: str
    work_date: date


class NoPayRate(ValueError):
    def __init__(self, missing: Sequence[MissingRate]):
        self.missing = tuple(missing)
        first = self.missing[0]
        more = f" (and {len(self.missing) - 1} more)" if len(self.missing) > 1 else ""
        super().__init__(f"no pay rate for {first.name} on {first.work_date.isoformat()}{more}")


def summarize(days: Iterable[WorkDay], rates: dict[str, Sequence[PayRate]], emergency: bool,
              overrides: dict[str | None, str] | None = None) -> LaborSummary:
    """The labor summary of ``days`` (rules 1–4 above). ``rates`` per person; ``overrides`` maps a person
    (or None: everyone) to the reason their regular time on emergency work is counted as claimable. Raises
    NoPayRate naming each person and day without a rate in force."""
    overrides = overrides or {}
    groups: dict[tuple, list[WorkDay]] = {}
    missing: list[MissingRate] = []
    for d in sorted(days, key=lambda d: (d.name.casefold(), d.person, d.work_date, d.entry_id)):
        rate = rate_on(rates.get(d.person, ()), d.work_date)
        if rate is None:
            missing.append(MissingRate(d.name, d.work_date))
            continue
        kind = OVERTIME if d.overtime else REGULAR
        groups.setdefault((d.name.casefold(), d.person, kind == OVERTIME, rate.effective_from), []).append(d)
    if missing:
        raise NoPayRate(sorted(set(missing), key=lambda m: (m.work_date, m.name)))
    rows = []
    for (_n, person, is_ot, since), items in groups.items():
        kind = OVERTIME if is_ot else REGULAR
        rate = next(r for r in rates[person] if r.effective_from == since)
        hourly, pct = rate.hourly(kind)
        benefit = benefit_cents(hourly, pct)
        total_rate = hourly + benefit
        per_day: dict[date, int] = {}
        for d in items:
            per_day[d.work_date] = per_day.get(d.work_date, 0) + d.minutes
        minutes = sum(per_day.values())
        cost = half_up(Decimal(minutes) * total_rate / 60)
        claimable, note = True, None
        if emergency and kind == REGULAR and rate.permanent:
            reason = overrides.get(person) or overrides.get(None)
            claimable, note = (True, f"counted: {reason}") if reason else (False, NOT_ELIGIBLE)
        rows.append(LaborRow(person, items[0].name, items[0].title, kind, since, tuple(sorted(per_day.items())),
                             minutes, hourly, pct, benefit, total_rate, cost, claimable, note,
                             tuple(d.entry_id for d in items)))
    rows.sort(key=lambda r: (r.name.casefold(), r.person, r.rate_from, r.kind == OVERTIME))
    reg = [r for r in rows if r.kind == REGULAR and r.claimable]
    ot = [r for r in rows if r.kind == OVERTIME and r.claimable]
    out = [r for r in rows if not r.claimable]
    return LaborSummary(tuple(rows), sum(r.minutes for r in reg), sum(r.minutes for r in ot),
                        sum(r.cost_cents for r in reg), sum(r.cost_cents for r in ot),
                        sum(r.minutes for r in out), sum(r.cost_cents for r in out))


@dataclass(frozen=True)
class BenefitRow:
    """One line of the Applicant's Benefit Calculation Worksheet (FEMA Form 009-0-128): an employee's fringe
    rates in force from a date, and what they come to per hour."""

    name: str
    title: str | None
    effective_from: date
    permanent: bool
    regular_cents: int
    fringe_regular: str
    regular_benefit_cents: int
    overtime_cents: int
    fringe_overtime: str
    overtime_benefit_cents: int


def benefit_worksheet(summary: LaborSummary, rates: dict[str, Sequence[PayRate]]) -> tuple[BenefitRow, ...]:
    seen: dict[tuple[str, date], BenefitRow] = {}
    for r in summary.rows:
        rate = next(x for x in rates[r.person] if x.effective_from == r.rate_from)
        seen.setdefault((r.person, r.rate_from), BenefitRow(
            r.name, r.title, r.rate_from, rate.permanent, rate.regular_cents, rate.fringe_regular,
            benefit_cents(rate.regular_cents, rate.fringe_regular), rate.overtime_cents, rate.fringe_overtime,
            benefit_cents(rate.overtime_cents, rate.fringe_overtime)))
    return tuple(seen.values())


@dataclass(frozen=True)
class IncidentDTO:
    id: str
    ref: str
    name: str
    declaration: str | None
    incident_type: str | None
    start_date: date
    end_date: date | None
    work: str
    applicant: str | None = None
    pa_id: str | None = None
    project_number: str | None = None
    site: str | None = None
    category: str | None = None
    description: str | None = None
    hours_minutes: int = 0

    @property
    def label(self) -> str:
        """How a picker shows it: "WS-2026 — November windstorm (DR-4999-WA)"."""
        return f"{self.ref} — {self.name}" + (f" ({self.declaration})" if self.declaration else "")


@dataclass(frozen=True)
class LaborDocument:
    """Everything the Force Account Labor Summary and its benefit worksheet print."""

    incident: IncidentDTO
    applicant: str
    summary: LaborSummary
    benefits: tuple[BenefitRow, ...]
    period_start: date
    period_end: date
    certifier_name: str
    certifier_title: str | None
    prepared_on: date
    overrides: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (who, reason)
    demo: bool = False
