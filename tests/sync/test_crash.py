"""A writer killed with SIGKILL at random points while exporting, 200 times: no published file fails
verification, and after restarts every op is published exactly once."""

from __future__ import annotations

import os
import random
import signal

import pytest

from sqlalchemy import event, select

from partnerdesk.db.models import Contact, SyncOp
from partnerdesk.sync import keys, segment
from partnerdesk.sync.merge import LOCAL_ONLY
from partnerdesk.sync.store import Share

ITERATIONS = 200
pytestmark = pytest.mark.slow


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _child_export(node, kill_at: int) -> None:
    """Runs in a forked child: export, dying at the kill_at-th file or database step."""
    count = [0]

    def step():
        count[0] += 1
        if count[0] == kill_at:
            _die()

    real_write, real_fsync, real_link, real_unlink = os.write, os.fsync, os.link, os.unlink

    def write(fd, data):
        count[0] += 1
        if count[0] == kill_at:
            real_write(fd, bytes(data)[: max(1, len(data) // 2)])  # a half-written temp file
            _die()
        return real_write(fd, data)

    def fsync(fd):
        step()
        return real_fsync(fd)

    def link(a, b):
        step()
        real_link(a, b)
        step()

    def unlink(p):
        step()
        return real_unlink(p)

    os.write, os.fsync, os.link, os.unlink = write, fsync, link, unlink
    event.listen(node.db.engine, "commit", lambda conn: step())
    node.sync.run_cycle(direction="export")


def _published(share: Share, node_id: str, pub, space_key: bytes) -> list[str]:
    ids = []
    for name in share.segment_names(node_id):
        data = share.read_segment(node_id, name)
        seg = segment.verify(data, lambda n: pub if n == node_id else None, space_key)  # raises if any file is bad
        assert segment.file_name(seg.seq, seg.sha256) == name
        ids.extend(f"{op[0]}-{node_id}" for op in seg.ops)
    return ids


def test_writer_killed_at_random_points_never_publishes_a_bad_file_nor_loses_an_op(make_node, share):
    node = make_node("writer")
    agency = node.sv.agencies.create(name="City of Brier", code="BRI", kind="city")
    node.sync.init(share)
    rng = random.Random(20261126)
    pub = keys.load(node.db.node_id).public_key()
    space_key = node.space_key()
    sh = Share(share)
    kills = 0
    for it in range(ITERATIONS):
        with node.db.write() as s:
            for k in range(rng.randint(1, 3)):
                s.add(Contact(agency_id=agency.id, name=f"Person {it}-{k}", title=rng.choice(("A", "B", None))))
        node.db.engine.dispose()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                _child_export(node, rng.randint(1, 14))
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        kills += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        if it % 25 == 0:
            _published(sh, node.db.node_id, pub, space_key)
    assert kills >= ITERATIONS // 2
    # restart and finish
    node.reopen()
    st = node.sync.run_cycle()
    assert st.state == "synced", st.problems
    published = _published(sh, node.db.node_id, pub, space_key)
    assert len(published) == len(set(published)), "an op was published twice"
    with node.db.read() as s:
        local = {r.op_id for r in s.execute(select(SyncOp.op_id, SyncOp.tbl, SyncOp.field)
                                           .where(SyncOp.origin == "local")) if (r.tbl, r.field) not in LOCAL_ONLY}
        assert s.scalar(select(SyncOp.op_id).where(SyncOp.origin == "local", SyncOp.segment.is_(None))) is None
    assert set(published) == local, "an op was lost"
    # and a colleague gets exactly the writer's data
    other = make_node("reader")
    other.sync.join(share)
    assert other.dump()["contact"] == node.dump()["contact"]
