"""The main window's title and keys (issues 16 and 18): the application's name once in the title bar, DEMO on
the demo database; Go ▸ Directory (Ctrl+2) ready to type a search; F1 listing every shortcut there is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from partnerdesk import APP_DISPLAY_NAME
from partnerdesk.gui.main_window import PAGE_KEYS, MainWindow, plain, window_title


def shown_title(window) -> str:
    """The title bar's text: Qt appends the application display name to a title that doesn't end with it
    (QPlatformWindow::formatWindowTitle, used by the X11, Wayland and Windows platforms)."""
    title, name = window.windowTitle(), QApplication.applicationDisplayName()
    assert name == APP_DISPLAY_NAME
    return title if title.endswith(name) else f"{title} — {name}"


def test_the_title_bar_names_the_application_once_and_says_demo_on_the_demo(qtbot, window):
    assert window.is_demo
    bar = shown_title(window)
    assert bar.count(APP_DISPLAY_NAME) == 1, bar
    assert "DEMO" in bar and window.ctx.paths.db_path.name in bar


def test_the_title_bar_of_your_own_region_names_the_file_and_no_demo(qtbot, ctx, tmp_path):
    from partnerdesk.gui.main import make_app, window_settings

    make_app()
    w = MainWindow(ctx, window_settings(tmp_path))
    qtbot.addWidget(w)
    bar = shown_title(w)
    assert bar == f"{ctx.paths.db_path.name} — {APP_DISPLAY_NAME}"
    assert "DEMO" not in bar
    assert window_title("x.sqlite3", True) == f"DEMO region (x.sqlite3) — {APP_DISPLAY_NAME}"


def test_ctrl_2_opens_the_directory_with_the_cursor_in_its_search_box(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.show_page("dashboard")
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    page = window.pages["directory"]
    assert window.current_page() is page
    if not page.has_loaded:
        with qtbot.waitSignal(page.loaded, timeout=15000):
            pass
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.ui.search, timeout=5000)
    qtbot.keyClicks(QApplication.focusWidget(), "mukilteo")  # typing goes straight into the search
    assert page.ui.search.text() == "mukilteo"
    assert 0 < page.proxy.rowCount() < page.model.rowCount()


def test_f1_lists_every_shortcut_of_every_action_in_the_window(qtbot, window):
    rows = window.shortcut_list()
    for command, keys in (("Record payment", "Ctrl+Shift+P"), ("Credit note", "Ctrl+Shift+R"),
                          ("Void", "Ctrl+Shift+D")):
        assert ("Statements", command, keys) in rows
    # generated from the actions: whatever key any action in the window (any page) has is listed
    for key in PAGE_KEYS:
        window.pages[key]
    listed = {(c, k) for _w, c, k in rows}
    for action in window.findChildren(QAction):
        for keys in action.shortcuts():
            assert (plain(action.text()), keys.toString(QKeySequence.SequenceFormat.NativeText)) in listed, \
                action.text()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    _kind, title, text = window.shown_messages[-1]
    assert title == "Keyboard shortcuts"
    assert all(k in text for k in ("Ctrl+Shift+P", "Ctrl+Shift+R", "Ctrl+Shift+D", "Ctrl+L", "Ctrl+2"))
