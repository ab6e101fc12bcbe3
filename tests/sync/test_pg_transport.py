"""Sync through a PostgreSQL server (issue 21): the same signed, encrypted log as the folder, on a real server.

The server stores and forwards; admission, signatures, encryption and validation stay on the clients, so
these tests drive the same SyncService as the folder tests with a ``postgresql://`` address instead.
"""

from __future__ import annotations

import base64
import hashlib
import json

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from partnerdesk.cli.sync import _status_json
from partnerdesk.errors import UserError
from partnerdesk.sync import segment
from partnerdesk.sync.dto import SYNCED, UNAVAILABLE
from partnerdesk.sync.move import _canonical
from partnerdesk.sync.pg_store import SCHEMA
from tests.sync.conftest import sync_all


def _three(make_node, demo_template, url):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    c = make_node("carol")
    a.sync.init(url)
    b.sync.join(url)
    c.sync.join(url)
    sync_all([a, b, c])
    return a, b, c


def test_three_installations_converge_through_a_server(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    assert b.counts()["contact"] == 48
    contacts = a.sv.contacts.list()
    a.sv.contacts.update(contacts[0].id, title="Network Lead")
    b.sv.contacts.update(contacts[0].id, title="Senior Network Lead")  # concurrent: one winner everywhere
    b.sv.contacts.update(contacts[1].id, title="PBX technician")
    c.sv.contacts.delete(contacts[2].id)
    sync_all([a, b, c])
    assert a.dump() == b.dump() == c.dump()
    assert a.sv.contacts.get(contacts[1].id).title == "PBX technician"
    for n in (a, b, c):
        st = n.sync.run_cycle()
        assert st.state == SYNCED
        shown = _status_json(st)
        assert shown["transport"] == "postgresql"
        assert "pd-test-secret" not in json.dumps(shown) and shown["folder"] == pg.url()


def test_the_server_holds_no_personal_data(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    with psycopg.connect(pg.url(password=True)) as conn:
        stored = b"".join(bytes(r[0]) for r in conn.execute(f"SELECT data FROM {SCHEMA}.segment"))
        stored += b"".join(bytes(r[0]) for r in conn.execute(f"SELECT data FROM {SCHEMA}.file"))
    assert stored
    for contact in a.sv.contacts.list()[:10]:
        assert contact.name.encode() not in stored


def test_a_forged_row_inserted_into_the_table_is_refused_by_every_client(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    before = a.dump()
    contacts = a.sv.contacts.list()
    ops = [["1999999999999-00000", "contact", x.id, "deleted_at", '"2026-11-26T12:00:00Z"'] for x in contacts]
    attacker = Ed25519PrivateKey.generate()  # someone with the database password, but not alice's key
    data = segment.encode({"node": a.db.node_id, "seq": 900, "prev": None, "space": a.db.meta("sync.space"),
                           "seen": {}, "contexts": []}, ops, attacker)
    name = segment.file_name(900, hashlib.sha256(data).hexdigest())
    with psycopg.connect(pg.url(password=True)) as conn:
        space = conn.execute(f"SELECT space_id FROM {SCHEMA}.space").fetchone()[0]
        conn.execute(f"INSERT INTO {SCHEMA}.segment (space_id, node, seq, name, data, sha256) "
                     "VALUES (%s, %s, 900, %s, %s, %s)", (space, a.db.node_id, name, data, "forged"))
    for n in (b, c):
        st = n.sync.run_cycle()
        assert len(n.sv.contacts.list()) == len(contacts)
        assert st.state != SYNCED and any(q.name == name for q in st.quarantine)
    assert b.dump() == c.dump() == before


def test_a_server_stopped_mid_work_is_unavailable_and_nothing_is_lost(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    contact = a.sv.contacts.list()[0]
    pg.stop()
    try:
        a.sv.contacts.update(contact.id, title="Written while the server was down")
        st = a.sync.run_cycle()
        assert st.state == UNAVAILABLE
        assert a.sv.contacts.get(contact.id).title == "Written while the server was down"
        assert len(b.sv.contacts.list()) == 48 and b.sync.run_cycle().state == UNAVAILABLE
    finally:
        pg.start()
    sync_all([a, b, c])
    assert b.sv.contacts.get(contact.id).title == "Written while the server was down"
    assert a.dump() == b.dump() == c.dump()


def _segments_in(folder) -> set[tuple[str, str]]:
    root = folder / "partnerdesk-space" / "nodes"
    return {(p.parent.name, p.name) for p in root.glob("*/seg-*.pds")}


def test_a_folder_space_moves_to_a_server_and_every_member_follows(make_node, demo_template, share, pg):
    a, b, c = _three(make_node, demo_template, share)
    contact = a.sv.contacts.list()[0]
    c.sv.contacts.update(contact.id, title="Written before the move, published after it")
    in_folder = _segments_in(share)
    st = a.sync.move_to(pg.url(password=True))
    assert st.extra["moved"]["segments"] == len(in_folder) and st.extra["moved"]["unreadable"] == 0
    assert _status_json(st)["transport"] == "postgresql" and st.folder == pg.url()
    with psycopg.connect(pg.url(password=True)) as conn:
        on_server = {(n, s) for n, s in conn.execute(f"SELECT node, name FROM {SCHEMA}.segment")}
    assert in_folder <= on_server  # nothing lost, and the unique key leaves no room for a duplicate
    sync_all([a, b, c])
    for n in (a, b, c):
        st = n.sync.run_cycle()
        assert _status_json(st)["transport"] == "postgresql" and st.state == SYNCED
    assert a.sv.contacts.get(contact.id).title == "Written before the move, published after it"
    assert a.dump() == b.dump() == c.dump()
    assert _segments_in(share) == in_folder  # the folder is left as it was, plus the pointer


def test_a_pointer_nobody_admitted_signed_is_not_followed(make_node, demo_template, share, pg):
    a, b, c = _three(make_node, demo_template, share)
    attacker = Ed25519PrivateKey.generate()
    body = {"space": a.db.meta("sync.space"), "to": pg.url(), "by": a.db.node_id, "at": "2026-11-26T12:00:00Z"}
    forged = {"pointer": body, "sig": base64.b64encode(attacker.sign(_canonical(body))).decode("ascii")}
    (share / "partnerdesk-space" / "moved.json").write_text(json.dumps(forged))
    st = b.sync.run_cycle()
    assert _status_json(st)["transport"] == "folder" and st.state == SYNCED


def test_move_to_refuses_what_it_cannot_do(make_node, demo_template, share, pg):
    a, b, c = _three(make_node, demo_template, share)
    with pytest.raises(UserError, match="postgresql://"):
        a.sync.move_to("/tmp/not-a-server")
    a.sync.move_to(pg.url(password=True))
    with pytest.raises(UserError, match="already on a server"):
        a.sync.move_to(pg.url(password=True))


def test_a_listening_installation_is_woken_by_another_ones_change(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    contact = a.sv.contacts.list()[0]
    assert b.sync.wait_for_change(0.2) is False  # nothing new: the wait ends empty
    woke = []
    b.sync.wait_for_change(0)  # listening from here on, so nothing published meanwhile is missed
    a.sv.contacts.update(contact.id, title="Pushed")
    a.sync.run_cycle()
    woke.append(b.sync.wait_for_change(30))
    b.sync.run_cycle()
    assert woke == [True] and b.sv.contacts.get(contact.id).title == "Pushed"


def test_a_folder_has_no_push(make_node, share):
    a = make_node("alice")
    a.sync.init(share)
    assert a.sync.wait_for_change(5) is False


def test_a_server_stopped_in_the_middle_of_a_cycle_loses_nothing(make_node, demo_template, pg):
    a, b, c = _three(make_node, demo_template, pg.url(password=True))
    contacts = a.sv.contacts.list()
    for i, x in enumerate(contacts[:5]):
        b.sv.contacts.update(x.id, title=f"Edited offline {i}")
    stopped = []

    def stop_once(done, total, _message=""):
        if not stopped:
            stopped.append(done)
            pg.stop("immediate")  # the server goes away while the cycle is under way

    try:
        st = b.sync.run_cycle(stop_once)
        assert stopped and st.state == UNAVAILABLE
        assert [b.sv.contacts.get(x.id).title for x in contacts[:5]] == [f"Edited offline {i}" for i in range(5)]
    finally:
        pg.start()
    sync_all([a, b, c])
    assert a.sv.contacts.get(contacts[4].id).title == "Edited offline 4"
    assert a.dump() == b.dump() == c.dump()
