"""Files are written whole or not at all, the same way on Windows: fsutil.write_atomic."""

from __future__ import annotations

import os
import stat

import pytest

from partnerdesk import fsutil


def test_a_file_is_replaced_whole_without_os_fchmod(tmp_path, monkeypatch):
    """Python 3.11 on Windows has no os.fchmod: saving a PDF there must not need it."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    target = tmp_path / "statement.pdf"
    target.write_bytes(b"old")
    fsutil.write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"
    assert [p.name for p in tmp_path.iterdir()] == ["statement.pdf"]  # no temporary file left behind


def test_a_shared_file_is_readable_by_others_and_a_private_one_is_not(tmp_path):
    shared, private = tmp_path / "kit.vcf", tmp_path / "export.json"
    fsutil.write_atomic(shared, b"BEGIN:VCARD")
    fsutil.write_atomic(private, b"{}", private=True)
    if os.name == "posix":
        assert shared.stat().st_mode & stat.S_IROTH
        assert not private.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "settings.json"
    target.write_bytes(b"kept")

    def refuse(_src, _dst):
        raise PermissionError(13, "held open by another program")

    monkeypatch.setattr(fsutil, "replace", refuse)
    with pytest.raises(PermissionError):
        fsutil.write_atomic(target, b"lost")
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
