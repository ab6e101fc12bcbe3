"""The Statements page as a CTO uses it: draft the quarter, preview, issue all (cancellable), print."""

from __future__ import annotations


import pytest
from tests.conftest import TODAY



@pytest.fixture
def page(qtbot, window):
    p = window.pages["statements"]
    p.today = TODAY
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    with qtbot.waitSignal(p.loaded, timeout=20000):
        p.set_quarter("2026Q2")
    return p


def _draft(qtbot, page):
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.btn_draft.click()
    assert page.model.rowCount() == 7


def test_draft_preview_and_issue_all(qtbot, page, window, tmp_path):
    _draft(qtbot, page)
    assert "7 draft statements" in page.ui.subtitle.text()
    page.ui.table.selectRow(0)
    qtbot.waitUntil(lambda: page.preview.page_count() > 0, timeout=20000)
    assert "DRAFT" in page.preview.caption.text()
    with qtbot.waitSignal(page.issued, timeout=120000) as blocker:
        page.btn_issue_all.click()
    assert blocker.args == [6]
    qtbot.waitUntil(lambda: page.model.rowCount() == 7 and sum(1 for r in page.model.rows if r.number) == 6,
                    timeout=20000)
    kind, title, text = window.shown_messages[-1]
    assert "Issued 6 statements" in text and "AWW" in text and "RCW 39.34.040" in text
    assert page.progress is None  # the progress dialog is gone
    window.resize(1400, 820)
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 0).data() == "LYN-2026-0002")
    page.ui.table.selectRow(row)
    qtbot.waitUntil(lambda: "LYN-2026-0002" in page.preview.caption.text(), timeout=20000)
    qtbot.waitUntil(lambda: page.preview.page_count() > 0, timeout=20000)
    assert page.preview.data == page.services.statements.pdf("LYN-2026-0002")
    assert "LYN-2026-0002" in page.preview.document.getAllText(0).text()
    qtbot.wait(200)  # let QPdfView paint its first page for the screenshot
    window.grab().save(str(tmp_path / "statements-page.png"))
    assert (tmp_path / "statements-page.png").stat().st_size > 10_000


def test_cancelling_stops_between_statements_without_gaps(qtbot, page, window, monkeypatch):
    _draft(qtbot, page)
    st = page.services.statements
    original = st._issue_key
    calls = []

    def issue_then_press_cancel(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result)
        if result.issued:
            page._cancel.set()  # as if the user pressed Cancel while the first statement was issuing
        return result

    monkeypatch.setattr(st, "_issue_key", issue_then_press_cancel)
    with qtbot.waitSignal(page.issued, timeout=60000) as blocker:
        page.btn_issue_all.click()
    assert blocker.args == [1] and [c.partner for c in calls] == ["AWW", "BRI"]  # AWW is unfiled: skipped
    assert "Cancelled" in window.shown_messages[-1][2]
    numbers = [s.number for s in st.list() if s.number]
    assert numbers == ["LYN-2026-0001"]


def test_print_renders_every_page(qtbot, page, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    _draft(qtbot, page)
    page.ui.table.selectRow(1)
    qtbot.waitUntil(lambda: page.preview.page_count() > 0, timeout=20000)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert page.preview.print_to(printer) == page.preview.page_count()
    assert len(PdfReader(str(out)).pages) == page.preview.page_count()


def test_issue_past_cap_records_the_reason(qtbot, page, monkeypatch):
    page.services.agreements.update("ILA-2025-005", cap_cents=100_000)  # WDY: a $1,000 cap
    _draft(qtbot, page)
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 1).data() == "WDY")
    page.ui.table.selectRow(row)
    monkeypatch.setattr(page, "ask_text", lambda title, label: "Council amendment 2026-14")
    with qtbot.waitSignal(page.issued, timeout=60000) as blocker:
        page.btn_override.click()
    assert blocker.args == [1]
    wdy = next(s for s in page.services.statements.list() if s.partner == "WDY")
    assert wdy.number and wdy.cap_override_reason == "Council amendment 2026-14"
