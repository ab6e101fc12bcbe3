"""Shared fixtures: every test gets its own PARTNERDESK_HOME and an in-memory keyring; no test touches
the real user directories or the network."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "data"
TODAY = date(2026, 11, 26)  # the demo and the tests agree on "today"


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
    from partnerdesk.services import Services

    d = tmp_path_factory.mktemp("demo-template")
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
    if not SAMPLES.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SAMPLES
