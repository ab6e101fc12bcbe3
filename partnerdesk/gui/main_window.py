"""The main window: navigation between pages, menus and shortcuts, saved window state."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QFileDialog, QListWidgetItem, QMainWindow, QWidget

from partnerdesk import APP_DISPLAY_NAME
from partnerdesk.app import AppContext
from partnerdesk.gui import icons
from partnerdesk.gui.dialogs.messages import DialogService, show_error
from partnerdesk.gui.forms.ui_main_window import Ui_MainWindow
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.workers import run_in_worker

# key, label, icon, "module:Class". A page is imported and built the first time it is shown.
PAGES = (
    ("dashboard", "Dashboard", "dashboard", "partnerdesk.gui.pages.dashboard:DashboardPage"),
    ("directory", "Directory", "directory", "partnerdesk.gui.pages.directory_page:DirectoryPage"),
    ("agreements", "Agreements", "agreements", "partnerdesk.gui.pages.agreements:AgreementsPage"),
    ("hours", "Hours", "hours", "partnerdesk.gui.pages.hours:HoursPage"),
    ("statements", "Statements", "statements", "partnerdesk.gui.pages.statements_page:StatementsPage"),
    ("sync", "Sync", "sync", "partnerdesk.gui.pages.sync_page:SyncPage"),
)
PAGE_KEYS = tuple(k for k, *_ in PAGES)


def plain(text: str) -> str:
    """A menu or button text without its mnemonic marker and ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("…", "")


def window_title(db_name: str, demo: bool) -> str:
    """"partnerdesk.sqlite3 — PartnerDesk". It ends with the application display name, so Qt, which appends
    that name to every title that doesn't already end with it, adds it no second time."""
    shown = f"DEMO region ({db_name})" if demo else db_name
    return f"{shown} — {APP_DISPLAY_NAME}"


class Pages:
    """The window's pages by key, each imported and built on first access (start-up builds only one)."""

    def __init__(self, window: "MainWindow"):
        self._window = window
        self._built: dict[str, TablePage] = {}

    def __getitem__(self, key: str) -> TablePage:
        page = self._built.get(key)
        if page is None:
            page = self._built[key] = self._window._build_page(key)
        return page

    def __contains__(self, key: object) -> bool:
        return key in PAGE_KEYS

    def __iter__(self):
        return iter(PAGE_KEYS)

    def values(self) -> list[TablePage]:
        """The pages built so far."""
        return list(self._built.values())

    def items(self) -> list[tuple[str, TablePage]]:
        return list(self._built.items())

    def is_built(self, key: str) -> bool:
        return key in self._built


