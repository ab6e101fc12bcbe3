"""The e2e tests run `partnerdesk` as a subprocess, on the real clock (no frozen date reaches another process),
so every date they use is computed from today's real date: the last completed quarter, today, this fiscal
year. The demo region they start from is seeded for today too."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from partnerdesk.domain.periods import Quarter


def real_today() -> date:
    return date.today()


def last_quarter() -> Quarter:
    """The last completed quarter (the demo's home agency, Lynnwood, starts its fiscal year in January)."""
    return Quarter.of(real_today()).previous()


def this_fy() -> int:
    return real_today().year


def days_ago(n: int) -> str:
    return (real_today() - timedelta(days=n)).isoformat()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    """The small demo region seeded for the real today, once per session; tests copy the file."""
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.migrate import backup_file
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    d = tmp_path_factory.mktemp("demo-template-today")
    db = Database(d / "seed.sqlite3", Actor("tester", "Test User"))
    services = Services(db)
    services.agreements.ensure_default_categories()
    services.demo.seed("small", today=real_today())
    db.close()
    out = d / "demo.sqlite3"
    backup_file(d / "seed.sqlite3", out)
    return out


def secret_service_env(work: Path, repo: str, **extra: str) -> dict[str, str]:
    """The environment for a `dbus-run-session` script with its own GNOME Keyring (a real Secret Service):
    a private HOME and runtime folder under ``work``, nothing of the caller's keyring or partnerdesk setup."""
    import os
    import sys

    (work / "home" / "run").mkdir(parents=True, mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERDESK_", "DBUS_", "GNOME_KEYRING"))}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(HOME=str(work / "home"), XDG_DATA_HOME=str(work / "home" / "data"),
               XDG_CONFIG_HOME=str(work / "home" / "config"), XDG_RUNTIME_DIR=str(work / "home" / "run"),
               WORK=str(work), PYTHON=sys.executable, PYTHONPATH=repo, **extra)
    return env


# The PostgreSQL transport's e2e test (test_sync_postgresql_cli.py) runs on a real server: tests/pgserver.py.
from tests.pgserver import pg, pg_server  # noqa: E402,F401 - fixtures
