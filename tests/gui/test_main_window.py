from datetime import date

from PySide6.QtCore import Qt

from partnerdesk.gui.models.table_model import ROW_ROLE


def _load(qtbot, window, key):
    page = window.pages[key]
    with qtbot.waitSignal(page.loaded, timeout=10000):
        window.show_page(key)
        if page.has_loaded:
            page.reload()
    return page


def test_dashboard_shows_the_same_balances_as_the_service(qtbot, window, demo_ctx):
    page = _load(qtbot, window, "dashboard")
    rows = [page.model.rows[i] for i in range(page.model.rowCount())]
    assert {r.partner for r in rows} == {"EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"}
    fy = demo_ctx.services.balances.current_fiscal_year()
    assert rows == demo_ctx.services.balances.balances(fy)
    assert "fiscal year" in page.ui.title.text()
    assert page.cards["net"].value.text().startswith("$")


def test_every_page_loads_real_data_and_the_footer_counts_it(qtbot, window):
    for key, noun in (("directory", "contacts"), ("agreements", "agreements"), ("hours", "entries")):
        page = _load(qtbot, window, key)
        assert page.model.rowCount() > 0
        assert page.ui.footer.text() == f"{page.model.rowCount():,} {noun}"


def test_search_as_you_type_filters_the_directory(qtbot, window):
    page = _load(qtbot, window, "directory")
    total = page.proxy.rowCount()
    window.focus_search()
    qtbot.keyClicks(page.ui.search, "mukilteo")
    assert 0 < page.proxy.rowCount() < total
    assert all(page.proxy.index(r, 0).data(ROW_ROLE).agency_code == "MUK" for r in range(page.proxy.rowCount()))
    assert "of" in page.ui.footer.text()


def test_hours_sort_numerically_by_amount(qtbot, window):
    page = _load(qtbot, window, "hours")
    col = [c.header for c in page.columns].index("Amount")
    page.ui.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    amounts = [page.proxy.index(r, 0).data(ROW_ROLE).amount_cents or 0 for r in range(page.proxy.rowCount())]
    assert amounts == sorted(amounts, reverse=True)


def test_table_models_pass_the_model_tester(qtbot, window, qtmodeltester):
    for key in ("dashboard", "agreements"):
        page = _load(qtbot, window, key)
        qtmodeltester.check(page.model)
        qtmodeltester.check(page.proxy)


def test_keyboard_navigation_between_pages(qtbot, window):
    _load(qtbot, window, "dashboard")
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.pages["hours"]
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.pages["directory"]


def test_quick_log_typed_with_the_keyboard_saves_a_priced_entry(qtbot, window, demo_ctx):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    dlg = QuickLogDialog(demo_ctx.services, window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.partner.lineEdit(), "Mukilteo")
    dlg.date.setDate(date(2026, 11, 20))
    qtbot.keyClicks(dlg.hours, "2:30")
    dlg.after_hours.setChecked(True)
    qtbot.keyClicks(dlg.description, "Core switch after hours")
    qtbot.waitUntil(lambda: "$" in dlg.preview_label.text(), timeout=5000)
    assert "ILA-2025-003" in dlg.preview_label.text()
    before = demo_ctx.services.hours.count()
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert demo_ctx.services.hours.count() == before + 1
    saved = [e for e in demo_ctx.services.hours.list(partner="MUK", quarter="2026Q4")
             if e.description == "Core switch after hours"]
    assert [(e.minutes, e.after_hours, e.direction, str(e.work_date)) for e in saved] == \
        [(150, True, "given", "2026-11-20")]


