"""The service-side pricer (timelines, cached parts) gives exactly what the pure pricing engine gives."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from partnerdesk.db.models import TimeEntry
from partnerdesk.domain.billing import EntryFacts, price_entry, rate_in_force
from partnerdesk.services.pricing import ENTRY_COLUMNS, EntryRow, Pricer


def test_fast_paths_match_price_entry_on_every_demo_entry(demo_ctx):
    agreements = demo_ctx.services.agreements
    edm = agreements.list(partner="EDM")[0].number
    agreements.add_rate(edm, category="PBX", hourly_rate_cents=150_00, effective_from="2026-03-15",
                        effective_to="2026-04-15", minimum_callout_minutes=60, mileage_rate_cents="50")
    demo_ctx.services.agreements.set_mileage_rate("2026-08-10", "80")
    with demo_ctx.db.read() as s:
        pricer = Pricer(s)
        rows = [EntryRow(*r) for r in s.execute(select(*ENTRY_COLUMNS).where(TimeEntry.deleted_at.is_(None)))]
    # and every day around each schedule boundary, for every shape of entry
    extra = [EntryRow(r.agreement_id, r.provider_agency_id, r.category_id, d, m, ah, co, t, mi, ot)
             for r in rows[:40] for d in (date(2026, 3, 14), date(2026, 3, 15), date(2026, 4, 15),
                                          date(2026, 4, 16), date(2026, 6, 30), date(2026, 7, 1), date(2026, 8, 10))
             for m, ah, co, t, mi, ot in ((1, False, True, 0, "0", False), (61, True, True, 20, "12.5", False),
                                          (600, False, False, 50, "3", False), (61, False, True, 0, "0", True),
                                          (95, True, False, 10, "0", True))]
    for e in rows + extra:
        rate = rate_in_force(pricer.rates.get(e.agreement_id, ()), e.work_date, e.category_id, e.provider_agency_id)
        expected = price_entry(EntryFacts(e.work_date, e.minutes, e.after_hours, e.callout, e.travel_minutes,
                                          e.miles, e.category_id, e.provider_agency_id, e.overtime), rate,
                               pricer.mileage)
        full = pricer.price(e)
        assert full.rate == expected.rate and full.lines == expected.lines, e
        fast = pricer.amount(e.agreement_id, e.provider_agency_id, e.category_id, e.work_date, e.minutes,
                             e.after_hours, e.callout, e.travel_minutes, e.miles, e.overtime)
        assert fast == ((expected.amount_cents, expected.billable_minutes) if expected.priced else None), e
    assert len(rows) >= 360


def test_rate_timeline_edges(demo_ctx):
    with demo_ctx.db.read() as s:
        pricer = Pricer(s)
    agr = demo_ctx.services.agreements.list(partner="EDM")[0]
    home = demo_ctx.services.agencies.home().id
    before = pricer.rate_for(agr.id, home, None, date(2026, 6, 30))
    after = pricer.rate_for(agr.id, home, None, date(2026, 7, 1))
    assert (before.hourly_rate_cents, after.hourly_rate_cents) == (118_00, 124_00)
    assert pricer.rate_for(agr.id, home, None, agr.effective_date - timedelta(days=1)) is None
    assert pricer.rate_for(None, home, None, date(2026, 7, 1)) is None
    assert pricer.mileage_on(date(2025, 12, 31)) == "70" and pricer.mileage_on(date(2026, 1, 1)) == "72.5"
