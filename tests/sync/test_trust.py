"""Admission, not trust-on-first-use; the share sees no personal data (issue 14, guarantees 2, 8 and 9).

Each "Under attack" item about trust has its attacker here: someone who can write to the shared folder but
holds no member's key."""

from __future__ import annotations

import base64
import json
import re
import socket

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from partnerdesk.errors import UserError
from partnerdesk.sync import crypto, keys, members, segment
from partnerdesk.sync.dto import AWAITING, SYNCED
from partnerdesk.sync.store import Share, publish_new
from tests.sync.conftest import join_code_of, sync_all

CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$")


def _space(share):
    return share / "partnerdesk-space"


def _attacker_node(share, space_id: str, *, name="Mallory", key_id: str | None = None, node: str | None = None):
    """What anyone with write access can make: a node folder with a well-formed, self-signed join request."""
    key = Ed25519PrivateKey.generate()
    node = node or "e" * 32
    request = {"node": node, "space": space_id, "public_key": keys.public_b64(key), "display_name": name,
               "machine": "EVIL-PC", "agency_code": None, "agency_name": None}
    if key_id:
        request["key_id"] = key_id
    d = _space(share) / "nodes" / node
    d.mkdir(parents=True, exist_ok=True)
    entry = {"node": node, "public_key": keys.public_b64(key), "name": name, "request": request,
             "request_sig": members.sign_request(key, request)}
    (d / "node.json").write_text(json.dumps(entry))
    return node, key


