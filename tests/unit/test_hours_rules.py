"""Logging favours: pricing on read, agreement choice, cap warnings, and bad input refused or flagged."""

from __future__ import annotations

from datetime import date

import pytest

from partnerdesk.errors import FrozenError, UserError, ValidationError
from tests.conftest import TODAY



def log(ctx, **kw):
    args = dict(partner="EDM", direction="given", work_date="2026-05-12", hours="1.5", today=TODAY)
    args.update(kw)
    return ctx.services.hours.log(**args)


def test_no_agreement_saved_unbilled_and_flagged(demo_ctx):
    demo_ctx.services.agencies.create(name="City of Bothell", code="BOT", kind="city")
    r = log(demo_ctx, partner="BOT")
    e = r.entry
    assert e.agreement_id is None and e.amount_cents is None and e.billable_minutes == 0
    assert "no_agreement" in e.flags and any("no agreement" in w for w in r.warnings)
    assert demo_ctx.services.hours.get(e.id).flags == ("no_agreement",)


def test_outside_every_term_saved_unbilled_and_flagged(demo_ctx):
    r = log(demo_ctx, partner="AWW", work_date="2026-02-10")  # AWW's agreement starts 2026-03-01
    assert r.entry.agreement_id is None and r.entry.amount_cents is None
    assert "outside_term" in r.entry.flags and any("outside the term" in w for w in r.warnings)


def test_explicit_agreement_outside_its_term_is_refused(demo_ctx):
    number = demo_ctx.services.agreements.list(partner="AWW")[0].number
    with pytest.raises(ValidationError, match="outside the term"):
        log(demo_ctx, partner="AWW", work_date="2026-02-10", agreement=number)


@pytest.mark.parametrize("hours, message", [
    ("-2", "negative"), ("0", "zero"), ("0:00", "zero"), ("abc", "not a duration"), ("", "empty"),
    ("25", "more than 24 hours"), ("24:30", "more than 24 hours"),
])
def test_bad_hours_refused(demo_ctx, hours, message):
    before = demo_ctx.services.hours.count()
    with pytest.raises(ValidationError, match=message):
        log(demo_ctx, hours=hours)
    assert demo_ctx.services.hours.count() == before


def test_more_than_24_hours_in_a_day_for_one_person_refused(demo_ctx):
    log(demo_ctx, hours="16", staff="Pat Example", work_date="2026-05-13")
    with pytest.raises(ValidationError, match="(?i)pat example would have 25 hours on 2026-05-13"):
        log(demo_ctx, hours="9", staff="pat example", work_date="2026-05-13", partner="MLT")
    log(demo_ctx, hours="8", staff="Pat Example", work_date="2026-05-13", partner="MLT")  # exactly 24 is allowed
    log(demo_ctx, hours="9", staff="Pat Example", work_date="2026-05-14")  # another day


@pytest.mark.parametrize("kw, message", [
    (dict(work_date="2027-01-30"), "in the future"), (dict(partner="LYN"), "your own agency"),
    (dict(partner="XYZ"), "unknown partner"), (dict(direction="sideways"), "direction"),
    (dict(category="PLUMB"), "unknown 'PLUMB'"), (dict(miles="-3"), "miles"), (dict(miles="nan"), "miles"),
    (dict(work_date="2026-02-30"), "not a real date"),
])
def test_other_bad_input_refused(demo_ctx, kw, message):
    with pytest.raises(UserError, match=message):
        log(demo_ctx, **kw)


def test_log_prices_and_lists_with_billable_minutes_and_amount(demo_ctx):
    # EDM: our rate $118/h until 2026-06-30, $124/h from 2026-07-01 (a mid-year change)
    r1 = log(demo_ctx, hours="1:05", work_date="2026-06-30")  # 65 min -> 75 billable
    r2 = log(demo_ctx, hours="65m", work_date="2026-07-01")
    assert (r1.entry.billable_minutes, r1.entry.amount_cents) == (75, 147_50)
    assert (r2.entry.billable_minutes, r2.entry.amount_cents) == (75, 155_00)
    listed = {e.id: e for e in demo_ctx.services.hours.list(quarter="2026Q3", partner="EDM")}
    assert r2.entry.id in listed and r1.entry.id not in listed
    assert listed[r2.entry.id].amount_cents == 155_00 and listed[r2.entry.id].billable_minutes == 75


