"""The Sync page names a change another PC sent that was refused (issue 14: invalid or not its agency's to make),
with the PC it came from and why, until someone closes it."""

from __future__ import annotations

import json
import os

from sqlalchemy import select

from partnerdesk.db.models import Agency, SyncOp
from tests.gui.test_sync_page import _page, sync_window  # noqa: F401  (fixture)


def test_a_refused_change_is_named_with_its_sender(qtbot, sync_window):  # noqa: F811
    window, other, _share = sync_window
    with window.services.db.read() as s:
        home = s.scalar(select(Agency.id).where(Agency.is_home.is_(True)))
    with other.db.write(audit=False, capture_ops=False) as s:  # as a tampered installation publishes it
        hlc = other.db.hlc.now()
        s.add(SyncOp(op_id=f"{hlc}-{other.db.node_id}", hlc=hlc, node=other.db.node_id, tbl="agency", row_id=home,
                     field="code", value=json.dumps("../../pwn"), origin="local"))
    other.sync.run_cycle()
    page = _page(window)
    window.resize(1366, 768)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    with qtbot.waitSignal(page.synced, timeout=30000):
        page.sync_now()
    qtbot.waitUntil(lambda: "Refused" in page.ui.subtitle.text(), timeout=20000)
    text = page.ui.subtitle.text()
    assert "Refused from Bob" in text and "code" in text, text
    assert window.services.sync.status().state != "synced"
    if os.environ.get("PD_SCREENSHOTS"):
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()  # the layout settles after the text changed
        window.grab().save(os.path.join(os.environ["PD_SCREENSHOTS"], "sync-refused.png"))
