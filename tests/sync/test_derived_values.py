"""Derived values are identical on every replica (issue 14, "Prices never sync"): hours logged on one PC are
priced on every other PC (amount_cents, billable_minutes), and a replica's updated_at is the time of the
write, not of the merge."""

from __future__ import annotations

from datetime import datetime, timedelta

from partnerdesk.db.types import iso_utc
from tests.sync.conftest import sync_all
from tests.sync.test_delete_vs_edit import _set, _space


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


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000


def test_updated_at_on_a_replica_is_the_time_of_the_write_not_of_the_merge(make_node, share):
    (a, b, c), ids = _space(make_node, share)
    sync_all([a, b, c])
    _set(b, ids[0], title="written on b")
    b.sync.run_cycle()
    written = _row(b, "contact", ids[0])["updated_at"]
    a.wall.offset_s = c.wall.offset_s = 300  # a and c merge it five minutes later (within the drift limit)
    sync_all([a, c], rounds=2)
    for n in (a, c):
        got = _row(n, "contact", ids[0])
        assert got["title"] == "written on b"
        assert got["updated_at"] < iso_utc(n.db.clock.utcnow() - timedelta(seconds=60)), "the time of the merge"
        assert abs(_ms(got["updated_at"]) - _ms(written)) < 1000
    # the replicas agree exactly: the stamp comes from the winning op's hybrid clock
    assert _row(a, "contact", ids[0]) == _row(c, "contact", ids[0])


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


def test_the_writing_pc_stamps_updated_at_with_its_winning_op_as_replicas_do(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    c = a.sv.contacts.list()[0]
    a.sv.contacts.update(c.id, title="Stamped")  # an ORM write
    logged = a.sv.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="2")  # priced too
    sync_all([a, b])
    for tbl, rid in (("contact", c.id), ("time_entry", logged.entry.id)):
        assert _row(a, tbl, rid)["updated_at"] == _row(b, tbl, rid)["updated_at"], tbl
    assert a.dump() == b.dump()  # updated_at compared as well
