"""Fixtures for the PostgreSQL transport's tests: one real server per test session (tests/pgserver.py)."""

from __future__ import annotations

import os

import pytest

from tests import pgserver


@pytest.fixture(scope="session")
def pg_server():
    if pgserver.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are missing: .ci/run installs 'postgresql'")
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql): the PostgreSQL "
                    "transport's tests need a real server")
    server = pgserver.start_server()
    yield server
    pgserver.remove(server)


@pytest.fixture
def pg(pg_server):
    """A fresh, empty database on the session's server; yields the server (``pg.url()``)."""
    pg_server.reset()
    return pg_server
