"""A delete against a later edit (issue 14: "three nodes that never converge"), pinned as plain tests.

The convergence property test found it (shrunk by hand from a `make proof` failure to two steps):
``delete_or_restore(i=7, n=1, restore=False)`` then ``edit(field='mobile_phone', i=1, n=1, value='C')``.
Node 1 deleted a contact and then edited the deleted row. On node 1 the row stayed deleted (a local write
never recomputes other fields), while every other node saw an edit later than the delete and brought the
row back: node 1 kept ``deleted_at`` set, the others had ``None``, forever.

The rule (DESIGN §5, "delete is a field; a later edit resurrects") now reads: an edit resurrects a deleted
row when it is later than the delete by (hlc, node) *and* its writer had not seen the delete (the two are
concurrent). An edit made to a row its writer already saw deleted leaves it deleted, as on that PC.
"""

from __future__ import annotations

from sqlalchemy import select

from partnerdesk.db.models import Contact, SyncHistory
from tests.sync.conftest import sync_all


def _space(make_node, share, n=3):
    nodes = [make_node(f"n{i}") for i in range(n)]
    a = nodes[0]
    ag = a.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
    ids = [a.sv.contacts.create(agency=ag.id, name=f"Person {i}").id for i in range(3)]
    a.sync.init(share)
    for node in nodes[1:]:
        node.sync.join(share)
    return nodes, ids


def _set(node, cid, **values):
    with node.db.write() as s:
        c = s.get(Contact, cid)
        for k, v in values.items():
            setattr(c, k, v)


def _delete(node, cid):
    _set(node, cid, deleted_at=node.db.clock.utcnow())


def _deleted(node, cid) -> bool:
    with node.db.read() as s:
        return s.get(Contact, cid).deleted_at is not None


def _field(node, cid, name):
    with node.db.read() as s:
        return getattr(s.get(Contact, cid), name)


def _assert_identical(nodes):
    dumps = [n.dump() for n in nodes]
    for d in dumps[1:]:
        assert d == dumps[0]


def test_the_shrunk_property_failure_delete_then_edit_on_one_node(make_node, share):
    """The exact case `make proof` found: steps replayed as the state machine ran them."""
    nodes, ids = _space(make_node, share)
    n1, person1 = nodes[1], ids[7 % 3]
    _delete(n1, person1)
    _set(n1, person1, mobile_phone="C 360")  # a valid phone: sync refuses what local input refuses
    sync_all(nodes, rounds=3)
    _assert_identical(nodes)
    assert all(_deleted(n, person1) for n in nodes), "edited after its writer deleted it: stays deleted"
    assert all(_field(n, person1, "mobile_phone") == "C 360" for n in nodes)


def test_an_edit_to_a_row_seen_deleted_elsewhere_leaves_it_deleted(make_node, share):
    (a, b, c), ids = _space(make_node, share)
    cid = ids[0]
    _delete(a, cid)
    sync_all([a, b, c])
    assert _deleted(b, cid)
    _set(b, cid, title="edited while deleted")  # b knew of the delete: the row stays deleted on b
    assert _deleted(b, cid)
    sync_all([a, b, c], rounds=3)
    _assert_identical([a, b, c])
    assert all(_deleted(n, cid) for n in (a, b, c))


def test_a_concurrent_later_edit_still_resurrects(make_node, share):
    (a, b, c), ids = _space(make_node, share)
    sync_all([a, b, c])
    cid = ids[0]
    _delete(a, cid)
    b.wall.offset_s = 1.0  # b's edit is later by (hlc, node) whatever the milliseconds did
    _set(b, cid, notes="still here, moved to the EOC")  # later than a's delete, without having seen it
    sync_all([a, b, c], rounds=3)
    _assert_identical([a, b, c])
    assert not any(_deleted(n, cid) for n in (a, b, c))
    # the delete lost: it is kept in history like any losing value
    with a.db.read() as s:
        assert s.scalar(select(SyncHistory.value).where(SyncHistory.row_id == cid,
                                                        SyncHistory.field == "deleted_at")) is not None


def test_a_resurrecting_edit_that_was_overwritten_still_counts(make_node, share):
    """b resurrects the row with a concurrent edit; c, having seen both, overwrites that field. c saw the row
    alive when it wrote, so the row stays alive everywhere (the overwritten edit still counts)."""
    (a, b, c), ids = _space(make_node, share)
    sync_all([a, b, c])
    cid = ids[0]
    _delete(a, cid)
    b.wall.offset_s = 1.0
    _set(b, cid, title="concurrent")
    sync_all([a, b, c], rounds=3)
    assert not _deleted(c, cid)
    _set(c, cid, title="after both")
    sync_all([a, b, c], rounds=3)
    _assert_identical([a, b, c])
    assert not any(_deleted(n, cid) for n in (a, b, c))
    assert all(_field(n, cid, "title") == "after both" for n in (a, b, c))


def test_an_edit_on_a_deleted_row_and_a_concurrent_one_converge(make_node, share):
    """c edits the row it saw deleted (no resurrection by c), while b's concurrent later edit resurrects it:
    every node, c included once it hears of b's edit, ends with the row alive."""
    (a, b, c), ids = _space(make_node, share)
    sync_all([a, b, c])
    cid = ids[0]
    _delete(a, cid)
    a.sync.run_cycle()
    c.sync.run_cycle()  # c has the delete; b has not
    b.wall.offset_s = 1.0
    _set(b, cid, title="b, unaware")
    _set(c, cid, notes="c, aware")
    assert _deleted(c, cid)
    sync_all([a, b, c], rounds=3)
    _assert_identical([a, b, c])
    assert not any(_deleted(n, cid) for n in (a, b, c))


def test_a_row_created_deleted_and_edited_before_its_first_export(make_node, share):
    """All of the row's ops come from one node in one segment (the merge's fast path): it stays deleted."""
    (a, b, c), ids = _space(make_node, share)
    sync_all([a, b, c])
    with b.db.write() as s:
        agency_id = s.get(Contact, ids[0]).agency_id
        new = Contact(agency_id=agency_id, name="Kwame")
        s.add(new)
        s.flush()
        cid = new.id
    _delete(b, cid)
    _set(b, cid, title="edited while deleted")
    sync_all([a, b, c], rounds=3)
    _assert_identical([a, b, c])
    assert all(_deleted(n, cid) for n in (a, b, c))
