"""Back up now / Restore from backup from the window: the dialogs say where a backup goes and what each backup
holds; the user picks one, and the pages reload with the data."""

from __future__ import annotations

from pathlib import Path

from partnerdesk.gui.dialogs.backup import backup_now, restore_from_backup


def _back_up(qtbot, window, target=None):
    dlg = backup_now(window, choose=lambda parent, default: str(target or default))
    dlg.seen = []
    dlg.progress.valueChanged.connect(lambda v: dlg.seen.append((v, dlg.progress.maximum())))
    if target is not None:
        dlg.change_button.click()
        assert dlg.target.text() == str(target)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: "Backed up" in dlg.result_label.text(), timeout=15000)
    return dlg


def _restore(qtbot, window, path: Path | None = None, damage=None):
    """Open the Restore dialog, wait for its list, restore ``path`` (from the list, or through Other file…)."""
    dlg = restore_from_backup(window, None, choose=lambda parent, folder: str(path), damage=damage)
    qtbot.waitUntil(lambda: not dlg.progress.isVisible(), timeout=15000)
    listed = [b.path for b in dlg.backups]
    dlg.seen = []
    dlg.progress.valueChanged.connect(lambda v: dlg.seen.append((v, dlg.progress.maximum())))
    if path in listed:
        dlg.table.selectRow(listed.index(path))
        dlg.restore_button.click()
    else:
        dlg.other_button.click()
    return dlg


def test_back_up_then_restore_from_the_window(qtbot, window, demo_ctx, tmp_path):
    target = tmp_path / "mine.sqlite3"
    dlg = _back_up(qtbot, window, target)
    assert target.exists()
    text = dlg.result_label.text()
    assert str(target) in text and "8 agencies, 48 contacts, 360 hours entries" in text, text
    assert "Backed up" in window.statusBar().currentMessage()
    assert dlg.seen and dlg.seen[-1][0] == dlg.seen[-1][1] > 1, "the bar counted the pages copied"
    dlg.grab().save(str(tmp_path / "backup.png"))

    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    assert len(demo_ctx.services.hours.list()) == 361
    restore_from = _restore(qtbot, window, target)
    qtbot.waitUntil(lambda: "Restored from mine.sqlite3" in window.statusBar().currentMessage(), timeout=15000)
    assert len(demo_ctx.services.hours.list()) == 360
    asked = [text for kind, _, text in window.shown_messages if kind == "question"]
    assert asked and "Replace everything" in asked[-1] and "360 hours entries" in asked[-1], asked
    assert restore_from.result() == restore_from.DialogCode.Accepted
    assert restore_from.seen[-1] == (4, 4), "the bar went through the restore's four steps"
    window.grab().save(str(tmp_path / "restored.png"))


