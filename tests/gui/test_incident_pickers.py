"""Issue 20: an incident is picked in quick log and in the Hours table's editor, and the table shows it."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from partnerdesk.gui.models.table_model import ROW_ROLE
from tests.conftest import TODAY

DAY = TODAY - timedelta(days=3)


def _incident(demo_ctx):
    return demo_ctx.services.incidents.add("WS-GUI", name="November windstorm", start_date=DAY - timedelta(days=2),
                                           declaration="DR-4999-WA")


def _listed(demo_ctx):
    """WS-GUI as the register lists it (with its hours)."""
    return next(i for i in demo_ctx.services.incidents.list() if i.ref == "WS-GUI")


def test_quick_log_picks_an_incident(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    _incident(demo_ctx)
    dlg = QuickLogDialog(demo_ctx.services, window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.partner.lineEdit(), "Edmonds")
    dlg.date.setDate(DAY)
    qtbot.keyClicks(dlg.hours, "3")
    items = [dlg.incident.itemText(i) for i in range(dlg.incident.count())]
    assert items[0] == "(none)" and "WS-GUI — November windstorm (DR-4999-WA)" in items  # and the demo's
    dlg.incident.setCurrentIndex(dlg.incident.findData("WS-GUI"))
    qtbot.waitUntil(lambda: "$" in dlg.preview_label.text(), timeout=10000)
    dlg.resize(1366 * 45 // 100, dlg.sizeHint().height())
    dlg.grab().save(str(tmp_path / "quick-log-incident.png"))
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    saved = [e for e in demo_ctx.services.hours.list(partner="EDM") if e.work_date == DAY and e.minutes == 180]
    assert [e.incident_ref for e in saved] == ["WS-GUI"]
    assert _listed(demo_ctx).hours_minutes == 180


def test_the_hours_table_shows_and_changes_the_incident(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog

    _incident(demo_ctx)
    entry = demo_ctx.services.hours.log(partner="EDM", direction="given", work_date=DAY, hours="2",
                                        incident_ref="ws-gui").entry
    page = window.pages["hours"]
    with qtbot.waitSignal(page.loaded, timeout=10000):
        window.show_page("hours")
        if page.has_loaded:
            page.reload()
    col = [c.header for c in page.columns].index("Incident")
    rows = {page.proxy.index(r, 0).data(ROW_ROLE).id: r for r in range(page.proxy.rowCount())}
    assert page.proxy.index(rows[entry.id], col).data() == "WS-GUI"
    window.resize(1366, 768)
    window.grab().save(str(tmp_path / "hours-incident.png"))
    dlg = EntryEditDialog(demo_ctx.services, demo_ctx.services.hours.get(entry.id), window)
    qtbot.addWidget(dlg)
    assert dlg.incident.currentData() == "WS-GUI"
    dlg.grab().save(str(tmp_path / "edit-incident.png"))
    dlg.description.setText("Cleared the incident")  # an edit that leaves the incident alone keeps it
    dlg.save()
    assert demo_ctx.services.hours.get(entry.id).incident_ref == "WS-GUI"
    dlg = EntryEditDialog(demo_ctx.services, demo_ctx.services.hours.get(entry.id), window)
    qtbot.addWidget(dlg)
    dlg.incident.setCurrentIndex(0)  # (none)
    dlg.save()
    assert demo_ctx.services.hours.get(entry.id).incident_ref is None
    assert _listed(demo_ctx).hours_minutes == 0


def test_a_mutual_aid_request_is_paid_from_the_statements_page(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.services.statements_mutual_aid import issue_mutual_aid

    _incident(demo_ctx)
    demo_ctx.services.incidents.set_rate("Ana Moreno", regular="38", overtime="57", fringe_regular="25",
                                         fringe_overtime="7.65", effective_from=DAY - timedelta(days=60))
    demo_ctx.services.hours.log(partner="EDM", direction="given", work_date=DAY, hours="4", staff="Ana Moreno",
                                incident_ref="WS-GUI")
    st, _path = issue_mutual_aid(demo_ctx.db, "WS-GUI", "EDM")
    assert st.amount_due_cents == 190_00  # 4 h × ($38.00 + $9.50)
    page = window.pages["statements"]
    page.today = TODAY
    with qtbot.waitSignal(page.loaded, timeout=20000):
        window.show_page("statements")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.set_quarter(st.period)
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.index(i, 0).data() == st.number)
    page.ui.table.selectRow(row)
    assert page.btn_pay.isEnabled() and page.btn_credit.isEnabled() and page.btn_void.isEnabled()
    col = next(c for c in range(page.proxy.columnCount()) if page.proxy.headerData(c, Qt.Orientation.Horizontal)
               == "Notes")
    assert page.proxy.index(row, col).data() == "Mutual aid reimbursement request"
    window.resize(1366, 768)
    window.grab().save(str(tmp_path / "statements-mutual-aid.png"))
