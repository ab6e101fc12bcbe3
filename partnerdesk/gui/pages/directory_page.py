"""The Directory page: search-as-you-type over every contact, filters by agency and skill, a detail pane
with every number, and the outage tools (import, export, emergency sheet, outage kit)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QSplitter

from partnerdesk.domain.dto import ContactDTO
from partnerdesk.domain.wording import plural
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.models.contacts_model import (CONTACT_COLUMNS, ContactMatches, ContactTableModel,
                                                     search_texts)
from partnerdesk.gui.models.table_model import ROW_ROLE
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.pages.contact_detail import ContactDetail
from partnerdesk.gui.workers import run_in_worker

ALL = "__all__"


class DirectoryPage(TablePage):
    title = "Directory"
    search_placeholder = "Name, agency, skill, notes or phone digits (Ctrl+F)"
    search_on_go = True  # Go ▸ Directory (Ctrl+2) puts the cursor in the search box
    columns = CONTACT_COLUMNS
    status_message = Signal(str)  # status-bar text

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.model = ContactTableModel(self)  # same columns, contact-aware search text
        # every contact (model) -> the proxy model of those the search and filters let through, sorted
        # (ContactMatches): the generic SearchProxy asks Python about each row on each keystroke, too slow
        # for a region. ``proxy`` is the table's model, as on every page.
        self.ui.search.textChanged.disconnect(self.proxy.set_search)
        self.matches = ContactMatches(self.model, self)
        self.proxy = self.matches
        self.ui.table.setModel(self.proxy)
        self.ui.search.textChanged.connect(self.proxy.set_search)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_footer)
        self.ui.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.ui.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ui.table.setSortingEnabled(True)
        self.agency_filter = QComboBox(self)
        self.agency_filter.setAccessibleName("Agency filter")
        self.skill_filter = QComboBox(self)
        self.skill_filter.setAccessibleName("Skill filter")
        for combo, width in ((self.agency_filter, 190), (self.skill_filter, 140)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumWidth(width)
        self.ui.search.setMinimumWidth(360)  # the whole hint shows
        self.add_filter(self.agency_filter)
        self.add_filter(self.skill_filter)
        self.agency_filter.currentIndexChanged.connect(self._apply_filters)
        self.skill_filter.currentIndexChanged.connect(self._apply_filters)
        self.add_button("&New contact…", self.add_contact, "add", "Add a contact", "Ctrl+N")
        self.add_button("&Edit…", self.edit_contact, None, "Open the selected contact (Enter)", "Ctrl+E")
        self.add_button("&Merge…", self.merge_contacts, None, "Select two contacts that are the same person")
        self.add_button("De&lete", self.delete_contact, None, "Delete the selected contact")
        self.add_button("&Import…", self.import_contacts, "import", "vCard, Outlook CSV or Google CSV", "Ctrl+I")
        self.add_button("E&xport…", self.export_contacts, "export", "vCard or Outlook CSV")
        self.add_button("&Save sheet…", self.save_sheet, None, "Save the emergency contact sheet (PDF)", "Ctrl+S")
        self.add_button("&Print sheet…", self.print_sheet, None, "Open the emergency contact sheet to print it",
                        "Ctrl+P")
        self.add_button("&Outage kit…", self.outage_kit, None,
                        "Write sheet, wallet card, vCard file and directory.html to a folder or USB stick")
        self.finish_toolbar()
        # the table and the detail pane side by side
        self.detail = ContactDetail(self.services.clock, self)
        self.detail.copied.connect(self.status_message)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        index = self.ui.pageLayout.indexOf(self.ui.table)
        self.ui.pageLayout.removeWidget(self.ui.table)
        self.splitter.addWidget(self.ui.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([980, 350])  # at 1366 px the table shows every number and the title
        self.ui.pageLayout.insertWidget(index, self.splitter, 1)
        self.ui.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.proxy.modelReset.connect(self._clear_detail)
        self.ui.search.installEventFilter(self)
        self.ui.table.installEventFilter(self)
        self.ui.table.doubleClicked.connect(lambda _i: self.edit_contact())
        self._pending_select: str | None = None
        self.open_dialog = None  # the dialog being shown (tests drive it)

    # -- data ------------------------------------------------------------------------------------
    def footer_noun(self) -> str:
        return "contacts"

    def fetch(self):  # in a worker thread
        contacts = self.services.contacts.list()
        return contacts, search_texts(contacts), self.services.agencies.list(), self.services.contacts.skills()

    def apply(self, data) -> None:
        contacts, texts, agencies, skills = data
        current = self._pending_select or getattr(self.current_contact(), "id", None)
        self._pending_select = None
        self.model.set_contacts(contacts, texts)
        self._fill(self.agency_filter, "All agencies", [(f"{a.code} — {a.name}", a.id) for a in agencies])
        self._fill(self.skill_filter, "All skills", [(s, s.casefold()) for s in skills])
        if current:
            self.select_contact(current)

    @staticmethod
    def _fill(combo: QComboBox, first: str, items) -> None:
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(first, ALL)
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(keep), 0))
        combo.blockSignals(False)

    def _apply_filters(self) -> None:
        agency, skill = self.agency_filter.currentData(), self.skill_filter.currentData()
        if agency in (None, ALL) and skill in (None, ALL):
            self.proxy.set_extra_filter(None)
            return

        def keep(c: ContactDTO) -> bool:
            return (agency in (None, ALL) or c.agency_id == agency) and \
                (skill in (None, ALL) or skill in {s.casefold() for s in c.skills})

        self.proxy.set_extra_filter(keep)
        self._update_footer()

    # -- selection and keys ----------------------------------------------------------------------
    def current_contact(self) -> ContactDTO | None:
        idx = self.ui.table.currentIndex()
        return self.proxy.data(idx, ROW_ROLE) if idx.isValid() else None

    def select_contact(self, contact_id: str) -> None:
        row = next((r for r, c in enumerate(self.matches.rows) if c.id == contact_id), None)
        if row is not None:
            self.ui.table.selectionModel().setCurrentIndex(
                self.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _clear_detail(self) -> None:
        if self.detail.contact is not None:  # rebuilding the empty pane would cost every keystroke
            self.detail.show_contact(None)

    def _current_changed(self, current, _previous) -> None:
        self.detail.show_contact(self.proxy.data(current, ROW_ROLE) if current.isValid() else None)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if obj is self.ui.search and key == Qt.Key.Key_Escape:
                self.ui.search.clear()
                return True
            if obj is self.ui.search and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if not self.current_contact() and self.proxy.rowCount():
                    self.ui.table.selectionModel().setCurrentIndex(
                        self.proxy.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                        | QItemSelectionModel.SelectionFlag.Rows)
                self.edit_contact()
                return True
            if obj is self.ui.search and key == Qt.Key.Key_Down and self.proxy.rowCount():
                self.ui.table.setFocus()
                self.ui.table.selectRow(0)
                return True
            if obj is self.ui.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_contact()
                return True
            if obj is self.ui.table and key == Qt.Key.Key_Escape:
                self.ui.search.clear()
                self.focus_search()
                return True
        return super().eventFilter(obj, event)

    # -- edits -----------------------------------------------------------------------------------
    def _changed(self, text: str) -> None:
        self.status_message.emit(text)
        self.reload()

    def add_contact(self) -> None:
        from partnerdesk.gui.dialogs.contact_dialog import ContactDialog

        dlg = ContactDialog(self.services, None, self)
        if dlg.exec() and dlg.saved:
            self._pending_select = dlg.saved.id
            self._changed(f"Added {dlg.saved.name}")

    def edit_contact(self) -> None:
        from partnerdesk.gui.dialogs.contact_dialog import ContactDialog

        c = self.current_contact()
        if c is None:
            return
        dlg = ContactDialog(self.services, c, self)
        self.open_dialog = dlg
        if dlg.exec() and dlg.saved:
            self._changed(f"Saved {dlg.saved.name}")

    def delete_contact(self) -> None:
        c = self.current_contact()
        if c and DialogService.ask(self, "Delete contact", f"Delete {c.name} ({c.agency_code})? The audit trail "
                                   "keeps the record."):
            self.services.contacts.delete(c.id)
            self._changed(f"Deleted {c.name}")

    def merge_contacts(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 2:
            DialogService.inform(self, "Merge contacts", "Select exactly two contacts (Ctrl+click) that are the "
                                 "same person.")
            return
        keep, dup = rows if rows[0].id == getattr(self.current_contact(), "id", None) else rows[::-1]
        if not DialogService.ask(self, "Merge contacts",
                                 f"Keep {keep.name} ({keep.agency_code}) and fold {dup.name} ({dup.agency_code}) "
                                 "into it? Empty fields are filled, skills and time entries move, the duplicate "
                                 "is deleted."):
            return
        try:
            result = self.services.contacts.merge(keep.id, dup.id)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            show_error(self, exc)
            return
        self._changed(f"Merged {dup.name} into {result.contact.name}")

    # -- files -----------------------------------------------------------------------------------
    def import_contacts(self) -> None:
        from partnerdesk.gui.dialogs.import_dialog import AGENCIES_NAMED, ImportDialog

        dlg = ImportDialog(self.services, self)
        self.open_dialog = dlg
        if dlg.exec() and dlg.result:
            self._changed(dlg.result.summary(agencies_named=AGENCIES_NAMED))

    def export_contacts(self) -> None:
        from partnerdesk.gui.dialogs.export_dialog import ExportDialog

        dlg = ExportDialog(self)
        if not dlg.exec():
            return
        path, fmt, personal = dlg.choice()
        if path:
            run_in_worker(self, lambda: self.services.directory.export(path, fmt, include_personal=personal),
                          lambda n: self.status_message.emit(f"Exported {plural(n, 'contact')} to {path}"),
                          lambda exc: show_error(self, exc))

    def save_sheet(self) -> None:
        path = FilePicker.save_file(self, "Save emergency contact sheet", "emergency-contacts.pdf", "PDF (*.pdf)")
        if path:
            run_in_worker(self, lambda: self.services.directory.write_sheet(path),
                          lambda p: self.status_message.emit(f"Saved the emergency contact sheet to {p}"),
                          lambda exc: show_error(self, exc))

    def print_sheet(self) -> None:
        target = Path(tempfile.mkdtemp(prefix="partnerdesk-sheet-")) / "emergency-contacts.pdf"
        run_in_worker(self, lambda: self.services.directory.write_sheet(target),
                      lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))),
                      lambda exc: show_error(self, exc))

    def outage_kit(self) -> None:
        folder = FilePicker.folder(self, "Write the outage kit to a folder (a USB stick)")
        if folder:
            run_in_worker(self, lambda: self.services.directory.outage_kit(folder),
                          lambda kit: self.status_message.emit(
                              f"Outage kit for {plural(kit.contacts, 'contact')} written to {kit.directory}"),
                          lambda exc: show_error(self, exc))
