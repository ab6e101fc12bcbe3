"""Fixtures for the PostgreSQL transport's tests: one real server per test session (tests/pgserver.py)."""

from tests.pgserver import pg, pg_server  # noqa: F401 - fixtures