@pytest.fixture
def pair(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    a.sync.init(share)
    b = make_node("bob")
    b.sync.join(share)
    sync_all([a, b])
    return a, b


def test_init_prints_a_join_code_a_person_can_read_out(make_node, share):
    a = make_node("alice")
    st = a.sync.init(share)
    code = st.extra["join_code"]
    assert CODE.match(code), code  # six groups of four: 4 for the space, 100 bits of the founder key's hash
    assert a.sync.status().extra["join_code"] == code == join_code_of(share)
    b = make_node("bob")
    with pytest.raises(UserError, match="not a join code"):
        b.sync.join(share, code="1234")
    other = crypto.join_code("another space", keys.public_bytes(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(UserError, match="another space"):
        b.sync.join(share, code=other)
    # one character wrong in the fingerprint part: refused, and nothing of bob's is on the share
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(UserError, match="does not match the join code"):
        b.sync.join(share, code=wrong)
    assert not (_space(share) / "nodes" / b.db.node_id).exists()
    assert b.sync.status().state == "not set up"
    # typed in lower case with spaces, the code still works
    st = b.sync.join(share, code=code.lower().replace("-", " "))
    assert b.db.meta("sync.space") and st.state == SYNCED


def test_replaced_founder_key_before_a_pc_joins_is_refused(make_node, share):
    """Under attack: the founder's key on the share is swapped before a PC joins. The PC, holding the code
    read out by the founder, refuses the space instead of trusting the attacker."""
    a = make_node("alice")
    a.sync.init(share)
    code = a.sync.join_code()
    founder = a.db.node_id
    space_id = a.db.meta("sync.space")
    # the attacker replaces the founder's roster entry with its own key (self-signed, committing to its key)
    _attacker_node(share, space_id, name="Alice", node=founder, key_id=crypto.key_id(crypto.new_space_key()))
    b = make_node("bob")
    with pytest.raises(UserError, match="does not match the join code") as exc:
        b.sync.join(share, code=code)
    assert "\n" not in str(exc.value)
    assert b.db.meta("sync.space") is None and not (_space(share) / "nodes" / b.db.node_id).exists()
    # the founder itself keeps trusting the key it pinned, not the file
    assert a.sync.run_cycle().state == SYNCED


def test_forged_node_is_held_awaiting_approval_and_never_applied(pair, share):
    """Under attack: a new nodes/<id>/node.json with the attacker's own key, plus a segment signed by it that
    soft-deletes every contact and takes over the home agency's billing node. Nothing is applied, on any PC,
    and each says so."""
    a, b = pair
    home = a.sv.agencies.home()
    contacts = a.sv.contacts.list()
    assert len(contacts) >= 10
    node, key = _attacker_node(share, a.db.meta("sync.space"))
    ops = [["1999999999999-00000", "contact", c.id, "deleted_at", '"2026-11-26T12:00:00Z"'] for c in contacts]
    ops.append(["1999999999999-00001", "agency", home.id, "billing_node", json.dumps(node)])
    for space_key in (None, crypto.new_space_key()):  # plain, or encrypted with a key of its own
        data = segment.encode({"node": node, "seq": 1, "prev": None, "space": a.db.meta("sync.space"),
                               "seen": {}, "contexts": []}, ops, key, space_key=space_key)
        for old in (_space(share) / "nodes" / node).glob("seg-*"):
            old.unlink()
        import hashlib

        publish_new(_space(share) / "nodes" / node, segment.file_name(1, hashlib.sha256(data).hexdigest()), data)
        for n in (a, b):
            st = n.sync.run_cycle()
            assert len(n.sv.contacts.list()) == len(contacts)
            assert n.sv.agencies.home().billing_node == home.billing_node == a.db.node_id
            assert st.state == AWAITING and st.state != SYNCED
            (held,) = st.awaiting_approval
            assert held.node == node and held.segments == 1 and not held.is_self
            assert held.name == "Mallory (EVIL-PC)" and held.fingerprint == crypto.fingerprint(
                keys.public_bytes(key.public_key()))
            assert [x.problem for x in st.nodes if x.node == node] == ["awaiting approval"]
    # declining the request (revoke) settles it: still nothing applied, and no longer awaiting
    assert [p.node for p in a.sync.pending()] == [node]
    a.sync.revoke(node)
    st = a.sync.run_cycle()
    assert st.awaiting_approval == () and len(a.sv.contacts.list()) == len(contacts)
    sync_all([a, b])
    assert b.sync.status().awaiting_approval == () and len(b.sv.contacts.list()) == len(contacts)


def test_a_new_installation_is_applied_by_nobody_until_admitted(pair, make_node, share):
    a, b = pair
    c = make_node("carol")
    st = c.sync.join(share, admit=False)
    assert st.state == AWAITING and st.awaiting_approval[0].is_self
    assert "admit" in st.awaiting_approval[0].reason
    town = c.sv.agencies.create(name="Town of Woodway", code="WDW", kind="town")
    c.sv.contacts.create(agency=town.id, name="Carol's Contact")
    st = c.sync.run_cycle()
    assert st.state == AWAITING and c.sv.contacts.list() and len(c.sv.contacts.list()) == 1
    # nothing of carol's is readable or applied anywhere; members see her request, with a name people know
    for n in (a, b):
        st = n.sync.run_cycle()
        assert st.state == AWAITING
        assert "Carol's Contact" not in {x.name for x in n.sv.contacts.list()}
    (p,) = a.sync.pending()
    assert p.node == c.db.node_id and p.fingerprint == c.sync.fingerprint() and p.machine == socket.gethostname()
    assert p.name == f"Carol ({socket.gethostname()})"
    # admitted (for the agency it asked for: none here, so the admitting member's), it gets everything and
    # everyone gets its work
    a.sync.admit(c.db.node_id[:8])
    sync_all([c, a, b])
    for n in (a, b, c):
        assert n.sync.status().state == SYNCED, n.sync.status()
        assert "Carol's Contact" in {x.name for x in n.sv.contacts.list()}
    assert a.dump() == b.dump() == c.dump()
    home = a.sv.agencies.home().name
    names = {x.node: x.name for x in b.sync.status().nodes}
    assert names[c.db.node_id] == f"Carol — {home} ({socket.gethostname()})"
    with a.db.read() as s:
        assert members.agency_of(s, c.db.node_id) == a.sv.agencies.home().id
        assert members.agency_of(s, "0" * 32) is None


def test_join_asks_for_an_agency_and_is_admitted_for_it(pair, make_node, share):
    a, b = pair
    edm = a.sv.agencies.get("EDM")
    c = make_node("carol")
    c.sync.join(share, agency="EDM", admit=False)
    (p,) = b.sync.pending()
    assert p.agency == "EDM"
    b.sync.admit(p.node)  # any member admits, not only the founder: its own admission vouches for it
    sync_all([a, b, c])
    assert c.sync.status().state == SYNCED and c.dump() == a.dump()
    with b.db.read() as s:
        assert members.agency_of(s, c.db.node_id) == edm.id
    d = make_node("dave")
    d.sync.join(share, agency="NOPE", admit=False)
    with pytest.raises(UserError, match="NOPE"):
        a.sync.admit(d.db.node_id)


def test_revoked_installation_keeps_what_it_published_before_and_nothing_after(pair, share):
    a, b = pair
    agency = b.sv.agencies.home()
    before = b.sv.contacts.create(agency=agency.id, name="Before Revocation")
    b.sync.run_cycle()
    a.sync.run_cycle()
    name = a.sync.revoke(b.db.node_id)
    assert name.startswith("Bob — ")
    with pytest.raises(UserError, match="cannot be revoked"):
        b.sync.revoke(a.db.node_id)  # nor can anyone revoke the founder
    b.sync.run_cycle()
    b.sv.contacts.create(agency=agency.id, name="After Revocation")
    b.sync.run_cycle()
    st = a.sync.run_cycle()
    names = {x.name for x in a.sv.contacts.list()}
    assert before.name in names and "After Revocation" not in names
    assert [x.problem for x in st.nodes if x.node == b.db.node_id] == ["revoked: its later changes are not applied"]
    with a.db.read() as s:
        assert members.agency_of(s, b.db.node_id) is None
    with pytest.raises(UserError, match="not admitted"):
        b.sync.admit(a.db.node_id)  # a revoked installation admits nobody


def test_an_envelope_with_another_key_is_not_taken_as_the_space_key(make_node, share):
    """Anyone can seal a key to a joiner; it uses only the key the founder committed to."""
    a = make_node("alice")
    a.sync.init(share)
    b = make_node("bob")
    b.sync.join(share, admit=False)
    bad = crypto.new_space_key()
    members.publish_envelope(Share(share), a.db.meta("sync.space"), b.db.node_id,
                             keys.public_b64(keys.load(b.db.node_id)), "0" * 32, bad)
    assert b.sync.run_cycle().state == AWAITING and b.space_key() is None
    a.sync.admit(b.db.node_id)
    assert b.sync.run_cycle().state == SYNCED and b.space_key() == a.space_key() != bad


def test_the_share_holds_no_personal_data(make_node, share, tmp_path):
    """Guarantee 8: a cloud drive, or a colleague browsing the folder, reads nothing."""
    a = make_node("alice")
    ag = a.sv.agencies.create(name="Zanzibar Water District", code="ZWD", kind="district", is_home=True)
    a.sv.contacts.create(agency=ag.id, name="Quentin Xylophone", work_phone="425-555-0188",
                         email="quentin.xylophone@zanzibar.example", personal_phone="206-555-0177")
    a.sync.init(share)
    b = make_node("bob")
    b.sync.join(share)
    sync_all([a, b])
    assert "Quentin Xylophone" in {c.name for c in b.sv.contacts.list()}  # it did travel
    needles = [b"Quentin", b"Xylophone", b"555-0188", b"5550188", b"555-0177", b"quentin.xylophone",
               b"zanzibar.example"]
    files = [p for p in share.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for p in files:
        data = p.read_bytes()
        found = [n for n in needles if n.lower() in data.lower()]
        assert not found, f"{p.relative_to(share)} shows {found}"
    # and what is there is encrypted: every segment says so, and opens only with the space key
    for p in share.rglob("seg-*.pds"):
        with pytest.raises(segment.SegmentError, match="locked"):
            segment.verify(p.read_bytes(), lambda n: keys.load_public(Share(share).node_entry(n)["public_key"]))
    assert base64.b64encode(a.space_key()) not in b"".join(p.read_bytes() for p in files)
