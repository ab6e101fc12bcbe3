"""One partnerdesk per database: the OS lock is exclusive, names its holder, and dies with its process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from partnerdesk.instance import AlreadyRunningError, InstanceLock


def test_second_lock_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "p.sqlite3"
    first = InstanceLock(db).acquire()
    second = InstanceLock(db)
    assert not second.try_acquire()
    with pytest.raises(AlreadyRunningError) as info:
        second.acquire()
    assert info.value.pid is not None and "already running" in str(info.value)
    first.release()
    assert second.try_acquire()
    second.release()


def test_other_databases_are_independent(tmp_path):
    with InstanceLock(tmp_path / "a.sqlite3"), InstanceLock(tmp_path / "b.sqlite3"):
        pass


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    db = tmp_path / "p.sqlite3"
    code = ("import sys; from partnerdesk.instance import InstanceLock; "
            f"lock = InstanceLock(__import__('pathlib').Path({str(db)!r})).acquire(); "
            "print('held', flush=True); sys.stdin.read()")
    lock = InstanceLock(db)
    with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as child:
        try:
            assert child.stdout.readline().strip() == "held"
            assert not lock.try_acquire()
            assert lock.holder()[0] == child.pid
        finally:
            child.kill()
            child.wait()
    assert lock.try_acquire()
    lock.release()
