"""The import dialog imports in a worker and shows how far it got."""

from __future__ import annotations

import gc


def test_import_dialog_shows_progress(qtbot, ctx, samples):
    from partnerdesk.gui.dialogs.import_dialog import ImportDialog

    dlg = ImportDialog(ctx.services)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(samples / "contacts-iphone.vcf"))
    with qtbot.waitSignal(dlg.previewed, timeout=10000):
        dlg.run_preview()
    assert not dlg.progress.isVisible()
    seen = []
    dlg.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dlg.imported, timeout=20000):
        dlg.import_button.click()
    assert dlg.result.created == 20
    assert dlg.progress.maximum() == 21 and dlg.progress.value() == 21 and seen[-1] == 21
    assert "of 20 records" in dlg.summary.text()
    dlg.close()
    gc.collect()  # free the dialog's signal/closure cycles here, on the GUI thread, not in a later worker


def test_the_preview_names_each_value_that_will_be_left_out(qtbot, ctx, tmp_path):
    from PySide6.QtCore import Qt

    from partnerdesk.gui.dialogs.import_dialog import ImportDialog

    f = tmp_path / "bad.csv"
    f.write_text("Name,Organization Name,E-mail 1 - Value,Phone 1 - Value\n"
                 "Pat Example,City of X,pat(at)x.example.gov,12\nKim Lee,City of X,kim@x.example.gov,425-555-0100\n",
                 encoding="utf-8")
    dlg = ImportDialog(ctx.services)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(f))
    with qtbot.waitSignal(dlg.previewed, timeout=10000):
        dlg.run_preview()
    model = dlg.model
    col = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())].index("Left out")
    first = model.data(model.index(0, col))
    assert "pat(at)x.example.gov" in first and "'12' is not a phone number" in first
    assert model.data(model.index(1, col)) == ""
    assert "2 invalid values in 1 record left out" in dlg.summary.text()
    dlg.close()
    gc.collect()


def test_hours_import_dialog_shows_progress(qtbot, window, demo_ctx, samples):
    """Issue 18: the hours import runs in a worker with a progress bar (rows checked and saved, then priced)."""
    from partnerdesk.gui.dialogs.hours_import import HoursImportDialog

    dlg = HoursImportDialog(demo_ctx.services, demo_ctx.settings, samples / "hours-2026.csv", window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: not dlg.busy, timeout=20000)
    assert not dlg.progress.isVisible(), "the bar goes once the preview is shown"
    seen = []
    dlg.progress.valueChanged.connect(lambda v: seen.append((v, dlg.progress.maximum(), dlg.progress.isVisible())))
    dlg.do_import()
    assert dlg.progress.isVisible()
    qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted, timeout=30000)
    assert seen and seen[-1] == (240, 240, True), seen
    assert [v for v, _, _ in seen] == sorted(v for v, _, _ in seen), "it only moves forward"
    assert len(seen) >= 3
    dlg.close()
    gc.collect()
