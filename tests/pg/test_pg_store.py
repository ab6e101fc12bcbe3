"""The PostgreSQL transport's store against a real server: what the server itself guarantees (issue 21)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import threading

import keyring
import psycopg
import pytest

from partnerdesk.sync import segment as segmod
from partnerdesk.sync.pg_store import KEYRING_SERVICE, SCHEMA, SCHEMA_VERSION, PgShare, display_url
from partnerdesk.sync.store import PublishError, ShareUnavailable
from tests import pgserver

NODE_A = "a" * 32
NODE_B = "b" * 32


def _name(seq: int, data: bytes) -> str:
    return segmod.file_name(seq, hashlib.sha256(data).hexdigest())


@pytest.fixture
def share(pg):
    s = PgShare(pg.url(password=True))
    s.create_space("space-1", NODE_A, "2026-01-01T00:00:00Z")
    yield s
    s.close()


def _sql(pg, sql: str, params=()):
    with psycopg.connect(pg.url(password=True), autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def test_a_plain_role_creates_the_schema_and_the_space(pg, share):
    assert _sql(pg, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [(False,)]
    assert share.read_space()["space_id"] == "space-1"
    assert share.read_space()["founder"] == NODE_A
    other = PgShare(pg.url(password=True))
    try:
        with pytest.raises(FileExistsError):
            other.create_space("space-2", NODE_B, "2026-01-01T00:00:00Z")
        assert other.read_space()["space_id"] == "space-1"
    finally:
        other.close()


def test_a_second_segment_with_a_taken_sequence_number_is_refused_by_the_server(share):
    first, fork = b"first", b"fork"
    share.publish_segment(NODE_A, _name(1, first), first)
    with pytest.raises(FileExistsError):
        share.publish_segment(NODE_A, _name(1, fork), fork)  # same seq, other content: a fork
    with pytest.raises(FileExistsError):
        share.publish_segment(NODE_A, _name(1, first), first)
    share.publish_segment(NODE_A, _name(2, fork), fork)
    assert share.segment_names(NODE_A) == [_name(1, first), _name(2, fork)]
    assert share.read_segment(NODE_A, _name(1, first)) == first
    with pytest.raises(FileNotFoundError):
        share.read_segment(NODE_A, _name(3, first))
    with pytest.raises(PublishError):
        share.publish_segment(NODE_A, "seg-not-a-name", first)


def test_segments_and_files_are_append_only_on_the_server(pg, share):
    share.publish_segment(NODE_A, _name(1, b"x"), b"x")
    share.publish_file("keys/a.json", b"{}")
    for sql in (f"UPDATE {SCHEMA}.segment SET data = 'y'", f"DELETE FROM {SCHEMA}.segment",
                f"UPDATE {SCHEMA}.file SET data = 'y'", f"DELETE FROM {SCHEMA}.file"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            _sql(pg, sql)
    assert share.read_segment(NODE_A, _name(1, b"x")) == b"x"
    assert share.read_file("keys/a.json") == b"{}"
    with pytest.raises(FileExistsError):
        share.publish_file("keys/a.json", b"{other}")


def test_the_roster_keeps_the_first_key_of_a_node(share):
    share.register_node(NODE_B, {"public_key": "k1", "name": "PC 7"})
    share.register_node(NODE_B, {"public_key": "k1", "name": "PC 7"})  # again, same key: fine
    with pytest.raises(PublishError):
        share.register_node(NODE_B, {"public_key": "k2"})
    share.rename_node(NODE_B, "Help desk PC")
    assert share.node_entry(NODE_B) == {"node": NODE_B, "public_key": "k1", "name": "Help desk PC"}
    share.publish_segment(NODE_A, _name(1, b"x"), b"x")
    assert share.node_ids() == [NODE_A, NODE_B]


def test_an_append_wakes_a_listening_installation(pg, share):
    listener = PgShare(pg.url(password=True))
    listener.read_space()
    listener.listen()
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(listener.wait_for_change(30)))
    waiter.start()
    share.publish_segment(NODE_B, _name(1, b"new"), b"new")
    waiter.join(60)
    listener.close()
    assert woke == [True]


def test_nothing_to_wait_for_returns_false(pg, share):
    listener = PgShare(pg.url(password=True))
    listener.read_space()
    try:
        assert listener.wait_for_change(0.2) is False
    finally:
        listener.close()


def test_a_stopped_server_is_unavailable_never_empty_and_comes_back(pg, share):
    share.publish_segment(NODE_A, _name(1, b"x"), b"x")
    pg.stop()
    try:
        with pytest.raises(ShareUnavailable, match="unavailable"):
            share.segment_names(NODE_A)
        with pytest.raises(ShareUnavailable, match="unavailable"):
            share.publish_segment(NODE_A, _name(2, b"y"), b"y")
    finally:
        pg.start()
    assert share.segment_names(NODE_A) == [_name(1, b"x")]
    share.publish_segment(NODE_A, _name(2, b"y"), b"y")
    assert len(share.segment_names(NODE_A)) == 2


def test_a_client_killed_mid_append_leaves_nothing(pg, share):
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import psycopg, sys
        conn = psycopg.connect({pg.url(password=True)!r})
        conn.execute("INSERT INTO {SCHEMA}.segment (space_id, node, seq, name, data, sha256) "
                     "VALUES ('space-1', '{NODE_B}', 1, 'seg-half', 'half', 'x')")
        print("inserted", flush=True)
        sys.stdin.read()  # hold the transaction open until killed
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inserted"
        child.kill()
        child.wait(60)
    finally:
        child.stdin.close()
        child.stdout.close()
    assert share.segment_names(NODE_B) == []
    share.publish_segment(NODE_B, _name(1, b"whole"), b"whole")  # the sequence number is free
    assert share.segment_names(NODE_B) == [_name(1, b"whole")]


def test_a_newer_server_schema_is_refused(pg, share):
    _sql(pg, f"UPDATE {SCHEMA}.meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    fresh = PgShare(pg.url(password=True))
    try:
        with pytest.raises(ShareUnavailable, match="newer format"):
            fresh.read_space()
    finally:
        fresh.close()


def test_no_space_on_an_empty_database(pg):
    empty = PgShare(pg.url(password=True))
    try:
        with pytest.raises(ShareUnavailable, match="no partnerdesk space"):
            empty.read_space()
    finally:
        empty.close()


def test_the_password_goes_to_the_keyring_and_never_into_what_people_see(pg, monkeypatch):
    url = pg.url(password=True)
    shown = display_url(url)
    assert pg.url() == shown and "pd-test-secret" not in shown
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(ShareUnavailable):  # no password anywhere yet: refused by the server
        PgShare(shown).read_space()
    monkeypatch.setenv("PGPASSWORD", "pd-test-secret")
    first = PgShare(shown)  # first use: PGPASSWORD, then kept in the keyring
    with pytest.raises(ShareUnavailable, match="no partnerdesk space"):
        first.read_space()
    first.close()
    assert first.url == shown and first.folder == shown
    assert keyring.get_password(KEYRING_SERVICE, shown) == "pd-test-secret"
    monkeypatch.delenv("PGPASSWORD")
    later = PgShare(shown)  # from the keyring alone
    with pytest.raises(ShareUnavailable, match="no partnerdesk space"):
        later.read_space()
    later.close()


def test_the_server_address_never_shows_a_password():
    assert display_url("postgresql://u:secret@db.example.org:5433/pd?sslmode=verify-full") == \
        "postgresql://u@db.example.org:5433/pd?sslmode=verify-full"
    assert display_url("postgresql://u@h/pd") == "postgresql://u@h/pd"
    assert os.environ.get("PGPASSWORD") != "secret"


def _uses_tls(share: PgShare) -> bool:
    return share._run(lambda conn: conn.execute(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0])


def test_tls_is_used_when_the_server_offers_it(share):
    assert _uses_tls(share)


def test_verify_full_checks_the_servers_certificate(pg, share, tmp_path):
    verified = PgShare(pg.url(password=True) + f"?sslmode=verify-full&sslrootcert={pg.ca_file}")
    try:
        assert verified.read_space()["space_id"] == "space-1" and _uses_tls(verified)
    finally:
        verified.close()
    other = tmp_path / "other"
    other.mkdir()
    pgserver._make_certificates(other)  # a real CA, but not the one that signed the server's certificate
    stranger = other / "ca.crt"
    wrong = PgShare(pg.url(password=True) + f"?sslmode=verify-full&sslrootcert={stranger}")
    try:
        with pytest.raises(ShareUnavailable):
            wrong.read_space()
    finally:
        wrong.close()
