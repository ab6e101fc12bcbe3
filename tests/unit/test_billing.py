"""The pricing engine (DESIGN §4 rules 1–3), table-driven: every rule, each edge on both sides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from partnerdesk.domain.billing import (IRS_MILEAGE_CENTS, EntryFacts, Rate, mileage_rate_on, price_entry,
                                        rate_in_force, round_up)

BASE = Rate(id="r1", agreement_id="a1", provider_agency_id=None, category_id=None,
            effective_from=date(2026, 1, 1), effective_to=None, hourly_rate_cents=120_00,
            after_hours_multiplier="1.5", billing_increment_minutes=15, minimum_callout_minutes=120,
            travel_billable=True)
DAY = date(2026, 5, 12)


def entry(**kw) -> EntryFacts:
    return EntryFacts(**{"work_date": DAY, "minutes": 60, **kw})


@pytest.mark.parametrize("minutes, increment, expected", [
    (0, 15, 0), (-5, 15, 0), (1, 15, 15), (14, 15, 15), (15, 15, 15), (16, 15, 30), (61, 15, 75),
    (61, 6, 66), (7, 1, 7), (7, 0, 7), (59, 60, 60), (61, 60, 120),
])
def test_round_up_to_increment(minutes, increment, expected):
    assert round_up(minutes, increment) == expected


# (case, entry, rate changes, expected lines [(kind, quantity, amount_cents)], billable minutes)
CASES = [
    ("one hour", dict(), {}, [("labor", "60", 120_00)], 60),
    ("rounds up to 15", dict(minutes=61), {}, [("labor", "75", 150_00)], 75),
    ("exact increment not bumped", dict(minutes=45), {}, [("labor", "45", 90_00)], 45),
    ("6-minute increment", dict(minutes=61), dict(billing_increment_minutes=6), [("labor", "66", 132_00)], 66),
    ("after hours x1.5", dict(after_hours=True), {}, [("after_hours", "60", 180_00)], 60),
    ("after hours x2", dict(after_hours=True, minutes=30), dict(after_hours_multiplier="2"),
     [("after_hours", "30", 120_00)], 30),
    ("call-out below minimum tops up", dict(callout=True, minutes=30), {},
     [("labor", "30", 60_00), ("callout_minimum", "90", 180_00)], 120),
    ("call-out at minimum: no top-up", dict(callout=True, minutes=120), {}, [("labor", "120", 240_00)], 120),
    ("call-out above minimum: no top-up", dict(callout=True, minutes=150), {}, [("labor", "150", 300_00)], 150),
    ("no minimum without call-out", dict(minutes=30), {}, [("labor", "30", 60_00)], 30),
    ("call-out after hours: top-up at the multiplier", dict(callout=True, after_hours=True, minutes=60), {},
     [("after_hours", "60", 180_00), ("callout_minimum", "60", 180_00)], 120),
    ("travel billable, rounded up", dict(travel_minutes=20), {},
     [("labor", "60", 120_00), ("travel", "30", 60_00)], 60),
    ("travel not billable", dict(travel_minutes=20), dict(travel_billable=False), [("labor", "60", 120_00)], 60),
    ("travel not multiplied after hours", dict(travel_minutes=30, after_hours=True), {},
     [("after_hours", "60", 180_00), ("travel", "30", 60_00)], 60),
    ("mileage 2026 IRS 72.5c", dict(miles="10"), {}, [("labor", "60", 120_00), ("mileage", "10", 725)], 60),
    ("mileage half-up 23.5 x 72.5 = 1703.75", dict(miles="23.5"), {},
     [("labor", "60", 120_00), ("mileage", "23.5", 1704)], 60),
    ("mileage 2025 IRS 70c", dict(miles="10", work_date=date(2025, 12, 31)), dict(effective_from=date(2025, 1, 1)),
     [("labor", "60", 120_00), ("mileage", "10", 700)], 60),
    ("mileage at the schedule's own rate", dict(miles="10"), dict(mileage_rate_cents="50"),
     [("labor", "60", 120_00), ("mileage", "10", 500)], 60),
    ("mileage billed even where travel time is not", dict(miles="2"), dict(travel_billable=False),
     [("labor", "60", 120_00), ("mileage", "2", 145)], 60),
    ("no miles no line", dict(miles="0"), {}, [("labor", "60", 120_00)], 60),
    ("half-up: 1 minute at $1.30/h = 2.1667c -> (15 min) 32.5c -> 33c", dict(minutes=1),
     dict(hourly_rate_cents=130), [("labor", "15", 33)], 15),
    ("half-up: exactly half a cent rounds up", dict(minutes=15), dict(hourly_rate_cents=2), [("labor", "15", 1)], 15),
    ("below half a cent rounds down", dict(minutes=15), dict(hourly_rate_cents=1), [("labor", "15", 0)], 15),
    ("odd cents after hours half-up", dict(minutes=45, after_hours=True), dict(hourly_rate_cents=115_55),
     # 45/60 * 11555 * 1.5 = 12999.375 -> 12999
     [("after_hours", "45", 12999)], 45),
]


@pytest.mark.parametrize("case, facts, rate_changes, lines, billable", CASES, ids=[c[0] for c in CASES])
def test_price_entry(case, facts, rate_changes, lines, billable):
    priced = price_entry(entry(**facts), replace(BASE, **rate_changes))
    assert [(ln.kind, ln.quantity, ln.amount_cents) for ln in priced.lines] == lines
    assert priced.billable_minutes == billable
    assert priced.amount_cents == sum(a for _, _, a in lines)  # the total is the sum of rounded lines


def test_each_line_rounds_before_summing():
    # labor 15 min at $0.02/h = 0.5c -> 1c; travel 15 min -> 1c; unrounded sum would be 1.0c
    priced = price_entry(entry(minutes=15, travel_minutes=15), replace(BASE, hourly_rate_cents=2))
    assert [ln.amount_cents for ln in priced.lines] == [1, 1]
    assert priced.amount_cents == 2


def test_no_rate_is_never_priced_by_guesswork():
    priced = price_entry(entry(minutes=90, miles="10"), None)
    assert not priced.priced and priced.lines == () and priced.amount_cents == 0 and priced.billable_minutes == 0


def test_amounts_are_integers_never_float():
    priced = price_entry(entry(minutes=37, after_hours=True, callout=True, travel_minutes=7, miles="12.3"),
                         replace(BASE, hourly_rate_cents=99_99, after_hours_multiplier="1.75"))
    assert all(type(ln.amount_cents) is int for ln in priced.lines)


@pytest.mark.parametrize("on, expected", [
    (date(2022, 12, 31), "0"), (date(2023, 1, 1), "65.5"), (date(2024, 6, 30), "67"), (date(2024, 12, 31), "67"),
    (date(2025, 1, 1), "70"), (date(2025, 12, 31), "70"), (date(2026, 1, 1), "72.5"), (date(2030, 1, 1), "72.5"),
])
def test_irs_mileage_by_date(on, expected):
    assert mileage_rate_on(on) == expected
    assert mileage_rate_on(on, IRS_MILEAGE_CENTS) == expected


def test_user_mileage_table_wins_and_order_does_not_matter():
    table = ((date(2026, 7, 1), "75"), (date(2026, 1, 1), "72.5"))
    assert mileage_rate_on(date(2026, 6, 30), table) == "72.5"
    assert mileage_rate_on(date(2026, 7, 1), table) == "75"
    priced = price_entry(entry(miles="10", work_date=date(2026, 8, 1)), BASE, table)
    assert priced.lines[-1].unit_rate == "75" and priced.lines[-1].amount_cents == 750


# -- the rate in force on the work date --------------------------------------------------------------------
OLD = replace(BASE, id="old", effective_from=date(2026, 1, 1), effective_to=date(2026, 8, 14), hourly_rate_cents=100_00)
NEW = replace(BASE, id="new", effective_from=date(2026, 8, 15), effective_to=None, hourly_rate_cents=110_00)
PBX = replace(BASE, id="pbx", category_id="PBX", hourly_rate_cents=155_00)
THEIRS = replace(BASE, id="theirs", provider_agency_id="EDM", hourly_rate_cents=95_00)


@pytest.mark.parametrize("on, category, provider, expected", [
    (date(2025, 12, 31), None, None, None),  # before any schedule: unpriced
    (date(2026, 1, 1), None, None, "old"),
    (date(2026, 8, 14), None, None, "old"),  # last day of the old rate (mid-quarter change, 2026Q3)
    (date(2026, 8, 15), None, None, "new"),  # first day of the new rate
    (date(2026, 9, 30), None, None, "new"),
])
def test_rate_in_force_mid_quarter_change(on, category, provider, expected):
    r = rate_in_force([NEW, OLD], on, category, provider)
    assert (r.id if r else None) == expected


def test_mid_quarter_change_prices_each_side():
    rates = [OLD, NEW]
    before = price_entry(entry(work_date=date(2026, 8, 14)), rate_in_force(rates, date(2026, 8, 14)))
    after = price_entry(entry(work_date=date(2026, 8, 15)), rate_in_force(rates, date(2026, 8, 15)))
    assert (before.amount_cents, after.amount_cents) == (100_00, 110_00)
    assert before.lines[0].unit_rate == "10000" and after.lines[0].unit_rate == "11000"  # snapshot of the rate


@pytest.mark.parametrize("category, provider, expected", [
    (None, None, "base"), ("NET", None, "base"), ("PBX", None, "pbx"), ("PBX", "EDM", "pbx"),
    ("NET", "EDM", "theirs"), (None, "EDM", "theirs"), ("NET", "LYN", "base"),
])
def test_specific_schedule_beats_catch_all(category, provider, expected):
    r = rate_in_force([replace(BASE, id="base"), PBX, THEIRS], DAY, category, provider)
    assert r.id == expected


def test_latest_start_wins_among_overlapping_equals():
    a = replace(BASE, id="a", effective_from=date(2026, 1, 1))
    b = replace(BASE, id="b", effective_from=date(2026, 3, 1))
    assert rate_in_force([b, a], date(2026, 2, 28)).id == "a"
    assert rate_in_force([a, b], date(2026, 3, 1)).id == "b"


def test_mileage_quantity_is_exact_decimal():
    priced = price_entry(entry(miles="0.1"), BASE)
    assert priced.lines[-1].quantity == "0.1"
    assert Decimal(priced.lines[-1].quantity) * Decimal("72.5") == Decimal("7.25")
    assert priced.lines[-1].amount_cents == 7
