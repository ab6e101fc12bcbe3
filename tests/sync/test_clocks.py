"""Clocks (issue 14, guarantee 1): inside the clock-adoption window a causally later edit wins; beyond it the
nodes still converge deterministically, and every PC is told which PC's clock is off and by how much, cycle
after cycle, until it is fixed."""

from __future__ import annotations

import pytest

from partnerdesk.sync.dto import CLOCK_WARNING, SYNCED
from tests.sync.conftest import sync_all

DAY = 86400


def _space(make_node, share, offsets: dict[str, float]):
    nodes = [make_node(name, offset_s=off) for name, off in offsets.items()]
    a = nodes[0]
    ag = a.sv.agencies.create(name="City of Brier", code="BRI", kind="city")
    contact = a.sv.contacts.create(agency=ag.id, name="Noor Ibrahim")
    a.sync.init(share)
    for n in nodes[1:]:
        n.sync.join(share)
    sync_all(nodes)
    return nodes, contact


def test_inside_the_adoption_window_a_causally_later_edit_wins(make_node, share):
    (a, b), c = _space(make_node, share, {"alice": 0, "bob": 5 * 60})  # bob's clock 5 minutes fast
    b.sv.contacts.update(c.id, title="Set on bob's PC")
    b.sync.run_cycle()
    a.sync.run_cycle()  # alice sees bob's edit, then changes it: her edit comes after his
    assert a.sv.contacts.get(c.id).title == "Set on bob's PC"
    a.sv.contacts.update(c.id, title="Corrected on alice's PC")
    sync_all([a, b])
    assert a.sv.contacts.get(c.id).title == b.sv.contacts.get(c.id).title == "Corrected on alice's PC"
    assert a.dump() == b.dump()
    assert a.sync.status().state == b.sync.status().state == SYNCED


def _warning(node) -> str:
    st = node.sync.status()
    assert st.state == CLOCK_WARNING and st.clock_warning, (node.name, st)
    return st.clock_warning


@pytest.mark.parametrize("days", [3, -3])
def test_beyond_the_window_nodes_converge_and_every_pc_is_told_whose_clock_is_off(make_node, share, days):
    (a, b, c), contact = _space(make_node, share, {"alice": 0, "bob": 0, "carol": days * DAY})
    c.sv.contacts.update(contact.id, title="From carol")
    a.sv.contacts.update(contact.id, notes="From alice")
    sync_all([a, b, c], rounds=2)  # what each found about the others' clocks reaches everyone
    for _ in range(3):  # cycle after cycle: the warnings stay while the clock is off
        sync_all([a, b, c], rounds=1)
        if days > 0:
            for n in (a, b):
                w = _warning(n)
                assert "carol" in w.lower() and "3 days ahead of this PC" in w, w
            w = _warning(c)
            assert "this PC is 3 days ahead of" in w and "alice" in w.lower(), w
        else:
            w = _warning(c)
            assert "this PC is 3 days behind the other PCs" in w, w
            for n in (a, b):
                w = _warning(n)
                assert "carol" in w.lower() and "3 days behind" in w, w
    assert a.dump() == b.dump() == c.dump()  # one deterministic outcome everywhere
    title = a.sv.contacts.get(contact.id).title
    assert title == "From carol" and a.sv.contacts.get(contact.id).notes == "From alice"


def test_an_edit_made_after_seeing_a_far_future_value_is_the_one_every_pc_keeps(make_node, share):
    (a, b), c = _space(make_node, share, {"alice": 0, "bob": -3 * DAY})  # bob's clock three days behind
    a.sv.contacts.update(c.id, mobile_phone="425-555-0100")
    sync_all([a, b], rounds=1)
    assert b.sv.contacts.get(c.id).mobile_phone == "425-555-0100"
    b.sv.contacts.update(c.id, mobile_phone="206-555-0199")  # bob corrects it, after seeing alice's value
    sync_all([b, a], rounds=2)
    assert a.sv.contacts.get(c.id).mobile_phone == b.sv.contacts.get(c.id).mobile_phone == "206-555-0199"
    assert a.dump() == b.dump()
