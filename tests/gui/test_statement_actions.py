"""Void, credit note and payments from the Statements page, as a CTO does them: select a statement, use the
toolbar, the context menu or the keyboard, fill the dialog, and see the status and balance change."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from partnerdesk.domain.money import format_cents
from partnerdesk.gui.dialogs.statement_actions import CreditNoteDialog, PaymentDialog, VoidDialog
from tests.conftest import TODAY



@pytest.fixture
def page(qtbot, window):
    p = window.pages["statements"]
    p.today = TODAY
    p.services.statements.issue("2026Q2", all_partners=True, today=TODAY)
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    with qtbot.waitSignal(p.loaded, timeout=20000):
        p.set_quarter("2026Q2")
    window.resize(1500, 820)
    return p


def _select(page, number: str) -> None:
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 0).data() == number)
    page.ui.table.selectRow(row)


def _cell(page, number: str, header: str) -> str:
    col = next(c for c in range(page.proxy.columnCount())
               if page.proxy.headerData(c, Qt.Orientation.Horizontal) == header)
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 0).data() == number)
    return page.proxy.index(row, col).data()


def _fill(monkeypatch, cls, steps, shots: dict | None = None):
    """Replace ``cls.exec``: show the dialog (for a screenshot), run ``steps(dlg)`` and return its result."""

    def fake_exec(dlg):
        if shots is not None:
            dlg.show()
            shots[cls.__name__] = dlg.grab()
        steps(dlg)
        return dlg.result()

    monkeypatch.setattr(cls, "exec", fake_exec)


def test_record_partial_then_full_payment(qtbot, page, monkeypatch, tmp_path):
    st = page.services.statements.get("LYN-2026-0002")
    half = st.amount_due_cents // 2
    _select(page, "LYN-2026-0002")
    assert page.btn_pay.isEnabled() and page.act_pay.isEnabled()
    shots: dict = {}

    def partial(dlg):
        assert dlg.amount.text() == format_cents(st.amount_due_cents, symbol=False)  # the balance by default
        dlg.amount.setText(format_cents(half, symbol=False))
        dlg.set_method("check")
        dlg.reference.setText("CK 10442")
        dlg.ok.click()

    _fill(monkeypatch, PaymentDialog, partial, shots)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.btn_pay.click()
    assert _cell(page, "LYN-2026-0002", "Status") == "partially paid"
    assert _cell(page, "LYN-2026-0002", "Balance") == format_cents(st.amount_due_cents - half)
    assert "partially paid" in page.ui.subtitle.text()
    shots["PaymentDialog"].save(str(tmp_path / "payment-dialog.png"))

    # the rest by EFT, from the context-menu action, after a refused over-payment
    _select(page, "LYN-2026-0002")

    def rest(dlg):
        dlg.amount.setText(format_cents(st.amount_due_cents, symbol=False))  # more than the balance
        dlg.set_method("eft")
        dlg.ok.click()
        assert not dlg.message.isHidden() and "more than the balance" in dlg.message.text()
        dlg.amount.setText(format_cents(st.amount_due_cents - half, symbol=False))
        dlg.ok.click()

    _fill(monkeypatch, PaymentDialog, rest)
    assert page.act_pay in page.ui.table.actions()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.act_pay.trigger()
    assert _cell(page, "LYN-2026-0002", "Status") == "paid"
    assert _cell(page, "LYN-2026-0002", "Balance") == format_cents(0)
    _select(page, "LYN-2026-0002")
    assert not page.btn_pay.isEnabled() and not page.btn_void.isEnabled()  # paid: no payment, no void
    methods = [p.method for p in page.services.payments.list("LYN-2026-0002")]
    assert methods == ["check", "eft"]


def test_credit_note_reduces_the_balance(qtbot, page, monkeypatch, tmp_path):
    st = page.services.statements.get("LYN-2026-0003")
    _select(page, "LYN-2026-0003")
    shots: dict = {}

    def credit(dlg):
        dlg.amount.setText("100.00")
        dlg.ok.click()
        assert "reason" in dlg.message.text()  # a reason is required
        dlg.reason.setPlainText("Two hours of help desk cover were billed twice")
        dlg.ok.click()

    _fill(monkeypatch, CreditNoteDialog, credit, shots)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.btn_credit.click()
    assert "LYN-2026-CN001" in page.ui.subtitle.text()
    assert _cell(page, "LYN-2026-0003", "Balance") == format_cents(st.amount_due_cents - 10_000)
    assert _cell(page, "LYN-2026-0003", "Status") == "partially paid"
    assert _cell(page, "LYN-2026-CN001", "Status") == "issued"
    shots["CreditNoteDialog"].save(str(tmp_path / "credit-dialog.png"))


def test_void_with_replacement_by_keyboard(qtbot, page, window, monkeypatch, tmp_path):
    before = page.services.statements.get("LYN-2026-0004")
    _select(page, "LYN-2026-0004")
    page.ui.table.setFocus()
    shots: dict = {}

    def void(dlg):
        dlg.ok.click()
        assert not dlg.message.isHidden() and "reason" in dlg.message.text()
        dlg.reason.setPlainText("Wrong partner reference on the statement")
        dlg.replace.setChecked(True)
        dlg.ok.click()

    _fill(monkeypatch, VoidDialog, void, shots)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        qtbot.keyClick(page.ui.table, Qt.Key.Key_D,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    # let go of the modifiers: QTest keeps them as held, and a held Ctrl turns the next test's selectRow
    # into a toggle
    qtbot.keyRelease(page.ui.table, Qt.Key.Key_Shift, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyRelease(page.ui.table, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    assert QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier
    assert _cell(page, "LYN-2026-0004", "Status") == "void"
    assert _cell(page, "LYN-2026-0004", "Notes") == "Wrong partner reference on the statement"
    assert "Voided LYN-2026-0004" in page.ui.subtitle.text() and "Issued LYN-2026-0007" in page.ui.subtitle.text()
    assert _cell(page, "LYN-2026-0007", "Notes") == "replaces LYN-2026-0004"
    replacement = page.services.statements.get("LYN-2026-0007")
    assert replacement.partner == before.partner and replacement.amount_due_cents == before.amount_due_cents
    shots["VoidDialog"].save(str(tmp_path / "void-dialog.png"))
    page.ui.table.selectRow(0)
    window.grab().save(str(tmp_path / "statements-actions.png"))
    assert (tmp_path / "statements-actions.png").stat().st_size > 10_000


def test_actions_need_one_live_statement(qtbot, page):
    page.ui.table.clearSelection()
    assert not page.btn_void.isEnabled() and not page.btn_credit.isEnabled() and not page.btn_pay.isEnabled()
    names = {b.accessibleName() for b in (page.btn_void, page.btn_credit, page.btn_pay)}
    assert names == {"Void", "Credit note", "Record payment"}
    page.void_selected()  # through the shortcut with nothing selected: told what to select
    assert "Select one issued statement" in page.window().shown_messages[-1][2]
