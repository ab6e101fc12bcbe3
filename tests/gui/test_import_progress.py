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
