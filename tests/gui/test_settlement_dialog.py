"""Regional settlement from the Statements page (issue 20): Settle… opens the quarter's settlement; a CTO
proposes, accepts for the home agency, and once the partners have accepted records the home agency's payment,
which marks the statements it settles as paid."""

from __future__ import annotations

import os

import pytest

from partnerdesk.gui.dialogs.settlement import SettlementDialog
from tests.conftest import TODAY
from tests.unit.settlement_region import answer_from_partner, build_region, completed_quarter

WEB = [("LYN", "EDM", 1_200_00), ("EDM", "MLT", 450_50), ("MLT", "LYN", 300_25), ("MUK", "LYN", 99_99)]
Q = completed_quarter(TODAY)


@pytest.fixture
def page(qtbot, window, demo_ctx):
    build_region(demo_ctx, Q, WEB)
    p = window.pages["statements"]
    p.today = TODAY
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    assert p.current_quarter() == str(Q)  # the page opens on the last completed quarter
    return p


def _cell(model, row: int, header: str) -> str:
    col = next(i for i, c in enumerate(model.columns) if c.header == header)
    return model.index(row, col).data()


def test_settle_button_opens_the_quarters_settlement(qtbot, page, monkeypatch):
    seen = []
    monkeypatch.setattr(page, "open_dialog", lambda dlg: seen.append(dlg.windowTitle()) or False)
    page.btn_settle.click()
    assert seen == [f"Regional settlement — {Q}"]


def test_propose_accept_and_record_a_payment(qtbot, page, demo_ctx, tmp_path):
    dlg = SettlementDialog(page.services, str(Q), page, today=TODAY)
    qtbot.addWidget(dlg)
    dlg.resize(1366, 768)
    dlg.show()
    assert dlg.proposals.rowCount() == 0 and "No proposal" in dlg.detail.text()
    assert not dlg.btn_accept.isEnabled() and not dlg.btn_pay.isEnabled()
    dlg.btn_propose.click()
    qtbot.waitUntil(lambda: dlg.proposals.rowCount() == 1, timeout=20000)
    v = dlg.selected()
    assert v.mode == "multilateral" and 1 <= dlg.transfers.rowCount() <= 3
    assert "Multilateral netting" in dlg.detail.text() and "awaiting acceptance" in _cell(dlg.proposals, 0, "Status")
    assert dlg.btn_accept.isEnabled()
    dlg.btn_accept.click()
    qtbot.waitUntil(lambda: "LYN ✓ accepted" in _cell(dlg.proposals, 0, "Answers"), timeout=20000)
    assert not dlg.btn_accept.isEnabled()  # the home agency has answered; the others answer on their own PCs
    for code in ("EDM", "MLT", "MUK"):
        answer_from_partner(demo_ctx, v.id, code)
    dlg.load(page.services.settlement.list(quarter=str(Q)))
    assert _cell(dlg.proposals, 0, "Status") == "final (every party accepted)"
    row = next(i for i, t in enumerate(dlg.transfers.rows) if "LYN" in (t.payer, t.payee) and t.statements)
    dlg.transfers_view.selectRow(row)
    assert dlg.btn_pay.isEnabled()
    reference = dlg.transfers.rows[row].reference
    with qtbot.waitSignal(dlg.changed, timeout=20000):
        dlg.btn_pay.click()
    assert dlg.message.text().startswith(f"Recorded {reference}")
    paid = {p.statement_number for p in page.services.payments.list() if p.method == "settlement"}
    assert paid == set(dlg.transfers.rows[row].statements) and paid
    shot = dlg.grab()
    assert shot.width() >= 1366 and shot.height() >= 768
    target = os.environ.get("PARTNERDESK_SCREENSHOTS")  # `make screenshots`-style: keep the picture to look at
    shot.save(str(tmp_path / "settlement-dialog.png"))
    if target:
        shot.save(os.path.join(target, "settlement-dialog.png"))


def test_the_statements_toolbar_still_fits_at_1366(qtbot, page, window, tmp_path):
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: page.btn_settle.isVisible())
    right = page.btn_settle.mapTo(page, page.btn_settle.rect().topRight()).x()
    assert right <= page.width() and page.btn_settle.width() >= page.btn_settle.sizeHint().width()
    target = os.environ.get("PARTNERDESK_SCREENSHOTS")
    if target:
        window.grab().save(os.path.join(target, "statements-page.png"))
