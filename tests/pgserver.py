"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, on a free port.

The server runs as an unprivileged user (``nobody`` when the tests run as root, as in CI), listens only on
127.0.0.1, and holds one plain role and database: no superuser is needed by partnerdesk. Tests that use it
never skip under CI; on a developer's machine without PostgreSQL they skip with one clear reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROLE = "partnerdesk"
PASSWORD = "pd-test-secret"
DATABASE = "partnerdesk"
ADMIN = "pdadmin"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL's server binaries are not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:  # initdb and postgres refuse root
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))

    def url(self, password: bool = False) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def ca_file(self) -> Path:
        """The certificate authority that signed the server's TLS certificate (for sslmode=verify-full)."""
        return self.base / "ca.crt"

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                f"-c ssl=on -c ssl_cert_file={self.base / 'server.crt'} -c ssl_key_file={self.base / 'server.key'}")
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.base / "server.log", "-w",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def admin_sql(self, sql: str) -> None:
        self._run(self.bindir / "psql", "-h", self.base, "-p", str(self.port), "-U", ADMIN, "-d", "postgres",
                  "-v", "ON_ERROR_STOP=1", "-q", "-c", sql)

    def reset(self) -> None:
        """A fresh, empty database for the next test."""
        self.admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        self.admin_sql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")


def _make_certificates(base: Path) -> None:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost: the tests' server offers TLS."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)  # not a date: certificate validity, real time
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "partnerdesk test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (base / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (base / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file = base / "server.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    if os.geteuid() == 0:
        for name in ("ca.crt", "server.crt", "server.key"):
            shutil.chown(base / name, "nobody", "nogroup")


def start_server() -> PgServer:
    bindir = binaries()
    assert bindir is not None
    base = Path(tempfile.mkdtemp(prefix="pd-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "nobody", "nogroup")
    server = PgServer(bindir, base, _free_port())
    _make_certificates(base)
    pwfile = base / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "nobody", "nogroup")
    server._run(bindir / "initdb", "-D", server.data, "-U", ADMIN, "--pwfile", pwfile, "-E", "UTF8",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
    server.start()
    # a plain role: partnerdesk must work without superuser rights
    server.admin_sql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE")
    server.admin_sql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    return server


def remove(server: PgServer) -> None:
    try:
        server.stop("immediate")
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """One real server for the test session (never a skip under CI)."""
    if binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are missing: .ci/run installs 'postgresql'")
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql): the PostgreSQL "
                    "transport's tests need a real server")
    server = start_server()
    yield server
    remove(server)


@pytest.fixture
def pg(pg_server):
    """A fresh, empty database on the session's server; yields the server (``pg.url()``)."""
    pg_server.reset()
    return pg_server
