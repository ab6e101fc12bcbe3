"""Statement rules: lines, offsets and totals (DESIGN §4 rules 2, 5, 6), aging and payment status. Pure functions.

* every priced entry becomes one line per priced part (labor or after-hours, call-out minimum, travel,
  mileage); each line snapshots the rate, staff, title, category and description it was billed with;
* where the agreement allows offsets, the hours the partner gave us in the period appear as a separate
  credit block (side ``offset``), priced at **their** rate schedule, with negative amounts;
* totals are sums of rounded lines: gross provided, gross offset, net; if the net favours the partner,
  the amount due is zero and the statement says so (``net_favours_partner``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Sequence

from partnerdesk.domain.billing import IRS_MILEAGE_CENTS, EntryFacts, Rate, price_entry
from partnerdesk.domain.durations import format_minutes

PROVIDED = "provided"
OFFSET = "offset"
TIME_KINDS = ("labor", "after_hours", "overtime", "after_hours_overtime", "callout_minimum", "travel")
LABOR_KINDS = ("labor", "after_hours", "overtime", "after_hours_overtime", "callout_minimum")  # caps: not travel
KIND_LABELS = {"labor": "Labor", "after_hours": "After-hours labor", "overtime": "Overtime labor",
               "after_hours_overtime": "After-hours overtime labor",
               "callout_minimum": "Call-out minimum", "travel": "Travel time", "mileage": "Mileage",
               "adjustment": "Adjustment"}


@dataclass(frozen=True)
class BillableEntry:
    """One time entry as the statement builder needs it (names already resolved)."""

    id: str
    work_date: date
    minutes: int
    staff_name: str | None = None
    staff_title: str | None = None
    category_id: str | None = None
    category_code: str | None = None
    description: str | None = None
    incident_ref: str | None = None
    after_hours: bool = False
    callout: bool = False
    travel_minutes: int = 0
    miles: str = "0"
    provider_agency_id: str | None = None
    overtime: bool = False

    def facts(self) -> EntryFacts:
        return EntryFacts(self.work_date, self.minutes, self.after_hours, self.callout, self.travel_minutes,
                          self.miles, self.category_id, self.provider_agency_id, self.overtime)


@dataclass(frozen=True)
class LineDraft:
    """A statement line before it is stored. ``quantity`` is minutes for time lines, miles for mileage;
    ``unit_rate`` is cents per hour or cents per mile (decimal strings, snapshotted)."""

    kind: str
    side: str
    work_date: date | None
    staff_name: str | None
    staff_title: str | None
    category_code: str | None
    description: str | None
    quantity: str
    unit_rate: str
    multiplier: str
    amount_cents: int
    source_entry_ids: tuple[str, ...] = ()

    @property
    def is_time(self) -> bool:
        return self.kind in TIME_KINDS

    @property
    def hours_text(self) -> str:
        return format_minutes(int(self.quantity)) if self.is_time else ""

    def key(self) -> tuple:
        """What makes two drafts the same line (used to refresh drafts only when something changed)."""
        return (self.kind, self.side, self.work_date, self.staff_name, self.staff_title, self.category_code,
                self.description, self.quantity, self.unit_rate, self.multiplier, self.amount_cents,
                self.source_entry_ids)


@dataclass(frozen=True)
class Totals:
    gross_provided_cents: int  # what we provided, before offsets
    gross_offset_cents: int  # what the partner provided to us, as a positive number (0 without offsets)
    net_cents: int  # provided - offset; negative when the net favours the partner
    amount_due_cents: int  # never negative

    @property
    def net_favours_partner(self) -> bool:
        return self.net_cents < 0

    @property
    def partner_net_cents(self) -> int:
        """What the partner's side exceeds ours by (0 unless the net favours the partner)."""
        return -self.net_cents if self.net_cents < 0 else 0


@dataclass(frozen=True)
class Unpriced:
    entry: BillableEntry
    reason: str


@dataclass(frozen=True)
class StatementDraft:
    lines: tuple[LineDraft, ...]
    totals: Totals
    unpriced: tuple[Unpriced, ...] = field(default_factory=tuple)
    offset_applied: bool = False

    @property
    def provided(self) -> tuple[LineDraft, ...]:
        return tuple(ln for ln in self.lines if ln.side == PROVIDED)

    @property
    def offsets(self) -> tuple[LineDraft, ...]:
        return tuple(ln for ln in self.lines if ln.side == OFFSET)


