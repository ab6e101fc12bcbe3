"""The PostgreSQL transport: the same signed, encrypted segments as the shared folder, kept in a server's tables.

The server only stores and forwards. Signing, encryption, membership, authorisation and validation stay on
the clients, exactly as with a folder (``store.Share``); this class offers the same methods, so the sync
service does not care which one it holds. What the server adds:

- appends are atomic transactions, and ``UNIQUE (space_id, node, seq)`` refuses a second segment with a
  sequence number already taken, so a fork is impossible on the server itself;
- segments and files are append-only: a trigger refuses UPDATE and DELETE (only a node's roster hint can
  be replaced, as its ``node.json`` can in a folder);
- every append NOTIFYs channel ``partnerdesk_sync``, so a listening node sees a change within a second
  instead of at the next scan (``wait_for_change``);
- a lost connection is ``ShareUnavailable`` ("server unavailable"), never a reason to delete anything.

It needs no superuser: a plain role that owns (or may create in) one database. The schema lives in its own
PostgreSQL schema, ``partnerdesk_sync``, and carries a version; a newer one is refused, as with the local
database. The password is never part of the address people see (``display_url``); it comes from the OS
keyring, or from ``PGPASSWORD`` on first use, and is then kept in the keyring.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import keyring
import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from partnerdesk.sync import segment as segmod
from partnerdesk.sync.store import MAX_JSON_BYTES, MAX_SEGMENT_BYTES, PublishError, ShareUnavailable

log = logging.getLogger(__name__)

SCHEMA = "partnerdesk_sync"
SCHEMA_VERSION = 1
CHANNEL = "partnerdesk_sync"
KEYRING_SERVICE = "partnerdesk-postgresql"
CONNECT_TIMEOUT_S = 5

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.space (
    space_id text PRIMARY KEY,
    data bytea NOT NULL,
    created timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS {SCHEMA}.node (
    space_id text NOT NULL REFERENCES {SCHEMA}.space,
    node text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (space_id, node));
CREATE TABLE IF NOT EXISTS {SCHEMA}.segment (
    space_id text NOT NULL REFERENCES {SCHEMA}.space,
    node text NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    name text NOT NULL,
    data bytea NOT NULL,
    sha256 text NOT NULL,
    added timestamptz NOT NULL DEFAULT now(),
    UNIQUE (space_id, node, seq),
    UNIQUE (space_id, node, name));
CREATE TABLE IF NOT EXISTS {SCHEMA}.file (
    space_id text NOT NULL REFERENCES {SCHEMA}.space,
    path text NOT NULL,
    data bytea NOT NULL,
    added timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (space_id, path));
CREATE OR REPLACE FUNCTION {SCHEMA}.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'partnerdesk: % is append-only', TG_TABLE_NAME;
END $$;
CREATE OR REPLACE FUNCTION {SCHEMA}.notify_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.space_id || ' ' || NEW.node);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS segment_append_only ON {SCHEMA}.segment;
CREATE TRIGGER segment_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.segment
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.append_only();
DROP TRIGGER IF EXISTS file_append_only ON {SCHEMA}.file;
CREATE TRIGGER file_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.file
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.append_only();
DROP TRIGGER IF EXISTS segment_notify ON {SCHEMA}.segment;
CREATE TRIGGER segment_notify AFTER INSERT ON {SCHEMA}.segment
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.notify_append();
DROP TRIGGER IF EXISTS node_notify ON {SCHEMA}.node;
CREATE TRIGGER node_notify AFTER INSERT ON {SCHEMA}.node
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.notify_append();
"""


