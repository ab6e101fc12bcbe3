"""The Directory page as a user drives it: type to search, filter, read and copy numbers, import a file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from partnerdesk.gui.models.table_model import ROW_ROLE


def _page(qtbot, window):
    page = window.pages["directory"]
    with qtbot.waitSignal(page.loaded, timeout=10000):
        window.show_page("directory")
    return page


def _shown(page):
    return [page.proxy.index(r, 0).data(ROW_ROLE) for r in range(page.proxy.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester, demo_ctx):
    from partnerdesk.gui.models.contacts_model import ContactTableModel

    model = ContactTableModel()
    model.set_contacts(demo_ctx.services.contacts.list())
    qtmodeltester.check(model)


def test_typing_searches_names_accents_and_phone_digits(qtbot, window):
    page = _page(qtbot, window)
    total = page.proxy.rowCount()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.ui.search.hasFocus()
    qtbot.keyClicks(page.ui.search, "5550120")
    hits = _shown(page)
    assert hits and all("5550120" in "".join(ch for ch in (c.work_phone or "") + (c.mobile_phone or "") +
                                              (c.after_hours_phone or "") + (c.personal_phone or "")
                                              if ch.isdigit()) for c in hits)
    qtbot.keyClick(page.ui.search, Qt.Key.Key_Escape)
    assert page.ui.search.text() == "" and page.proxy.rowCount() == total
    qtbot.keyClicks(page.ui.search, "zoe castillo")  # demo name "Zoë Castillo", typed without the accent
    assert [c.name for c in _shown(page)] == ["Zoë Castillo"]
    page.ui.search.clear()
    qtbot.keyClicks(page.ui.search, "mukilteo avaya")
    assert all(c.agency_code == "MUK" for c in _shown(page))


def test_filters_by_agency_and_skill(qtbot, window):
    page = _page(qtbot, window)
    page.agency_filter.setCurrentIndex(page.agency_filter.findText("MUK", Qt.MatchFlag.MatchStartsWith))
    assert _shown(page) and {c.agency_code for c in _shown(page)} == {"MUK"}
    page.skill_filter.setCurrentIndex(page.skill_filter.findText("PBX"))
    assert all("PBX" in c.skills and c.agency_code == "MUK" for c in _shown(page))
    page.agency_filter.setCurrentIndex(0)
    assert len({c.agency_code for c in _shown(page)}) > 1 and all("PBX" in c.skills for c in _shown(page))
    assert "of" in page.ui.footer.text()


def test_detail_pane_labels_every_number_and_copies_in_one_click(qtbot, window, demo_ctx):
    c = next(c for c in demo_ctx.services.contacts.list() if c.personal_phone and c.after_hours_phone)
    page = _page(qtbot, window)
    page.select_contact(c.id)
    d = page.detail
    assert d.contact == c
    assert set(d.copy_buttons) == {"work", "mobile", "after_hours", "personal"}
    qtbot.mouseClick(d.copy_buttons["after_hours"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == c.after_hours_phone
    assert c.after_hours_phone in window.statusBar().currentMessage()
    labels = " ".join(lbl.text() for lbl in d.widget().findChildren(QLabel))
    assert "After hours" in labels and "Personal\n(not for disclosure)" in labels
    assert f"Escalation order {c.escalation_order}" in labels
    assert "verified" in labels.lower()


def test_enter_opens_the_first_match(qtbot, window, monkeypatch):
    from partnerdesk.gui.dialogs.contact_dialog import ContactDialog

    opened = []
    monkeypatch.setattr(ContactDialog, "exec", lambda self: opened.append(self.contact) or 0)
    page = _page(qtbot, window)
    page.focus_search()
    qtbot.keyClicks(page.ui.search, "zoe castillo")
    qtbot.keyClick(page.ui.search, Qt.Key.Key_Return)
    assert [c.name for c in opened] == ["Zoë Castillo"]


def test_import_dialog_previews_then_imports(qtbot, window, samples, monkeypatch):
    from partnerdesk.gui.dialogs.files import FilePicker
    from partnerdesk.gui.dialogs.import_dialog import ImportDialog

    page = _page(qtbot, window)
    before = page.model.rowCount()
    monkeypatch.setattr(FilePicker, "answer", lambda kind, title: str(samples / "contacts-iphone.vcf"))
    dlg = ImportDialog(window.services, page)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.previewed, timeout=10000):
        dlg.choose()
    assert dlg.model.rowCount() == 20 and dlg.import_button.isEnabled()
    assert "will import 20" in dlg.summary.text()
    assert window.services.contacts.count() == before  # a preview changes nothing
    with qtbot.waitSignal(dlg.imported, timeout=20000):
        dlg.import_button.click()
    assert dlg.result.created + dlg.result.updated == 20
    assert window.services.contacts.count() > before
    previews = []
    monkeypatch.setattr(window.services.directory, "preview_import", lambda *a: previews.append(a))
    dlg.path.editingFinished.emit()  # (focus leaving the file box as the dialog closes)
    dlg.format.setCurrentIndex(2)
    assert previews == [] and dlg.preview.created == 20


def test_import_dialog_shows_a_broken_file_and_refuses(qtbot, window, tmp_path):
    from partnerdesk.gui.dialogs.import_dialog import ImportDialog

    bad = tmp_path / "broken.vcf"
    bad.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half A Card\r\n", encoding="utf-8")
    dlg = ImportDialog(window.services, window)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(bad))
    with qtbot.waitSignal(dlg.previewed, timeout=10000):
        dlg.run_preview()
    assert "Cannot import: broken.vcf: record 1" in dlg.summary.text()
    assert not dlg.import_button.isEnabled() and dlg.model.rowCount() == 0


def test_merge_two_selected_contacts(qtbot, window, demo_ctx):
    page = _page(qtbot, window)
    a = demo_ctx.services.contacts.create(agency="MUK", name="Pat Kim", work_phone="425-555-0101")
    demo_ctx.services.contacts.create(agency="MUK", name="Pat Kim (old)", mobile_phone="425-555-0102")
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.reload()
    page.ui.search.setText("pat kim")
    page.select_contact(a.id)
    page.ui.table.selectAll()  # the two Pat Kims; the current one is kept
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.merge_contacts()
    assert window.shown_messages[-1][1] == "Merge contacts"
    assert [c.name for c in _shown(page)] == ["Pat Kim"]
    assert _shown(page)[0].mobile_phone == "425-555-0102"


def test_outage_kit_and_sheet_actions_write_files(qtbot, window, tmp_path, monkeypatch):
    from partnerdesk.gui.dialogs.files import FilePicker

    page = _page(qtbot, window)
    answers = {"folder": str(tmp_path / "usb"), "save": str(tmp_path / "sheet.pdf")}
    (tmp_path / "usb").mkdir()
    monkeypatch.setattr(FilePicker, "answer", lambda kind, title: answers[kind])
    with qtbot.waitSignal(page.status_message, timeout=30000):
        page.outage_kit()
    assert (tmp_path / "usb" / "directory.html").exists() and (tmp_path / "usb" / "contacts.vcf").exists()
    assert "Outage kit for 48 contacts" in window.statusBar().currentMessage()
    with qtbot.waitSignal(page.status_message, timeout=30000):
        page.save_sheet()
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