def test_the_restore_dialog_lists_this_databases_backups_with_date_size_and_contents(qtbot, window, demo_ctx,
                                                                                      tmp_path):
    svc = demo_ctx.services.backups
    first = svc.backup()
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    second = svc.backup()
    other = tmp_path / "elsewhere" / "other.sqlite3"  # another database's backups are not offered
    other.parent.mkdir()
    svc.backup(other)
    dlg = restore_from_backup(window, None)
    qtbot.waitUntil(lambda: not dlg.progress.isVisible(), timeout=15000)
    rows = [[dlg.model.index(r, c).data() for c in range(4)] for r in range(dlg.model.rowCount())]
    paths = [b.path for b in dlg.backups]
    assert paths.index(second) < paths.index(first), "newest first"
    assert other not in paths
    by_path = dict(zip(paths, rows))
    assert by_path[second][3] == "8 agencies, 48 contacts, 361 hours entries, 0 statements"
    assert by_path[first][3].startswith("8 agencies, 48 contacts, 360 hours entries")
    assert by_path[first][1] == "Made by hand" and by_path[first][2].endswith(("KB", "MB"))
    assert by_path[first][0].split()[1] == demo_ctx.clock.today().isoformat()
    assert dlg.restore_button.isEnabled(), "the newest is selected"
    dlg.resize(1366 * 6 // 10, 420)
    dlg.grab().save(str(tmp_path / "restore.png"))
    window.shown_messages.clear()
    from partnerdesk.gui.dialogs import messages

    messages.DialogService.answer = lambda kind, title, text: window.shown_messages.append((kind, title, text)) and False
    dlg.table.selectRow(paths.index(first))
    dlg.restore_button.click()  # the confirmation names the backup's date and contents; No keeps everything
    (kind, _, text), = window.shown_messages
    assert kind == "question" and by_path[first][0] in text and "360 hours entries" in text, text
    assert len(demo_ctx.services.hours.list()) == 361
    dlg.reject()


def test_a_bad_backup_is_a_message_not_a_crash(qtbot, window, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("nope")
    _restore(qtbot, window, bad)
    qtbot.waitUntil(lambda: any("not an SQLite file" in t for _, _, t in window.shown_messages), timeout=15000)
    assert not any(kind == "question" for kind, _, _ in window.shown_messages), "refused before asking"


def test_back_up_now_twice_keeps_both_copies_named_by_the_time(qtbot, window, demo_ctx):
    backups = demo_ctx.paths.backup_dir
    before = set(backups.glob("manual-*.sqlite3"))
    for n in (1, 2):  # the user accepts the proposed name both times, within the same second
        _back_up(qtbot, window)
        assert len(set(backups.glob("manual-*.sqlite3")) - before) == n
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
    _restore(qtbot, window, target)
    qtbot.waitUntil(lambda: "Restored from mine.sqlite3" in window.statusBar().currentMessage(), timeout=15000)
    assert reloads, "every page reloads"
    assert _entries_seen_by_another_process(db) == 360
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="3")
    assert len(demo_ctx.services.hours.list()) == 361
    assert _entries_seen_by_another_process(db) == 361, "the entry is in the database, not in a deleted WAL"
    assert db.with_name(db.name + "-wal").exists()


def test_a_damaged_database_found_by_the_background_check_offers_its_backup_in_the_window(qtbot, demo_ctx,
                                                                                         tmp_path, monkeypatch):
    """Issue 17: a large file is checked in the background while the window opens; when it fails, the window
    says so and offers the newest good backup of that same database, not just a message."""
    from PySide6.QtCore import QThreadPool

    from partnerdesk.app import open_context
    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.main import make_app, warm_up_after_first_page, window_settings
    from partnerdesk.gui.main_window import MainWindow
    from partnerdesk.services.backup import IntegrityCheck

    good = demo_ctx.services.backups.backup()
    demo_ctx.services.backups.backup(tmp_path / "another-database.sqlite3")  # not this database's folder
    demo_ctx.close()
    db = demo_ctx.paths.db_path
    for side in ("-wal", "-shm"):
        db.with_name(db.name + side).unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    for n in range(2, 12):  # pages overwritten in the middle, as a failing disk would
        data[n * 4096 + 100:n * 4096 + 600] = b"\xa5" * 500
    db.write_bytes(bytes(data))
    monkeypatch.setattr(IntegrityCheck, "SYNC_BYTES", 0)  # every file counts as large: checked in a thread
    make_app()
    asked = []
    monkeypatch.setattr(DialogService, "answer", lambda kind, title, text: asked.append((kind, text)) or True)
    ctx = open_context(lazy=True)
    window = MainWindow(ctx, window_settings(tmp_path))
    qtbot.addWidget(window)
    window.instance = None
    warm_up_after_first_page(window)
    window.show()
    window.show_page("dashboard")
    try:
        qtbot.waitUntil(lambda: getattr(window, "restore_dialog", None) is not None, timeout=20000)
        dlg = window.restore_dialog
        assert dlg.isVisible() and "partnerdesk.sqlite3 is damaged" in dlg.findChild(type(dlg.status),
                                                                                     "damageWarning").text()
        qtbot.waitUntil(lambda: not dlg.progress.isVisible(), timeout=15000)
        assert dlg.selected().path == good, "the newest good backup of this same database is selected"
        dlg.restore_button.click()
        qtbot.waitUntil(lambda: dlg.restored is not None, timeout=20000)
        assert any(kind == "question" and "Replace everything" in text for kind, text in asked)
        ctx.services.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="1")
        assert len(ctx.services.hours.list()) == 361, "the window works on the restored database"
    finally:
        window.close()
        QThreadPool.globalInstance().waitForDone(60000)
        ctx.close()
