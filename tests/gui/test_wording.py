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
