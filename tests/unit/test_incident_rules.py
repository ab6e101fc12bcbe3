"""Issue 20: the labour cost rule of domain/incidents.py on arbitrary hours and pay (property tests): every line
is hours × (pay + rounded benefit), rounded once; the claimable and the not-claimed totals add up to what
every line cost; overtime is always claimable; a rate applies from its own day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerdesk.domain.incidents import NoPayRate, PayRate, WorkDay, parse_percent, summarize
from tests.fuzzing import fuzz_settings

pytestmark = pytest.mark.property

START = date(2000, 1, 1)  # a fixed origin for generated days: these are rules, not calendar facts
PEOPLE = ["p1", "p2", "p3"]


@st.composite
def incidents(draw):
    rates = {}
    for p in PEOPLE:
        n = draw(st.integers(1, 3))
        days = sorted(draw(st.sets(st.integers(0, 30), min_size=n, max_size=n)))
        days[0] = 0  # every person has a rate from the first day
        rates[p] = [PayRate(START + timedelta(days=d), draw(st.integers(1_00, 150_00)), draw(st.integers(1_00, 250_00)),
                            str(draw(st.decimals(0, 80, places=2))), str(draw(st.decimals(0, 30, places=2))),
                            draw(st.booleans())) for d in days]
    work = [WorkDay(f"e{i}", p, p.upper(), None, START + timedelta(days=draw(st.integers(0, 40))),
                    draw(st.integers(1, 16 * 60)), draw(st.booleans()))
            for i, p in enumerate(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=30)))]
    return rates, work, draw(st.booleans())


@fuzz_settings(200)
@given(incidents())
def test_lines_and_totals_follow_the_rule(case):
    rates, work, emergency = case
    s = summarize(work, rates, emergency)
    assert sum(r.minutes for r in s.rows) == sum(d.minutes for d in work)
    assert sorted(i for r in s.rows for i in r.entry_ids) == sorted(d.entry_id for d in work)
    for r in s.rows:
        benefit = (Decimal(r.hourly_cents) * Decimal(r.fringe_percent) / 100).quantize(1, ROUND_HALF_UP)
        assert r.benefit_cents == benefit and r.total_hourly_cents == r.hourly_cents + r.benefit_cents
        assert r.cost_cents == (Decimal(r.minutes) * r.total_hourly_cents / 60).quantize(1, ROUND_HALF_UP)
        assert all(r.rate_from <= d for d, _m in r.days)
        assert r.claimable or (emergency and r.kind == "regular")
    assert s.claimable_cents + s.not_claimed_cents == s.actual_cost_cents == sum(r.cost_cents for r in s.rows)
    assert s.regular_minutes + s.overtime_minutes + s.not_claimed_minutes == sum(d.minutes for d in work)


def test_a_day_before_every_rate_is_named():
    rates = {"p1": [PayRate(START + timedelta(days=5), 40_00, 60_00, "30", "8")]}
    with pytest.raises(NoPayRate, match="no pay rate for Pat on 2000-01-03"):
        summarize([WorkDay("e1", "p1", "Pat", None, START + timedelta(days=2), 60, False)], rates, True)


@pytest.mark.parametrize("typed,stored", [("38.5", "38.5"), ("38.50%", "38.5"), ("7.65 %", "7.65"), ("0", "0"),
                                          ("100", "100")])
def test_percentages_as_typed(typed, stored):
    assert parse_percent(typed) == stored


@pytest.mark.parametrize("typed", ["abc", "-1", "250", "1.2345", "NaN"])
def test_bad_percentages_are_refused(typed):
    with pytest.raises(ValueError):
        parse_percent(typed)
