"""The Directory's search box reads commas and "or" as the CLI's `search` does, and lists the people found
in the same order: by agency, skill holders first, in escalation order."""

from __future__ import annotations

from PySide6.QtCore import Qt

from partnerdesk.gui.models.table_model import ROW_ROLE


def test_any_of_several_skills_at_one_agency(qtbot, window, demo_ctx, tmp_path):
    page = window.pages["directory"]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        window.show_page("directory")
    window.resize(1366, 768)
    page.focus_search()
    qtbot.keyClicks(page.ui.search, "mlt cisco, pbx, firewall")
    shown = [page.proxy.data(page.proxy.index(r, 0), ROW_ROLE) for r in range(page.proxy.rowCount())]
    hits = demo_ctx.services.directory.search("mlt cisco, pbx, firewall")
    assert shown and {c.agency_code for c in shown} == {"MLT"}
    assert [c.id for c in shown] == [h.contact_id for h in hits]  # the CLI's people, in the CLI's order
    one = {c.id for c in demo_ctx.services.contacts.list() if c.agency_code == "MLT" and "PBX" in c.skills}
    assert one <= {c.id for c in shown}
    window.grab().save(str(tmp_path / "directory-or.png"))
    page.ui.search.clear()
    qtbot.keyClicks(page.ui.search, "mlt cisco or pbx or firewall")
    assert [page.proxy.data(page.proxy.index(r, 0), ROW_ROLE).id for r in range(page.proxy.rowCount())] == \
        [c.id for c in shown]
    qtbot.keyClick(page.ui.search, Qt.Key.Key_Escape)
    assert page.proxy.rowCount() == 48