class MainWindow(QMainWindow):
    data_changed = Signal()
    page_loaded = Signal(str)  # a page finished loading its data (key)

    def __init__(self, ctx: AppContext, settings: QSettings | None = None):
        super().__init__()
        self.ctx = ctx
        self.services = ctx.services
        self.qsettings = settings or QSettings()
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self.is_demo = ctx.paths.db_path == ctx.paths.demo_db_path or ctx.services.demo.is_demo()
        self.setWindowTitle(window_title(ctx.paths.db_path.name, self.is_demo))
        self.setWindowIcon(QIcon(":/icons/app.svg"))
        self.setMinimumSize(QSize(960, 600))
        self.instance = None  # the single-instance claim on this database (set by gui.main.run)
        self.open_dialog = None  # the window-modal dialog on show, if any (tests reach it here)
        self.pages = Pages(self)
        for key, label, icon, _target in PAGES:
            self.ui.stack.addWidget(QWidget(self))  # replaced by the page when it is first shown
            item = QListWidgetItem(icons.icon(icon), label)
            item.setSizeHint(QSize(160, 40))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.ui.nav.addItem(item)
        self.ui.nav.setObjectName("nav")
        self.ui.nav.currentRowChanged.connect(self._show_row)
        self.data_changed.connect(self._reload_all)
        self._build_actions()
        self._restore_state()

    # -- actions ---------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut: str | QKeySequence | None = None,
                icon: str | None = None) -> QAction:
        a = QAction(icons.icon(icon), text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        a.triggered.connect(slot)
        menu.addAction(a)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        m = self.ui.menuFile
        self.act_log = self._action(m, "&Log hours…", self.open_quick_log, "Ctrl+L", "log-hours")
        self.act_incidents = self._action(m, "&Incidents…", self.open_incidents)
        self.act_pay_rates = self._action(m, "&Pay rates…", self.open_pay_rates)
        m.addSeparator()
        self.act_setup = self._action(m, "&Set up my agency…", self.open_setup_assistant)
        self.act_switch = self._action(m, "S&witch to my region" if self.is_demo else "S&witch to the demo region",
                                       self.switch_region)
        m.addSeparator()
        self._action(m, "&Export all data (JSON)…", self.export_json, None, "export")
        m.addSeparator()
        self._action(m, "&Back up now…", self.backup_now)
        self._action(m, "&Restore from backup…", self.restore_from_backup)
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        g = self.ui.menuGo
        for n, (key, label, icon, _target) in enumerate(PAGES, 1):
            self._action(g, f"&{label}", lambda _=False, k=key: self.go_to(k), f"Ctrl+{n}", icon)
        g.addSeparator()
        self._action(g, "&Find", self.focus_search, QKeySequence.StandardKey.Find, "search")
        self._action(g, "&Refresh", self._reload_all, QKeySequence.StandardKey.Refresh, "refresh")
        h = self.ui.menuHelp
        self._action(h, "&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self._action(h, f"&About {APP_DISPLAY_NAME}", self.show_about)
        self.ui.menuActions.aboutToShow.connect(self._fill_actions_menu)
        self._fill_actions_menu()

    def _fill_actions_menu(self) -> None:
        """The Actions menu holds the shown page's toolbar commands (with their mnemonics and shortcuts)."""
        menu = self.ui.menuActions
        menu.clear()
        page = self.ui.stack.currentWidget()
        actions = getattr(page, "page_actions", [])
        if hasattr(page, "sync_actions"):
            page.sync_actions()
        for action, _button in actions:
            menu.addAction(action)
        if not actions:
            none = menu.addAction("(nothing to do on this page)")
            none.setEnabled(False)

    # -- pages -----------------------------------------------------------------------------------
    def _build_page(self, key: str) -> TablePage:
        import importlib

        index = PAGE_KEYS.index(key)
        module, name = PAGES[index][3].split(":")
        cls = getattr(importlib.import_module(module), name)
        page = cls(self.services, self)
        page.setObjectName(f"page_{key}")
        if hasattr(page, "status_message"):
            page.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        page.loaded.connect(lambda k=key: self.page_loaded.emit(k))
        header = self.qsettings.value(f"columns/{key}")
        if isinstance(header, QByteArray):
            page.ui.table.horizontalHeader().restoreState(header)
            page.has_restored_columns = True
        placeholder = self.ui.stack.widget(index)
        current = self.ui.stack.currentIndex()
        self.ui.stack.insertWidget(index, page)
        self.ui.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        if current == index:
            self.ui.stack.setCurrentIndex(index)
        return page

    def show_page(self, key: str) -> None:
        self.ui.nav.setCurrentRow(PAGE_KEYS.index(key))

    def go_to(self, key: str) -> None:
        """Go ▸ a page (Ctrl+1…): show it; a page whose first move is a search (the Directory, looked up at
        2 a.m.) also puts the cursor in its search box."""
        self.show_page(key)
        page = self.pages[key]
        if getattr(page, "search_on_go", False):
            page.focus_search()

    def current_page(self) -> TablePage:
        return self.ui.stack.currentWidget()  # type: ignore[return-value]

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        page = self.pages[PAGE_KEYS[row]]
        self.ui.stack.setCurrentIndex(row)
        self._fill_actions_menu()
        page.ensure_loaded()

    def focus_search(self) -> None:
        self.current_page().focus_search()

    def _reload_all(self) -> None:
        for page in self.pages.values():
            if page.has_loaded or page is self.current_page():
                page.reload()

    # -- commands --------------------------------------------------------------------------------
    def open_quick_log(self) -> None:
        from partnerdesk.gui.dialogs.quick_log import QuickLogDialog

        dlg = QuickLogDialog(self.services, self)
        if dlg.exec():
            self.data_changed.emit()
            self.statusBar().showMessage(dlg.saved_message, 8000)

    def open_incidents(self):
        """File ▸ Incidents…: the incident register, labor summaries and mutual-aid invoices (window-modal)."""
        from partnerdesk.gui.dialogs.incidents import IncidentsDialog

        dlg = IncidentsDialog(self.services, self)
        dlg.changed.connect(self.data_changed.emit)
        return self._open_modal(dlg)

    def open_pay_rates(self):
        """File ▸ Pay rates…: the home agency's staff pay rates (window-modal)."""
        from partnerdesk.gui.dialogs.incidents import PayRatesDialog

        return self._open_modal(PayRatesDialog(self.services, self))

    def _open_modal(self, dlg):
        self.open_dialog = dlg

        def closed(_result):
            if self.open_dialog is dlg:
                self.open_dialog = None
            dlg.deleteLater()

        dlg.finished.connect(closed)
        dlg.open()
        return dlg

    def open_setup_assistant(self):
        """File ▸ Set up my agency…: the assistant (window-modal), filled in with what is already set up; when it
        closes, the Dashboard shows the partners. Returns the assistant."""
        from partnerdesk.gui.dialogs.setup_assistant import SetupAssistant

        dlg = SetupAssistant(self.services, self)
        self.open_dialog = dlg
        dlg.finished.connect(lambda _result: self._setup_closed(dlg))
        dlg.open()
        return dlg

    def _setup_closed(self, dlg) -> None:
        # A closed QWizard is deleted now: its pages (reparented by Qt) would outlive their Python side, and
        # the next style change (a light/dark switch) would reach them
        dlg.deleteLater()
        if self.open_dialog is dlg:
            self.open_dialog = None
        if dlg.saved:
            self.data_changed.emit()
            self.statusBar().showMessage("Saved " + "; ".join(dict.fromkeys(dlg.saved)), 10000)
        self.show_page("dashboard")

    def switch_region(self) -> None:
        """File ▸ Switch to the demo region / to my region: the other database, in a new window."""
        from partnerdesk.gui.main import switch_database

        target = self.ctx.paths.default_db_path if self.is_demo else self.ctx.paths.demo_db_path
        switch_database(self, target)

    def export_json(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export all data", "partnerdesk-export.json", "JSON (*.json)")
        if not path:
            return
        run_in_worker(self, lambda: self.services.interchange.export_json(path),
                      lambda counts: self.statusBar().showMessage(
                          f"Exported {sum(counts.values()):,} rows to {path}", 8000),
                      lambda exc: show_error(self, exc))

    def backup_now(self) -> None:
        from partnerdesk.gui.dialogs import backup as backup_actions

        backup_actions.backup_now(self)

    def restore_from_backup(self) -> None:
        from partnerdesk.gui.dialogs import backup as backup_actions

        backup_actions.restore_from_backup(self, self.instance)

    def show_about(self):
        """Help → About: version and locations (window-modal, returns the dialog)."""
        from partnerdesk.gui.dialogs.about import AboutDialog

        dlg = AboutDialog(self.ctx.paths, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        return dlg

    def shortcut_list(self) -> list[tuple[str, str, str]]:
        """(where, command, keys) for every action with a shortcut, read from the actions themselves so the
        list cannot go stale: the menus' (under the menu's name), then each page's, its toolbar commands and
        the keys of its table (Statements: Ctrl+Shift+P, R and D), under the page's name."""
        out: list[tuple[str, str, str]] = []
        seen: set[int] = set()

        def add(where: str, action: QAction) -> None:
            if id(action) in seen or action.shortcut().isEmpty() or action.isSeparator():
                return
            seen.add(id(action))
            for keys in action.shortcuts():
                out.append((where, plain(action.text()),
                            keys.toString(QKeySequence.SequenceFormat.NativeText)))

        for top in self.menuBar().actions():
            if top.menu() is not None and top.menu() is not self.ui.menuActions:  # the shown page's, below
                for action in top.menu().actions():
                    add(plain(top.text()), action)
        for action in self.actions():  # a window action outside the menus
            add("Window", action)
        for key, label, *_ in PAGES:
            page = self.pages[key]
            for action, _button in getattr(page, "page_actions", []):
                add(label, action)
            for action in page.findChildren(QAction):
                add(label, action)
        return out

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{m}</td><td>{c}</td><td><b>{k}</b></td></tr>" for m, c, k in self.shortcut_list())
        DialogService.inform(self, "Keyboard shortcuts",
                             "<table cellspacing='4'>" + rows + "</table><p>Alt with the underlined letter "
                             "presses a button or opens a menu; Tab moves between fields; Enter opens the "
                             "selected row; Esc clears a search.</p>")

    # -- state -----------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.qsettings.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.qsettings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_state(self) -> None:
        self.qsettings.setValue("main/geometry", self.saveGeometry())
        self.qsettings.setValue("main/state", self.saveState())
        self.qsettings.setValue("main/page", PAGE_KEYS[max(self.ui.nav.currentRow(), 0)])
        for key, page in self.pages.items():
            if page.has_loaded:
                self.qsettings.setValue(f"columns/{key}", page.ui.table.horizontalHeader().saveState())
        self.qsettings.sync()

    def closeEvent(self, event) -> None:
        self.save_state()
        super().closeEvent(event)
