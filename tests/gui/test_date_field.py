"""Dates are typed the way they are shown, or the way people say them, and the field says which day it is."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from tests.conftest import TODAY  # Thursday 2026-11-26


def _retype(qtbot, field, text):
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, text)


def test_quick_log_takes_a_typed_iso_date_whole(qtbot, demo_ctx):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    dlg = QuickLogDialog(demo_ctx.services)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=5000)
    assert dlg.date.date() == TODAY and dlg.date.weekday.text() == "Thursday"
    dlg.date.setFocus()
    _retype(qtbot, dlg.date, "2026-12-01")
    assert dlg.date.date() == date(2026, 12, 1)  # QDateEdit made this 2026-12-12
    assert dlg.date.weekday.text() == "Tuesday"
    qtbot.keyClick(dlg.date.edit, Qt.Key.Key_Tab)  # Tab leaves the field: no year/month/day sections
    assert dlg.focusWidget() is dlg.hours
    for typed, expected, shown in (("12/1/2026", date(2026, 12, 1), "Tuesday, Dec 1, 2026"),
                                   ("yesterday", date(2026, 11, 25), "Wednesday, Nov 25, 2026"),
                                   ("tue", date(2026, 11, 24), "Tuesday, Nov 24, 2026"),
                                   ("-2", date(2026, 11, 24), "Tuesday, Nov 24, 2026")):
        _retype(qtbot, dlg.date, typed)
        assert dlg.date.date() == expected, typed
        assert dlg.date.weekday.text() == shown, typed
    dlg.date.normalise()  # leaving the field writes the date in the displayed format
    assert dlg.date.text() == "2026-11-24" and dlg.date.weekday.text() == "Tuesday"
    qtbot.keyClick(dlg.date.edit, Qt.Key.Key_Up)
    assert dlg.date.date() == date(2026, 11, 25)
    qtbot.keyClick(dlg.date.edit, Qt.Key.Key_PageDown)
    assert dlg.date.date() == date(2026, 10, 25)


def test_a_date_that_is_not_one_is_said_and_never_saved(qtbot, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    dlg = QuickLogDialog(demo_ctx.services)
    qtbot.addWidget(dlg)
    dlg.resize(560, dlg.sizeHint().height())
    dlg.show()
    qtbot.keyClicks(dlg.partner, "Mukilteo")
    dlg.hours.setText("2")
    _retype(qtbot, dlg.date, "tuesdy")
    assert "not a date" in dlg.date.weekday.text()
    before = demo_ctx.services.hours.count()
    dlg.save()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert "date: 'tuesdy' is not a date" in dlg.preview_label.text()
    assert demo_ctx.services.hours.count() == before
    _retype(qtbot, dlg.date, "yesterday")
    dlg.grab().save(str(tmp_path / "quick-log-date.png"))
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert dlg.date.text() == "2026-11-25"  # normalised as it was saved
    assert "on 2026-11-25" in dlg.saved_message


def test_payment_and_agreement_dates_are_typed_the_same_way(qtbot, demo_ctx):
    from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog
    from partnerdesk.gui.dialogs.statement_actions import PaymentDialog

    issued = [r.statement for r in demo_ctx.services.statements.issue("2026Q2", all_partners=True, today=TODAY)
              if r.issued]
    dlg = PaymentDialog(demo_ctx.services, issued[0], today=TODAY)
    qtbot.addWidget(dlg)
    _retype(qtbot, dlg.paid_on, "mon")
    assert dlg.paid_on.date() == date(2026, 11, 23)
    ag = AgreementDialog(demo_ctx.services, demo_ctx.services.agreements.list()[0])
    qtbot.addWidget(ag)
    assert ag.expiry_date.optional
    _retype(qtbot, ag.expiry_date, "")
    assert ag.values()["expiry_date"] is None
    _retype(qtbot, ag.expiry_date, "12/31/2030")
    assert ag.values()["expiry_date"] == date(2030, 12, 31)


def test_a_contact_is_verified_today_with_one_click(qtbot, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.contact_dialog import ContactDialog

    contact = next(c for c in demo_ctx.services.contacts.list() if c.last_verified != TODAY)
    dlg = ContactDialog(demo_ctx.services, contact)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.grab().save(str(tmp_path / "contact-dialog.png"))
    qtbot.mouseClick(dlg.verified_today, Qt.MouseButton.LeftButton)
    assert dlg.verified.text() == TODAY.isoformat() and dlg.verified.weekday.text() == "Thursday"
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert demo_ctx.services.contacts.get(contact.id).last_verified == TODAY
