"""Issue 16: a mistaken entry is deleted from the Hours page with a reason, and Undo delete brings it back; a
billed entry is refused."""

from __future__ import annotations

import pytest

from tests.gui.test_hours_agreements_pages import _idle, _load, _select, _set, _visible


@pytest.fixture
def answers():
    from partnerdesk.gui.dialogs.inputs import TextPrompt

    asked = []
    TextPrompt.answer = lambda title, label: asked.append(label) or "logged twice"
    yield asked
    TextPrompt.answer = None


def test_delete_with_a_reason_and_undo(qtbot, window, demo_ctx, answers):
    hours = demo_ctx.services.hours
    entry = hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="2", staff="Pat Doe").entry
    page = _load(qtbot, window, "hours")
    _idle(qtbot, page)
    row = next(r for r, e in enumerate(_visible(page)) if e.id == entry.id)
    _select(page, [row])
    before = hours.count()
    page.delete_selected()
    qtbot.waitUntil(lambda: hours.count() == before - 1 and page.undo_button.isEnabled(), timeout=10000)
    assert "Why delete this entry?" in answers[0]
    assert hours.get(entry.id, include_deleted=True).deleted_reason == "logged twice"
    assert "Undo delete" in window.statusBar().currentMessage()
    _idle(qtbot, page)
    assert entry.id not in {e.id for e in _visible(page)}
    page.undo_button.click()
    qtbot.waitUntil(lambda: hours.count() == before, timeout=10000)
    assert not page.undo_button.isEnabled() and hours.get(entry.id).deleted_at is None


def test_a_billed_entry_is_not_deleted(qtbot, window, demo_ctx, answers):
    from tests.conftest import TODAY

    sv = demo_ctx.services
    number = sv.statements.issue("2026Q3", partner="EDM", today=TODAY)[0].statement.number
    page = _load(qtbot, window, "hours")
    _idle(qtbot, page)
    _set(qtbot, page, page.quarter_box, None)  # the whole fiscal year: the billed quarter too
    row = next(r for r, e in enumerate(_visible(page)) if e.statement_number == number)
    _select(page, [row])
    before = sv.hours.count()
    page.delete_selected()
    assert not answers and sv.hours.count() == before  # refused before asking for a reason
    assert any("credit the statement" in text for _kind, _title, text in window.shown_messages)
