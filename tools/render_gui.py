"""Render every page (and every dialog) of the main window to PNG files, to look at them.

Usage: python tools/render_gui.py OUT_DIR [--dark] [--scale 2] [--size 1366x768] [--dialogs]

Runs offscreen on a throw-away copy of the demo region (a temporary PARTNERDESK_HOME). ``--dark`` applies
a dark Fusion palette (as the system's dark mode would), ``--scale`` sets QT_SCALE_FACTOR (high-DPI),
``--size`` the window's size (and names the files after it). ``make screenshots`` runs it at 1366 × 768 and
1920 × 1080, light and dark, into docs/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dark", action="store_true")
    ap.add_argument("--scale", default=None)
    ap.add_argument("--dialogs", action="store_true")
    ap.add_argument("--size", default=None, help="window size, WIDTHxHEIGHT (default 1360x820)")
    args = ap.parse_args(argv)
    width, height = (int(x) for x in (args.size or "1360x820").lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    home = Path(tempfile.mkdtemp(prefix="partnerdesk-render-"))
    os.environ["PARTNERDESK_HOME"] = str(home)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)


    from partnerdesk.app import open_context
    from partnerdesk.gui.main import make_app, window_settings
    from partnerdesk.gui.main_window import PAGE_KEYS, MainWindow
    from partnerdesk.gui.palette import dark_palette

    app = make_app()
    if args.dark:
        app.setPalette(dark_palette())
    ctx = open_context()
    ctx.services.demo.seed("small")
    window = MainWindow(ctx, window_settings(home))
    window.resize(width, height)
    window.show()
    size = f"-{width}x{height}" if args.size else ""
    suffix = ("-dark" if args.dark else "") + (f"-x{args.scale}" if args.scale else "")
    for key in PAGE_KEYS:
        page = window.pages[key]
        window.show_page(key)
        page.ensure_loaded()
        _wait(app, lambda: page.has_loaded)
        if key == "statements":  # the quarter just ended, issued (a throw-away database), one previewed
            ctx.services.statements.issue(page.current_quarter(), all_partners=True)
            loaded = []
            page.loaded.connect(lambda: loaded.append(1))
            page.reload()
            _wait(app, lambda: bool(loaded))
        if key in ("directory", "agreements", "statements", "hours"):
            page.ui.table.selectRow(0)
        if key == "statements":
            _wait(app, lambda: page.preview.page_count() > 0)
            _wait(app, lambda: False, 1500)  # QPdfView renders its pages in a thread
        for _ in range(20):
            app.processEvents()
        window.grab().save(str(out / f"{key}{size}{suffix}.png"))
    if args.dialogs:
        from tests.gui.dialog_catalogue import open_each_dialog

        ctx.services.backups.daily()  # something for the Restore dialog to list
        ctx.services.backups.backup()

        for name, dlg in open_each_dialog(window):
            dlg.show()
            if name == "restore":  # the backups are read in a worker
                _wait(app, lambda: not dlg.progress.isVisible())
            if getattr(dlg, "busy", False):  # a preview in a worker (the hours import)
                _wait(app, lambda: not dlg.busy)
            for _ in range(10):
                app.processEvents()
            dlg.grab().save(str(out / f"dialog-{name}{suffix}.png"))
            dlg.close()
    window.close()
    ctx.close()
    print(out)
    return 0


def _wait(app, cond, limit: int = 20000) -> None:
    from PySide6.QtCore import QDeadlineTimer, QEventLoop

    deadline = QDeadlineTimer(limit)
    while not cond() and not deadline.hasExpired():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown of the Qt objects (PySide6 may crash there)
