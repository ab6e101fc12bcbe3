"""Two and three installations sharing one folder: baseline, merge, conflicts, deletes, freezing, billing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from partnerdesk.db.models import Agency, Statement, SyncHistory, SyncOp
from partnerdesk.errors import UserError
from partnerdesk.domain.issuing import can_issue_numbers
from tests.sync.conftest import sync_all


@pytest.fixture
def pair(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    return a, b


def test_demo_rows_without_ops_reach_a_joining_node_as_a_baseline(pair):
    a, b = pair
    assert b.counts()["contact"] == 48 and b.counts()["time_entry"] == 360
    assert a.dump() == b.dump()
    # the joining colleague takes the founder's home agency as theirs
    assert b.sv.agencies.home().code == "LYN"
    # the joining node's directory search index holds the contacts that arrived
    from sqlalchemy import text

    with b.db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM contact_fts")) == 48
        name = s.scalar(text("SELECT name FROM contact WHERE deleted_at IS NULL LIMIT 1"))
        hits = s.execute(text("SELECT contact_id FROM contact_fts WHERE contact_fts MATCH :q"),
                         {"q": '"' + name.split()[0] + '"'}).all()
    assert hits


def test_remote_ops_are_stored_once_as_remote_and_not_captured_again(pair):
    a, b = pair
    with b.db.read() as s:
        assert s.scalar(select(func.count()).select_from(SyncOp).where(SyncOp.origin == "local",
                                                                      SyncOp.node == a.db.node_id)) == 0
        remote = s.scalar(select(func.count()).select_from(SyncOp).where(SyncOp.origin == "remote"))
    sync_all([a, b])
    with b.db.read() as s:
        assert s.scalar(select(func.count()).select_from(SyncOp).where(SyncOp.origin == "remote")) == remote


def test_concurrent_edits_converge_keep_history_and_can_be_resolved(pair):
    a, b = pair
    c = a.sv.contacts.list()[0]
    a.sv.contacts.update(c.id, title="Network Lead")
    b.sv.contacts.update(c.id, title="Senior Network Lead")
    sync_all([a, b])
    assert a.dump() == b.dump()
    winner = a.sv.contacts.get(c.id).title
    conflicts = a.sync.conflicts() + b.sync.conflicts()
    assert conflicts and all(x.field == "title" for x in conflicts)
    with a.db.read() as s, b.db.read() as s2:
        lost = {s.scalar(select(SyncHistory.value).where(SyncHistory.row_id == c.id, SyncHistory.field == "title")),
                s2.scalar(select(SyncHistory.value).where(SyncHistory.row_id == c.id, SyncHistory.field == "title"))}
    assert json.dumps("Network Lead" if winner != "Network Lead" else "Senior Network Lead") in lost
    # the losing side takes the other value with one call; it syncs everywhere
    mine = next(n for n in (a, b) if n.sync.conflicts())
    x = mine.sync.conflicts()[0]
    mine.sync.resolve(x.id, use="other")
    sync_all([a, b])
    assert a.sv.contacts.get(c.id).title == b.sv.contacts.get(c.id).title == x.other_value
    assert not mine.sync.conflicts()
    assert mine.sync.status().conflicts == 0


def test_delete_is_a_field_and_a_later_edit_resurrects(pair):
    a, b = pair
    c1, c2 = a.sv.contacts.list()[:2]
    a.sv.contacts.delete(c1.id)
    sync_all([a, b])
    assert c1.id not in {c.id for c in b.sv.contacts.list()}
    # concurrent: bob edits c2 after alice deleted it -> it comes back on both
    a.sv.contacts.delete(c2.id)
    b.sv.contacts.update(c2.id, notes="still here, moved to the EOC")
    sync_all([a, b])
    assert c2.id in {c.id for c in a.sv.contacts.list()} and c2.id in {c.id for c in b.sv.contacts.list()}
    assert a.dump() == b.dump()


def test_home_flag_stays_per_installation(make_node, share, demo_template):
    a = make_node("lyn", template=demo_template)
    b = make_node("edm", template=demo_template)  # a neighbour city with its own copy of the region
    edm = b.sv.agencies.get("EDM")
    b.sv.agencies.update(edm.id, is_home=True)
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    assert a.sv.agencies.home().code == "LYN" and b.sv.agencies.home().code == "EDM"
    assert a.dump() == b.dump()


def test_only_the_billing_installation_issues_numbers(pair):
    a, b = pair
    home_a = a.sv.agencies.home()
    home_b = b.sv.agencies.home()
    assert home_a.billing_node == a.db.node_id == home_b.billing_node
    assert can_issue_numbers(home_a, a.db.node_id) and a.sync.can_issue_numbers(home_a)
    assert not b.sync.can_issue_numbers(home_b)
    other = a.sv.agencies.get("EDM")
    assert a.sync.can_issue_numbers(other) and b.sync.can_issue_numbers(other)  # not shared: its own


def _add_statement(node, number=None):
    with node.db.write() as s:
        lyn = s.scalar(select(Agency).where(Agency.code == "LYN"))
        edm = s.scalar(select(Agency).where(Agency.code == "EDM"))
        st = Statement(issuer_agency_id=lyn.id, bill_to_agency_id=edm.id, period="2026Q3", fiscal_year=2026,
                       period_start="2026-07-01", period_end="2026-09-30", total_cents=1000, gross_cents=1000)
        s.add(st)
        s.flush()
        return st.id


def test_statement_frozen_at_its_issue_op(pair):
    a, b = pair
    sid = _add_statement(a)
    sync_all([a, b])
    with a.db.write(action="issue") as s:
        st = s.get(Statement, sid)
        st.number, st.status, st.total_cents = "LYN-2026-0001", "issued", 1250
    # bob, not having seen the issue yet, edits the draft a moment later: refused everywhere, kept for review
    with b.db.write() as s:
        s.get(Statement, sid).total_cents = 99
    sync_all([a, b])
    for n in (a, b):
        with n.db.read() as s:
            assert s.get(Statement, sid).total_cents == 1250
    assert any(c.kind == "frozen" for c in a.sync.conflicts() + b.sync.conflicts())
    assert a.dump() == b.dump()
    x = next(c for c in a.sync.conflicts() + b.sync.conflicts() if c.kind == "frozen")
    owner = a if x in a.sync.conflicts() else b
    with pytest.raises(UserError):
        owner.sync.resolve(x.id, use="other")


def test_init_twice_and_join_without_space_are_user_errors(make_node, share, tmp_path):
    a = make_node("a")
    a.sync.init(share)
    b = make_node("b")
    with pytest.raises(UserError, match="already holds"):
        b.sync.init(share)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="cannot join"):
        b.sync.join(empty)
    with pytest.raises(UserError, match="not set up"):
        b.sync.run_cycle()
    assert b.sync.status().state == "not set up"


def test_insecure_keyring_is_refused_not_used(make_node, share, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    a = make_node("a")
    with pytest.raises(UserError, match="secure keyring"):
        a.sync.init(share)
    assert not (share / "partnerdesk-space").exists()