def is_url(location: str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def display_url(url: str) -> str:
    """The address without its password: what logs, status and the settings show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _account(url: str) -> str:
    return display_url(url)


def _password(url: str) -> str | None:
    """The password for ``url``: written in it (then moved to the keyring), in the keyring, or PGPASSWORD."""
    given = urlsplit(url).password or os.environ.get("PGPASSWORD")
    stored = None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, _account(url))
        if given and given != stored:
            keyring.set_password(KEYRING_SERVICE, _account(url), given)
    except keyring.errors.KeyringError as exc:
        log.warning("sync: the keyring cannot keep the server password: %s", exc)
    return given or stored


def _conninfo(url: str) -> str:
    params = conninfo_to_dict(display_url(url))
    password = _password(url)
    if password:
        params["password"] = password
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    params.setdefault("sslmode", "prefer")  # TLS whenever the server offers it; verify-full when asked
    params.setdefault("application_name", "partnerdesk")
    return make_conninfo(**params)


class PgShare:
    """A space on a PostgreSQL server, with the methods of ``store.Share``."""

    transport = "postgresql"

    def __init__(self, url: str):
        self.url = display_url(url)
        self.folder = self.url  # what messages name, as they name a folder
        self._conninfo = _conninfo(url)
        self._pool: ConnectionPool | None = None
        self._space_id: str | None = None
        self._listener: psycopg.Connection | None = None

    # -- connections -----------------------------------------------------------------------------
    def _connection(self):
        if self._pool is None:
            self._pool = ConnectionPool(self._conninfo, min_size=0, max_size=4, open=False, timeout=CONNECT_TIMEOUT_S,
                                        name="partnerdesk-sync")
            self._pool.open(wait=False)
        return self._pool.connection()

    def _run(self, fn):
        """Run ``fn(conn)`` in one transaction; any connection failure is "server unavailable"."""
        try:
            with self._connection() as conn:
                with conn.transaction():
                    return fn(conn)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise ShareUnavailable(f"the sync server {self.url} is unavailable ({_first_line(exc)})") from None
        except PoolTimeout:
            raise ShareUnavailable(f"the sync server {self.url} is unavailable (no connection)") from None

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _schema_version(self, conn) -> int | None:
        exists = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.meta",)).fetchone()[0]
        if exists is None:
            return None
        row = conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def _check_schema(self, conn) -> None:
        version = self._schema_version(conn)
        if version is None:
            raise ShareUnavailable(f"no partnerdesk space on {self.url} (run `partnerdesk sync init` there first)")
        if version > SCHEMA_VERSION:
            raise ShareUnavailable(f"the sync server {self.url} holds a newer format ({version}); update "
                                   "PartnerDesk on this PC")

    def _space(self, conn) -> str:
        if self._space_id is None:
            self._check_schema(conn)
            row = conn.execute(f"SELECT space_id FROM {SCHEMA}.space ORDER BY created LIMIT 1").fetchone()
            if row is None:
                raise ShareUnavailable(f"no partnerdesk space on {self.url}")
            self._space_id = row[0]
        return self._space_id

    # -- space -----------------------------------------------------------------------------------
    def create_space(self, space_id: str, founder: str, created: str) -> dict[str, Any]:
        from partnerdesk.sync.store import SPACE_FORMAT, SPACE_VERSION  # noqa: PLC0415 - one definition

        space = {"format": SPACE_FORMAT, "version": SPACE_VERSION, "space_id": space_id, "founder": founder,
                 "created": created, "transport": self.transport}

        def create(conn):
            version = self._schema_version(conn)
            if version is not None and version > SCHEMA_VERSION:
                raise ShareUnavailable(f"the sync server {self.url} holds a newer format ({version})")
            if version is None:
                conn.execute(_DDL)
                conn.execute(f"INSERT INTO {SCHEMA}.meta VALUES ('schema_version', %s)", (str(SCHEMA_VERSION),))
            if conn.execute(f"SELECT 1 FROM {SCHEMA}.space").fetchone():
                raise FileExistsError(f"{self.url} already holds a partnerdesk space")
            conn.execute(f"INSERT INTO {SCHEMA}.space (space_id, data) VALUES (%s, %s)",
                         (space_id, _json_bytes(space)))

        try:
            self._run(create)
        except pgerrors.InsufficientPrivilege as exc:
            raise ShareUnavailable(f"the role cannot create tables on {self.url} ({_first_line(exc)}): give it "
                                   "a database of its own (CREATE DATABASE … OWNER …)") from None
        self._space_id = space_id
        return space

    def read_space(self) -> dict[str, Any]:
        def read(conn):
            self._space(conn)
            return conn.execute(f"SELECT data FROM {SCHEMA}.space WHERE space_id = %s",
                                (self._space_id,)).fetchone()[0]

        data = _json_object(bytes(self._run(read)))
        if data is None:
            raise ShareUnavailable(f"the space record on {self.url} is unreadable")
        return data

    def has_space(self) -> bool:
        def check(conn):
            if self._schema_version(conn) is None:
                return False
            return conn.execute(f"SELECT 1 FROM {SCHEMA}.space LIMIT 1").fetchone() is not None

        return bool(self._run(check))

    # -- roster ----------------------------------------------------------------------------------
    def register_node(self, node: str, entry: dict[str, Any]) -> None:
        data = _json_bytes(dict(entry, node=node))

        def register(conn):
            space = self._space(conn)
            cur = conn.execute(f"INSERT INTO {SCHEMA}.node VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                               (space, node, data))
            if cur.rowcount == 0:
                current = _json_object(bytes(conn.execute(
                    f"SELECT data FROM {SCHEMA}.node WHERE space_id = %s AND node = %s", (space, node)).fetchone()[0]))
                if current is None or current.get("public_key") != entry.get("public_key"):
                    raise PublishError(f"node {node[:8]} is already on the roster with another key")

        self._run(register)

    def rename_node(self, node: str, name: str) -> None:
        entry = self.node_entry(node)
        if entry is None or entry.get("name") == name:
            return
        self._run(lambda conn: conn.execute(f"UPDATE {SCHEMA}.node SET data = %s WHERE space_id = %s AND node = %s",
                                            (_json_bytes(dict(entry, name=name)), self._space(conn), node)))

    def node_entry(self, node: str) -> dict[str, Any] | None:
        row = self._run(lambda conn: conn.execute(
            f"SELECT data FROM {SCHEMA}.node WHERE space_id = %s AND node = %s AND length(data) <= %s",
            (self._space(conn), node, MAX_JSON_BYTES)).fetchone())
        data = _json_object(bytes(row[0])) if row else None
        return data if data is not None and data.get("node") == node else None

    def node_ids(self) -> list[str]:
        def ids(conn):
            space = self._space(conn)
            return [r[0] for r in conn.execute(
                f"SELECT node FROM {SCHEMA}.node WHERE space_id = %s UNION SELECT DISTINCT node FROM "
                f"{SCHEMA}.segment WHERE space_id = %s ORDER BY 1", (space, space))]

        return self._run(ids)

    # -- segments --------------------------------------------------------------------------------
    def segment_names(self, node: str) -> list[str]:
        return self._run(lambda conn: [r[0] for r in conn.execute(
            f"SELECT name FROM {SCHEMA}.segment WHERE space_id = %s AND node = %s ORDER BY name",
            (self._space(conn), node))])

    def read_segment(self, node: str, name: str) -> bytes:
        row = self._run(lambda conn: conn.execute(
            f"SELECT data, length(data) FROM {SCHEMA}.segment WHERE space_id = %s AND node = %s AND name = %s",
            (self._space(conn), node, name)).fetchone())
        if row is None:
            raise FileNotFoundError(f"{self.url}: {node}/{name}")
        if row[1] > MAX_SEGMENT_BYTES:
            from partnerdesk.sync.store import RefusedFile  # noqa: PLC0415 - the folder's refusal, reused

            raise RefusedFile(f"too large: {row[1]:,} bytes, more than the {MAX_SEGMENT_BYTES:,} a segment may have")
        return bytes(row[0])

    def segment_mark(self, node: str, name: str) -> tuple[int, int] | None:
        """Segments on the server are append-only (a trigger refuses UPDATE and DELETE): the name is the mark."""
        return (0, 0)

    def publish_segment(self, node: str, name: str, data: bytes) -> str:
        """Append one segment. FileExistsError when its sequence number or name is taken: the server's unique
        key is what makes a fork impossible."""
        parsed = segmod.parse_name(name)
        if parsed is None:
            raise PublishError(f"{name!r} is not a segment name")
        seq = parsed[0]
        sha = hashlib.sha256(data).hexdigest()

        def append(conn):
            conn.execute(f"INSERT INTO {SCHEMA}.segment (space_id, node, seq, name, data, sha256) "
                         "VALUES (%s, %s, %s, %s, %s, %s)", (self._space(conn), node, seq, name, data, sha))

        try:
            self._run(append)
        except pgerrors.UniqueViolation:
            raise FileExistsError(f"{self.url}: segment {seq} of node {node[:8]} exists") from None
        return f"{self.url}#{node}/{name}"

    def clean_temp(self, node: str, older_than_s: float = 600) -> None:
        """Nothing to clean: an append is one transaction, so a killed writer leaves nothing behind."""

    # -- other files (key envelopes, join requests): write-once, like segments -----------------------
    def publish_file(self, path: str, data: bytes) -> None:
        try:
            self._run(lambda conn: conn.execute(f"INSERT INTO {SCHEMA}.file (space_id, path, data) VALUES (%s, %s, %s)",
                                                (self._space(conn), path, data)))
        except pgerrors.UniqueViolation:
            raise FileExistsError(f"{self.url}: {path} exists") from None

    def read_file(self, path: str, limit: int = MAX_JSON_BYTES) -> bytes:
        row = self._run(lambda conn: conn.execute(
            f"SELECT data FROM {SCHEMA}.file WHERE space_id = %s AND path = %s AND length(data) <= %s",
            (self._space(conn), path, limit)).fetchone())
        if row is None:
            raise FileNotFoundError(f"{self.url}: {path}")
        return bytes(row[0])

    def list_files(self, prefix: str) -> list[str]:
        return self._run(lambda conn: [r[0] for r in conn.execute(
            f"SELECT path FROM {SCHEMA}.file WHERE space_id = %s AND starts_with(path, %s) ORDER BY path",
            (self._space(conn), prefix))])

    # -- push ------------------------------------------------------------------------------------
    def listen(self) -> None:
        """Start listening for appends (call before a cycle, so nothing published during it is missed)."""
        if self._listener is None:
            try:
                self._listener = psycopg.connect(self._conninfo, autocommit=True)
                self._listener.execute(f"LISTEN {CHANNEL}")
            except psycopg.OperationalError as exc:
                self._listener = None
                raise ShareUnavailable(f"the sync server {self.url} is unavailable ({_first_line(exc)})") from None

    def wait_for_change(self, timeout_s: float, ignore: str | None = None) -> bool:
        """True as soon as an installation (other than ``ignore``) appends to this space, False after
        ``timeout_s``."""
        self.listen()
        assert self._listener is not None
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                for note in self._listener.notifies(timeout=max(left, 0), stop_after=1):
                    space, _, node = note.payload.partition(" ")
                    if (self._space_id is None or space == self._space_id) and node != ignore:
                        return True
                if left <= 0 or time.monotonic() >= deadline:
                    return False
        except psycopg.OperationalError as exc:
            self._listener = None
            raise ShareUnavailable(f"the sync server {self.url} is unavailable ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _json_bytes(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, indent=1, sort_keys=True).encode("utf-8")


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None