def test_quick_log_warns_of_a_likely_duplicate_and_asks_before_saving_it(qtbot, window, demo_ctx):
    """Issue 16: the same favour logged four times drew no warning. The preview names the entry already logged,
    and Save asks; No keeps the dialog open with nothing saved, Yes logs it as another favour."""
    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    first = demo_ctx.services.hours.log(partner="MUK", direction="given", work_date="2026-11-20", hours="2",
                                        staff="Pat Doe", description="Core switch").entry
    dlg = QuickLogDialog(demo_ctx.services, window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.partner.lineEdit(), "Mukilteo")
    dlg.date.setDate(date(2026, 11, 20))
    qtbot.keyClicks(dlg.hours, "2")
    qtbot.keyClicks(dlg.staff, "Pat Doe")
    qtbot.waitUntil(lambda: "likely duplicate" in dlg.preview_label.text(), timeout=5000)
    assert first.id in dlg.preview_label.text()
    before = demo_ctx.services.hours.count()
    answers = []
    DialogService.answer = lambda kind, title, text: answers.append(text) or False
    dlg.save()
    assert dlg.result() != dlg.DialogCode.Accepted and demo_ctx.services.hours.count() == before
    assert first.id in answers[0] and "Not saved" in dlg.preview_label.text()
    DialogService.answer = lambda kind, title, text: True
    dlg.save()
    assert dlg.result() == dlg.DialogCode.Accepted and demo_ctx.services.hours.count() == before + 1


def test_page_and_column_widths_are_remembered(qtbot, window, demo_ctx, tmp_path):
    from partnerdesk.gui.main import window_settings
    from partnerdesk.gui.main_window import MainWindow

    page = _load(qtbot, window, "agreements")
    page.ui.table.horizontalHeader().resizeSection(1, 333)
    window.close()
    again = MainWindow(demo_ctx, window_settings(tmp_path))
    qtbot.addWidget(again)
    assert again.qsettings.value("main/page") == "agreements"
    assert again.qsettings.value("main/geometry") is not None
    assert again.pages["agreements"].ui.table.horizontalHeader().sectionSize(1) == 333


def test_about_names_version_and_locations(qtbot, window, demo_ctx):
    dlg = window.show_about()
    assert "0.1.0" in dlg.text() and str(demo_ctx.paths.log_file) in dlg.text()
    dlg.close()


def test_an_uncaught_error_shows_a_dialog_naming_the_log_file(qtbot, window, demo_ctx, caplog):
    from partnerdesk.gui import crash

    crash.install(demo_ctx.paths.log_file)
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        crash.report_crash(type(exc), exc, exc.__traceback__)
    kind, title, text = window.shown_messages[-1]
    assert kind == "warning" and "ZeroDivisionError: boom" in text
    assert str(demo_ctx.paths.log_file) in text
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_a_user_error_from_a_worker_is_shown_as_one_clear_message(qtbot, window):
    from partnerdesk.errors import ValidationError
    from partnerdesk.gui.workers import run_in_worker

    def fail():
        raise ValidationError("date: '2026-13-01' is not a real date")

    before = len(window.shown_messages)
    run_in_worker(window, fail)
    qtbot.waitUntil(lambda: len(window.shown_messages) > before, timeout=5000)
    assert window.shown_messages[-1] == ("warning", "PartnerDesk", "date: '2026-13-01' is not a real date")


def test_a_worker_outliving_the_window_that_started_it_is_quiet(qtbot, caplog):
    """A dialog closed while its worker still runs: the answer is dropped, no error from the thread."""
    import logging
    import threading

    import shiboken6
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QDialog

    from partnerdesk.gui.workers import run_in_worker

    release = threading.Event()
    dialog = QDialog()
    answers = []
    run_in_worker(dialog, lambda: release.wait(10) and "late answer", answers.append)
    shiboken6.delete(dialog)  # closed and gone, as a dialog is once its window is
    with caplog.at_level(logging.DEBUG, logger="partnerdesk.gui.workers"):
        release.set()
        assert QThreadPool.globalInstance().waitForDone(10000)
    assert answers == []
    assert "after the window that started it had gone" in caplog.text


def test_backup_and_restore_are_on_the_file_menu(qtbot, window):
    texts = [a.text().replace("&", "") for a in window.ui.menuFile.actions()]
    assert "Back up now…" in texts and "Restore from backup…" in texts
