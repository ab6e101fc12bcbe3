"""Mileage rates: IRS defaults by date, edited by the user, and used when pricing entries."""

from __future__ import annotations

from datetime import date

import pytest

from partnerdesk.errors import ValidationError
from tests.conftest import TODAY


def test_defaults_are_the_irs_rates(ctx):
    rates = {m.effective_from: m.cents_per_mile for m in ctx.services.agreements.mileage_rates()}
    assert rates[date(2025, 1, 1)] == "70" and rates[date(2026, 1, 1)] == "72.5"


def test_user_rate_wins_from_its_date(demo_ctx):
    hours = demo_ctx.services.hours
    kw = dict(partner="EDM", direction="given", hours="1", miles="10", today=TODAY)
    before = hours.log(work_date="2026-06-30", **kw).entry
    after = hours.log(work_date="2026-07-02", **kw).entry
    base_before, base_after = before.amount_cents, after.amount_cents
    demo_ctx.services.agreements.set_mileage_rate("2026-07-01", "80")
    assert hours.get(before.id).amount_cents == base_before  # 72.5c still in force on June 30
    assert hours.get(after.id).amount_cents == base_after + 75  # 10 miles x 7.5c more
    demo_ctx.services.agreements.set_mileage_rate("2026-07-01", "72.50")  # edit in place, no second row
    rates = demo_ctx.services.agreements.mileage_rates()
    assert [m.cents_per_mile for m in rates if m.effective_from == date(2026, 7, 1)] == ["72.5"]
    assert hours.get(after.id).amount_cents == base_after


@pytest.mark.parametrize("day, cents", [("", "70"), ("2026-13-01", "70"), ("2026-01-01", "-1"),
                                        ("2026-01-01", "abc"), ("2026-01-01", "NaN"), ("2026-01-01", "5000")])
def test_bad_mileage_rates_are_refused(ctx, day, cents):
    with pytest.raises(ValidationError):
        ctx.services.agreements.set_mileage_rate(day, cents)
