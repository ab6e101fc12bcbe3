"""What the share can do to us: damaged, truncated, forged, replayed, deleted or newer-format segments,
a share that vanishes or is emptied mid-sync, a copied profile, skewed clocks."""

from __future__ import annotations

import random
import shutil

import pytest
from sqlalchemy import select

from partnerdesk.db.models import Contact, SyncOp
from partnerdesk.domain import hlc as clock_mod
from partnerdesk.sync import keys, segment
from partnerdesk.sync.store import Share
from tests.sync.conftest import Node, sync_all


@pytest.fixture
def trio(make_node, share):
    """alice founded the space with one agency; bob joined; carol is made but not joined."""
    a = make_node("alice")
    ag = a.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
    a.sv.contacts.create(agency=ag.id, name="Grace Thompson")
    a.sync.init(share)
    b = make_node("bob")
    b.sync.join(share)
    return a, b, ag


def _seg_files(share, node_id):
    return sorted((share / "partnerdesk-space" / "nodes" / node_id).glob("seg-*.pds"))


def _new_segment(a, b, ag, name="Mei Tanaka"):
    """alice publishes one more segment; return its path."""
    a.sv.contacts.create(agency=ag.id, name=name)
    before = set(_seg_files(a.sync.db.meta("sync.folder") and _share_of(a), a.db.node_id))
    a.sync.run_cycle()
    after = set(_seg_files(_share_of(a), a.db.node_id))
    (path,) = after - before
    return path


def _share_of(node):
    from pathlib import Path

    return Path(node.db.meta("sync.folder"))


def _names(node):
    return {c.name for c in node.sv.contacts.list()}


