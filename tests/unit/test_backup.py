"""Backups: rotation, checked restore with a safety copy, and the start-up check that refuses a damaged file."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from partnerdesk.errors import DatabaseError, UserError
from partnerdesk.instance import AlreadyRunningError, InstanceLock
from partnerdesk.services.backup import (BackupService, DamagedDatabaseError, inspect_backup, quick_check,
                                         retained_dailies, startup_check)


def _count_entries(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM time_entry").fetchone()[0]
    finally:
        conn.close()


def _damage(path) -> None:
    """Overwrite pages in the middle of the file, as a failing disk or a bad copy would."""
    data = bytearray(path.read_bytes())
    page = 4096
    for n in range(2, min(12, len(data) // page)):
        data[n * page + 100:n * page + 600] = b"\xa5" * 500
    path.write_bytes(bytes(data))


def test_retention_keeps_14_dailies_and_one_per_month_for_a_year():
    today = date(2026, 11, 26)
    days = [today - timedelta(days=i) for i in range(500)]
    keep = retained_dailies(days, today)
    newest = sorted(days)[-14:]
    assert set(newest) <= keep
    monthly = keep - set(newest)
    # one per month for the 12 months Dec 2025 .. Nov 2026 (Nov's oldest is Nov 1, not among the newest 14)
    assert sorted((d.year, d.month) for d in monthly) == sorted(
        {(d.year, d.month) for d in monthly})
    assert len(monthly) == 12 and all(d.day == 1 for d in monthly)
    assert min(monthly) == date(2025, 12, 1)
    assert len(keep) == 26


def test_daily_backup_once_per_day_and_pruned(demo_ctx):
    svc = demo_ctx.services.backups
    for p in svc.backup_dir.glob("daily-*"):  # the one open_context made for the real today
        p.unlink()
    start = date(2026, 1, 1)
    for i in range(60):
        svc.daily(start + timedelta(days=i))
    assert svc.daily(start + timedelta(days=59)) is None  # second start that day: no new copy
    names = sorted(p.name for p in svc.backup_dir.glob("daily-*.sqlite3"))
    assert len(names) == 14 + 2  # newest 14 (Feb 16 - Mar 1) + the oldest of Jan and Feb
    assert names[0] == "daily-2026-01-01.sqlite3" and names[1] == "daily-2026-02-01.sqlite3"
    assert names[-1] == "daily-2026-03-01.sqlite3"
    copy = svc.backup_dir / names[-1]
    assert inspect_backup(copy).revision and _count_entries(copy) == 360
    assert not list(svc.backup_dir.glob("*-wal")), "a backup is one self-contained file"


def test_open_context_makes_the_daily_backup_of_an_existing_database(demo_ctx):
    from partnerdesk.app import open_context

    demo_ctx.close()
    assert list(demo_ctx.paths.backup_dir.glob("daily-*.sqlite3")), "the demo copy was backed up on open"
    ctx = open_context()
    ctx.close()
    assert len(list(demo_ctx.paths.backup_dir.glob("daily-*.sqlite3"))) == 1


def test_new_database_is_not_backed_up(ctx):
    assert not list(ctx.paths.backup_dir.glob("daily-*"))


def test_restore_checks_keeps_a_safety_copy_and_replaces_the_data(demo_ctx, tmp_path):
    svc = demo_ctx.services.backups
    copy = svc.backup(tmp_path / "before.sqlite3")
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="2")
    assert _count_entries(demo_ctx.paths.db_path) == 361
    result = svc.restore(copy)
    assert _count_entries(demo_ctx.paths.db_path) == 360
    assert _count_entries(result.safety_copy) == 361
    # the open Database sees the restored data (same file, changed by one SQLite transaction)
    assert len(demo_ctx.services.hours.list()) == 360
    assert quick_check(demo_ctx.paths.db_path) is None


def test_restore_refuses_a_damaged_or_foreign_or_newer_file(demo_ctx, tmp_path):
    svc = demo_ctx.services.backups
    before = demo_ctx.paths.db_path.read_bytes()
    damaged = svc.backup(tmp_path / "damaged.sqlite3")
    _damage(damaged)
    with pytest.raises(DatabaseError, match="damaged|cannot be read"):
        svc.restore(damaged)
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello")
    with pytest.raises(DatabaseError, match="not an SQLite"):
        svc.restore(text)
    newer = svc.backup(tmp_path / "newer.sqlite3")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer partnerdesk"):
        svc.restore(newer)
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not a partnerdesk database"):
        svc.restore(other)
    with pytest.raises(UserError, match="no such backup"):
        svc.restore(tmp_path / "missing.sqlite3")
    assert demo_ctx.paths.db_path.read_bytes() == before
    assert not list(svc.backup_dir.glob("pre-restore-*")), "nothing was touched for a refused file"


def test_restore_waits_for_no_one_while_a_window_is_open(demo_ctx, tmp_path):
    svc = demo_ctx.services.backups
    copy = svc.backup(tmp_path / "b.sqlite3")
    with InstanceLock(demo_ctx.paths.db_path):
        with pytest.raises(AlreadyRunningError, match="already running"):
            svc.restore(copy)
    svc.restore(copy)


def test_start_up_check_refuses_a_damaged_file_and_names_the_newest_good_backup(demo_ctx):
    from partnerdesk.app import open_context

    svc = demo_ctx.services.backups
    older = svc.backup()
    demo_ctx.close()
    for p in svc.backup_dir.glob("daily-*"):  # tomorrow morning: the first start of the day checks in full
        p.rename(p.with_name("manual-" + p.name))
    db = demo_ctx.paths.db_path
    for side in ("-wal", "-shm"):
        db.with_name(db.name + side).unlink(missing_ok=True)
    _damage(db)
    assert quick_check(db)
    with pytest.raises(DamagedDatabaseError) as info:
        open_context()
    err = info.value
    assert err.backup is not None and err.backup.name.startswith("manual-")
    assert "partnerdesk restore" in str(err) and str(err.backup) in str(err)
    # restoring the named backup works even though the live file is damaged
    result = BackupService(db, demo_ctx.paths.backup_dir).restore(err.backup)
    assert result.safety_copy.exists()
    startup_check(db, demo_ctx.paths.backup_dir)
    ctx = open_context()
    assert len(ctx.services.hours.list()) == 360
    ctx.close()
    assert older.exists()


def test_start_up_check_without_backups_says_so(home):
    home.mkdir(parents=True)
    db = home / "partnerdesk.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    with pytest.raises(DamagedDatabaseError, match="no good backup"):
        startup_check(db, home / "backups")


def test_manual_backup_refuses_the_live_file_and_missing_database(ctx, tmp_path):
    svc = ctx.services.backups
    with pytest.raises(UserError, match="live database"):
        svc.backup(ctx.paths.db_path)
    missing = BackupService(tmp_path / "none.sqlite3", tmp_path / "b")
    with pytest.raises(UserError, match="no database"):
        missing.backup()
    out = svc.backup(tmp_path)  # a folder: a dated file inside it
    assert out.parent == tmp_path and inspect_backup(out).kind == "other"


def test_light_check_catches_a_truncated_or_foreign_file_on_every_start(demo_ctx):
    from partnerdesk.app import open_context
    from partnerdesk.services.backup import light_check

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    assert light_check(db) is None
    assert not demo_ctx.services.backups.daily_due()  # today's backup exists: later starts are light
    for side in ("-wal", "-shm"):
        db.with_name(db.name + side).unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    assert light_check(db)  # "truncated", or "malformed" when the cut runs through the schema
    with pytest.raises(DamagedDatabaseError, match="partnerdesk restore"):
        open_context()
