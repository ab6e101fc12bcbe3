"""The Sync page: status chip, Sync now in a worker, conflicts settled with one click, node list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from partnerdesk.db.capture import Actor
from partnerdesk.db.uow import Database
from partnerdesk.container import Services


@pytest.fixture
def sync_window(window, tmp_path, _demo_template):
    """The main window on the demo database, plus a colleague's installation sharing one folder."""
    share = tmp_path / "share"
    share.mkdir()
    svc = window.services
    svc.sync.init(share)
    path = tmp_path / "colleague.sqlite3"
    Database(path, Actor("bob", "Bob")).close()
    other_db = Database(path, Actor("bob", "Bob"))
    other = Services(other_db)
    other.agreements.ensure_default_categories()
    other.sync.join(share, code=svc.sync.join_code())  # asks to join with the code the founder read out...
    svc.sync.admit(other_db.node_id)  # ...and the founder admits it
    other.sync.run_cycle()
    yield window, other, share
    other_db.close()


def _page(window):
    page = window.pages["sync"]
    window.show_page("sync")
    return page


def test_sync_page_shows_state_syncs_in_a_worker_and_settles_a_conflict(qtbot, sync_window, tmp_path):
    window, other, _share = sync_window
    page = _page(window)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    assert page.chip.text().startswith("synced")
    assert page.nodes_model.rowCount() == 1  # the founder learns of the colleague at its next sync
    # concurrent edits of one phone number on both installations
    c = window.services.contacts.list()[0]
    window.services.contacts.update(c.id, mobile_phone="425-555-0101")
    other.contacts.update(c.id, mobile_phone="425-555-0199")
    other.sync.run_cycle()
    with qtbot.waitSignal(page.synced, timeout=30000) as blocker:
        page.sync_now()
        assert page.chip.text().startswith("syncing")  # the GUI thread is not blocked
    assert blocker.args[0].state == "synced"
    assert page.nodes_model.rowCount() == 2
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20000)
    assert "conflict" in page.chip.text()
    row = page.model.rows[0]
    page.ui.table.selectRow(0)
    assert page.use_other_button.isEnabled()
    out = tmp_path / "sync-page.png"
    window.resize(1280, 800)
    page.grab().save(str(out))
    assert out.stat().st_size > 10_000
    qtbot.mouseClick(page.use_other_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=20000)
    assert window.services.contacts.get(c.id).mobile_phone == row.other_value


def test_sync_page_before_setup_offers_create_and_join(qtbot, window):
    page = _page(window)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    assert page.chip.text() == "not set up"
    assert not page.sync_button.isEnabled()
    assert page.init_button.isVisibleTo(page) and page.join_button.isVisibleTo(page)


def test_sync_page_lists_a_request_and_admits_it_after_showing_the_fingerprint(qtbot, window, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    window.services.sync.init(share)
    path = tmp_path / "colleague.sqlite3"
    other_db = Database(path, Actor("pat", "Pat Lee"))
    try:
        other = Services(other_db)
        other.sync.join(share, code=window.services.sync.join_code())
        page = _page(window)
        with qtbot.waitSignal(page.loaded, timeout=20000):
            page.reload()
        with qtbot.waitSignal(page.synced, timeout=30000) as blocker:
            page.sync_now()
        st = blocker.args[0]
        assert st.state == "awaiting approval" and page.chip.text().startswith("awaiting approval")
        (request,) = st.awaiting_approval
        assert request.fingerprint == other.sync.fingerprint()
        assert f"Awaiting approval: {request.name}, key fingerprint {request.fingerprint}" in page.ui.subtitle.text()
        assert f"join code {window.services.sync.join_code()}" in page.ui.subtitle.text()
        row = next(i for i, n in enumerate(page.nodes_model.rows) if n.node == request.node)
        assert page.nodes_model.rows[row].name.startswith("Pat Lee (")
        assert not page.admit_button.isEnabled()
        page.nodes.selectRow(row)
        assert page.admit_button.isEnabled() and page.revoke_button.isEnabled()
        window.resize(1366, 768)
        out = tmp_path / "sync-page-awaiting.png"
        page.grab().save(str(out))
        with qtbot.waitSignal(page.synced, timeout=30000) as blocker:
            qtbot.mouseClick(page.admit_button, Qt.MouseButton.LeftButton)
        asked = [t for kind, title, t in window.shown_messages if title == "Admit installation"]
        assert asked and request.fingerprint in asked[0]
        assert blocker.args[0].awaiting_approval == ()
        assert other.sync.run_cycle().state == "synced"
    finally:
        other_db.close()
