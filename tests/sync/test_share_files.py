"""Reading the share (sync/store.py): a file is read only if it is a regular file within its size limit;
a FIFO, a symlink (to /dev/zero, say), a folder, a device or an oversized file is refused at once, never
read and never waited on. Each read runs in a child process the test waits for with a timeout."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from partnerdesk.sync.store import RefusedFile, read_regular

LIMIT = 1000


def _read(path, conn) -> None:
    try:
        conn.send(("ok", len(read_regular(path, LIMIT))))
    except RefusedFile as exc:
        conn.send(("refused", str(exc)))
    except OSError as exc:
        conn.send(("oserror", str(exc)))


def guarded_read(path):
    ctx = multiprocessing.get_context("fork")
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=_read, args=(path, child_end))
    child.start()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"reading {path.name} hangs")
    return parent.recv()


def test_a_regular_file_within_the_limit_is_read_whole(tmp_path):
    p = tmp_path / "seg.pds"
    p.write_bytes(b"x" * LIMIT)
    assert guarded_read(p) == ("ok", LIMIT)


@pytest.mark.parametrize("kind", ["a FIFO", "a symlink", "a folder", "too large", "a device"])
def test_anything_else_is_refused_without_being_read_or_waited_on(tmp_path, kind):
    p = tmp_path / "seg.pds"
    if kind == "a FIFO":
        os.mkfifo(p)
    elif kind == "a symlink":
        p.symlink_to("/dev/zero")
    elif kind == "a folder":
        p.mkdir()
    elif kind == "too large":
        with open(p, "wb") as f:
            f.truncate(LIMIT + 1)
    else:
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    status, message = guarded_read(p)
    assert status == "refused" and kind in message, message
