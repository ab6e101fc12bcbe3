"""Convergence over the PostgreSQL transport (issue 21): the same random work as test_convergence.py on three
installations, with the same oracle (identical full exports), through a real server instead of a folder.

The folder's damage rules (deleting, corrupting or rolling back segment files) have no counterpart on a
server, whose segment rows are append-only; everything else is the folder machine's own rules."""

from __future__ import annotations

import atexit
import os

import psycopg
import pytest
from hypothesis import settings

from partnerdesk.sync.transport import close_all
from tests import pgserver
from tests.fuzzing import FUZZ_SETTINGS, examples
from tests.sync.test_convergence import ThreeNodesWithHours

_SERVER: list[pgserver.PgServer] = []


def _server() -> pgserver.PgServer:
    if not _SERVER:
        assert pgserver.binaries() is not None, "PostgreSQL server binaries are missing (.ci/run installs them)"
        _SERVER.append(pgserver.start_server())
        atexit.register(pgserver.remove, _SERVER[0])
    return _SERVER[0]


class ThreeNodesOnAServer(ThreeNodesWithHours):
    def __init__(self):
        super().__init__()
        server = _server()
        server.reset()  # an empty database for each example
        self.share = server.url(password=True)

    # no files to delete, damage or roll back on a server: these folder rules are not rules here
    def lose_segment(self, n, k, damage):  # noqa: D102
        pass

    def back_up_share(self):  # noqa: D102
        pass

    def restore_share(self):  # noqa: D102
        pass

    def teardown(self):
        try:
            super().teardown()
            with psycopg.connect(self.share) as conn:  # the work really went through the server
                nodes = conn.execute("SELECT count(DISTINCT node) FROM partnerdesk_sync.segment").fetchone()[0]
            assert nodes == len(self.nodes)
        finally:
            close_all()  # the next example's database is dropped: no connection may hold it


ThreeNodesOnAServer.TestCase.settings = settings(max_examples=examples(2), stateful_step_count=40,
                                                 **FUZZ_SETTINGS)
test_three_nodes_converge_through_a_server = pytest.mark.skipif(
    pgserver.binaries() is None and not os.environ.get("CI"),
    reason="no PostgreSQL server binaries here (apt-get install postgresql)")(
    pytest.mark.property(pytest.mark.slow(ThreeNodesOnAServer.TestCase)))