def test_truncated_and_bit_flipped_segment_is_quarantined_whole_then_applied_from_a_good_copy(trio, share):
    a, b, ag = trio
    path = _new_segment(a, b, ag)
    good = path.read_bytes()
    rng = random.Random(5)
    cuts = sorted({0, 1, 7, 8, len(good) // 2, len(good) - 97, len(good) - 64, len(good) - 1} |
                  {rng.randrange(len(good)) for _ in range(6)})
    damaged = [good[:c] for c in cuts]
    for _ in range(6):
        flipped = bytearray(good)
        i = rng.randrange(len(flipped))
        flipped[i] ^= 1 << rng.randrange(8)
        damaged.append(bytes(flipped))
    for bad in damaged:
        path.write_bytes(bad)  # the share shows a half-synced or corrupted copy
        st = b.sync.run_cycle()
        assert "Mei Tanaka" not in _names(b)
        assert st.quarantined == 1 and st.quarantine[0].name == path.name, st
        assert st.quarantine[0].reason.split(":")[0] in ("truncated", "damaged", "forged")
        with b.db.read() as s:  # never partly applied
            assert s.scalar(select(SyncOp.op_id).where(SyncOp.segment == path.name)) is None
    path.write_bytes(good)  # the good copy arrives
    st = b.sync.run_cycle()
    assert "Mei Tanaka" in _names(b) and st.quarantined == 0
    assert b.dump() == (a.sync.run_cycle() and a.dump())


def test_forged_edited_replayed_and_deleted_segments_are_named(trio, share):
    a, b, ag = trio
    p2 = _new_segment(a, b, ag, "Second")
    # edited after writing: checksum mismatch
    data = bytearray(p2.read_bytes())
    data[len(data) // 2] ^= 0x20
    p2.write_bytes(bytes(data))
    st = b.sync.run_cycle()
    assert st.quarantine[0].reason.startswith("damaged")
    # forged: a well-formed segment signed by someone else's key
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    hdr_seg = segment.verify(_seg_files(share, a.db.node_id)[0].read_bytes(),
                             lambda n: keys.load_public(Share(share).node_entry(n)["public_key"]), a.space_key())
    forged = segment.encode(dict(hdr_seg.header, seq=2, prev=hdr_seg.sha256),
                            [["9999999999999999-00000", "contact", "x", "name", '"Mallory"']],
                            Ed25519PrivateKey.generate(), space_key=a.space_key())
    p2.write_bytes(forged)
    st = b.sync.run_cycle()
    assert st.quarantine[0].reason.startswith("forged")
    # replayed: alice's first segment published again under a new name
    first = _seg_files(share, a.db.node_id)[0]
    p2.unlink()
    replay = first.parent / segment.file_name(segment.parse_name(p2.name)[0], segment.verify(
        first.read_bytes(), lambda n: keys.load_public(Share(share).node_entry(n)["public_key"]),
        a.space_key()).sha256)
    shutil.copy(first, replay)
    st = b.sync.run_cycle()
    assert any(q.reason.startswith("replayed") for q in st.quarantine), st.quarantine
    replay.unlink()
    # deleted: a segment bob already applied disappears; its changes stay, the status says so
    st = b.sync.run_cycle()
    first.unlink()
    st = b.sync.run_cycle()
    assert any("deleted from the share" in p for p in st.problems)
    assert "Grace Thompson" in _names(b)


def test_a_missing_segment_holds_the_later_ones_until_it_appears_or_its_writer_publishes_it_again(trio, share):
    a, b, ag = trio
    p2 = _new_segment(a, b, ag, "Two")
    p3 = _new_segment(a, b, ag, "Three")
    saved = p2.read_bytes()
    p2.unlink()
    st = b.sync.run_cycle()
    assert [q.name for q in st.quarantine] == [p3.name] and "Three" not in _names(b)
    assert st.quarantine[0].reason.startswith("waiting for segment") and "missing" in st.quarantine[0].reason
    p2.write_bytes(saved)  # it was only late (a cloud drive still copying)
    st = b.sync.run_cycle()
    assert {"Two", "Three"} <= _names(b) and st.quarantined == 0
    # deleted for good: its writer publishes it again, under a new name
    n_files = len(_seg_files(share, a.db.node_id))
    p2.unlink()
    a.sync.run_cycle()
    assert not p2.exists() and len(_seg_files(share, a.db.node_id)) == n_files
    st = b.sync.run_cycle()
    assert st.quarantined == 0 and b.dump() == a.dump()


def test_newer_format_segment_is_kept_and_applied_after_upgrade(trio, share, monkeypatch):
    a, b, ag = trio
    monkeypatch.setattr(segment, "FORMAT", 2)
    monkeypatch.setattr(segment, "SUPPORTED_FORMATS", frozenset({1, 2}))
    _new_segment(a, b, ag, "From the future")
    monkeypatch.setattr(segment, "SUPPORTED_FORMATS", frozenset({1}))  # bob runs the older version
    st = b.sync.run_cycle()
    assert st.quarantine[0].status == "newer_format" and "upgrade" in st.quarantine[0].reason
    assert "From the future" not in _names(b)
    monkeypatch.setattr(segment, "SUPPORTED_FORMATS", frozenset({1, 2}))  # bob upgrades
    st = b.sync.run_cycle()
    assert "From the future" in _names(b) and st.quarantined == 0


@pytest.mark.parametrize("how", ["unreachable", "emptied", "replaced", "vanishes mid-sync"])
def test_share_unavailable_never_deletes_anything(trio, share, how, monkeypatch):
    a, b, ag = trio
    sync_all([a, b])
    _new_segment(a, b, ag, "Late")
    before_a, before_b = a.counts(), b.counts()
    root = share / "partnerdesk-space"
    if how == "unreachable":
        shutil.move(str(share), str(share.parent / "unmounted"))
    elif how == "emptied":
        for p in root.rglob("*.pds"):
            p.unlink()
    elif how == "replaced":
        shutil.rmtree(share)
        share.mkdir()
    else:
        real = Share.read_segment

        def vanish(self, node, name):
            shutil.rmtree(share)
            return real(self, node, name)

        monkeypatch.setattr(Share, "read_segment", vanish)
    for n in (b, a):
        st = n.sync.run_cycle()
        assert st.state == "share unavailable", (how, st)
    if how == "emptied":
        assert any("emptied" in p or "deleted" in p for p in st.problems) or st.state == "share unavailable"
    assert a.counts() == before_a
    after_b = b.counts()
    assert all(after_b[k] >= before_b[k] for k in before_b)
    assert after_b["contact"] == before_b["contact"]  # the half-read segment was not applied
    with b.db.read() as s:
        assert s.scalar(select(Contact.id).where(Contact.deleted_at.is_not(None))) is None


def test_copied_profile_is_detected_as_a_fork_and_recovers_with_a_new_identity(trio, share, tmp_path):
    a, b, ag = trio
    sync_all([a, b])
    # bob's profile copied to another PC (same database, same node id, same key in this test's keyring)
    copy_path = tmp_path / "copy.sqlite3"
    import sqlite3

    src, dst = sqlite3.connect(b.path), sqlite3.connect(copy_path)
    src.backup(dst)
    src.close()
    dst.close()
    b2 = Node(copy_path, "bob-copy")
    try:
        assert b2.db.node_id == b.db.node_id
        b.sv.contacts.create(agency=ag.id, name="From bob")
        b2.sv.contacts.create(agency=ag.id, name="From the copy")
        assert b.sync.run_cycle().state == "synced"
        st = b2.sync.run_cycle()
        assert st.state == "fork detected" and "copied profile" in st.problems[0]
        a.sync.run_cycle()
        assert "From bob" in _names(a) and "From the copy" not in _names(a)
        # the copy takes a new identity and its work arrives
        st = b2.sync.join(share, new_identity=True)
        assert b2.db.node_id != b.db.node_id and st.state == "synced"
        sync_all([a, b, b2])
        assert "From the copy" in _names(a) and "From the copy" in _names(b)
        assert a.dump() == b.dump() == b2.dump()
    finally:
        b2.close()


def test_two_files_with_one_number_from_one_node_are_a_fork(trio, share):
    a, b, ag = trio
    p2 = _new_segment(a, b, ag, "Original")
    seg2 = segment.verify(p2.read_bytes(), lambda n: keys.load_public(Share(share).node_entry(n)["public_key"]),
                          a.space_key())
    other = segment.encode(dict(seg2.header), [["9999999999999-00000", "contact", "y", "notes", '"x"']],
                           keys.load(a.db.node_id), space_key=a.space_key())
    import hashlib

    (p2.parent / segment.file_name(seg2.seq, hashlib.sha256(other).hexdigest())).write_bytes(other)
    st = b.sync.run_cycle()
    assert any(p.startswith("fork: node") for p in st.problems)


@pytest.mark.parametrize("offset_s", [3600, -3600, 365 * 86400])
def test_skewed_clocks_still_converge_and_a_far_future_clock_is_not_adopted(make_node, share, offset_s):
    a = make_node("local")
    ag = a.sv.agencies.create(name="City of Brier", code="BRI", kind="city")
    c = a.sv.contacts.create(agency=ag.id, name="Noor Ibrahim")
    a.sync.init(share)
    b = make_node("skewed", offset_s=offset_s)
    b.sync.join(share)
    b.sv.contacts.update(c.id, title="Skewed title")
    a.sv.contacts.update(c.id, notes="Local notes")
    sync_all([a, b], rounds=2)
    assert a.dump() == b.dump()
    assert a.sv.contacts.get(c.id).title == "Skewed title"
    st = a.sync.status()
    horizon = clock_mod.parse(a.db.hlc.horizon())[0]
    assert clock_mod.parse(a.db.hlc.now())[0] <= horizon
    if offset_s > clock_mod.MAX_DRIFT_MS / 1000:
        assert st.state == "clock warning" and "ahead" in st.problems[0]
        # a new local edit still gets a timestamp near our own wall time, not the far future
        a.sv.contacts.update(c.id, notes="later")
        with a.db.read() as s:
            newest = s.scalar(select(SyncOp.hlc).where(SyncOp.node == a.db.node_id).order_by(SyncOp.hlc.desc()))
        assert clock_mod.parse(newest)[0] <= horizon + 1000
    else:  # skewed's clock is behind: it finds local's ahead, and local hears from it how far apart they are
        assert st.state == "clock warning"
        assert "this pc is 60 minutes ahead of the clock of skewed" in st.clock_warning.lower()
        assert "local" in b.sync.status().clock_warning.lower()
