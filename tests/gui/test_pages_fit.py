"""At 1366 × 768 (common in city halls) the Dashboard, Directory and Statements pages show their key columns
whole, without a horizontal scrollbar; secondary columns give way and come back with room or on request."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from partnerdesk.gui.column_fit import is_cut
from tests.conftest import TODAY


def _show(qtbot, window, key):
    page = window.pages[key]
    if hasattr(page, "today"):
        page.today = TODAY
    if not page.has_loaded:
        with qtbot.waitSignal(page.loaded, timeout=20000):
            window.show_page(key)
    else:
        window.show_page(key)
    if key == "statements":
        with qtbot.waitSignal(page.loaded, timeout=20000):
            page.set_quarter("2026Q2")
        with qtbot.waitSignal(page.loaded, timeout=30000):
            page.btn_draft.click()
    return page


def _shown(page) -> dict[str, int]:
    h = page.ui.table.horizontalHeader()
    return {page.columns[i].header: h.sectionSize(i) for i in range(h.count()) if not h.isSectionHidden(i)}


KEY = {"dashboard": ["Partner", "Hours given", "Hours received", "Value given", "Value received", "Net"],
       "directory": ["Name", "Agency", "Work", "Mobile", "After hours"],
       "statements": ["Number", "Partner", "Status", "Amount due", "Balance"],
       "hours": ["Date", "Direction", "Partner", "Hours", "Amount", "Status"],
       "agreements": ["Number", "Status", "Parties", "Expires"]}


@pytest.mark.parametrize("key", ["dashboard", "directory", "statements", "hours", "agreements"])
def test_no_page_scrolls_sideways_at_1366(qtbot, window, key, tmp_path):
    window.resize(1366, 768)
    page = _show(qtbot, window, key)
    qtbot.waitUntil(lambda: page.ui.table.viewport().width() > 300, timeout=5000)
    table = page.ui.table
    window.grab().save(str(tmp_path / f"{key}-1366.png"))
    assert not table.horizontalScrollBar().isVisible(), f"{key}: scrolls sideways at 1366 × 768"
    assert table.horizontalScrollBar().maximum() == 0
    shown = _shown(page)
    for header in KEY[key]:
        i = next(i for i, c in enumerate(page.columns) if c.header == header)
        assert header in shown, f"{key}: {header} is hidden"
        assert shown[header] >= page.fitter.natural[i], f"{key}: {header} is cut"
    assert sum(shown.values()) <= table.viewport().width()


def test_secondary_columns_come_back_with_room_and_on_request(qtbot, window):
    window.resize(1366, 768)
    page = _show(qtbot, window, "dashboard")
    assert "Reciprocity" not in _shown(page)
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: "Reciprocity" in _shown(page), timeout=5000)
    assert len(_shown(page)) == len(page.columns)  # every column fits at 1920 px
    assert not page.ui.table.horizontalScrollBar().isVisible()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: "Reciprocity" not in _shown(page), timeout=5000)
    recip = next(i for i, c in enumerate(page.columns) if c.header == "Reciprocity")
    menu = page.fitter.choose_columns(None)  # the header's context menu: the column chooser
    action = next(a for a in menu.actions() if a.text() == "Reciprocity")
    assert not action.isChecked()
    action.trigger()
    assert "Reciprocity" in _shown(page) and recip not in page.fitter.auto_hidden
    assert "Net" in _shown(page)  # another secondary column gave way instead of a key one


def test_cut_text_has_its_whole_text_as_a_tooltip(qtbot, window):
    window.resize(1366, 768)
    page = _show(qtbot, window, "statements")
    notes = next(i for i, c in enumerate(page.columns) if c.header == "Notes")
    row = next(r for r in range(page.proxy.rowCount()) if len(page.proxy.index(r, notes).data() or "") > 40)
    index = page.proxy.index(row, notes)
    table = page.ui.table
    rect = table.visualRect(index)
    assert table.fontMetrics().horizontalAdvance(index.data()) > rect.width()  # drawn elided
    pos = rect.center()
    QApplication.sendEvent(table.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, table.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: QToolTip.text() == index.data(), timeout=3000)
    assert not is_cut(table, None, page.proxy.index(row, 0))  # a cell that fits has no tooltip


def test_the_dashboard_says_which_quarter_its_quarter_columns_show(qtbot, window):
    """The note under the title reads whole at 1366 and the quarter's own columns name the quarter, shown or
    given way to."""
    window.resize(1366, 768)
    page = _show(qtbot, window, "dashboard")
    note = page.ui.subtitle
    assert "This quarter, 2026Q4, has columns of its own" in note.text()
    assert note.width() >= note.sizeHint().width(), "the note is cut"
    model = page.ui.table.model()
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert "2026Q4 given" in headers and "2026Q4 received" in headers
