"""The fast paths behind the directory speed budgets give the same answers as the plain ones: a vCard
file read in two processes, bulk UUIDv7 and clock stamps."""

from __future__ import annotations

import uuid

import pytest

from partnerdesk.errors import ImportFormatError
from partnerdesk.services import contact_import as ci
from partnerdesk.services.bulk_capture import _stamps, uuid7_many
from partnerdesk.sync.clock import HybridClock


def _cards(samples, copies: int) -> str:
    one = (samples / "contacts-iphone.vcf").read_text(encoding="utf-8")
    return one * copies


def test_parallel_read_equals_serial_read(samples, tmp_path, monkeypatch):
    monkeypatch.setattr(ci, "PARALLEL_MIN_CARDS", 10)
    path = tmp_path / "many.vcf"
    path.write_text(_cards(samples, 3), encoding="utf-8")
    fmt, fast = ci.read_file(path)
    monkeypatch.setattr(ci, "PARALLEL_MIN_CARDS", 10**9)
    _fmt, slow = ci.read_file(path)
    assert fmt == "vcard" and len(fast) == 60
    assert fast == slow
    assert [r.record for r in fast] == list(range(1, 61))
    assert fast[30].line == slow[30].line > fast[29].line
    assert any(r.after_hours_phone for r in fast[30:])
    assert ci._read_parallel(path, path.read_text(encoding="utf-8")) is not None  # no fallback taken


def test_parallel_read_reports_a_damaged_card_like_a_serial_read(samples, tmp_path, monkeypatch):
    text = _cards(samples, 3)
    cut = text.rindex("END:VCARD")  # the last card never ends
    path = tmp_path / "cut.vcf"
    path.write_text(text[:cut], encoding="utf-8")
    messages = []
    for threshold in (10, 10**9):
        monkeypatch.setattr(ci, "PARALLEL_MIN_CARDS", threshold)
        with pytest.raises(ImportFormatError) as exc:
            ci.read_file(path)
        messages.append(str(exc.value))
    assert messages[0] == messages[1]
    assert "cut.vcf: record 60 (starting line" in messages[0] and "never closed" in messages[0]


def test_bulk_uuid7_are_version_7_and_unique():
    ids = uuid7_many(2000)
    assert len(set(ids)) == 2000
    assert all(uuid.UUID(u).version == 7 and uuid.UUID(u).variant == uuid.RFC_4122 for u in ids)


def test_bulk_stamps_continue_the_clock_and_carry_the_counter():
    clock = HybridClock(wall=lambda: 1000.0)
    clock.seed("0000000001000000-99990")
    stamps = _stamps(clock, 25)
    assert stamps[0] == "0000000001000000-99991"
    assert stamps[9] == "0000000001000001-00000"
    assert stamps == sorted(stamps) and len(set(stamps)) == 25
    assert clock.now() > stamps[-1]


def test_import_reports_progress(ctx, samples):
    seen = []
    result = ctx.services.directory.import_file(samples / "contacts-iphone.vcf",
                                                progress=lambda done, total: seen.append((done, total)))
    assert result.created == 20
    assert seen[0] == (0, 21) and seen[-1] == (21, 21)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