def test_preview_saves_nothing_and_shows_cap_use(demo_ctx):
    before = demo_ctx.services.hours.count()
    p = demo_ctx.services.hours.preview(partner="WDY", direction="given", work_date="2026-05-12", hours="3",
                                        after_hours=True, today=TODAY)
    assert demo_ctx.services.hours.count() == before
    assert p.entry.amount_cents == 3 * 105_00 * 3 // 2 and p.cap is not None and p.cap.cap_minutes == 160 * 60
    saved = log(demo_ctx, partner="WDY", hours="3", after_hours=True)
    assert saved.cap.used_cents == p.cap.used_cents and saved.cap.used_minutes == p.cap.used_minutes


def test_cap_warning_thresholds(demo_ctx):
    svc = demo_ctx.services.agreements
    number = svc.list(partner="BRI")[0].number
    used = log(demo_ctx, partner="BRI", hours="1", work_date="2026-05-01").cap.used_cents
    # set the cap so that the next $105 entry lands on exactly 50 %, then past 80 %, then past 100 %
    svc.update(number, cap_cents=(used + 105_00) * 2)
    r = log(demo_ctx, partner="BRI", hours="1", work_date="2026-05-02")
    assert r.cap.level == 50 and any("past 50%" in w for w in r.warnings)
    svc.update(number, cap_cents=(used + 2 * 105_00) * 100 // 85)
    r = log(demo_ctx, partner="BRI", hours="1", work_date="2026-05-03")
    assert r.cap.level == 80 and any("past 80%" in w for w in r.warnings)
    svc.update(number, cap_cents=used)
    r = log(demo_ctx, partner="BRI", hours="1", work_date="2026-05-04")
    assert r.cap.level == 100 and any("over the cap" in w for w in r.warnings)


def test_edit_acknowledge_dispute(demo_ctx):
    hours = demo_ctx.services.hours
    a = log(demo_ctx).entry
    b = log(demo_ctx, work_date="2026-05-13").entry
    changed = hours.update(a.id, minutes="2:00", description="Core switch")
    assert changed.minutes == 120 and changed.description == "Core switch" and changed.amount_cents == 236_00
    assert hours.acknowledge([a.id, b.id], by="Pat Finance", on="2026-06-01") == 2
    got = hours.get(a.id)
    assert (got.status, got.acknowledged_by, got.acknowledged_on) == ("acknowledged", "Pat Finance",
                                                                      date(2026, 6, 1))
    assert hours.dispute([b.id], reason="Our ticket shows 1 hour") == 1
    assert hours.get(b.id).status == "disputed" and hours.get(b.id).dispute_reason == "Our ticket shows 1 hour"
    with pytest.raises(ValidationError):
        hours.dispute([b.id], reason="  ")
    with pytest.raises(ValidationError):
        hours.update(a.id, minutes="-1")
    assert hours.get(a.id).minutes == 120


def test_invoiced_entries_are_read_only(demo_ctx):
    from partnerdesk.db.models import TimeEntry

    e = log(demo_ctx).entry
    with demo_ctx.db.write() as s:
        s.get(TimeEntry, e.id).status = "invoiced"
    for call in (lambda: demo_ctx.services.hours.update(e.id, description="x"),
                 lambda: demo_ctx.services.hours.delete(e.id),
                 lambda: demo_ctx.services.hours.acknowledge([e.id], by="x"),
                 lambda: demo_ctx.services.hours.dispute([e.id], reason="x")):
        with pytest.raises(FrozenError):
            call()
