"""``partnerdesk selftest``: prove an installed (or built) app works, without touching the user's data.

Opens a fresh database in a temporary folder, runs the migrations, seeds the small demo region, renders a
statement PDF and the emergency contact sheet, opens the PDF with QtPdf (so a build that lost a Qt plugin
fails here, not in front of the user), and reports the keyring backend. Exit 0 when every step passed.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from partnerdesk import APP_ID, __version__
from partnerdesk.domain.wording import plural


def register(sub) -> None:
    p = sub.add_parser("selftest", help="check that this installation works (uses a temporary database)")
    p.add_argument("--keep", metavar="DIR", type=Path, help="write the test database and PDFs here and keep them")
    p.add_argument("--no-qt", action="store_true", help="skip the Qt checks")
    p.set_defaults(func=cmd_selftest)


class StepFailed(Exception):
    """A step that ran but found a problem: its message is printed as it is, for a person to act on."""


class _Run:
    def __init__(self):
        self.failed = 0

    def step(self, name: str, fn: Callable[[], str]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
            ok = True
        except Exception as exc:  # the self-test reports every failure and carries on
            detail, ok = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}", False
            import logging

            logging.getLogger(__name__).exception("selftest step %s failed", name)
        if not ok:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'}  {name:<14} {detail}  ({time.perf_counter() - t0:.2f} s)", flush=True)


def render_statement(services, out: Path) -> Path:
    """Draft the demo region's statements for the last full quarter and render one (marked DRAFT)."""
    today = services.clock.today()
    q = (today.month - 1) // 3  # the previous quarter: 0 means Q4 of last year
    quarter = f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"
    drafts = services.statements.draft(quarter, all_partners=True)
    if not drafts:
        raise RuntimeError(f"no statement could be drafted for {quarter}")
    out.write_bytes(services.statements.preview(drafts[0].id))
    return out


def render_contact_sheet(services, out: Path) -> Path:
    """The emergency contact sheet (personal numbers left out, as by default)."""
    return services.directory.write_sheet(out)


def _check_pdf(path: Path) -> str:
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise RuntimeError(f"{path.name} is not a complete PDF")
    return f"{path.name}, {len(data) / 1024:.0f} KiB"


def _keyring_backend() -> str:
    import keyring

    from partnerdesk.sync.keys import backend_problem

    kr = keyring.get_keyring()
    name = f"{type(kr).__module__}.{type(kr).__name__}"
    problem = backend_problem(kr)
    if problem:  # sync could not keep its signing key: a failure, not "ok"
        import logging

        logging.getLogger(__name__).warning("selftest: keyring backend %s: %s", name, problem)
        raise StepFailed("No secure keyring was found, so sync cannot keep its signing key on this computer. "
                         "Install and unlock the system keyring (Windows Credential Manager, macOS Keychain, or "
                         "GNOME Keyring / KWallet on Linux), then run the self-test again.")
    try:
        chained = getattr(kr, "backends", None)
        if chained is not None:
            name += " [" + ", ".join(f"{type(b).__module__}.{type(b).__name__}" for b in chained) + "]"
    except Exception:  # some backends probe the OS lazily; the name is enough
        pass
    return name


def _qt_check(pdf: Path) -> str:
    """Qt loads (with its platform plugin), draws the SVG app icon, and — where QtPdf is installed (the
    PySide6-Pdf wheel from 6.8 on) — opens and renders the statement PDF, as the statement preview does."""
    from PySide6 import QtCore
    from PySide6.QtCharts import QChart  # noqa: F401 - the build must include QtCharts for the dashboard
    from PySide6.QtGui import QGuiApplication, QIcon

    from partnerdesk.paths import resource

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    notes = [f"Qt {QtCore.qVersion()} ({QGuiApplication.platformName()})", "QtCharts present"]
    svg = QIcon(str(resource("icons", "app.svg"))).pixmap(64, 64)
    if svg.isNull():
        raise RuntimeError("the SVG app icon cannot be drawn (QtSvg or its image plugin is missing)")
    if not resource("icons", "partnerdesk.png").is_file():
        raise RuntimeError(f"{resource('icons', 'partnerdesk.png')} is missing from the installation")
    notes.append("SVG icons drawn")
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        notes.append("QtPdf not installed (PDF preview falls back to the system viewer)")
    else:
        doc = QPdfDocument()
        err = doc.load(str(pdf))
        if err != QPdfDocument.Error.None_:
            raise RuntimeError(f"QtPdf cannot open {pdf.name}: {err}")
        image = doc.render(0, QtCore.QSize(200, 260))
        if image.isNull():
            raise RuntimeError("QtPdf rendered an empty page")
        notes.append(f"QtPdf opened {plural(doc.pageCount(), 'page')}")
        doc.close()
    del app
    return ", ".join(notes)


def cmd_selftest(args: argparse.Namespace) -> int:
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.migrate import current_revision, head_revision
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    from partnerdesk.logging_setup import setup as setup_logging
    from partnerdesk.paths import resolve

    setup_logging(resolve().log_file)  # the user's log file: "details in the log" must survive the run
    frozen = getattr(sys, "frozen", False)
    print(f"partnerdesk {__version__} ({APP_ID}) self-test on {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}{', built app' if frozen else ''}")
    run = _Run()
    tmp = None
    if args.keep:
        work = args.keep
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="partnerdesk-selftest-")
        work = Path(tmp.name)
    state: dict = {}
    try:
        def open_db() -> str:
            db = Database(work / "selftest.sqlite3", Actor("selftest", "Self-test"), backup_dir=work / "backups")
            state["db"], state["services"] = db, Services(db)
            rev, head = current_revision(db.engine), head_revision()
            if rev != head:
                raise RuntimeError(f"schema is {rev}, expected {head}")
            return f"fresh database migrated to schema {rev}"

        def seed() -> str:
            counts = state["services"].demo.seed("small")
            return f"demo region: {counts['agency']} agencies, {counts['contact']} contacts, " \
                   f"{counts['time_entry']} time entries"

        def statement() -> str:
            return _check_pdf(render_statement(state["services"], work / "statement.pdf"))

        def sheet() -> str:
            return _check_pdf(render_contact_sheet(state["services"], work / "contact-sheet.pdf"))

        def backup() -> str:
            out = state["services"].backups.backup()
            from partnerdesk.services.backup import inspect_backup

            return f"backup copy checked ({inspect_backup(out).revision})"

        run.step("database", open_db)
        if "services" in state:
            run.step("demo data", seed)
            run.step("statement", statement)
            run.step("contact sheet", sheet)
            run.step("backup", backup)
        run.step("keyring", _keyring_backend)
        if not args.no_qt and (work / "statement.pdf").exists():
            run.step("qt", lambda: _qt_check(work / "statement.pdf"))
    finally:
        if "db" in state:
            state["db"].close()
        if tmp is not None:
            tmp.cleanup()
    if run.failed:
        print(f"selftest: {plural(run.failed, 'step')} FAILED; details in the log", file=sys.stderr)
        return 1
    print("selftest: all steps passed")
    return 0
