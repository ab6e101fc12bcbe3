"""Sync fixtures: several installations (databases) on one machine sharing one folder, with controllable
clocks. Databases are copied from one migrated template so making a node is cheap."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import time
import uuid
from datetime import time as dtime
from pathlib import Path

import pytest

from partnerdesk.clock import Clock
from partnerdesk.db.capture import Actor
from partnerdesk.db.models import SYNCED_TABLES
from partnerdesk.db.uow import Database
from partnerdesk.container import Services
from partnerdesk.sync import crypto
from partnerdesk.sync.merge import LOCAL_ONLY
from partnerdesk.sync.store import ShareUnavailable
from partnerdesk.sync.transport import close_all, is_server, open_share
from tests.conftest import frozen_clock


# Every field is compared, updated_at included: a row's updated_at is the time of its newest winning op on the PC
# that wrote it (db/capture.py stamp_rows) and on every replica (sync/merge.py).
NOT_COMPARED: tuple[str, ...] = ()


class Wall(Clock):
    """A clock that runs with the test's clock plus an offset the test sets (a PC whose clock is off)."""

    def __init__(self, offset_s: float = 0.0):
        self.offset_s = offset_s

    def time(self) -> float:
        return time.time() + self.offset_s


class SteppedClock(Clock):
    """A clock that moves one millisecond each time it is read, from ``start`` (seconds since the epoch).
    Nodes that share one see every later step as later, with distinct time stamps that do not depend on the
    machine's speed: the same run gives the same last-writer-wins outcomes every time."""

    def __init__(self, start: float):
        self._ms = int(start * 1000)

    def time(self) -> float:
        self._ms += 1
        return (self._ms + 0.5) / 1000  # mid-millisecond: reads back as exactly this millisecond


# Per share folder: the nodes of the running test that are members of its space (the founder first). Pytest
# loads this file as "conftest" while tests import it as "tests.sync.conftest": both copies use this one.
_MEMBERS: dict[str, list[Node]] = {}


def _members(folder) -> list[Node]:
    import tests.sync.conftest as one

    key = str(folder) if is_server(folder) else str(Path(folder).expanduser().resolve())
    return one._MEMBERS.setdefault(key, [])


def join_code_of(folder) -> str:
    """The join code of the space in ``folder``, as its founder's installation prints it."""
    share = open_share(folder)
    try:
        space = share.read_space()
        pub = share.node_entry(space["founder"])["public_key"]
    except (ShareUnavailable, KeyError, TypeError):
        return "AAAA-" * 5 + "AAAA"  # no space there: the service says so
    return crypto.join_code(space["space_id"], base64.b64decode(pub))


class AdmittingSync:
    """``node.sync`` in tests: the node's SyncService, whose ``join`` types the space's join code and has a
    member of the same test (an open node already in the space) admit the newcomer, as a colleague would
    (``admit=False``: the request is left pending). Everything else is the service itself."""

    def __init__(self, node: Node):
        self._node = node
        self._service = node.sv.sync

    def __getattr__(self, name):
        return getattr(self._service, name)

    def init(self, folder, *args, **kwargs):
        st = self._service.init(folder, *args, **kwargs)
        _members(folder).insert(0, self._node)
        return st

    def join(self, folder, code: str | None = None, agency: str | None = None, new_identity: bool = False,
             progress=None, admit: bool = True):
        st = self._service.join(folder, code=code or join_code_of(folder), agency=agency,
                                new_identity=new_identity, progress=progress)
        if not admit or not any(a.is_self for a in st.awaiting_approval):
            return st
        members = _members(folder)
        admitter = next((m for m in members if m.is_open and m is not self._node), None)
        if admitter is None:
            return st
        admitter.sync.admit(self._node.db.node_id)
        if self._node not in members:
            members.append(self._node)
        return self._service.run_cycle(progress)


class Node:
    def __init__(self, path: Path, name: str, offset_s: float = 0.0, wall: Clock | None = None):
        self.name = name
        self.path = path
        self.wall = wall or Wall(offset_s)
        self.is_open = False
        self.open()

    def open(self) -> None:
        self.db = Database(self.path, Actor(self.name, self.name.title()), clock=self.wall)
        self.sv = Services(self.db)
        self.sync = AdmittingSync(self)
        self.is_open = True

    def reopen(self) -> None:
        """As after a restart: new engine, new clock, new services."""
        self.close()
        self.open()

    def dump(self) -> dict:
        """What ``export json`` writes (every table and field, derived prices and personal numbers included)
        without the local tables (the audit trail; a home agency's staff pay rates, which never sync). Left out
        as well: the per-installation fields (LOCAL_ONLY: each installation's own home agency) and whatever
        NOT_COMPARED names. Equal on every converged node."""
        tables = self.sv.interchange.export_data(include_personal=True)["tables"]
        for local in set(tables) - set(SYNCED_TABLES) - {"number_sequence"}:
            del tables[local]
        for tbl, rows in tables.items():
            drop = [f for t, f in LOCAL_ONLY if t == tbl] + list(NOT_COMPARED)
            for row in rows:
                for f in drop:
                    row.pop(f, None)
        return tables

    def space_key(self) -> bytes | None:
        """The space key this node holds (to read or forge segments the way a member would)."""
        return self.sv.sync._space_key()

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.dump().items()}

    def close(self) -> None:
        self.is_open = False
        self.db.close()


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory) -> Path:
    # stamped an hour before every test's "now": the template's ops (which every node adopts as its own, see
    # clone_db) would otherwise pin the nodes' hybrid clocks to the real date, days after the frozen one
    d = tmp_path_factory.mktemp("sync-template")
    with frozen_clock(dtime(11, 0)):
        db = Database(d / "t.sqlite3", Actor("t", "T"))
        Services(db).agreements.ensure_default_categories()
        db.close()
    return d / "t.sqlite3"


def clone_db(template: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(template)
    out = sqlite3.connect(dest)
    src.backup(out)
    src.close()
    new = uuid.uuid4().hex
    (old,) = out.execute("SELECT value FROM meta WHERE key='node_id'").fetchone()
    out.execute("UPDATE meta SET value=? WHERE key='node_id'", (new,))
    # an independent installation: the template's own ops become this node's ops
    out.execute("UPDATE sync_op SET node=?, op_id=hlc || '-' || ? WHERE node=?", (new, new, old))
    out.commit()
    out.close()
    return dest


@pytest.fixture
def share(tmp_path) -> Path:
    p = tmp_path / "share"
    p.mkdir()
    return p


@pytest.fixture
def make_node(tmp_path, _empty_template):
    nodes: list[Node] = []

    def make(name: str, offset_s: float = 0.0, template: Path | None = None) -> Node:
        path = clone_db(template or _empty_template, tmp_path / "nodes" / f"{name}.sqlite3")
        n = Node(path, name, offset_s)
        nodes.append(n)
        return n

    yield make
    for n in nodes:
        n.close()
    close_all()  # server connections (PostgreSQL transport) end with the test
    import tests.sync.conftest as one

    one._MEMBERS.clear()


@pytest.fixture
def demo_template(_demo_template) -> Path:
    return _demo_template


def sync_all(nodes, rounds: int = 2) -> None:
    for _ in range(rounds):
        for n in nodes:
            n.sync.run_cycle()


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)


# The PostgreSQL transport's tests (test_pg_transport.py) run on a real server: tests/pgserver.py.
from tests.pgserver import pg, pg_server  # noqa: E402,F401 - fixtures
