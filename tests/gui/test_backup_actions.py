"""Back up now / Restore from backup from the window: the user picks files, the pages reload with the data."""

from __future__ import annotations

from partnerdesk.gui.dialogs.backup import backup_now, restore_from_backup


def test_back_up_then_restore_from_the_window(qtbot, window, demo_ctx, tmp_path):
    target = tmp_path / "mine.sqlite3"
    backup_now(window, choose=lambda parent, default: str(target))
    qtbot.waitUntil(target.exists, timeout=15000)
    qtbot.waitUntil(lambda: "Backed up" in window.statusBar().currentMessage(), timeout=15000)

    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    assert len(demo_ctx.services.hours.list()) == 361
    restore_from_backup(window, None, choose=lambda parent, folder: str(target))
    qtbot.waitUntil(lambda: "Restored from mine.sqlite3" in window.statusBar().currentMessage(), timeout=15000)
    assert len(demo_ctx.services.hours.list()) == 360
    assert any("Replace everything" in text for _, _, text in window.shown_messages)
    window.grab().save(str(tmp_path / "restored.png"))


def test_a_bad_backup_is_a_message_not_a_crash(qtbot, window, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("nope")
    restore_from_backup(window, None, choose=lambda parent, folder: str(bad))
    qtbot.waitUntil(lambda: any("not an SQLite file" in t for _, _, t in window.shown_messages), timeout=15000)


def test_back_up_now_twice_keeps_both_copies_named_by_the_time(qtbot, window, demo_ctx):
    backups = demo_ctx.paths.backup_dir
    before = set(backups.glob("manual-*.sqlite3"))
    for n in (1, 2):  # the user accepts the proposed name both times, within the same second
        backup_now(window, choose=lambda parent, default: str(default))
        qtbot.waitUntil(lambda: len(set(backups.glob("manual-*.sqlite3")) - before) == n, timeout=15000)
    made = sorted(p.name for p in set(backups.glob("manual-*.sqlite3")) - before)
    assert made[0].startswith("manual-20261126T") and made[0] != made[1]


def _entries_seen_by_another_process(db) -> int:
    """What another partnerdesk process sees. It opens the file read-write and closes it, as any command does:
    when this process's SQLite locks had been dropped, that close took the database for unused and deleted
    the WAL file under the window's connections."""
    import subprocess
    import sys

    code = (f"import sqlite3; c = sqlite3.connect({str(db)!r}); "
            "print(c.execute('SELECT count(*) FROM time_entry WHERE deleted_at IS NULL').fetchone()[0]); c.close()")
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_entries_logged_after_a_restore_from_the_window_reach_the_database(qtbot, window, demo_ctx, tmp_path):
    """The bug: after File ▸ Restore the window went on writing to a WAL file that had been deleted ("Logged
    1.00 h", but `hours list` never showed it, then "disk I/O error")."""
    db = demo_ctx.paths.db_path
    target = tmp_path / "mine.sqlite3"
    demo_ctx.services.backups.backup(target)
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-19", hours="1")
    reloads = []
    window.data_changed.connect(lambda: reloads.append(1))
    restore_from_backup(window, None, choose=lambda parent, folder: str(target))
    qtbot.waitUntil(lambda: "Restored from mine.sqlite3" in window.statusBar().currentMessage(), timeout=15000)
    assert reloads, "every page reloads"
    assert _entries_seen_by_another_process(db) == 360
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    assert len(demo_ctx.services.hours.list()) == 361
    assert _entries_seen_by_another_process(db) == 361, "the entry is in the database, not in a deleted WAL"
    assert db.with_name(db.name + "-wal").exists()
