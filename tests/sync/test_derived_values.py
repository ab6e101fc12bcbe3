"""Derived values are identical on every replica (issue 14, "Prices never sync"): hours logged on one PC are
priced on every other PC (amount_cents, billable_minutes), and so is a rate change."""

from __future__ import annotations

from tests.sync.conftest import sync_all


def _entry(node, entry_id):
    return _row(node, "time_entry", entry_id)


def test_hours_logged_on_one_pc_are_priced_on_every_pc(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    c = make_node("carol")
    a.sync.init(share)
    for n in (b, c):
        n.sync.join(share)
    sync_all([a, b, c])
    logged = b.sv.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    sync_all([a, b, c], rounds=3)
    mine = _entry(b, logged.entry.id)
    assert mine["amount_cents"] and mine["billable_minutes"]
    for n in (a, c):
        got = _entry(n, logged.entry.id)
        assert (got["amount_cents"], got["billable_minutes"]) == (mine["amount_cents"], mine["billable_minutes"])
    assert a.dump() == b.dump() == c.dump()


def _row(node, tbl, row_id):
    rows = node.sv.interchange.export_data(include_personal=True)["tables"][tbl]
    return next(r for r in rows if r["id"] == row_id)


def test_a_rate_changed_on_one_pc_reprices_open_entries_on_every_pc(make_node, share, demo_template):
    from partnerdesk.db.models import RateSchedule, TimeEntry
    from partnerdesk.services.pricing import Pricer

    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    logged = b.sv.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    sync_all([a, b], rounds=2)
    with a.db.read() as s:
        entry = s.get(TimeEntry, logged.entry.id)
        rate = Pricer(s).rate_for(entry.agreement_id, entry.provider_agency_id, entry.category_id, entry.work_date)
        before, cents = entry.amount_cents, s.get(RateSchedule, rate.id).hourly_rate_cents
    a.sv.agreements.update_rate(rate.id, hourly_rate_cents=cents + 1000)
    assert _entry(a, logged.entry.id)["amount_cents"] != before
    sync_all([a, b], rounds=2)
    after = _entry(b, logged.entry.id)["amount_cents"]
    assert after != before and after == _entry(a, logged.entry.id)["amount_cents"]
    assert a.dump() == b.dump()
