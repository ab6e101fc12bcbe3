"""A poisoned share (issue 14, guarantee 6): stray files, folders, FIFOs, symlinks, devices and oversized files
are skipped or quarantined, nothing is read past a size limit, and ``sync run`` never hangs.

Every cycle here runs in a forked child that the test waits for with a timeout (``Process.join(timeout=)``):
a cycle that hung would fail the test instead of hanging it."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from partnerdesk.sync import segment
from partnerdesk.sync.dto import FORK, QUARANTINED, SYNCED
from partnerdesk.sync.members import KEYS_DIR
from partnerdesk.sync.store import MAX_SEGMENT_BYTES
from tests.sync.conftest import sync_all
from tests.sync.test_damage import trio  # noqa: F401 (a fixture)

GUARD_S = 60


def _cycle(node) -> None:
    os._exit(0 if node.sync.run_cycle() is not None else 3)


def guarded_cycle(node):
    """One ``sync run`` in a child process; fails the test if it has not finished within GUARD_S seconds."""
    node.db.engine.dispose()  # the child opens its own connections
    child = multiprocessing.get_context("fork").Process(target=_cycle, args=(node,))
    child.start()
    child.join(timeout=GUARD_S)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"sync run on {node.name} did not finish within {GUARD_S} s (it hangs on the share)")
    assert child.exitcode == 0, f"sync run on {node.name} failed (exit code {child.exitcode})"
    return node.sync.status()


@pytest.fixture
def pair(trio):  # noqa: F811 (the fixture imported above)
    a, b, ag = trio
    sync_all([a, b])
    return a, b, ag


def _next_name(share: Path, node) -> Path:
    nxt = int(node.db.meta("sync.seq")) + 1
    return share / "partnerdesk-space" / "nodes" / node.db.node_id / segment.file_name(nxt, "5a" * 32)


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _symlink_to_dev_zero(p: Path) -> None:
    p.symlink_to("/dev/zero")


def _folder(p: Path) -> None:
    p.mkdir()
    (p / "inside.pds").write_bytes(b"x")


def _oversized(p: Path) -> None:
    with open(p, "wb") as f:  # sparse: a huge size without using the disk
        f.truncate(MAX_SEGMENT_BYTES + 1)


def _device(p: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is


@pytest.mark.parametrize("make, kind", [(_fifo, "a FIFO"), (_symlink_to_dev_zero, "a symlink"),
                                        (_folder, "a folder"), (_oversized, "too large"), (_device, "a device")])
def test_a_poisoned_file_named_like_the_next_segment_is_quarantined_and_nothing_hangs(pair, share, make, kind):
    a, b, ag = pair
    poison = _next_name(share, a)
    make(poison)
    a.sv.contacts.create(agency=ag.id, name="Published next to the poison")
    st = guarded_cycle(a)  # the writer: no fork, its work is published under another number
    assert st.state == SYNCED and st.state != FORK, st
    st = guarded_cycle(b)
    assert "Published next to the poison" in {c.name for c in b.sv.contacts.list()}
    assert st.state == QUARANTINED and [q.name for q in st.quarantine] == [poison.name], st
    assert kind in st.quarantine[0].reason
    assert not any("fork" in p for p in st.problems)
    if poison.is_dir() and not poison.is_symlink():
        (poison / "inside.pds").unlink()
        poison.rmdir()
    else:
        poison.unlink()
    st = guarded_cycle(b)
    assert st.state == SYNCED and st.quarantine == (), st  # the entry goes away with the file


def test_stray_files_folders_fifos_and_symlinks_elsewhere_on_the_share_are_skipped(pair, share):
    a, b, ag = pair
    nodes = share / "partnerdesk-space" / "nodes"
    (nodes / a.db.node_id / "notes.txt").write_text("who put this here?")
    (nodes / a.db.node_id / "seg-backup").mkdir()
    os.mkfifo(nodes / a.db.node_id / "seg-not-a-number.pds")
    (nodes / "junk-folder").mkdir()
    (nodes / "fifo-roster").mkdir()
    os.mkfifo(nodes / "fifo-roster" / "node.json")
    (nodes / "linked-node").symlink_to("/dev")
    (nodes / "stray.pds").write_bytes(b"\0" * 100)
    a.sv.contacts.create(agency=ag.id, name="Still syncing")
    assert guarded_cycle(a).state == SYNCED
    st = guarded_cycle(b)
    assert "Still syncing" in {c.name for c in b.sv.contacts.list()}
    assert st.state == SYNCED and st.quarantine == (), st


def test_a_fifo_as_the_space_file_makes_the_share_unavailable_without_hanging(pair, share):
    a, b, _ag = pair
    space = share / "partnerdesk-space" / "space.json"
    saved = space.read_bytes()
    space.unlink()
    os.mkfifo(space)
    st = guarded_cycle(b)
    assert st.state == "share unavailable" and "FIFO" in st.problems[0], st
    space.unlink()
    space.write_bytes(saved)
    assert guarded_cycle(b).state == SYNCED


def test_a_fifo_or_a_link_posing_as_a_key_envelope_is_skipped_without_hanging(make_node, share):
    a = make_node("alice")
    a.sync.init(share)
    b = make_node("bob")
    b.sync.join(share, admit=False)  # bob waits for a member to admit him: he looks for his key envelope
    keys_dir = share / "partnerdesk-space" / KEYS_DIR
    keys_dir.mkdir(exist_ok=True)
    os.mkfifo(keys_dir / f"{b.db.node_id}-from-{a.db.node_id}x.key")
    (keys_dir / f"{b.db.node_id}-from-zero.key").symlink_to("/dev/zero")
    st = guarded_cycle(b)
    assert st.state == "awaiting approval", st
    a.sync.admit(b.db.node_id)
    st = guarded_cycle(b)
    assert st.state == SYNCED, st
