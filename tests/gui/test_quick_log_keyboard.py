"""A practised user logs a favour with the keyboard alone: type, Tab, Space, Enter."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt


def test_quick_log_with_the_keyboard_alone(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    assert window.act_log.shortcut().toString() == "Ctrl+L"
    assert window.act_log.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut  # from any page
    dlg = QuickLogDialog(demo_ctx.services, window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.isActiveWindow(), timeout=5000)
    dlg.partner.setFocus()
    def tab():
        qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Tab)


    qtbot.keyClicks(dlg.focusWidget(), "Mukilteo")
    tab()                                     # -> "We helped them"
    assert dlg.focusWidget() is dlg.given
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Right)  # -> "They helped us"
    assert dlg.received.isChecked() and dlg.focusWidget() is dlg.received
    tab()                                     # -> date, year section selected
    assert dlg.focusWidget() is dlg.date or dlg.date.isAncestorOf(dlg.focusWidget())
    qtbot.keyClicks(dlg.focusWidget(), "20261120")  # each section auto-advances when full
    tab()                                     # -> hours
    assert dlg.focusWidget() is dlg.hours
    qtbot.keyClicks(dlg.hours, "90m")
    tab()                                     # -> category: type-to-select
    qtbot.keyClicks(dlg.focusWidget(), "Net")
    tab()                                     # -> staff
    qtbot.keyClicks(dlg.focusWidget(), "Pat Example")
    tab()                                     # -> after hours
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Space)
    tab()                                     # -> call-out
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Space)
    tab()                                     # -> overtime
    assert dlg.focusWidget() is dlg.overtime
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Space)
    tab()                                     # -> miles
    qtbot.keyClicks(dlg.focusWidget(), "12")
    tab()                                     # -> description
    qtbot.keyClicks(dlg.focusWidget(), "Core switch failover")
    qtbot.waitUntil(lambda: "$" in dlg.preview_label.text(), timeout=10000)
    assert "ILA-2025-003" in dlg.preview_label.text()  # the only agreement with Mukilteo, chosen for us
    before = demo_ctx.services.hours.count()
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)  # Save is the default button
    qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted, timeout=10000)
    assert demo_ctx.services.hours.count() == before + 1
    saved = [e for e in demo_ctx.services.hours.list(partner="MUK", quarter="2026Q4")
             if e.description == "Core switch failover" and e.staff_name == "Pat Example"]
    assert len(saved) == 1
    e = saved[0]
    assert (e.direction, e.work_date, e.minutes, e.category_code, e.after_hours, e.callout, e.overtime, e.miles) == (
        "received", date(2026, 11, 20), 90, "NET", True, True, True, "12.0")
    assert e.amount_cents is not None and e.billable_minutes == 120  # the call-out minimum
