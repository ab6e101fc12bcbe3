"""Issue 16: a new CTO sets up their own region with the keyboard alone, from an empty database to a Dashboard
listing the new partners; the first start offers the demo in a database of its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def empty_window(qtbot, ctx, tmp_path):
    """The main window on an empty database (as after choosing "Set up my agency")."""
    from PySide6.QtCore import QCoreApplication, QThreadPool, QTimer

    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.main import make_app, window_settings
    from partnerdesk.gui.main_window import MainWindow

    make_app()
    shown = []
    DialogService.answer = lambda kind, title, text: shown.append((kind, title, text)) or True
    w = MainWindow(ctx, window_settings(tmp_path))
    qtbot.addWidget(w)
    w.show()
    yield w
    for timer in w.findChildren(QTimer):
        timer.stop()
    w.close()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(60000)
        QCoreApplication.processEvents()
    DialogService.answer = None


def _focus(qtbot, dlg):
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.isActiveWindow(), timeout=5000)


def test_the_setup_assistant_by_keyboard_alone_ends_on_a_dashboard_with_the_new_partners(qtbot, empty_window, ctx):
    window = empty_window
    assert "DEMO" not in window.windowTitle()
    dlg = window.open_setup_assistant()
    qtbot.waitExposed(dlg)
    _focus(qtbot, dlg)

    def tab():
        qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Tab)

    def alt(key):
        qtbot.keyClick(dlg.focusWidget(), key, Qt.KeyboardModifier.AltModifier)

    # 1. your agency: Tab from field to field; a mistake keeps you on the step, naming the field
    agency = dlg.pages["agency"].form
    assert dlg.focusWidget() is agency.fields["name"]
    qtbot.keyClicks(dlg.focusWidget(), "City of Springfield")
    tab()
    assert dlg.focusWidget() is agency.fields["code"]
    qtbot.keyClicks(dlg.focusWidget(), "SPR")
    alt(Qt.Key.Key_U)                                    # Alt+U: the UBI field
    assert dlg.focusWidget() is agency.fields["ubi"]
    qtbot.keyClicks(dlg.focusWidget(), "12")
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)  # Next
    assert dlg.currentPage() is dlg.pages["agency"] and "is not a Washington UBI" in agency.error.text()
    assert dlg.focusWidget() is agency.fields["ubi"]
    qtbot.keyClicks(dlg.focusWidget(), "3456789")        # 123456789
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.currentPage() is dlg.pages["billing"], timeout=5000)
    billing = dlg.pages["billing"].form
    assert dlg.focusWidget() is billing.fields["billing_contact_name"]
    qtbot.keyClicks(dlg.focusWidget(), "Dana Reyes")
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "dana.reyes@springfield.example.gov")
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.currentPage() is dlg.pages["partners"], timeout=5000)
    home = ctx.services.agencies.home()
    assert (home.code, home.ubi, home.billing_contact_name) == ("SPR", "123-456-789", "Dana Reyes")

    # 2. partners: type a name, Enter adds it (the code is suggested); a code may be typed too
    partners = dlg.pages["partners"]
    assert dlg.focusWidget() is partners.name
    qtbot.keyClicks(partners.name, "City of Shelbyville")
    qtbot.keyClick(partners.name, Qt.Key.Key_Return)
    assert dlg.currentPage() is partners and dlg.focusWidget() is partners.name
    qtbot.keyClicks(partners.name, "Town of Ogdenville")
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "OGV")
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    assert partners.list.count() == 2 and "OGV" in partners.message.text()
    alt(Qt.Key.Key_N)                                    # Next

    # 3. the first agreement, with both sides' rates
    agreement = dlg.pages["agreement"]
    qtbot.waitUntil(lambda: dlg.currentPage() is agreement, timeout=5000)
    assert dlg.focusWidget() is agreement.number
    qtbot.keyClicks(agreement.number, "ILA-2026-01")
    tab()                                                # partner: type to select
    qtbot.keyClicks(dlg.focusWidget(), "Town")
    assert agreement.partner.currentData() == "OGV"
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "IT mutual support")
    for _ in range(3):                                   # start (filled in), end (open), filing reference
        tab()
    qtbot.keyClicks(dlg.focusWidget(), "Auditor no. 2026-0042")
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "25,000")       # cap
    tab()
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Space)  # offsets
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "118")
    tab()
    qtbot.keyClicks(dlg.focusWidget(), "110.50")
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.currentPage() is dlg.pages["contacts"], timeout=5000)
    a = ctx.services.agreements.get("ILA-2026-01")
    assert a.party_codes == "OGV, SPR" and a.cap_cents == 2_500_000 and a.offset_allowed
    assert sorted(r.hourly_rate_cents for r in ctx.services.agreements.rates("ILA-2026-01")) == [11050, 11800]

    # 4. contacts: skipped; 5. done: Finish
    alt(Qt.Key.Key_N)
    qtbot.waitUntil(lambda: dlg.currentPage() is dlg.pages["done"], timeout=5000)
    assert "2 partners: SHE, OGV" in dlg.pages["done"].summary.text()
    alt(Qt.Key.Key_F)
    qtbot.waitUntil(lambda: window.open_dialog is None, timeout=5000)  # closed (and deleted)

    page = window.pages["dashboard"]
    assert window.current_page() is page
    qtbot.waitUntil(lambda: {page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())}
                    == {"SHE", "OGV"}, timeout=10000)
    assert "Saved your agency" in window.statusBar().currentMessage()


def test_the_assistant_comes_back_filled_in_and_edits(qtbot, empty_window, ctx):
    ctx.services.agencies.create(code="SPR", name="City of Springfield", is_home=True, ubi="123456789")
    dlg = empty_window.open_setup_assistant()
    form = dlg.pages["agency"].form
    assert form.fields["name"].text() == "City of Springfield" and form.fields["ubi"].text() == "123-456-789"
    form.fields["phone"].setText("(360) 555-0100")
    dlg.next()
    assert dlg.currentPage() is dlg.pages["billing"]
    assert ctx.services.agencies.home().phone == "(360) 555-0100" and len(ctx.services.agencies.list()) == 1
    dlg.reject()
    qtbot.waitUntil(lambda: empty_window.open_dialog is None, timeout=5000)


def test_every_step_names_its_controls_and_tabs_in_reading_order(qtbot, empty_window, ctx):
    """The desktop-manners rules (tests/gui/test_desktop_manners.py) on each step of the assistant."""
    from tests.gui.test_desktop_manners import out_of_reading_order, unnamed_controls

    ctx.services.agencies.create(code="SPR", name="City of Springfield", is_home=True)
    ctx.services.agencies.create(code="SHE", name="City of Shelbyville")
    dlg = empty_window.open_setup_assistant()
    qtbot.waitExposed(dlg)
    for key in ("agency", "billing", "partners", "agreement", "contacts", "done"):
        assert dlg.currentPage() is dlg.pages[key]
        qtbot.wait(1)  # QWizard lays its buttons out after the step changes
        assert not unnamed_controls(dlg), key
        assert not out_of_reading_order(dlg), key
        if key != "done":
            dlg.next()
    dlg.reject()
    qtbot.waitUntil(lambda: empty_window.open_dialog is None, timeout=5000)


def test_the_welcome_offers_setup_by_default_and_the_demo(qtbot):
    from partnerdesk.gui.dialogs.welcome import DEMO, SETUP, WelcomeDialog

    dlg = WelcomeDialog("partnerdesk.sqlite3")
    qtbot.addWidget(dlg)
    dlg.show()
    _focus(qtbot, dlg)
    assert dlg.setup_button.isDefault()
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    assert dlg.choice == SETUP
    again = WelcomeDialog("partnerdesk.sqlite3")
    qtbot.addWidget(again)
    again.show()
    _focus(qtbot, again)
    qtbot.keyClick(again.focusWidget(), Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # animates the click
    qtbot.waitUntil(lambda: again.choice == DEMO, timeout=5000)


def test_switching_to_the_demo_region_and_back(qtbot, empty_window, ctx):
    """File ▸ Switch to the demo region opens the demo in its own file (seeded once, titled DEMO); the real
    database stays empty; switching back returns to it."""
    from partnerdesk.gui.main import switch_database
    from partnerdesk.gui.single_instance import SingleInstance

    empty_window.instance = SingleInstance(ctx.paths.db_path)
    assert empty_window.instance.claim()
    assert empty_window.act_switch.text() == "S&witch to the demo region"
    demo = switch_database(empty_window, ctx.paths.demo_db_path)
    qtbot.addWidget(demo)
    assert demo is not None and "DEMO" in demo.windowTitle() and not empty_window.isVisible()
    qtbot.waitUntil(lambda: demo.services.demo.is_demo(), timeout=60000)
    assert demo.act_switch.text() == "S&witch to my region"
    import sqlite3

    with sqlite3.connect(ctx.paths.db_path) as con:  # the real database was never touched
        assert con.execute("SELECT count(*) FROM agency").fetchone()[0] == 0
    back = switch_database(demo, ctx.paths.db_path)
    qtbot.addWidget(back)
    assert "DEMO" not in back.windowTitle() and back.ctx.paths.db_path == ctx.paths.db_path
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(60000)
    back.close()
    back.ctx.close()
    back.instance.release()


@pytest.mark.parametrize("choice", ["setup", "demo"])
def test_the_first_start_of_the_app_on_an_empty_database(qtbot, home, monkeypatch, choice):
    """``partnerdesk gui`` on an empty database: "Set up my agency" opens the assistant over the real, empty
    database; "Explore the demo region" opens the demo in demo.sqlite3, titled DEMO, and the real file stays
    empty."""
    import sqlite3

    from PySide6.QtWidgets import QApplication

    import partnerdesk.gui.crash
    import partnerdesk.gui.main as gm
    from partnerdesk.gui.dialogs.setup_assistant import SetupAssistant

    monkeypatch.setattr(partnerdesk.gui.crash, "install", lambda log_file: None)
    monkeypatch.setattr(gm, "first_start_choice", lambda ctx: choice)
    seen = {}

    def exec_(_app):
        w = QApplication.instance()._partnerdesk_window
        if choice == "setup":
            qtbot.waitUntil(lambda: isinstance(w.open_dialog, SetupAssistant), timeout=10000)
            w.open_dialog.reject()
        else:
            qtbot.waitUntil(lambda: w.services.demo.is_demo(), timeout=60000)
        qtbot.waitUntil(lambda: w.open_dialog is None, timeout=5000)
        seen.update(title=w.windowTitle(), db=w.ctx.paths.db_path.name)
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    assert gm.run() == 0
    with sqlite3.connect(home / "partnerdesk.sqlite3") as con:
        assert con.execute("SELECT count(*) FROM agency").fetchone()[0] == 0  # never the demo
    if choice == "setup":
        assert seen["db"] == "partnerdesk.sqlite3" and "DEMO" not in seen["title"]
    else:
        assert seen["db"] == "demo.sqlite3" and "DEMO" in seen["title"]
