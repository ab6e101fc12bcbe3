"""Windows behaviour we can check on Linux: a replaced file held open by another process, and a windowed
build that starts with no console (sys.stdout and sys.stderr are None)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from partnerdesk import fsutil


def test_replace_retries_while_windows_holds_the_target(monkeypatch, tmp_path):
    calls = []
    real = os.replace

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) < 3:
            raise PermissionError(13, "The process cannot access the file because it is being used")
        real(src, dst)

    monkeypatch.setattr(fsutil.sys, "platform", "win32")
    monkeypatch.setattr(fsutil.os, "replace", flaky)
    monkeypatch.setattr(fsutil, "_WINDOWS_WAIT_S", 0.0)
    (tmp_path / "new").write_text("new")
    (tmp_path / "target").write_text("old")
    fsutil.replace(tmp_path / "new", tmp_path / "target")
    assert len(calls) == 3 and (tmp_path / "target").read_text() == "new"


def test_replace_gives_up_and_elsewhere_does_not_retry(monkeypatch, tmp_path):
    calls = []

    def held(src, dst):
        calls.append(dst)
        raise PermissionError(13, "in use")

    monkeypatch.setattr(fsutil.os, "replace", held)
    monkeypatch.setattr(fsutil, "_WINDOWS_WAIT_S", 0.0)
    with pytest.raises(PermissionError):
        fsutil.replace(tmp_path / "a", tmp_path / "b")
    assert len(calls) == 1  # Linux: a PermissionError is real, not a passing lock
    monkeypatch.setattr(fsutil.sys, "platform", "win32")
    with pytest.raises(PermissionError):
        fsutil.replace(tmp_path / "a", tmp_path / "b")
    assert len(calls) == 1 + fsutil._WINDOWS_RETRIES


def test_a_command_runs_without_a_console(home):
    code = ("import runpy, sys; sys.stdout = None; sys.stderr = None; "
            "sys.argv = ['partnerdesk', 'agencies', 'list', '--json']; "
            "runpy.run_module('partnerdesk', run_name='__main__')")
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
