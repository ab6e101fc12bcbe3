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
