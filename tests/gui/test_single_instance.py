"""A second start on the same database wakes the first window instead of opening the database twice."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QMainWindow

from partnerdesk.gui.single_instance import SingleInstance, bring_forward


def test_second_start_is_refused_and_wakes_the_first(qtbot, tmp_path):
    db = tmp_path / "p.sqlite3"
    first = SingleInstance(db)
    assert first.claim()
    window = QMainWindow()
    qtbot.addWidget(window)
    first.activated.connect(lambda: bring_forward(window))
    try:
        second = SingleInstance(db)
        assert not second.claim()
        assert "process" in second.holder_text()
        # the wake-up comes from another process, as it would from a second double-click
        code = ("import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication(sys.argv); "
                "from partnerdesk.gui.single_instance import SingleInstance; "
                f"sys.exit(0 if SingleInstance(__import__('pathlib').Path({str(db)!r})).signal_running() else 1)")
        with qtbot.waitSignal(first.activated, timeout=15000):
            child = subprocess.Popen([sys.executable, "-c", code])
        assert child.wait(timeout=30) == 0
        assert window.isVisible()
    finally:
        first.release()
    third = SingleInstance(db)
    assert third.claim()
    third.release()


def test_nobody_to_wake_when_no_one_runs(qtbot, tmp_path):
    assert not SingleInstance(tmp_path / "q.sqlite3").signal_running(timeout_ms=200)


def test_a_damaged_database_offers_the_newest_backup(qtbot, home, _demo_template):
    import shutil

    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.main import open_checked_context
    from partnerdesk.services.backup import BackupService

    home.mkdir(parents=True)
    db = home / "partnerdesk.sqlite3"
    shutil.copy(_demo_template, db)
    BackupService(db, home / "backups").backup()
    data = bytearray(db.read_bytes())
    for n in range(3, 10):
        data[n * 4096 + 50:n * 4096 + 900] = b"\xff" * 850
    db.write_bytes(bytes(data))
    instance = SingleInstance(db)
    assert instance.claim()
    asked = []
    DialogService.answer = lambda kind, title, text: asked.append(text) or True
    try:
        ctx = open_checked_context(None, instance)
    finally:
        DialogService.answer = None
        DialogService.shown.clear()
    try:
        assert asked and "damaged" in asked[0] and "manual-" in asked[0]
        assert len(ctx.services.hours.list()) == 360
    finally:
        ctx.close()
        instance.release()
