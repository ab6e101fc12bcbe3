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


def test_two_restores_in_one_second_keep_both_safety_copies(demo_ctx, tmp_path):
    """Backups are named to the second: a second restore in the same second (two processes started together,
    say) must not fail on the first one's safety copy."""
    import time_machine

    svc = demo_ctx.services.backups
    copy = svc.backup(tmp_path / "before.sqlite3")
    with time_machine.travel(demo_ctx.clock.now(), tick=False):
        first, second = svc.restore(copy).safety_copy, svc.restore(copy).safety_copy
    assert first != second and first.is_file() and second.is_file()
    assert second.name == first.stem + "-2.sqlite3"


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


# -- issue 17: integrity before trust ------------------------------------------------------------------------
def _dailies(svc) -> list[str]:
    return sorted(p.name for p in svc.backup_dir.glob("daily-*.sqlite3"))


def _drop_sides(db) -> None:
    for side in ("-wal", "-shm"):
        db.with_name(db.name + side).unlink(missing_ok=True)


def test_a_damaged_database_is_refused_on_a_later_start_the_same_day(demo_ctx):
    from partnerdesk.app import open_context
    from partnerdesk.services.backup import light_check

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    assert not demo_ctx.services.backups.daily_due(), "today's daily exists: this is a later start of the day"
    _drop_sides(db)
    _damage(db)
    assert light_check(db) is None, "the damage is inside pages: only quick_check sees it"
    before = db.read_bytes()
    with pytest.raises(DamagedDatabaseError, match="damaged and was not opened"):
        open_context()
    assert db.read_bytes() == before


def test_a_large_file_is_checked_in_the_background_and_nothing_is_written_before_it_passes(demo_ctx, monkeypatch):
    from partnerdesk.app import open_context
    from partnerdesk.services.backup import IntegrityCheck

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    _drop_sides(db)
    _damage(db)
    before = db.read_bytes()
    monkeypatch.setattr(IntegrityCheck, "SYNC_BYTES", 0)  # every file counts as large
    ctx = open_context(lazy=True)  # the window's way: opens at once, the check runs in a thread
    try:
        assert ctx.integrity._thread is not None
        with pytest.raises(DamagedDatabaseError, match="partnerdesk restore"):
            ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="1")
    finally:
        ctx.close()
    assert db.read_bytes() == before


def test_a_backup_of_a_damaged_database_fails_and_every_good_backup_stays(demo_ctx):
    svc = demo_ctx.services.backups
    for i in range(30):  # a month of good dailies
        svc.daily(date(2026, 10, 1) + timedelta(days=i))
    good = _dailies(svc)
    manual = svc.backup()
    demo_ctx.close()
    db = demo_ctx.paths.db_path
    _drop_sides(db)
    _damage(db)
    with pytest.raises(DamagedDatabaseError, match="no backup was made") as info:
        svc.backup()
    assert info.value.backup == manual, "the message names the newest good backup of this database"
    with pytest.raises(DamagedDatabaseError):
        svc.daily(date(2027, 3, 1))  # months later: nothing would be kept by age, and nothing is pruned
    assert _dailies(svc) == good
    assert not list(svc.backup_dir.glob("*.part")), "the refused copy was removed"
    assert [b.path for b in svc.list() if b.kind == "manual"] == [manual]


def test_backups_are_named_with_a_time_stamp_and_never_overwritten(demo_ctx, tmp_path):
    svc = demo_ctx.services.backups
    first, second = svc.backup(), svc.backup()  # within the same second
    assert first != second and first.exists() and second.exists()
    assert first.name.startswith("manual-20261126T") and first.name.endswith("Z.sqlite3")
    chosen = tmp_path / "mine.sqlite3"
    chosen.write_bytes(b"keep me")
    with pytest.raises(UserError, match="never replaces"):
        svc.backup(chosen)
    assert chosen.read_bytes() == b"keep me"
    assert inspect_backup(svc.backup(tmp_path / "new.sqlite3")).revision


def test_backups_are_kept_per_database_file(demo_ctx, tmp_path, monkeypatch):
    """Another database (--db) has a backups folder of its own; its damaged-file message names a backup of
    that database and the --db option that restores into it."""
    import shutil

    from partnerdesk.app import open_context
    from partnerdesk.paths import resolve

    demo_ctx.services.backups.backup()  # a backup of the default database
    demo_ctx.close()
    other = tmp_path / "county" / "region.sqlite3"
    other.parent.mkdir()
    shutil.copy(demo_ctx.paths.db_path, other)
    p = resolve(other)
    assert p.backup_dir != demo_ctx.paths.backup_dir and p.backup_dir.parent == demo_ctx.paths.backup_dir
    assert resolve(str(other)).backup_dir == p.backup_dir, "the same file, the same folder"
    ctx = open_context(str(other))
    own = ctx.services.backups.backup()
    ctx.close()
    assert own.parent == p.backup_dir
    _drop_sides(other)
    _damage(other)
    with pytest.raises(DamagedDatabaseError) as info:
        open_context(str(other))
    assert info.value.backup is not None and info.value.backup.parent == p.backup_dir
    assert f'--db "{other}" restore' in str(info.value)


