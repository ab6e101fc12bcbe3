"""Start the desktop application: QApplication, crash handler, context, the first-start welcome (your own
region or the demo, which lives in a database of its own), main window; switching between the two."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QProgressDialog

from partnerdesk import APP_DISPLAY_NAME, APP_NAME, ORG_NAME, __version__
from partnerdesk.gui.dialogs.welcome import DEMO, SETUP

log = logging.getLogger(__name__)
qt_log = logging.getLogger("partnerdesk.qt")


def _qt_message(mode, context, message) -> None:
    qt_log.warning("%s", message)


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    from partnerdesk.gui import resources_rc  # noqa: F401  (registers :/icons)

    app.setWindowIcon(QIcon(":/icons/app.svg"))
    app.setStyleSheet((Path(__file__).with_name("style.qss")).read_text(encoding="utf-8"))
    if not hasattr(app, "_partnerdesk_palette_watch"):
        app._partnerdesk_palette_watch = PaletteWatch(app)
        app.installEventFilter(app._partnerdesk_palette_watch)
    return app


class PaletteWatch(QObject):
    """The system switched between light and dark (or the palette changed): re-apply the style sheet, whose
    ``palette(...)`` colours Qt resolves only when a sheet is set, so no widget keeps the old scheme."""

    def __init__(self, app: QApplication):
        super().__init__(app)
        self._pending = False

    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.Type.ApplicationPaletteChange and obj is QApplication.instance()
                and not self._pending):
            self._pending = True  # after the palette change has reached every widget (not inside it)
            QTimer.singleShot(0, self._reapply)
        return False

    def _reapply(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.setStyleSheet(app.styleSheet())
        self._pending = False


def window_settings(data_dir: Path) -> QSettings:
    return QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)


def run(db: str | None = None, screenshot: str | None = None, page: str | None = None) -> int:
    from partnerdesk.gui import crash

    qInstallMessageHandler(_qt_message)
    app = make_app()
    instance = claim_instance(db)
    if instance is None:
        return 0
    ctx = open_checked_context(db, instance)
    if ctx is None:
        instance.release()
        return 2
    crash.install(ctx.paths.log_file)
    choice = None
    if ctx.db.is_empty() and ctx.paths.db_path != ctx.paths.demo_db_path:
        # a first start: the user's own region or the demo, which never goes into this database
        choice = DEMO if screenshot else first_start_choice(ctx)
    if choice == DEMO:
        opened = _open_other(ctx.paths.demo_db_path)
        if opened is not None:
            ctx.close()
            instance.release()
            ctx, instance = opened
    window = open_window(ctx, instance, page=page, screenshot=screenshot, setup=choice == SETUP)
    code = app.exec()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30000)  # no worker may be reading when the database closes
    window = getattr(app, "_partnerdesk_window", window)  # the one shown last (File ▸ Switch… replaces it)
    window.ctx.close()
    window.instance.release()
    return code


def first_start_choice(ctx) -> str | None:
    """The welcome on an empty database: SETUP (the default), DEMO, or None (closed: an empty window)."""
    from partnerdesk.gui.dialogs.welcome import WelcomeDialog

    dlg = WelcomeDialog(ctx.paths.db_path.name)
    dlg.exec()
    return dlg.choice


def open_window(ctx, instance, page: str | None = None, screenshot: str | None = None, setup: bool = False):
    """The main window on ``ctx``: the start page, the demo seeded into an empty demo database, the setup
    assistant after a first start that asked for it."""
    from partnerdesk.gui.main_window import MainWindow

    app = QApplication.instance()
    window = MainWindow(ctx, window_settings(ctx.paths.data_dir))
    window.instance = instance
    app._partnerdesk_window = window
    from partnerdesk.gui.single_instance import bring_forward

    instance.activated.connect(lambda: bring_forward(window))
    start_page = page or window.qsettings.value("main/page", "dashboard")
    if start_page not in window.pages:
        start_page = "dashboard"

    def show_start_page() -> None:
        window.ui.nav.blockSignals(False)
        window.show_page(start_page)
        window._show_row(window.ui.nav.currentRow())  # built and loaded even if the row was already current
        if setup:
            QTimer.singleShot(0, window.open_setup_assistant)

    if screenshot:
        _arrange_screenshot(app, window, screenshot)
    else:
        warm_up_after_first_page(window)
    if ctx.db.is_empty() and ctx.paths.db_path == ctx.paths.demo_db_path:
        window.ui.nav.blockSignals(True)  # no page loads (or is photographed) before the demo is in
        seed_demo(window, then=show_start_page)
    else:
        show_start_page()
    window.show()
    return window


def _open_other(db_path: Path):
    """(context, instance) on another database file, or None (it is open elsewhere, or damaged and not
    restored: the user has been told)."""
    instance = claim_instance(str(db_path))
    if instance is None:
        return None
    ctx = open_checked_context(str(db_path), instance)
    if ctx is None:
        instance.release()
        return None
    return ctx, instance


def switch_database(window, db_path: Path):
    """File ▸ Switch…: open ``db_path`` in a new window (seeding the demo into an empty demo database), then
    close this one and its database. Returns the new window, or None when it could not be opened."""
    from PySide6.QtCore import QThreadPool

    opened = _open_other(Path(db_path))
    if opened is None:
        return None
    ctx, instance = opened
    new = open_window(ctx, instance)
    new.setGeometry(window.geometry())
    window.close()
    QThreadPool.globalInstance().waitForDone(30000)  # the old window's workers end before its database closes
    window.ctx.close()
    window.instance.release()
    return new


def claim_instance(db: str | None):
    """This process's claim on the database, or None after waking the window that already has it."""
    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.single_instance import SingleInstance
    from partnerdesk.paths import resolve

    instance = SingleInstance(resolve(db).db_path)
    if instance.claim():
        return instance
    if instance.signal_running():
        log.info("PartnerDesk is already open on %s; brought that window forward", instance.db_path)
        print(f"PartnerDesk is already open on {instance.db_path}; switched to that window.", file=sys.stderr)
    else:
        DialogService.inform(None, APP_DISPLAY_NAME, instance.holder_text() + "\n\nSwitch to that window, or "
                             "close it and start PartnerDesk again.", kind="warning")
    return None