def entry_lines(entry: BillableEntry, rate: Rate | None, side: str = PROVIDED,
                mileage_table: Sequence[tuple[date, str]] = IRS_MILEAGE_CENTS) -> tuple[LineDraft, ...]:
    """The lines one entry bills: priced with ``rate`` (the schedule in force on its work date);
    offset lines carry negative amounts. No rate: no lines (the caller holds the entry back)."""
    if side not in (PROVIDED, OFFSET):
        raise ValueError(f"side must be {PROVIDED!r} or {OFFSET!r}")
    priced = price_entry(entry.facts(), rate, mileage_table)
    if not priced.priced:
        return ()
    sign = -1 if side == OFFSET else 1
    out = []
    for p in priced.lines:
        desc = entry.description or ""
        if entry.incident_ref:
            desc = f"{desc} ({entry.incident_ref})" if desc else entry.incident_ref
        if p.kind != "labor":
            label = KIND_LABELS[p.kind]
            if entry.after_hours and entry.overtime and p.kind in ("after_hours", "overtime", "after_hours_overtime",
                                                                   "callout_minimum"):
                label += (" (overtime and after hours: both multipliers)" if rate.stack_multipliers
                          else " (overtime and after hours: the higher multiplier)")
            desc = f"{label}: {desc}" if desc else label
        out.append(LineDraft(kind=p.kind, side=side, work_date=entry.work_date, staff_name=entry.staff_name,
                             staff_title=entry.staff_title, category_code=entry.category_code,
                             description=desc or None, quantity=p.quantity, unit_rate=p.unit_rate,
                             multiplier=p.multiplier, amount_cents=sign * p.amount_cents,
                             source_entry_ids=(entry.id,)))
    return tuple(out)


def totals_of(lines: Iterable[LineDraft]) -> Totals:
    """Sums of rounded lines; the amount due is the net, floored at zero."""
    provided = offset = 0
    for ln in lines:
        if ln.side == OFFSET:
            offset += -ln.amount_cents
        else:
            provided += ln.amount_cents
    net = provided - offset
    return Totals(provided, offset, net, max(net, 0))


def build_statement(provided: Iterable[tuple[BillableEntry, Rate | None]],
                    received: Iterable[tuple[BillableEntry, Rate | None]] = (), *, offset_allowed: bool = False,
                    mileage_table: Sequence[tuple[date, str]] = IRS_MILEAGE_CENTS) -> StatementDraft:
    """Lines and totals for one partner, agreement and period.

    ``provided`` are our entries for the partner; ``received`` the partner's entries for us, each with the
    rate in force for its provider. Received entries become an offset block only when the agreement
    allows it; otherwise they are ignored (they are the partner's to bill). Lines are ordered by side,
    date, staff, then kind, so the same data always gives the same statement.
    """
    lines: list[LineDraft] = []
    unpriced: list[Unpriced] = []
    sources = [(PROVIDED, provided)] + ([(OFFSET, received)] if offset_allowed else [])
    for side, entries in sources:
        for entry, rate in entries:
            got = entry_lines(entry, rate, side, mileage_table)
            if not got:
                unpriced.append(Unpriced(entry, f"no rate in force on {entry.work_date}"))
            lines.extend(got)
    order = {k: i for i, k in enumerate(("labor", "after_hours", "overtime", "after_hours_overtime", "callout_minimum",
                                         "travel", "mileage"))}
    lines.sort(key=lambda ln: (ln.side != PROVIDED, ln.work_date or date.min, ln.staff_name or "",
                               ln.source_entry_ids, order.get(ln.kind, 9)))
    return StatementDraft(tuple(lines), totals_of(lines), tuple(unpriced),
                          offset_applied=offset_allowed and any(ln.side == OFFSET for ln in lines))


def summary_by_category(lines: Iterable[LineDraft]) -> list[tuple[str, str, int, int, int]]:
    """[(side, category code, minutes, travel minutes, cents)] in a stable order. The minutes are the sum of the
    category's time lines as the detail shows them, travel included (and also given on its own); mileage counts
    no minutes."""
    acc: dict[tuple[str, str], list[int]] = {}
    for ln in lines:
        k = (ln.side, ln.category_code or "—")
        a = acc.setdefault(k, [0, 0, 0])
        if ln.is_time:
            a[0] += int(ln.quantity)
            if ln.kind == "travel":
                a[1] += int(ln.quantity)
        a[2] += ln.amount_cents
    return [(side, cat, m, t, c) for (side, cat), (m, t, c) in sorted(acc.items(),
                                                                      key=lambda kv: (kv[0][0] != PROVIDED, kv[0][1]))]


def billed_minutes(lines: Iterable[LineDraft], side: str = PROVIDED) -> int:
    """Labor minutes billed (labor, after-hours, overtime and call-out minimum; not travel)."""
    return sum(int(ln.quantity) for ln in lines if ln.side == side and ln.kind in LABOR_KINDS)


@dataclass(frozen=True)
class Aging:
    current: int = 0  # 0–30 days
    d31_60: int = 0
    d61_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.current + self.d31_60 + self.d61_90 + self.over_90


def age_balances(items: Iterable[tuple[date, int]], as_of: date) -> Aging:
    """Outstanding balances bucketed by days since the statement date (0–30, 31–60, 61–90, 90+)."""
    b = [0, 0, 0, 0]
    for issued, balance in items:
        if not balance:
            continue
        days = (as_of - issued).days
        idx = 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3
        b[idx] += balance
    return Aging(*b)


def payment_status(amount_due_cents: int, settled_cents: int) -> str:
    """issued → partially_paid → paid, from what has been paid or credited against the amount due; overpaid
    when more than that came in (payments recorded on two PCs at once, issue 14: a money conflict)."""
    if settled_cents > max(amount_due_cents, 0):
        return "overpaid"
    if amount_due_cents <= 0:
        return "issued"  # nothing to pay (e.g. the net favours the partner)
    if settled_cents >= amount_due_cents:
        return "paid"
    if settled_cents > 0:
        return "partially_paid"
    return "issued"