def test_leftover_part_files_are_removed_at_the_next_start(demo_ctx):
    import os
    import subprocess
    import sys

    from partnerdesk.app import open_context

    demo_ctx.close()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(gone.stdout)
    backups, db = demo_ctx.paths.backup_dir, demo_ctx.paths.db_path
    killed_backup = backups / f"manual-20261125T101010Z.sqlite3.{dead_pid}.part"
    killed_restore = db.with_name(f"{db.name}.{dead_pid}.part")
    old_style = backups / "daily-2026-11-20.sqlite3.part"
    running = backups / f"manual-20261126T120000Z.sqlite3.{os.getpid()}.part"  # a copy being written now
    for p in (killed_backup, killed_restore, old_style, running):
        p.write_bytes(b"\0" * 4096)
    os.utime(old_style, (0, 0))
    open_context().close()
    assert not killed_backup.exists() and not killed_restore.exists() and not old_style.exists()
    assert running.exists()


def _make_read_only(path) -> bool:
    """chmod for an ordinary user; root ignores permissions, so there the file (or folder) is made
    immutable. False when neither is possible here."""
    import os
    import subprocess

    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        return True
    r = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    return r.returncode == 0


def _make_writable(path) -> None:
    import os
    import subprocess

    if os.geteuid() != 0:
        path.chmod(0o755 if path.is_dir() else 0o644)
    else:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_healthy_database_says_read_only_not_damaged(demo_ctx, what):
    from partnerdesk.app import open_context

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    _drop_sides(db)
    target = db if what == "file" else db.parent  # the folder: SQLite cannot make its -wal and -shm files
    if not _make_read_only(target):
        pytest.skip("cannot make a file read-only here (chattr not permitted)")
    try:
        with pytest.raises(DatabaseError) as info:
            open_context()
        message = str(info.value)
        assert "read-only" in message and "not damaged" in message and "restore" not in message
        assert not isinstance(info.value, DamagedDatabaseError)
    finally:
        _make_writable(target)
    assert quick_check(db) is None


def test_a_foreign_sqlite_file_is_refused_and_never_touched(home, tmp_path):
    from partnerdesk.app import open_context

    (tmp_path / "it").mkdir()
    foreign = tmp_path / "it" / "inventory.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE printers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO printers (name) VALUES ('HP 4050')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    assert before[18:20] == b"\x01\x01"  # rollback journal (WAL would be 02 02)
    for lazy in (False, True):
        with pytest.raises(DatabaseError, match="not a partnerdesk database"):
            open_context(str(foreign), lazy=lazy)
    with pytest.raises(DatabaseError, match="not a partnerdesk database"):
        BackupService(foreign, tmp_path / "b").backup()
    assert foreign.read_bytes() == before
    assert [p.name for p in foreign.parent.iterdir()] == ["inventory.db"], "no -wal, -shm or backup beside it"


@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_a_device_or_folder_given_as_the_database_is_refused(home, tmp_path, target):
    from partnerdesk.app import open_context

    path = tmp_path if target == "folder" else target
    with pytest.raises(DatabaseError, match="not a database file"):
        open_context(str(path))


def test_checks_and_backups_never_drop_this_processs_sqlite_locks(demo_ctx):
    """Closing a handle Python opened on the database drops every POSIX lock this process holds on it, its
    SQLite connections' too; another process closing its connection then takes the database for unused and
    deletes the WAL under them. The checks that run while the window is open read the file through SQLite."""
    import subprocess
    import sys

    from partnerdesk.db.migrate import check_file
    from partnerdesk.services.backup import IntegrityCheck, light_check

    db = demo_ctx.paths.db_path
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="1")  # connections open
    quick_check(db)
    light_check(db)
    check_file(db, read_header=False)
    IntegrityCheck(db, demo_ctx.paths.backup_dir).start(background=False).wait()
    demo_ctx.services.backups.backup()
    code = f"import sqlite3; c = sqlite3.connect({str(db)!r}); c.execute('SELECT count(*) FROM agency').fetchone(); c.close()"
    subprocess.run([sys.executable, "-c", code], check=True)  # another process opens and closes the database
    assert db.with_name(db.name + "-wal").exists(), "the WAL the open connections write to is still there"
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-21", hours="1")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("SELECT count(*) FROM time_entry").fetchone()[0] == 362
    conn.close()


def test_suspended_waits_for_units_of_work_and_reopens_on_next_use(demo_ctx):
    import threading

    db = demo_ctx.db
    started, release, order = threading.Event(), threading.Event(), []

    def long_read():
        with db.read():
            started.set()
            release.wait(10)
            order.append("read done")

    t = threading.Thread(target=long_read)
    t.start()
    started.wait(10)

    def suspend():
        with db.suspended():
            order.append("suspended")
            assert not db.is_open

    s = threading.Thread(target=suspend)
    s.start()
    s.join(0.3)
    assert order == [], "the swap waits for the unit of work under way"
    release.set()
    t.join(10)
    s.join(10)
    assert order == ["read done", "suspended"]
    assert len(demo_ctx.services.hours.list()) == 360 and db.is_open  # reopened on the next use
