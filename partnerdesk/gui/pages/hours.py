"""Hours page: every favour of a fiscal year, filtered by partner, quarter, category, status and incident; edit the
ones not yet invoiced; acknowledge or dispute one or many; import a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog

from partnerdesk.domain.dto import TimeEntryDTO
from partnerdesk.errors import UserError
from partnerdesk.gui import format as fmt
from partnerdesk.gui.dialogs.inputs import TextPrompt
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.models.table_model import Column
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.workers import run_in_worker

STATUSES = ("draft", "acknowledged", "disputed", "invoiced")


def _status_color(e: TimeEntryDTO) -> str | None:
    if e.flags:
        return "warn"
    return {"disputed": "bad", "invoiced": "muted"}.get(e.status)  # palette roles


def _status_text(e: TimeEntryDTO) -> str:
    if e.status == "invoiced" and e.statement_number:
        return f"invoiced ({e.statement_number})"
    if e.flags:
        return f"{e.status} — {', '.join(f.replace('_', ' ') for f in e.flags)}"
    return e.status


def _premium_text(e: TimeEntryDTO) -> str:
    """The entry's flags that change its price: after hours, overtime, call-out."""
    return ", ".join(name for name, on in (("after hours", e.after_hours), ("overtime", e.overtime),
                                           ("call-out", e.callout)) if on)


@dataclass(frozen=True)
class HoursData:
    fiscal_year: int
    quarters: list[str]
    entries: list[TimeEntryDTO]
    incidents: list = field(default_factory=list)  # the register, for the Incident filter


class HoursFilter:
    """What the filter bar selects. The service applies it; ``accepts`` says the same in Python (tests)."""

    def __init__(self, partner: str | None = None, quarter: str | None = None, category: str | None = None,
                 status: str | None = None, quarters: dict[str, tuple] | None = None, incident: str | None = None):
        self.partner, self.quarter, self.category, self.status = partner, quarter, category, status
        self.incident = incident
        self.quarters = quarters or {}

    def accepts(self, e: TimeEntryDTO) -> bool:
        if self.partner and e.partner_code != self.partner:
            return False
        if self.category and e.category_code != self.category:
            return False
        if self.status and e.status != self.status:
            return False
        if self.incident and (e.incident_ref or "").lower() != self.incident.lower():
            return False
        if self.quarter:
            start, end = self.quarters[self.quarter]
            if not start <= e.work_date <= end:
                return False
        return True


