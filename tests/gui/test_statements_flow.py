"""The Statements page never shows what was true before an action, keeps what the user selected, says what
"Issue all" will do before it does it, and saves or prints a whole selection in one step."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerdesk.domain.money import format_cents
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import DialogService
from partnerdesk.gui.dialogs.statement_actions import PaymentDialog
from tests.conftest import TODAY


@pytest.fixture
def page(qtbot, window):
    p = window.pages["statements"]
    p.today = TODAY
    window.resize(1366, 768)
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    with qtbot.waitSignal(p.loaded, timeout=20000):
        p.set_quarter("2026Q2")
    with qtbot.waitSignal(p.loaded, timeout=30000):
        p.btn_draft.click()
    assert p.model.rowCount() == 7
    yield p
    FilePicker.answer = None


def _row_of(page, partner: str) -> int:
    return next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 1).data() == partner)


def _select(page, partner: str) -> None:
    page.ui.table.selectRow(_row_of(page, partner))


def test_no_stale_empty_quarter_message(qtbot, window):
    p = window.pages["statements"]
    p.today = TODAY
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    with qtbot.waitSignal(p.loaded, timeout=20000):
        p.set_quarter("2026Q2")
    assert p.model.rowCount() == 0 and p.ui.subtitle.text().startswith("No statements for 2026Q2")
    p.services.statements.draft("2026Q2", all_partners=True, today=TODAY)  # drafted elsewhere (the CLI)
    with qtbot.waitSignal(p.loaded, timeout=20000):
        p.reload()
    assert p.model.rowCount() == 7 and not p.ui.subtitle.text().startswith("No statements")


def test_issue_all_says_how_many_how_much_and_what_is_refused_first(qtbot, page, window):
    asked = []
    DialogService.answer = lambda kind, title, text: asked.append(text) or False  # read it, then say no
    page.btn_issue_all.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=30000)
    text = asked[0]
    drafts = [r for r in page.services.statements.list(quarter="2026Q2") if r.status == "draft"]
    to_issue = [d for d in drafts if d.partner != "AWW"]
    assert text.startswith(f"Issue 6 statements for 2026Q2, {format_cents(sum(d.amount_due_cents for d in to_issue))}"
                           " due in all?")
    assert "1 statement will not be issued" in text
    aww = next(line for line in text.splitlines() if "AWW" in line)
    assert "not filed (RCW 39.34.040)" in aww
    qtbot.waitUntil(lambda: not page._loading, timeout=20000)
    assert not any(s.number for s in page.services.statements.list(quarter="2026Q2"))  # "no" issued nothing


def test_selection_and_preview_follow_issue_and_payment(qtbot, page, window, monkeypatch, tmp_path):
    _select(page, "BRI")
    qtbot.waitUntil(lambda: page.preview.page_count() > 0 and "DRAFT" in page.preview.caption.text(), timeout=20000)
    assert not page.btn_pay.isEnabled()
    bri = page.selected_rows()[0].id
    with qtbot.waitSignal(page.issued, timeout=120000):
        page.btn_issue_all.click()
    # the same statement stays selected, now issued, and the preview shows its issued PDF, not the draft
    qtbot.waitUntil(lambda: [r.id for r in page.selected_rows()] == [bri] and bool(page.selected_rows()[0].number),
                    timeout=20000)
    number = page.selected_rows()[0].number
    qtbot.waitUntil(lambda: number in page.preview.caption.text(), timeout=20000)
    qtbot.waitUntil(lambda: page.preview.data == page.services.statements.pdf(number), timeout=20000)
    assert "DRAFT" not in page.preview.caption.text()
    assert page.btn_pay.isEnabled() and page.btn_credit.isEnabled() and page.btn_void.isEnabled()

    def pay_half(dlg):
        dlg.amount.setText(format_cents(dlg.statement.amount_due_cents // 2, symbol=False))
        dlg.ok.click()
        return dlg.result()

    monkeypatch.setattr(PaymentDialog, "exec", pay_half)
    page.btn_pay.click()
    qtbot.waitUntil(lambda: bool(page.selected_rows()) and page.selected_rows()[0].status == "partially_paid",
                    timeout=20000)
    assert [r.id for r in page.selected_rows()] == [bri]
    qtbot.waitUntil(lambda: "partially paid" in page.preview.caption.text(), timeout=20000)
    assert page.btn_pay.isEnabled()  # a second payment needs no re-selection
    window.grab().save(str(tmp_path / "statements-after-payment.png"))


def test_save_every_selected_statement_drafts_included(qtbot, page, tmp_path):
    from pypdf import PdfReader

    page.services.statements.issue_statement(page.model.rows[_row_of(page, "BRI")].id, today=TODAY)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    page.ui.table.selectAll()
    out = tmp_path / "q2"
    out.mkdir()
    FilePicker.answer = lambda kind, title: str(out) if kind == "folder" else ""
    page.btn_save.click()
    qtbot.waitUntil(lambda: len(page.last_saved) == 7, timeout=60000)
    names = sorted(Path(p).name for p in page.last_saved)
    issued = [n for n in names if not n.startswith("DRAFT-")]
    assert issued == ["LYN-2026-0001.pdf"]
    assert (out / issued[0]).read_bytes() == page.services.statements.pdf("LYN-2026-0001")  # the frozen file
    assert "DRAFT-2026Q2-MUK-ILA-2025-003.pdf" in names
    draft_text = PdfReader(str(out / "DRAFT-2026Q2-MUK-ILA-2025-003.pdf")).pages[0].extract_text()
    assert "DRAFT" in draft_text
    assert "7 PDFs in" in page.ui.footer.text() and "6 drafts, marked DRAFT" in page.ui.footer.text()


def test_one_draft_is_saved_to_the_file_chosen(qtbot, page, tmp_path):
    _select(page, "MUK")
    target = tmp_path / "muk-review.pdf"
    FilePicker.answer = lambda kind, title: str(target) if kind == "save" else ""
    page.btn_save.click()
    qtbot.waitUntil(target.exists, timeout=30000)
    assert target.read_bytes().startswith(b"%PDF")


def test_print_every_selected_statement_in_one_job(qtbot, page, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"

    def to_pdf(printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(page, "open_print_dialog", to_pdf)
    for partner in ("BRI", "MUK"):
        page.ui.table.selectionModel().select(page.proxy.index(_row_of(page, partner), 0),
                                              page.ui.table.selectionModel().SelectionFlag.Select
                                              | page.ui.table.selectionModel().SelectionFlag.Rows)
    assert len(page.selected_rows()) == 2
    expected = sum(len(PdfReader(__import__("io").BytesIO(d)).pages)
                   for _s, d in page.services.statements.documents([r.id for r in page.selected_rows()], TODAY))
    with qtbot.waitSignal(page.printed, timeout=60000) as blocker:
        page.btn_print.click()
    assert blocker.args == [expected]
    assert len(PdfReader(str(out)).pages) == expected


def test_statement_of_account_and_payments_per_partner(qtbot, page, monkeypatch, tmp_path):
    st = page.services.statements.issue_statement(page.model.rows[_row_of(page, "BRI")].id, today=TODAY).statement
    page.services.payments.record(st.number, "100.00", TODAY, "check", "CK-991", today=TODAY)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    _select(page, "BRI")
    seen = {}

    def look(dlg):
        dlg.show()
        dlg.grab().save(str(tmp_path / "account.png"))
        seen["lines"] = [dlg.lines_model.index(r, 2).data() for r in range(dlg.lines_model.rowCount())]
        seen["payments"] = [(dlg.payments_model.index(r, 1).data(), dlg.payments_model.index(r, 4).data())
                            for r in range(dlg.payments_model.rowCount())]
        seen["title"] = dlg.windowTitle()
        return 0

    monkeypatch.setattr(page, "open_dialog", look)
    assert page.btn_account.isEnabled()
    page.btn_account.click()
    assert seen["title"] == "Statement of account — City of Brier"
    assert st.number in seen["lines"] and (st.number, "CK-991") in seen["payments"]
