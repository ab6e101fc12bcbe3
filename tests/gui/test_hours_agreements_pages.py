"""Hours page (filters, acknowledge, dispute, edit, import), Agreements page (rates, document, calendar) and
the Dashboard chart — driven like a user would, answered through the dialog services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
import vobject
from PySide6.QtCore import QItemSelectionModel, Qt

from partnerdesk.gui.dialogs.inputs import TextPrompt
from partnerdesk.gui.models.table_model import ROW_ROLE


def _load(qtbot, window, key):
    page = window.pages[key]
    with qtbot.waitSignal(page.loaded, timeout=15000):
        window.show_page(key)
        if page.has_loaded:
            page.reload()
    return page


def _visible(page):
    return [page.proxy.data(page.proxy.index(r, 0), ROW_ROLE) for r in range(page.proxy.rowCount())]


def _select(page, rows):
    sel = page.ui.table.selectionModel()
    sel.clearSelection()
    for r in rows:
        sel.select(page.proxy.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                   | QItemSelectionModel.SelectionFlag.Rows)


@pytest.fixture
def prompt():
    answers = []
    TextPrompt.answer = lambda title, label: answers.pop(0) if answers else None
    yield answers
    TextPrompt.answer = None


def _set(qtbot, page, box, data):
    with qtbot.waitSignal(page.loaded, timeout=15000):
        box.setCurrentIndex(box.findData(data) if data is not None else 0)
    _idle(qtbot, page)


def _idle(qtbot, page):
    """Wait out a reload still queued (an action reloads the page and, through data_changed, queues another)."""
    qtbot.waitUntil(lambda: not page._loading and not getattr(page, "_pending", False), timeout=15000)


def test_hours_filters_by_partner_quarter_category_and_status(qtbot, window, demo_ctx):
    page = _load(qtbot, window, "hours")
    today_q = page.quarter_box.currentData()  # today's quarter is shown first
    assert {e.id for e in _visible(page)} == {e.id for e in demo_ctx.services.hours.list(quarter=today_q)}
    _set(qtbot, page, page.quarter_box, None)
    total = page.model.rowCount()
    assert total == len(demo_ctx.services.hours.list(fiscal_year=page.fiscal_year))
    _set(qtbot, page, page.partner_box, "EDM")
    _set(qtbot, page, page.quarter_box, "2026Q3")
    shown = _visible(page)
    expected = demo_ctx.services.hours.list(partner="EDM", quarter="2026Q3")
    assert {e.id for e in shown} == {e.id for e in expected} and shown
    f = page.current_filter()
    assert all(f.accepts(e) for e in shown)
    _set(qtbot, page, page.category_box, "NET")
    _set(qtbot, page, page.status_box, "acknowledged")
    assert _visible(page) and all(e.category_code == "NET" and e.status == "acknowledged" and e.partner_code == "EDM"
                                  for e in _visible(page))
    assert page.ui.footer.text() == f"{page.model.rowCount():,} entries"
    for box in (page.partner_box, page.quarter_box, page.category_box, page.status_box):
        _set(qtbot, page, box, None)
    assert page.model.rowCount() == total


def test_acknowledge_and_dispute_many(qtbot, window, demo_ctx, prompt):
    page = _load(qtbot, window, "hours")
    _set(qtbot, page, page.status_box, "draft")
    targets = _visible(page)[:3]
    _select(page, range(3))
    prompt.append("Pat Finance")
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.acknowledge_selected()
    got = [demo_ctx.services.hours.get(e.id) for e in targets]
    assert all(e.status == "acknowledged" and e.acknowledged_by == "Pat Finance" for e in got)
    assert all(e.acknowledged_on == date.today() for e in got)
    _set(qtbot, page, page.status_box, None)
    _select(page, [0, 1])
    ids = [e.id for e in page.selected_rows()]
    prompt.append("Our ticket shows half of this")
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.dispute_selected()
    assert all(demo_ctx.services.hours.get(i).dispute_reason == "Our ticket shows half of this" for i in ids)
    _select(page, [0])
    page.acknowledge_selected()  # cancelled prompt (no answer queued): nothing changes
    assert demo_ctx.services.hours.get(ids[0]).status == "disputed"


def test_invoiced_entries_are_read_only(qtbot, window, demo_ctx, prompt):
    from partnerdesk.db.models import TimeEntry
    from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog

    entry = demo_ctx.services.hours.list(partner="SNO")[0]
    with demo_ctx.db.write() as s:
        s.get(TimeEntry, entry.id).status = "invoiced"
    page = _load(qtbot, window, "hours")
    _set(qtbot, page, page.partner_box, "SNO")
    _set(qtbot, page, page.quarter_box, None)
    row = next(r for r in range(page.proxy.rowCount()) if _visible(page)[r].id == entry.id)
    _select(page, [row])
    prompt.append("Someone")
    page.acknowledge_selected()
    assert any("read-only" in text for _k, _t, text in window.shown_messages)
    assert demo_ctx.services.hours.get(entry.id).status == "invoiced"
    dlg = EntryEditDialog(demo_ctx.services, demo_ctx.services.hours.get(entry.id), window)
    qtbot.addWidget(dlg)
    assert not dlg.hours.isEnabled() and not dlg.buttons.button(dlg.buttons.StandardButton.Save).isEnabled()


def test_edit_an_entry(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog

    entry = demo_ctx.services.hours.list(partner="EDM", quarter="2026Q2")[0]
    dlg = EntryEditDialog(demo_ctx.services, entry, window)
    qtbot.addWidget(dlg)
    dlg.hours.clear()
    qtbot.keyClicks(dlg.hours, "30 hours")
    dlg.save()
    assert "not a duration" in dlg.message.text() or "24" in dlg.message.text()
    dlg.hours.clear()
    qtbot.keyClicks(dlg.hours, "1:45")
    dlg.description.setText("Edited in the dialog")
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    got = demo_ctx.services.hours.get(entry.id)
    assert (got.minutes, got.description) == (105, "Edited in the dialog")


def test_flag_an_entry_as_overtime_from_the_hours_table(qtbot, window, demo_ctx):
    """Issue 15: an entry can be flagged as overtime in the Hours table (Edit…), which shows it."""
    from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog

    page = _load(qtbot, window, "hours")
    _set(qtbot, page, page.partner_box, "EDM")  # (the quarter filter starts on today's quarter)
    entry = next(e for e in _visible(page) if e.status != "invoiced" and not e.after_hours and not e.overtime
                 and e.amount_cents)
    premium = next(c for c in range(page.model.columnCount()) if page.model.headerData(c, Qt.Orientation.Horizontal)
                   == "Premium")
    dlg = EntryEditDialog(demo_ctx.services, entry, window)
    qtbot.addWidget(dlg)
    assert not dlg.overtime.isChecked()
    dlg.overtime.setChecked(True)
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    got = demo_ctx.services.hours.get(entry.id)
    assert got.overtime and got.amount_cents > entry.amount_cents  # the demo's schedules: overtime ×1.5
    page.reload()
    qtbot.waitUntil(lambda: any(e.id == entry.id and e.overtime for e in _visible(page)), timeout=10000)
    row = next(r for r, e in enumerate(_visible(page)) if e.id == entry.id)
    assert "overtime" in page.proxy.data(page.proxy.index(row, premium))


def test_import_dialog_maps_previews_and_imports(qtbot, window, demo_ctx, samples, tmp_path):
    from partnerdesk.gui.dialogs.hours_import import HoursImportDialog

    def choose(box, data):  # each change previews again in a worker
        with qtbot.waitSignal(dlg.previewed, timeout=20000):
            box.setCurrentIndex(max(box.findData(data), 0))

    before = demo_ctx.services.hours.count()
    dlg = HoursImportDialog(demo_ctx.services, demo_ctx.settings, samples / "hours-2026.csv", window)
    qtbot.addWidget(dlg)
    dlg.show()
    assert "Checking every row" in dlg.summary.text() and not dlg.import_button.isEnabled()
    qtbot.waitUntil(lambda: not dlg.busy, timeout=20000)
    assert dlg.boxes["description"].currentData() == "What we did"  # guessed from the header
    assert dlg.model.rowCount() == 120 and dlg.import_button.isEnabled()
    choose(dlg.boxes["hours"], None)  # unmap a required field: refused plainly
    assert "no column mapped to hours" in dlg.summary.text() and not dlg.import_button.isEnabled()
    choose(dlg.boxes["hours"], "Hours")
    choose(dlg.boxes["staff"], None)
    assert dlg.import_button.isEnabled()
    dlg.do_import()
    assert not dlg.boxes["hours"].isEnabled()  # nothing changes while the import runs
    dlg.reject()  # Esc during the import does not hide it
    assert dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted, timeout=30000)
    assert demo_ctx.services.hours.count() == before + 120
    remembered = demo_ctx.settings.import_mapping("hours", dlg.columns)
    assert remembered and "staff" not in remembered
    again = HoursImportDialog(demo_ctx.services, demo_ctx.settings, samples / "hours-2026.csv", window)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.busy, timeout=20000)
    assert again.boxes["staff"].currentData() is None  # the remembered mapping, not the guess
    # importing the same file again: every row is already logged, so nothing is left to import
    assert again.problems.count() == 0 and not again.import_button.isEnabled()
    assert "already logged: nothing to import" in again.summary.text()
    assert again.model.rowCount() == 120 and again.model.index(0, 10).data() == "skipped"
    again.skip_duplicates.setChecked(False)  # asked not to skip: the rows could go in again
    qtbot.waitUntil(lambda: not again.busy and again.import_button.isEnabled(), timeout=20000)
    assert again.model.index(0, 10).data() == "yes: imported again"


def test_agreements_rates_document_and_calendar(qtbot, window, demo_ctx, tmp_path, qtmodeltester):
    page = _load(qtbot, window, "agreements")
    row = next(r for r in range(page.proxy.rowCount()) if "EDM" in _visible(page)[r].party_codes)
    page.ui.table.setCurrentIndex(page.proxy.index(row, 0))
    assert page.rates_model.rowCount() == 4  # both sides, before and after the July 1 change
    qtmodeltester.check(page.rates_model)
    doc = tmp_path / "signed.pdf"
    doc.write_bytes(b"%PDF-1.4 signed")
    number = _visible(page)[row].number
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.attach_document(str(doc))
    stored = demo_ctx.services.agreements.document_file(number)
    assert stored.read_bytes() == b"%PDF-1.4 signed" and stored.parent == demo_ctx.paths.attachments_dir
    ics = tmp_path / "deadlines.ics"
    page.export_calendar(str(ics))
    qtbot.waitUntil(ics.exists, timeout=10000)
    assert len(vobject.readOne(ics.read_text(encoding="utf-8")).vevent_list) == 14


def test_dashboard_chart_and_cli_show_the_same_numbers(qtbot, window, demo_ctx):
    page = _load(qtbot, window, "dashboard")
    fy = demo_ctx.services.balances.current_fiscal_year()
    by_q = demo_ctx.services.balances.hours_by_quarter(fy)
    assert page.chart.values == [(q["quarter"], q["minutes_given"] / 60, q["minutes_received"] / 60) for q in by_q]
    assert len(page.chart.chart().series()) == 1 and page.chart.chart().series()[0].count() == 2
    env = dict(os.environ, PARTNERDESK_HOME=str(demo_ctx.paths.data_dir))
    out = subprocess.run([sys.executable, "-m", "partnerdesk", "balances", "--fy", str(fy), "--json"], env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    from partnerdesk.domain.dto import to_json

    model = [page.model.rows[i] for i in range(page.model.rowCount())]
    assert json.loads(out) == to_json(model)


def test_register_an_agreement_and_a_rate(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog, RateDialog

    demo_ctx.services.agencies.create(name="City of Bothell", code="BOT", kind="city")
    dlg = AgreementDialog(demo_ctx.services, None, window)
    qtbot.addWidget(dlg)
    dlg.save()
    assert "Number: required" in dlg.message.text() and dlg.result() != dlg.DialogCode.Accepted
    qtbot.keyClicks(dlg.number, "ILA-2026-050")
    dlg.title.setText("IT Support Services ILA — Lynnwood / Bothell")  # QTest types ASCII only
    dlg.partner.setCurrentIndex(dlg.partner.findData("BOT"))
    qtbot.keyClicks(dlg.partner_reference, "PO 2026-77")
    qtbot.keyClicks(dlg.approval_resolution, "Res. 2026-31")
    qtbot.keyClicks(dlg.filing_reference, "Auditor No. 202611260001")
    dlg.effective_date.setDate(date(2026, 1, 1))
    dlg.expiry_date.setDate(date(2027, 1, 31))
    qtbot.keyClicks(dlg.cap_dollars, "25,000")
    dlg.cap_hours.setValue(200)
    dlg.offset.setChecked(True)
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.message.text()
    a = demo_ctx.services.agreements.get("ILA-2026-050")
    assert (a.cap_cents, a.cap_minutes, a.offset_allowed, a.expiry_date, a.status) == (
        25_000_00, 200 * 60, True, date(2027, 1, 31), "expiring")  # ends within 90 days
    assert {(p.agency_code, p.reference) for p in a.parties} == {("LYN", None), ("BOT", "PO 2026-77")}
    rate = RateDialog(demo_ctx.services, a, window)
    qtbot.addWidget(rate)
    rate.effective_from.setDate(date(2026, 1, 1))
    rate.category.setCurrentIndex(rate.category.findData("NET"))
    qtbot.keyClicks(rate.hourly, "130")
    rate.callout.setValue(120)
    rate.save()
    assert rate.result() == rate.DialogCode.Accepted, rate.message.text()
    r = demo_ctx.services.agreements.rates("ILA-2026-050")[0]
    assert (r.hourly_rate_cents, r.category_code, r.minimum_callout_minutes) == (130_00, "NET", 120)
    logged = demo_ctx.services.hours.log(partner="BOT", direction="given", work_date="2026-05-01", hours="1",
                                         category="NET", callout=True, today=date(2026, 11, 26))
    assert logged.entry.agreement_number == "ILA-2026-050" and logged.entry.amount_cents == 260_00
    edit = AgreementDialog(demo_ctx.services, a, window)
    qtbot.addWidget(edit)
    assert edit.partner.currentData() is None and edit.cap_dollars.text() == "25,000.00"  # no party added unasked
    edit.notice.setValue(120)
    edit.save()
    assert demo_ctx.services.agreements.get("ILA-2026-050").termination_notice_days == 120
