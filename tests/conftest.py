"""Shared fixtures: every test gets its own PARTNERDESK_HOME and an in-memory keyring; no test touches
the real user directories or the network. In-process tests run on a clock stopped at TODAY (noon, local
time; it ticks from there); tests that run the app as a subprocess (tests/e2e) use the real date and compute
their dates from it."""

from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path

import keyring
import pytest
import time_machine
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if "libfaketime" in os.environ.get("LD_PRELOAD", ""):  # `make test-at`: the suite on another day
    # libfaketime 0.9.10 fails clock_nanosleep(TIMER_ABSTIME) on the real monotonic clock with EINVAL, and
    # time.sleep() uses it (so does subprocess.run(timeout=...)); select() waits as long and is left alone.
    import select
    import time as _time

    _time.sleep = lambda seconds: select.select([], [], [], seconds)

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "tests" / "data"  # the sample files (fictional), kept in the repository
TODAY = date(2026, 11, 26)  # "today" for every in-process test: the frozen clock's date, the demo's "today"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dict (tests only)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.path.parts:  # the app runs in another process, on the real clock
            item.add_marker(pytest.mark.real_clock)


@pytest.fixture(autouse=True)
def frozen_today(request) -> date:
    """The one clock, stopped at noon on TODAY (local time) and ticking from there. Every module reads the
    date through partnerdesk.clock.Clock, which reads the system clock that time-machine moves."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with frozen_clock():
        yield TODAY


def frozen_clock(at: time = time(12, 0)):
    """The test clock: TODAY at ``at`` (local time), ticking. Session fixtures that write (templates) use it
    with an earlier hour, so what they stamp lies before every test's "now"."""
    return time_machine.travel(datetime.combine(TODAY, at).astimezone(), tick=True)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "pdhome"
    monkeypatch.setenv("PARTNERDESK_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield home
    keyring.set_keyring(previous)


@pytest.fixture
def home(_isolated_home) -> Path:
    return _isolated_home


def _drain_workers() -> None:
    """Let worker threads a GUI test left running (a superseded preview, say) finish before the database
    closes under them: closing a connection another thread is reading crashes the interpreter."""
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(60000)


@pytest.fixture
def ctx(home):
    """An opened, empty application context (migrated database, default categories)."""
    from partnerdesk.app import open_context

    c = open_context()
    yield c
    _drain_workers()
    c.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    """The small demo region, seeded once per session; tests copy the file."""
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.migrate import backup_file
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    d = tmp_path_factory.mktemp("demo-template")
    with frozen_clock(time(11, 0)):
        db = Database(d / "seed.sqlite3", Actor("tester", "Test User"))
        services = Services(db)
        services.agreements.ensure_default_categories()
        services.demo.seed("small", today=TODAY)
        db.close()
    out = d / "demo.sqlite3"
    backup_file(d / "seed.sqlite3", out)
    return out


@pytest.fixture
def demo_ctx(home, _demo_template):
    """An application context on a fresh copy of the small demo region."""
    import shutil

    from partnerdesk.app import open_context

    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    c = open_context()
    yield c
    _drain_workers()
    c.close()


@pytest.fixture
def samples() -> Path:
    """tests/data: a missing sample file fails the test that opens it (it is never skipped)."""
    return SAMPLES
