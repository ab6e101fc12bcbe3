"""Status tells the truth (issue 14, guarantee 9): "synced" only with nothing quarantined or unpublished,
quarantine entries that go away with their file, a clock warning that stays until the skew is gone, and
node names people recognise."""

from __future__ import annotations

import socket
from pathlib import Path

from partnerdesk.cli.sync import _status_json
from partnerdesk.sync import segment
from partnerdesk.sync.dto import CLOCK_WARNING, QUARANTINED, SYNCED, UNPUBLISHED
from partnerdesk.sync.store import Share
from tests.sync.conftest import sync_all

DAY = 86400


def _pair(make_node, share, b_offset: float = 0.0):
    a = make_node("alice")
    ag = a.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
    a.sv.contacts.create(agency=ag.id, name="Grace Thompson")
    a.sync.init(share)
    b = make_node("bob", offset_s=b_offset)
    b.sync.join(share)
    sync_all([a, b])
    return a, b, ag


def test_a_quarantined_file_means_not_synced_until_it_is_gone(make_node, share):
    a, b, _ag = _pair(make_node, share)
    assert b.sync.status().state == SYNCED
    nxt = int(a.db.meta("sync.seq")) + 1
    stray = share / "partnerdesk-space" / "nodes" / a.db.node_id / segment.file_name(nxt, "0" * 64)
    stray.write_bytes(b"not a segment at all")
    st = b.sync.run_cycle()
    assert st.quarantined == 1 and st.state == QUARANTINED, st
    assert b.sync.status().state == QUARANTINED
    js = _status_json(b.sync.status())
    assert js["state"] == QUARANTINED and [q["name"] for q in js["quarantined"]] == [stray.name]
    stray.unlink()
    st = b.sync.run_cycle()
    assert st.quarantined == 0 and st.quarantine == () and st.state == SYNCED, st


def test_unpublished_local_changes_are_not_synced(make_node, share):
    a, b, ag = _pair(make_node, share)
    a.sv.contacts.create(agency=ag.id, name="Not Yet Shared")
    assert a.sync.status().state == UNPUBLISHED
    assert a.sync.run_cycle().state == SYNCED


def test_the_clock_warning_stays_until_the_skew_is_gone(make_node, share):
    a, b, ag = _pair(make_node, share, b_offset=3 * DAY)
    c = b.sv.contacts.list()[0]
    b.sv.contacts.update(c.id, title="From the future")
    b.sync.run_cycle()
    for _ in range(3):  # cycle after cycle, nothing new arriving
        st = a.sync.run_cycle()
        assert st.state == CLOCK_WARNING and st.clock_warning and "3 days ahead" in st.clock_warning, st
        assert "bob" in st.clock_warning.lower()
        assert _status_json(a.sync.status())["clock_warning"] == st.clock_warning
    a.wall.offset_s = 3 * DAY  # alice's clock catches up: no skew any more
    st = a.sync.run_cycle()
    assert st.state == SYNCED and st.clock_warning is None, st
    assert _status_json(st)["clock_warning"] is None


def test_nodes_carry_display_name_home_agency_and_machine(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    home = a.sv.agencies.home().name
    host = socket.gethostname()
    st = b.sync.status()
    names = {n.node: n.name for n in st.nodes}
    assert names[a.db.node_id] == f"Alice — {home} ({host})"
    assert names[b.db.node_id] == f"Bob — {home} ({host})"  # after taking the founder's home agency
    assert Share(Path(share)).node_entry(b.db.node_id)["name"] == f"Bob — {home} ({host})"
    js = _status_json(st)
    assert {"state", "quarantined", "awaiting_approval", "conflicts", "clock_warning", "nodes"} <= set(js)
    assert js["awaiting_approval"] == [] and isinstance(js["conflicts"], int) and js["clock_warning"] is None
