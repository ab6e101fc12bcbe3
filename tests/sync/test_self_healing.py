"""Self-healing (issue 14, guarantee 6): whatever part of a node's stream is missing, damaged or rolled back
on the share, the node publishes again under new names while it holds its ops; a node that joins later gets
everything; a restored local backup takes its own ops back from the share instead of reporting a fork."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from partnerdesk.sync.dto import FORK, SYNCED
from tests.sync.conftest import sync_all
from tests.sync.test_damage import trio  # noqa: F401 (a fixture)


def _seg_dir(share: Path, node) -> Path:
    return share / "partnerdesk-space" / "nodes" / node.db.node_id


def _files(share: Path, node) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(_seg_dir(share, node).glob("seg-*.pds"))}


def _names(node) -> set[str]:
    return {c.name for c in node.sv.contacts.list()}


def _publish(node, ag, name: str) -> None:
    node.sv.contacts.create(agency=ag.id, name=name)
    assert node.sync.run_cycle().state == SYNCED


@pytest.fixture
def pair(trio):  # noqa: F811 (the fixture imported above)
    """alice founded the space with one agency and one contact; bob joined; both synced."""
    a, b, ag = trio
    sync_all([a, b])
    return a, b, ag


def _converged(*nodes) -> None:
    sync_all(nodes, rounds=2)
    for n in nodes:
        st = n.sync.status()
        assert st.state == SYNCED and st.quarantine == (), (n.name, st)
    dumps = [n.dump() for n in nodes]
    assert all(d == dumps[0] for d in dumps[1:])


def test_a_deleted_segment_is_published_again_under_a_new_name_and_nothing_after_it_is_lost(pair, make_node,
                                                                                               share):
    a, b, ag = pair
    before = set(_files(share, a))
    _publish(a, ag, "Two")
    _publish(a, ag, "Three")
    two = min(set(_files(share, a)) - before)
    (_seg_dir(share, a) / two).unlink()  # someone tidies the shared folder
    st = b.sync.run_cycle()
    assert "Two" not in _names(b) and "Three" not in _names(b)
    assert st.state != SYNCED and any("missing or damaged" in q.reason for q in st.quarantine), st
    published = _files(share, a)
    a.sync.run_cycle()  # alice still holds her ops: she publishes the lost part again, under a new name
    after = _files(share, a)
    assert two not in after and all(after[k] == v for k, v in published.items())  # nothing rewritten
    assert len(after) == len(published) + 1
    st = b.sync.run_cycle()
    assert {"Two", "Three"} <= _names(b) and st.state == SYNCED and st.quarantine == (), st
    c = make_node("carol")  # joins later: gets everything
    c.sync.join(share)
    assert {"Grace Thompson", "Two", "Three"} <= _names(c)
    _converged(a, b, c)


def test_a_damaged_segment_is_replaced_by_a_copy_and_its_quarantine_entry_goes_away(pair, share):
    a, b, ag = pair
    before = set(_files(share, a))
    _publish(a, ag, "Damaged")
    _publish(a, ag, "After it")
    (name,) = sorted(set(_files(share, a)) - before)[:1]
    path = _seg_dir(share, a) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))  # a bad disk, a half-synced cloud copy
    st = b.sync.run_cycle()
    assert any(q.name == name and q.reason.startswith("damaged") for q in st.quarantine), st.quarantine
    assert "After it" not in _names(b)
    a.sync.run_cycle()
    assert path.read_bytes() == bytes(data)  # the damaged file itself is never touched
    st = b.sync.run_cycle()
    assert {"Damaged", "After it"} <= _names(b)
    assert st.state == SYNCED and st.quarantine == (), st  # superseded: no longer listed
    _converged(a, b)


def test_a_share_restored_from_an_older_server_backup_heals(pair, make_node, share, tmp_path):
    a, b, ag = pair
    server_backup = tmp_path / "server-backup"
    shutil.copytree(share, server_backup)
    _publish(a, ag, "From alice after the backup")
    b.sv.contacts.create(agency=ag.id, name="From bob after the backup")
    sync_all([a, b])
    shutil.rmtree(share)
    shutil.copytree(server_backup, share)  # the file server is rolled back to last night
    c = make_node("carol")
    c.sync.join(share)
    sync_all([a, b, c])
    assert {"From alice after the backup", "From bob after the backup"} <= _names(c)
    _converged(a, b, c)


def _backup(node, dest: Path) -> None:
    src, out = sqlite3.connect(node.path), sqlite3.connect(dest)
    src.backup(out)
    src.close()
    out.close()


def _restore(node, backup: Path) -> None:
    node.db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{node.path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, node.path)
    node.open()


def test_restoring_an_old_local_backup_takes_its_own_ops_back_from_the_share_without_a_fork(pair, share, tmp_path):
    a, b, ag = pair
    backup = tmp_path / "bob-backup.sqlite3"
    _backup(b, backup)
    _publish(b, ag, "Published by bob after his backup")
    a.sync.run_cycle()
    _restore(b, backup)  # bob restores last week's backup
    assert "Published by bob after his backup" not in _names(b)
    b.sv.contacts.create(agency=ag.id, name="Typed by bob after the restore")
    st = b.sync.run_cycle()
    assert st.state == SYNCED and st.state != FORK, st
    assert "Published by bob after his backup" in _names(b)  # taken back from the share
    a.sync.run_cycle()
    assert "Typed by bob after the restore" in _names(a)
    _converged(a, b)


def test_a_stray_file_named_like_the_next_segment_is_no_fork_and_publishing_goes_on(pair, share):
    a, b, ag = pair
    from partnerdesk.sync import segment

    nxt = int(a.db.meta("sync.seq")) + 1
    stray = _seg_dir(share, a) / segment.file_name(nxt, "ab" * 32)
    stray.write_bytes(b"PDSEG\x01\r\n" + b"\0" * 200)
    _publish(a, ag, "After the stray file")
    st = a.sync.status()
    assert st.state == SYNCED and not any("fork" in p for p in st.problems), st
    st = b.sync.run_cycle()
    assert "After the stray file" in _names(b)
    assert [q.name for q in st.quarantine] == [stray.name] and st.state != FORK
    assert not any("fork" in p for p in st.problems)
    stray.unlink()
    assert b.sync.run_cycle().state == SYNCED
