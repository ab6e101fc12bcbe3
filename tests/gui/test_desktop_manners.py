"""Desktop manners (issue 7, acceptance 7): every command in a menu and on the keyboard, accessible names on
every control, reading-order Tab, crisp SVG icons at any scale, the dark palette respected, window geometry
and column widths remembered, an About dialog with the version and the data and log locations.

Accessible-name rule: an interactive control (button, line edit, combo box, spin/date box, text box, item
view) has a name a screen reader can say — its own accessibleName, the text it shows (a button's caption),
or the text of a QLabel whose buddy it is (QFormLayout rows with a label set the buddy; Qt exposes that
label as the control's name). Internal parts of composite widgets (a combo's line edit, a table's header)
are named by their owner and are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QTextEdit, QWidget)

from partnerdesk.gui import icons, palette
from partnerdesk.gui.main_window import PAGE_KEYS, plain
from tests.gui.dialog_catalogue import open_each_dialog

GUI = Path(__file__).resolve().parents[2] / "partnerdesk" / "gui"
INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit)
MENU_BAR_MNEMONICS = {"f", "g", "a", "h"}  # File, Go, Actions, Help


def _load(qtbot, window, key):
    page = window.pages[key]
    window.show_page(key)
    if not page.has_loaded:
        with qtbot.waitSignal(page.loaded, timeout=15000):
            page.ensure_loaded()
    return page


def _internal(w: QWidget, top: QWidget | None = None) -> bool:
    """Parts of a composite widget: a header, a line edit's buttons, a combo's editor and its popup list."""
    parent = w.parentWidget()
    return (isinstance(w, QHeaderView) or w.objectName().startswith("qt_")
            or isinstance(parent, (QComboBox, QAbstractSpinBox, QLineEdit))
            or (top is not None and w.window() is not top.window()))


def unnamed_controls(top: QWidget) -> list[str]:
    buddies = {id(lb.buddy()): lb.text() for lb in top.findChildren(QLabel) if lb.buddy() is not None}
    missing = []
    for w in top.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE) or _internal(w, top):
            continue
        name = w.accessibleName().strip()
        if not name and isinstance(w, QAbstractButton):
            name = plain(w.text()).strip()
        if not name:
            name = plain(buddies.get(id(w), "")).strip(" :*")
        if not name:
            missing.append(f"{type(w).__name__} {w.objectName() or '(no object name)'} in "
                           f"{type(w.parentWidget()).__name__}")
    return missing


def tab_chain(top: QWidget) -> list[QWidget]:
    """The widgets Tab visits inside ``top`` (shown, enabled, accepting Tab), in order."""
    chain, w = [], top.nextInFocusChain()
    while w is not top and len(chain) < 500:
        if (top.isAncestorOf(w) and w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                and w.focusProxy() is None and not _internal(w)):
            chain.append(w)
        w = w.nextInFocusChain()
    return chain


def out_of_reading_order(top: QWidget, tolerance: int = 12) -> list[str]:
    """Pairs where Tab jumps back up the window (a row above the one before): not reading order."""
    chain = tab_chain(top)
    bad = []
    for a, b in zip(chain, chain[1:]):
        ya, yb = a.mapTo(top, QPoint(0, 0)).y(), b.mapTo(top, QPoint(0, 0)).y()
        if yb < ya - tolerance:
            bad.append(f"{type(a).__name__}({a.accessibleName()}) y={ya} -> {type(b).__name__}"
                       f"({b.accessibleName()}) y={yb}")
    return bad


@pytest.fixture
def dialogs(qtbot, window):
    built = []
    for name, dlg in open_each_dialog(window):
        qtbot.addWidget(dlg)
        dlg.show()
        built.append((name, dlg))
    yield built
    for _name, dlg in built:
        dlg.close()


# -- accessible names -----------------------------------------------------------------------------------------
def test_every_control_on_every_page_and_dialog_has_an_accessible_name(qtbot, window, dialogs):
    for key in PAGE_KEYS:
        _load(qtbot, window, key)
    window.pages["directory"].ui.table.selectRow(0)  # the detail pane's copy buttons
    missing = unnamed_controls(window)
    for name, dlg in dialogs:
        missing += [f"{name}: {m}" for m in unnamed_controls(dlg)]
    assert not missing, "controls without an accessible name:\n" + "\n".join(missing)


def test_the_rule_catches_an_unnamed_control(qtbot):
    top = QWidget()
    qtbot.addWidget(top)
    QLineEdit(top)
    named = QLineEdit(top)
    named.setAccessibleName("Named")
    buddy = QComboBox(top)
    QLabel("&Kind:", top).setBuddy(buddy)
    assert unnamed_controls(top) == ["QLineEdit (no object name) in QWidget"]


# -- menus and keyboard ------------------------------------------------------------------------------------------
def test_every_page_command_is_in_the_actions_menu_with_a_mnemonic(qtbot, window):
    for key in PAGE_KEYS:
        page = _load(qtbot, window, key)
        window.ui.menuActions.aboutToShow.emit()
        in_menu = [a for a in window.ui.menuActions.actions() if a.isVisible()]
        buttons = [b for _a, b in page.page_actions if not b.isHidden()]
        if not buttons:
            assert [a.text() for a in in_menu] == ["(nothing to do on this page)"]
            continue
        assert [a.text() for a in in_menu] == [b.text() for b in buttons], key
        letters = [re.search(r"&(\w)", b.text()).group(1).lower() for b in buttons]
        assert len(set(letters)) == len(letters), f"{key}: a mnemonic letter used twice: {letters}"
        assert not set(letters) & MENU_BAR_MNEMONICS, f"{key}: a button mnemonic opens a menu instead"
        assert [a.isEnabled() for a in in_menu] == [b.isEnabled() for b in buttons]


def test_menus_have_mnemonics_and_no_two_live_shortcuts_clash(qtbot, window):
    menus = [window.ui.menuFile, window.ui.menuGo, window.ui.menuActions, window.ui.menuHelp]
    assert {re.search(r"&(\w)", m.title()).group(1).lower() for m in menus} == MENU_BAR_MNEMONICS
    for m in (window.ui.menuFile, window.ui.menuGo, window.ui.menuHelp):
        assert all("&" in a.text() for a in m.actions() if not a.isSeparator()), m.title()
    global_keys = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    for key in PAGE_KEYS:
        page_keys = [a.shortcut().toString() for a, _b in window.pages[key].page_actions
                     if not a.shortcut().isEmpty()]
        keys = global_keys + page_keys
        assert len(keys) == len(set(keys)), f"{key}: {sorted(keys)}"


def test_page_shortcuts_and_mnemonics_work_on_the_shown_page_only(qtbot, window):
    shown = window.shown_messages
    _load(qtbot, window, "hours")
    window.pages["hours"].ui.table.clearSelection()
    window.pages["hours"].ui.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Edit… with nothing selected
    assert shown[-1][2] == "Select one or more entries first."
    _load(qtbot, window, "agreements")
    window.pages["agreements"].ui.table.setFocus()
    window.pages["agreements"].ui.table.setCurrentIndex(window.pages["agreements"].proxy.index(-1, -1))
    window.pages["agreements"].ui.table.clearSelection()
    n = len(shown)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # the Agreements page's Edit…
    assert len(shown) == n + 1 and shown[-1][2] == "Select an agreement first."
    n = len(shown)
    window.ui.menuActions.aboutToShow.emit()
    edit = next(a for a in window.ui.menuActions.actions() if plain(a.text()) == "Edit")
    edit.trigger()  # the menu item does what the button does
    assert len(shown) == n + 1 and shown[-1][2] == "Select an agreement first."


def test_help_lists_the_keyboard_shortcuts(qtbot, window):
    rows = window.shortcut_list()
    assert ("File", "Log hours", "Ctrl+L") in rows
    assert ("Directory", "New contact", "Ctrl+N") in rows and ("Statements", "Print", "Ctrl+P") in rows
    window.show_shortcuts()
    assert window.shown_messages[-1][1] == "Keyboard shortcuts" and "Ctrl+L" in window.shown_messages[-1][2]


def test_tab_moves_in_reading_order_on_every_page_and_dialog(qtbot, window, dialogs):
    for key in PAGE_KEYS:
        page = _load(qtbot, window, key)
        assert not out_of_reading_order(page), key
        chain = tab_chain(page)
        assert chain.index(page.ui.search) < chain.index(page.ui.table), key
        toolbar = [b for _a, b in page.page_actions if b.isVisible() and b.isEnabled()]
        assert all(chain.index(b) < chain.index(page.ui.table) for b in toolbar), key
    for name, dlg in dialogs:
        assert not out_of_reading_order(dlg), name
        assert len(tab_chain(dlg)) >= 2, name


# -- icons and high DPI -----------------------------------------------------------------------------------------
def test_every_icon_is_an_svg_drawn_at_device_pixels():
    used = set()
    for path in GUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "resources_rc.py":
            continue
        assert not re.search(r"QPixmap\(\s*[\"']|\.png[\"']|\.scaled\(", text), f"{path.name}: a raster icon"
        used |= set(re.findall(r"icons\.icon\(\s*\"([\w-]+)\"", text))
    from partnerdesk.gui.main_window import PAGES

    used |= {icon for _k, _l, icon, _t in PAGES}  # (a missing one fails at icons.icon(), when built)
    qrc = (GUI.parents[1] / "resources" / "partnerdesk.qrc").read_text()
    listed = set(re.findall(r"<file>icons/([\w-]+)\.svg</file>", qrc))
    assert used <= listed and "app" in listed
    assert not re.search(r"<file>[^<]*\.(png|jpg|ico|bmp)</file>", qrc)
    for name in sorted(listed):
        pm = icons.icon(name).pixmap(QSize(20, 20), 2.0)
        assert (pm.width(), pm.height(), pm.devicePixelRatio()) == (40, 40, 2.0), name
        img = pm.toImage()
        assert any(img.pixelColor(x, y).alpha() for x in range(40) for y in range(40)), f"{name} is blank"


def test_icons_follow_the_palette_and_the_selection(qtbot):
    app = QApplication.instance()
    light = QGuiApplication.palette()
    try:
        assert icons.line_colour(icons.QIcon.Mode.Normal).name() == icons.LINE
        app.setPalette(palette.dark_palette())
        assert icons.line_colour(icons.QIcon.Mode.Normal).name() == icons.DARK_LINE
        assert icons.line_colour(icons.QIcon.Mode.Selected) == palette.dark_palette().color(
            QPalette.ColorRole.HighlightedText)
    finally:
        app.setPalette(light)


@pytest.mark.slow
def test_the_window_renders_at_twice_the_scale(tmp_path):
    import os
    import subprocess
    import sys

    home, png = tmp_path / "home", tmp_path / "x2.png"
    env = dict(os.environ, PARTNERDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    p = subprocess.run([sys.executable, "-m", "partnerdesk", "gui", "--screenshot", str(png), "--page", "hours"],
                       capture_output=True, text=True, env=env, timeout=180)
    assert p.returncode == 0, p.stderr
    img = QImage(str(png))
    assert (img.width(), img.height()) == (2 * 1360, 2 * 820)


# -- dark palette -----------------------------------------------------------------------------------------------
def test_status_colours_are_readable_on_light_and_dark_palettes():
    light = QPalette(QGuiApplication.palette())
    light.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.white)
    light.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.white)
    for pal in (light, palette.dark_palette()):
        for role in (*palette.SHADES, "muted"):
            for bg in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
                ratio = palette.contrast(palette.color(role, pal), pal.color(bg))
                assert ratio >= (3.0 if role == "muted" else 4.5), (role, palette.is_dark(pal), ratio)


def test_no_hard_coded_colours_outside_the_palette_module():
    allowed = {"palette.py", "icons.py", "dashboard_chart.py", "resources_rc.py"}
    for path in GUI.rglob("*.py"):
        if path.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"#[0-9a-fA-F]{3}\b|#[0-9a-fA-F]{6}\b|Qt\.GlobalColor\.(white|black)", text), path.name
    qss = (GUI / "style.qss").read_text()
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|\bwhite\b|\bblack\b", qss)


def _near_white_share(img: QImage) -> float:
    step, white, total = 4, 0, 0
    for y in range(0, img.height(), step):
        for x in range(0, img.width(), step):
            c = img.pixelColor(x, y)
            total += 1
            white += c.lightness() > 235
    return white / total


def test_every_page_and_dialog_renders_dark_on_a_dark_palette(qtbot, window, dialogs):
    app = QApplication.instance()
    light = QGuiApplication.palette()
    app.setPalette(palette.dark_palette())  # as when the system switches to dark while the app runs
    qtbot.waitUntil(lambda: window.ui.nav.palette().color(QPalette.ColorRole.AlternateBase)
                    == palette.dark_palette().color(QPalette.ColorRole.AlternateBase), timeout=5000)
    try:
        for key in PAGE_KEYS:
            page = _load(qtbot, window, key)
            if key == "directory":
                page.ui.table.selectRow(0)
            app.processEvents()
            share = _near_white_share(window.grab().toImage())
            assert share < 0.01, f"{key}: {share:.1%} of the window is near-white on a dark palette"
            base = app.palette().color(QPalette.ColorRole.Base)
            for r in range(min(page.model.rowCount(), 50)):
                for c in range(page.model.columnCount()):
                    brush = page.model.data(page.model.index(r, c), Qt.ItemDataRole.ForegroundRole)
                    if brush is not None:
                        assert palette.contrast(brush.color(), base) >= 4.5, (key, r, c, brush.color().name())
        chart = window.pages["dashboard"].chart.chart()
        assert chart.backgroundBrush().color() == app.palette().color(QPalette.ColorRole.Base)
        for name, dlg in dialogs:
            share = _near_white_share(dlg.grab().toImage())
            assert share < 0.01, f"{name}: {share:.1%} near-white on a dark palette"
    finally:
        app.setPalette(light)
        qtbot.wait(10)  # let the style sheet be re-applied before the window goes


# -- state and About --------------------------------------------------------------------------------------------
def test_window_geometry_and_column_widths_survive_a_restart(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.gui.main import window_settings
    from partnerdesk.gui.main_window import MainWindow

    window.resize(960, 733)  # (the offscreen screen is 800 × 800: restoreGeometry keeps a window on screen)
    widths = {}
    for key, col, width in (("hours", 2, 141), ("directory", 0, 222), ("statements", 1, 99)):
        page = _load(qtbot, window, key)
        page.ui.table.horizontalHeader().resizeSection(col, width)
        widths[key] = (col, width)
    window.close()
    again = MainWindow(demo_ctx, window_settings(tmp_path))
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (960, 733)
    for key, (col, width) in widths.items():
        page = _load(qtbot, again, key)
        assert page.ui.table.horizontalHeader().sectionSize(col) == width, key
    assert again.qsettings.value("main/page") == "statements"


def test_about_shows_the_version_and_where_the_data_and_log_are(qtbot, window, demo_ctx):
    from partnerdesk import __version__

    about = next(a for a in window.ui.menuHelp.actions() if plain(a.text()).startswith("About"))
    about.trigger()
    dlg = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "AboutDialog" and w.isVisible())
    text = dlg.text()
    p = demo_ctx.paths
    for needle in (__version__, str(p.db_path), str(p.data_dir), str(p.backup_dir), str(p.log_file)):
        assert needle in text
    assert dlg.isModal() and dlg.windowTitle() == "About PartnerDesk"
    dlg.close()
