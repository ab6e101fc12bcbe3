"""Issue 16: master data in the GUI, driven by keyboard — agencies added, edited, retired and brought back;
every field of an agreement edited (a party added, the signed copy attached); a rate added with its
overtime multiplier and ended on a date. A refusal is one line naming the field as the form labels it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from partnerdesk.gui.dialogs.files import FilePicker
from tests.conftest import TODAY


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.clear() if hasattr(widget, "clear") else None
    qtbot.keyClicks(widget, text)


def _enter(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def _show(qtbot, dlg) -> None:
    """Shown and active, so its mnemonics (Alt+letter) work as they do for a user."""
    from PySide6.QtWidgets import QApplication

    qtbot.addWidget(dlg)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=5000)


def _press(qtbot, button) -> None:
    """A button or check box pressed from the keyboard: focused (as Tab does), then Space."""
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def _alt(qtbot, dlg, key) -> None:
    from PySide6.QtWidgets import QApplication

    qtbot.keyClick(QApplication.focusWidget() or dlg, key, Qt.KeyboardModifier.AltModifier)


def test_add_and_edit_an_agency_by_keyboard(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.agencies import AgencyDialog

    dlg = AgencyDialog(demo_ctx.services, None, window)
    _show(qtbot, dlg)
    _enter(qtbot, dlg.identity.fields["name"])  # nothing typed: one line naming the field, which gets the focus
    assert dlg.result() != dlg.DialogCode.Accepted
    assert "Legal name" in dlg.message.text() and "\n" not in dlg.message.text()
    assert dlg.identity.fields["name"].hasFocus()
    _type(qtbot, dlg.identity.fields["name"], "City of Bothell")
    _type(qtbot, dlg.identity.fields["code"], "BOT")
    _type(qtbot, dlg.identity.fields["ubi"], "601-999-001")
    _alt(qtbot, dlg, Qt.Key.Key_G)  # the Billing tab
    assert dlg.tabs.currentWidget() is dlg.billing
    _type(qtbot, dlg.billing.fields["billing_contact_name"], "Kim Lee")
    _enter(qtbot, dlg.billing.fields["billing_contact_name"])
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.message.text()
    bot = demo_ctx.services.agencies.get("BOT")
    assert (bot.name, bot.ubi, bot.billing_contact_name, bot.is_home) == ("City of Bothell", "601-999-001", "Kim Lee",
                                                                           False)
    edit = AgencyDialog(demo_ctx.services, bot, window)
    _show(qtbot, edit)
    assert edit.identity.fields["name"].text() == "City of Bothell"
    _type(qtbot, edit.identity.fields["code"], "LYN")  # taken: refused, naming the code
    _enter(qtbot, edit.identity.fields["code"])
    assert edit.result() != edit.DialogCode.Accepted and "Short code: LYN is already used" in edit.message.text()
    assert edit.identity.fields["code"].hasFocus()
    _type(qtbot, edit.identity.fields["code"], "BOT")
    _type(qtbot, edit.identity.fields["phone"], "(425) 555-0199")
    _enter(qtbot, edit.identity.fields["phone"])
    assert edit.result() == edit.DialogCode.Accepted, edit.message.text()
    assert demo_ctx.services.agencies.get("BOT").phone == "(425) 555-0199"


def test_retire_an_agency_and_bring_it_back(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.agencies import AgenciesDialog

    dlg = AgenciesDialog(demo_ctx.services, window)
    _show(qtbot, dlg)
    codes = [a.code for a in dlg.model.rows]
    assert codes[0] == "LYN" and "WDY" in codes  # yours first
    assert not dlg.retire_button.isEnabled()  # your own agency is never retired
    dlg.table.setFocus()
    for _ in range(codes.index("WDY")):
        qtbot.keyClick(dlg.table, Qt.Key.Key_Down)
    assert dlg.current().code == "WDY" and dlg.retire_button.isEnabled()
    _press(qtbot, dlg.retire_button)  # Retire…, confirmed (the test's answer)
    assert window.shown_messages[-1][1] == "Retire an agency"
    wdy = demo_ctx.services.agencies.get("WDY")
    assert wdy.retired_on == TODAY and dlg.changed  # agreements refer to it: retired, not deleted
    status = dlg.model.data(dlg.model.index(codes.index("WDY"), 3))
    assert status == f"retired {TODAY.isoformat()}" and dlg.back_button.isEnabled()
    assert "WDY" not in [a.code for a in demo_ctx.services.agencies.list(include_retired=False)]
    _press(qtbot, dlg.back_button)  # Bring back
    assert demo_ctx.services.agencies.get("WDY").retired_on is None
    assert dlg.model.data(dlg.model.index(codes.index("WDY"), 3)) == "active"


def test_edit_every_field_of_an_agreement(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog

    demo_ctx.services.agencies.create(name="City of Bothell", code="BOT", kind="city")
    a = demo_ctx.services.agreements.get("ILA-2025-005")
    dlg = AgreementDialog(demo_ctx.services, a, window)
    _show(qtbot, dlg)
    assert "WDY" in dlg.parties.text() and dlg.partner.findData("WDY") == -1  # a party already: not offered
    _type(qtbot, dlg.expiry_date.edit, "2020-01-01")  # before the effective date: refused, naming "Expires"
    _enter(qtbot, dlg.number)
    assert dlg.message.text().count("Expires") == 1 and "expiry_date" not in dlg.message.text()
    assert dlg.expiry_date.edit.hasFocus()
    _type(qtbot, dlg.number, "ILA-2025-005A")
    _type(qtbot, dlg.title, "IT help and GIS")
    dlg.partner.setFocus()
    qtbot.keyClicks(dlg.partner, "City of Bot")  # a combo box finds the item typed
    assert dlg.partner.currentData() == "BOT"
    _type(qtbot, dlg.approval_resolution, "Res. 2026-44")
    _type(qtbot, dlg.approval_date.edit, "2026-02-03")
    _type(qtbot, dlg.filing_reference, "AFN 202602030044")
    _type(qtbot, dlg.effective_date.edit, "2025-01-01")
    _type(qtbot, dlg.expiry_date.edit, "2028-12-31")
    dlg.terms.setFocus()
    dlg.terms.selectAll()
    qtbot.keyClicks(dlg.terms, "45")
    _press(qtbot, dlg.offset)
    _press(qtbot, dlg.stack)  # Stack after-hours and overtime
    _type(qtbot, dlg.cap_dollars, "12,500")
    offsets_before = a.offset_allowed
    _enter(qtbot, dlg.number)
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.message.text()
    got = demo_ctx.services.agreements.get("ILA-2025-005A")
    assert (got.title, got.approval_resolution, got.approval_date, got.filing_reference, got.effective_date,
            got.expiry_date, got.payment_terms_days, got.offset_allowed, got.stack_multipliers, got.cap_cents) == (
        "IT help and GIS", "Res. 2026-44", date(2026, 2, 3), "AFN 202602030044", date(2025, 1, 1),
        date(2028, 12, 31), 45, not offsets_before, True, 12_500_00)
    assert {p.agency_code for p in got.parties} == {"LYN", "WDY", "BOT"}
    # the signed copy, attached from the same dialog (copied in a worker)
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4\n% signed\n")
    again = AgreementDialog(demo_ctx.services, got, window)
    _show(qtbot, again)
    assert again.document.text() == "none attached"
    FilePicker.answer = lambda kind, title: str(scan)
    try:
        _press(qtbot, again.attach)  # Attach signed copy…
        qtbot.waitUntil(lambda: again.document.text().endswith(".pdf"), timeout=10000)
    finally:
        FilePicker.answer = None
    assert demo_ctx.services.agreements.document_file("ILA-2025-005A").read_bytes() == scan.read_bytes()


def test_add_a_rate_with_its_overtime_multiplier_and_end_it_on_a_date(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.agreement_edit import EndRateDialog, RateDialog

    a = demo_ctx.services.agreements.get("ILA-2025-005")
    dlg = RateDialog(demo_ctx.services, a, window)
    _show(qtbot, dlg)
    _type(qtbot, dlg.effective_from.edit, "2027-01-01")
    _enter(qtbot, dlg.effective_from.edit)  # no hourly rate: one line naming it
    assert dlg.message.text().startswith("<") and "Hourly rate: required" in dlg.message.text()
    assert dlg.hourly.hasFocus()
    qtbot.keyClicks(dlg.hourly, "140")
    _type(qtbot, dlg.overtime, "9")  # out of range: named as the form labels it
    _enter(qtbot, dlg.overtime)
    assert "Overtime ×: 9 must be between 1 and 5" in dlg.message.text() and dlg.overtime.hasFocus()
    _type(qtbot, dlg.overtime, "1.75")
    _enter(qtbot, dlg.overtime)
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.message.text()
    assert (dlg.saved.hourly_rate_cents, dlg.saved.overtime_multiplier) == (140_00, "1.75")
    rate = dlg.saved
    end = EndRateDialog(demo_ctx.services, a, rate, window)
    _show(qtbot, end)
    assert end.last_day.edit.hasFocus()
    _type(qtbot, end.last_day.edit, "2026-06-30")  # before it starts: nothing of it in force then
    _enter(qtbot, end.last_day.edit)
    assert end.result() != end.DialogCode.Accepted and "Last day in force:" in end.message.text()
    _type(qtbot, end.last_day.edit, "2027-06-30")
    _enter(qtbot, end.last_day.edit)
    assert end.result() == end.DialogCode.Accepted, end.message.text()
    ended = next(r for r in demo_ctx.services.agreements.rates("ILA-2025-005") if r.id == rate.id)
    assert ended.effective_to == date(2027, 6, 30)