def open_checked_context(db: str | None, instance):
    """open_context, but a damaged database is not opened: offer to restore the newest good backup."""
    from partnerdesk.app import open_context
    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.services.backup import BackupService, DamagedDatabaseError

    try:
        return open_context(db, lazy=True)
    except DamagedDatabaseError as exc:
        if exc.backup is None:
            DialogService.inform(None, APP_DISPLAY_NAME, str(exc), kind="warning")
            return None
        question = (f"The database {exc.db_path.name} is damaged ({exc.problem}), so PartnerDesk did not open "
                    f"it.\n\nRestore the newest good backup, {exc.backup.name}? The damaged file is kept beside "
                    "the backups.")
        if not DialogService.ask(None, APP_DISPLAY_NAME, question):
            return None
        from partnerdesk.paths import resolve

        p = resolve(db)
        BackupService(p.db_path, p.backup_dir).restore(exc.backup, held_lock=instance.lock)
        return open_context(db, lazy=True)


def warm_up_after_first_page(window) -> None:
    """Once the first page shows, load the rest of the data layer (SQLAlchemy, change capture) in a worker,
    so the first click elsewhere does not wait for it."""
    from partnerdesk.gui.workers import run_in_worker

    def failed(exc: BaseException) -> None:
        from partnerdesk.errors import UserError

        if isinstance(exc, UserError):  # the file failed its check (a large file is checked meanwhile): say so
            from partnerdesk.gui.dialogs.messages import show_error

            show_error(window, exc)
        else:
            log.warning("warm-up failed: %s", exc)

    def warm_up(_key: str = "") -> None:
        window.page_loaded.disconnect(warm_up)
        run_in_worker(window, window.ctx.db.open, None, failed)

    window.page_loaded.connect(warm_up)


def seed_demo(window, then) -> None:
    """First open of the empty demo database: seed the demo region in a worker and say so."""
    from partnerdesk.gui.workers import run_in_worker

    dlg = QProgressDialog("Setting up the demo region…", "", 0, 0, window)
    dlg.setCancelButton(None)
    dlg.setWindowTitle(APP_DISPLAY_NAME)
    dlg.setMinimumDuration(300)

    def done(counts) -> None:
        dlg.close()
        window.statusBar().showMessage(
            f"The demo region: the City of Lynnwood, {counts.get('agency', 0) - 1} neighbours, "
            f"{counts.get('contact', 0)} contacts and {counts.get('time_entry', 0)} logged favours, in a database "
            "of its own. File ▸ Switch to my region goes back to yours.")
        then()

    def failed(exc) -> None:
        dlg.close()
        from partnerdesk.gui.dialogs.messages import show_error

        show_error(window, exc)
        then()

    run_in_worker(window, lambda: window.services.demo.seed("small"), done, failed)


def _arrange_screenshot(app: QApplication, window, path: str) -> None:
    """Save a PNG of the window once the visible page has loaded its data, then quit."""
    window.resize(1360, 820)

    def grab() -> None:
        QGuiApplication.processEvents()
        ok = window.grab().save(path)
        log.info("screenshot %s saved=%s", path, ok)
        app.exit(0 if ok else 1)

    def on_loaded(key: str) -> None:
        if window.pages.is_built(key) and window.pages[key] is window.current_page():
            QTimer.singleShot(0, grab)

    window.page_loaded.connect(on_loaded)
