"""Balances per partner agree with the entries they summarise."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

TODAY = date(2026, 11, 26)


def test_balances_add_up_the_entries(demo_ctx):
    demo_ctx.services.hours.log(partner="AWW", direction="given", work_date="2026-02-10", hours="2",
                                today=TODAY)  # unpriced: before the AWW agreement starts
    balances = {b.partner: b for b in demo_ctx.services.balances.balances(2026, today=TODAY)}
    entries = demo_ctx.services.hours.list(fiscal_year=2026)
    acc = defaultdict(lambda: defaultdict(int))
    for e in entries:
        a = acc[e.partner_code]
        a[f"min_{e.direction}"] += e.minutes
        a[f"val_{e.direction}"] += e.amount_cents or 0
        a["unpriced"] += e.amount_cents is None
        if date(2026, 10, 1) <= e.work_date <= date(2026, 12, 31):
            a[f"qmin_{e.direction}"] += e.minutes
    assert set(balances) == set(acc) == {"EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"}
    for code, b in balances.items():
        a = acc[code]
        assert (b.minutes_given, b.minutes_received) == (a["min_given"], a["min_received"])
        assert (b.value_given_cents, b.value_received_cents) == (a["val_given"], a["val_received"])
        assert b.net_cents == a["val_given"] - a["val_received"]
        assert (b.quarter, b.quarter_minutes_given, b.quarter_minutes_received) == (
            "2026Q4", a["qmin_given"], a["qmin_received"])
        assert b.unpriced_entries == a["unpriced"]
        assert b.reciprocity == round(b.minutes_received / b.minutes_given, 2)
        assert b.hours_given == round(b.minutes_given / 60, 2)
    assert balances["AWW"].unpriced_entries >= 1
    assert balances["AWW"].cap_used_percent is None  # no cap on the mutual-aid agreement
    assert balances["EDM"].cap_used_percent is not None


def test_hours_by_quarter_matches_balances(demo_ctx):
    svc = demo_ctx.services.balances
    by_q = svc.hours_by_quarter(2026)
    assert [q["quarter"] for q in by_q] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    balances = svc.balances(2026, today=TODAY)
    assert sum(q["minutes_given"] for q in by_q) == sum(b.minutes_given for b in balances)
    assert sum(q["minutes_received"] for q in by_q) == sum(b.minutes_received for b in balances)
    edm = svc.hours_by_quarter(2026, partner="EDM")
    b = next(b for b in balances if b.partner == "EDM")
    assert sum(q["minutes_given"] for q in edm) == b.minutes_given
    assert edm[3]["minutes_received"] == b.quarter_minutes_received


def test_empty_year(demo_ctx):
    rows = demo_ctx.services.balances.balances(2019, today=TODAY)  # every partner, nothing logged
    assert rows and all(b.minutes_given == b.minutes_received == b.net_cents == 0 for b in rows)
    assert len(rows) == len(demo_ctx.services.agencies.list()) - 1
    assert all(q["minutes_given"] == 0 for q in demo_ctx.services.balances.hours_by_quarter(2019))