class HoursPage(TablePage):
    title = "Hours"
    search_placeholder = "Filter hours…"
    default_sort = (0, Qt.SortOrder.DescendingOrder)
    columns = (
        Column("Date", lambda e: e.work_date, priority=0),
        Column("Direction", lambda e: e.direction, fmt.direction, priority=1),
        Column("Partner", lambda e: e.partner_code, priority=0),
        Column("Category", lambda e: e.category_code, priority=3),
        Column("Staff", lambda e: e.staff_name, priority=1, elastic=True),
        Column("Hours", lambda e: e.minutes, fmt.hours, align_right=True, priority=0),
        Column("Billable", lambda e: e.billable_minutes, fmt.hours, align_right=True,
               tooltip="Rounded up to the billing increment, with any call-out minimum", priority=4),
        Column("Amount", lambda e: e.amount_cents, fmt.money, align_right=True, priority=0),
        Column("Premium", _premium_text, tooltip="After hours, overtime (an entry that is both is priced with the "
               "higher multiplier) and call-out; Edit… changes them", priority=4),
        Column("Status", _status_text, color=_status_color, priority=1),
        Column("Agreement", lambda e: e.agreement_number, priority=3),
        Column("Incident", lambda e: e.incident_ref, tooltip="The incident the hours were worked for (Edit… picks "
               "one; docs/incidents.md)", priority=3),
        Column("Description", lambda e: e.description, priority=5, elastic=True),
    )

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.partner_box = self._combo("Partner", "All partners")
        for a in services.agencies.list():
            if not a.is_home:
                self.partner_box.addItem(f"{a.code} — {a.name}", a.code)
        self.quarter_box = self._combo("Quarter", "Whole fiscal year")
        self.category_box = self._combo("Category", "All categories")
        for c in services.agreements.categories():
            self.category_box.addItem(c.name, c.code)
        self.status_box = self._combo("Status", "Any status")
        for s in STATUSES:
            self.status_box.addItem(s.capitalize(), s)
        self.incident_box = QComboBox(self)  # beside the search box: the toolbar is full at 1366 px
        self.incident_box.setAccessibleName("Incident")
        self.incident_box.addItem("Any incident", None)
        self.incident_box.currentIndexChanged.connect(self.apply_filter)
        self.add_filter(self.incident_box)
        self.incident_box.setToolTip("Only the hours worked for one incident (File ▸ Incidents… keeps the "
                                     "register)")
        self._fill_incidents(services.incidents.list())
        self.btn_log = self.add_button("&Log hours…", self.log_hours, "log-hours",
                                       "Log a favour, either way (Ctrl+L, from any page)")
        self.add_button("A&cknowledge…", self.acknowledge_selected, tooltip="Record who acknowledged the selected "
                        "entries, and when")
        self.add_button("D&ispute…", self.dispute_selected, tooltip="Mark the selected entries disputed, with a reason")
        self.add_button("&Edit…", self.edit_selected, tooltip="Change the selected entry (not once invoiced)",
                        shortcut="Ctrl+E")
        self.add_button("&Delete…", self.delete_selected, tooltip="Delete the selected entries, with a reason (kept "
                        "in the audit trail; Undo delete brings them back)", shortcut="Del")
        self.undo_button = self.add_button("&Undo delete", self.undo_delete, tooltip="Restore the entries deleted "
                                           "last", shortcut="Ctrl+Z")
        self.undo_button.setEnabled(False)
        self.last_deleted: list[str] = []
        self.add_button("I&mport…", self.import_file, tooltip="Import an hours spreadsheet (CSV)", shortcut="Ctrl+I")
        self.finish_toolbar()
        self.ui.table.setSelectionMode(self.ui.table.SelectionMode.ExtendedSelection)
        self.ui.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self._quarters: dict[str, tuple] = {}
        self._pending = False
        self.fiscal_year: int | None = None
        self._fill_quarters()
        self._ready = True

    def log_hours(self) -> None:
        """The window's Log hours command (Ctrl+L): the quick log, then every page shows the new entry."""
        act = getattr(self.window(), "act_log", None)
        if act is not None:
            act.trigger()
            return
        from partnerdesk.gui.dialogs.quick_log import QuickLogDialog  # a page shown on its own

        if QuickLogDialog(self.services, self).exec():
            self.reload()

    def _combo(self, name: str, all_text: str) -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(name)
        box.addItem(all_text, None)
        box.currentIndexChanged.connect(self.apply_filter)
        self.ui.toolbarLayout.addWidget(box)
        return box

    # -- data ------------------------------------------------------------------------------------
    # A filter change asks the service for just those entries (SQL does the filtering: fast on 200,000
    # entries); the proxy then filters the loaded rows by the search text as you type.
    def _fill_quarters(self) -> None:

        from partnerdesk.domain.periods import Quarter

        home = self.services.agencies.home()
        if home is None:  # an empty database (the demo is seeded after the window is built): fill on load
            return
        fsm = home.fy_start_month
        fy = self.fiscal_year = self.services.balances.current_fiscal_year()
        self.quarter_box.blockSignals(True)
        for n in (1, 2, 3, 4):
            q = Quarter(fy, n, fsm)
            self._quarters[str(q)] = (q.start, q.end)
            self.quarter_box.addItem(str(q), str(q))
        current = str(Quarter.of(self.services.clock.today(), fsm))
        self.quarter_box.setCurrentIndex(max(self.quarter_box.findData(current), 0))  # today's quarter first
        self.quarter_box.blockSignals(False)

    def fetch(self) -> HoursData:
        f = self.current_filter()
        fy = self.fiscal_year or self.services.balances.current_fiscal_year()
        entries = self.services.hours.list(fiscal_year=None if f.quarter else fy, quarter=f.quarter,
                                           partner=f.partner, category=f.category, status=f.status,
                                           incident=f.incident)
        return HoursData(fy, list(self._quarters), entries, self.services.incidents.list())

    def apply(self, data: HoursData) -> None:
        if not self._quarters:
            self._fill_quarters()
            self._pending = bool(self._quarters)  # now that the quarter filter exists, load what it selects
        self._fill_incidents(data.incidents)
        self.ui.title.setText(f"Hours — fiscal year {data.fiscal_year}")
        self.model.set_rows(data.entries)
        if self._pending:
            self._pending = False
            self.reload()

    def reload(self) -> None:
        if self._loading:
            self._pending = True  # the filters changed while loading: load again when this load lands
            return
        super().reload()

    def current_filter(self) -> HoursFilter:
        return HoursFilter(self.partner_box.currentData(), self.quarter_box.currentData(),
                           self.category_box.currentData(), self.status_box.currentData(), self._quarters,
                           self.incident_box.currentData())

    def _fill_incidents(self, incidents) -> None:
        """The Incident filter's choices: the register as it is now, the chosen one kept."""
        box, keep = self.incident_box, self.incident_box.currentData()
        box.blockSignals(True)
        while box.count() > 1:
            box.removeItem(1)
        for i in incidents:
            box.addItem(i.ref, i.ref)
            box.setItemData(box.count() - 1, i.label, Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(max(box.findData(keep), 0) if keep else 0)
        box.blockSignals(False)

    def apply_filter(self, *_args) -> None:
        if getattr(self, "_ready", False):
            self.reload()

    def footer_noun(self) -> str:
        return "entries"

    # -- actions ---------------------------------------------------------------------------------
    def _selected_or_warn(self, editable_only: bool = True) -> list[TimeEntryDTO]:
        rows = self.selected_rows()
        if not rows:
            DialogService.inform(self, "Hours", "Select one or more entries first.")
            return []
        if editable_only:
            frozen = [e for e in rows if e.status == "invoiced"]
            if frozen:
                DialogService.inform(self, "Hours", f"{len(frozen)} selected entr{'y is' if len(frozen) == 1 else 'ies are'}"
                                     f" on issued statement {frozen[0].statement_number or ''} and read-only; "
                                     "void or credit the statement instead.", kind="warning")
                return []
        return rows

    def _run(self, fn, done_message: str, then=None) -> None:
        def ok(result):
            if then is not None:
                then(result)
            self.reload()
            window = self.window()
            if hasattr(window, "data_changed"):
                window.data_changed.emit()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(done_message, 8000)

        run_in_worker(self, fn, ok, lambda exc: show_error(self, exc))

    def acknowledge_selected(self) -> None:
        rows = self._selected_or_warn()
        if not rows:
            return
        by = TextPrompt.ask(self, "Acknowledge", f"Acknowledged by (the partner's name) for {len(rows)} "
                            f"entr{'y' if len(rows) == 1 else 'ies'}:")
        if not by:
            return
        ids = [e.id for e in rows]
        self._run(lambda: self.services.hours.acknowledge(ids, by=by),
                  f"Acknowledged {len(ids)} entr{'y' if len(ids) == 1 else 'ies'} by {by}")

    def dispute_selected(self) -> None:
        rows = self._selected_or_warn()
        if not rows:
            return
        reason = TextPrompt.ask(self, "Dispute", f"Why are these {len(rows)} entries disputed?")
        if not reason:
            return
        ids = [e.id for e in rows]
        self._run(lambda: self.services.hours.dispute(ids, reason=reason),
                  f"Marked {len(ids)} entr{'y' if len(ids) == 1 else 'ies'} disputed")

    def delete_selected(self) -> None:
        """Soft-delete the selected entries with one reason; a billed one is refused with how to credit it."""
        rows = self._selected_or_warn()
        if not rows:
            return
        what = f"{len(rows)} entries" if len(rows) > 1 else "this entry"
        reason = TextPrompt.ask(self, "Delete hours", f"Why delete {what}? (kept in the audit trail)")
        if not reason or not reason.strip():
            return
        ids = [e.id for e in rows]

        def delete():
            for entry_id in ids:
                self.services.hours.delete(entry_id, reason=reason)
            return ids

        def done(deleted):
            self.last_deleted = list(deleted)
            self.undo_button.setEnabled(True)

        self._run(delete, f"Deleted {len(ids)} entr{'y' if len(ids) == 1 else 'ies'} ({reason.strip()}); "
                          "Undo delete (Ctrl+Z) brings them back", then=done)

    def undo_delete(self) -> None:
        ids, self.last_deleted = self.last_deleted, []
        self.undo_button.setEnabled(False)
        if ids:
            self._run(lambda: [self.services.hours.restore(i) for i in ids],
                      f"Restored {len(ids)} entr{'y' if len(ids) == 1 else 'ies'}")

    def edit_selected(self) -> None:
        rows = self._selected_or_warn()
        if len(rows) != 1:
            if len(rows) > 1:
                DialogService.inform(self, "Hours", "Select one entry to edit.")
            return
        from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog

        dlg = EntryEditDialog(self.services, rows[0], self)
        if dlg.exec():
            self.reload()
            window = self.window()
            if hasattr(window, "data_changed"):
                window.data_changed.emit()

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import hours", "", "CSV files (*.csv);;All files (*)")
        if not path:
            return
        self.open_import(path)

    def open_import(self, path: str) -> None:
        from partnerdesk.gui.dialogs.hours_import import HoursImportDialog

        try:
            dlg = HoursImportDialog(self.services, self._settings(), path, self)
        except UserError as exc:
            show_error(self, exc)
            return
        if dlg.exec():
            self.reload()
            window = self.window()
            if hasattr(window, "data_changed"):
                window.data_changed.emit()

    def _settings(self):
        window = self.window()
        ctx = getattr(window, "ctx", None)
        return ctx.settings if ctx is not None else None
