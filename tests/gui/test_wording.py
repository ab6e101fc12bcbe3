"""The GUI counts in English: "1 row cannot be imported", "1 contact", never "1 rows" or "row(s)"."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def test_one_bad_row_is_one_row(qtbot, window, demo_ctx, samples, tmp_path):
    from partnerdesk.gui.dialogs.hours_import import HoursImportDialog

    lines = (samples / "hours-2026.csv").read_text(encoding="utf-8-sig").splitlines()[:4]
    lines[2] = lines[2].replace("3/11/2026", "13/45/2026")  # one impossible date
    path = tmp_path / "hours.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dlg = HoursImportDialog(demo_ctx.services, demo_ctx.settings, path, window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: not dlg.busy, timeout=20000)
    text = dlg.summary.text()
    assert "1 row cannot be imported" in text and "until it is fixed" in text, text
    assert "3 rows are fine" in text or "2 rows are fine" in text, text
    assert "(s)" not in text and "1 rows" not in text


def test_a_footer_of_one_reads_singular(qtbot, window):
    page = window.pages["directory"]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        window.show_page("directory")
    page.ui.search.setText("Leilani Larsen")
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 1, timeout=5000)
    assert page.ui.footer.text() == "1 of 48 contacts"
    page.ui.search.clear()
    page.model.set_contacts(page.services.contacts.list()[:1])
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 1, timeout=5000)
    assert page.ui.footer.text() == "1 contact"


def test_phone_numbers_are_shown_in_one_format_and_kept_as_typed(qtbot, window, demo_ctx, tmp_path):
    page = window.pages["directory"]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        window.show_page("directory")
    c = next(c for c in demo_ctx.services.contacts.list() if c.name == "Leilani Larsen")
    demo_ctx.services.contacts.update(c.id, work_phone="360.555.0129", mobile_phone="360-555-0130",
                                      after_hours_phone="+1 360 555 0131 ext. 4")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reload()
    page.select_contact(c.id)
    row = page.ui.table.currentIndex().row()
    shown = [page.proxy.index(row, col).data() for col in (3, 4, 5)]
    assert shown == ["(360) 555-0129", "(360) 555-0130", "(360) 555-0131 x4"]
    labels = {k: page.detail.findChild(QLabel, f"number_{k}").text() for k in ("work", "mobile", "after_hours")}
    assert labels == {"work": "(360) 555-0129", "mobile": "(360) 555-0130", "after_hours": "(360) 555-0131 x4"}
    stored = demo_ctx.services.contacts.get(c.id)
    assert (stored.work_phone, stored.mobile_phone) == ("360.555.0129", "360-555-0130")  # the typed original
    window.grab().save(str(tmp_path / "directory-phones.png"))


def test_the_hours_page_has_a_log_hours_button(qtbot, window, demo_ctx, monkeypatch):
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

    page = window.pages["hours"]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        window.show_page("hours")
    before = page.model.rowCount()

    def fill(dlg):
        dlg.partner.setCurrentIndex(dlg.partner.findData("MUK"))
        dlg.date.setDate(demo_ctx.services.clock.today())
        dlg.hours.setText("2")
        dlg.description.setText("Logged from the Hours page")
        dlg.save()
        return dlg.result()

    monkeypatch.setattr(QuickLogDialog, "exec", fill)
    assert page.btn_log.text() == "&Log hours…" and "Ctrl+L" in page.btn_log.toolTip()
    page.btn_log.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=20000)
    assert any(e.description == "Logged from the Hours page" for e in page.model.rows)
