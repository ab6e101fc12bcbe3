"""Secrets and privacy after a full session run as a user would (CLI subprocesses on one data folder):

* no key material anywhere in the data folder, settings, window state, backups or logs (PEM headers,
  "PRIVATE KEY", base64 blobs of 32 or 64 bytes such as Ed25519 seeds and keys): keys live in the keyring.
  The session creates a sync space and a second installation joins it, and both run sync cycles, so each
  makes its Ed25519 signing key: the scan also looks for those exact keys (read back from the keyring,
  here a test backend whose file lives outside every data folder) in both data folders;
* default exports, the audit trail (text and JSON) and the logs leave personal phone numbers out;
  ``--include-personal`` puts them in (and reading the audit trail with them is recorded).

Extend SESSION and DEFAULT_EXPORTS as commands land.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import days_ago, last_quarter

# (argv, files it writes relative to the output folder) — every command a user may run in a first week.
SESSION = [
    ["demo"],
    ["hours", "log", "--partner", "EDM", "--direction", "given", "--date", days_ago(5), "--hours", "2"],
    ["balances", "--fy", str(last_quarter().start.year)],
    ["agreements", "list", "--json"],
    ["sync", "init", "{share}"],  # makes this installation's signing key (in the keyring)
    ["backup"],
    ["selftest"],
]
# A colleague's installation asks to join the space with the join code (its own key), the first admits it,
# both sync, the first syncs again.
SECOND = [["sync", "join", "{share}", "--code", "{code}"]]
ADMITTED = [["sync", "run"], ["sync", "status", "--json"]]
AFTER_JOIN = [["sync", "run"], ["sync", "status", "--json"]]
# Exports that must leave personal numbers out by default: argv with {out} for the output file.
DEFAULT_EXPORTS = [
    ["export", "json", "{out}/export.json"],
    ["contacts", "export", "{out}/contacts.vcf"],
    ["contacts", "export", "{out}/contacts.csv"],
    ["contacts", "sheet", "{out}/sheet.pdf"],
    ["contacts", "sheet", "{out}/wallet.pdf", "--layout", "wallet"],
    ["outage-kit", "{out}/kit"],
]

# Listings printed on stdout that must leave personal numbers out by default (file name -> argv).
AUDIT_OUTPUTS = {"audit.txt": ["audit"], "audit.json": ["audit", "--json"]}

PEM = re.compile(rb"-----BEGIN [A-Z ]+-----|PRIVATE KEY|OPENSSH PRIVATE|ssh-ed25519 ")
B64 = re.compile(rb"(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{43}=|[A-Za-z0-9+/]{86}==|[A-Za-z0-9_-]{43})"
                 rb"(?![A-Za-z0-9+/=_-])")

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-|[0-9a-f]{4}-[0-9a-f]{12}")


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PARTNERDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    keyring_file = home.parent / "os-keyring" / "keyring.json"  # outside every data folder
    keyring_file.parent.mkdir(exist_ok=True)
    env.update(PYTHON_KEYRING_BACKEND="session_keyring.SessionKeyring", PARTNERDESK_TEST_KEYRING=str(keyring_file),
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent)] + [p for p in [env.get("PYTHONPATH")] if p]))
    r = subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    return r


def key_material(data: bytes) -> list[bytes]:
    """Substrings that look like private or public key material."""
    found = PEM.findall(data)
    for m in B64.findall(data):
        if UUID.search(m) or not (re.search(rb"[A-Z]", m) and re.search(rb"[a-z]", m) and re.search(rb"[0-9]", m)):
            continue  # ids (and ids run together with names in SQLite records) are not keys
        if re.search(rb"[a-z_]{12,}", m):
            continue  # words run together in SQLite's schema text; random base64 almost never has such a run
        try:
            raw = base64.urlsafe_b64decode(m + b"=" * (-len(m) % 4)) if b"-" in m or b"_" in m or len(m) == 43 \
                else base64.b64decode(m)
        except ValueError:
            continue
        if len(raw) in (32, 64) and len(set(raw)) > 16:  # key-like: the right size and random-looking
            found.append(m)
    return found


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_the_scanner_finds_keys():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    assert key_material(b'{"k": "' + base64.b64encode(raw) + b'"}')
    assert key_material(b"x " + base64.urlsafe_b64encode(raw).rstrip(b"=") + b" y")
    assert key_material(pem)
    assert key_material(b"sig " + base64.b64encode(raw * 2) + b"\n")
    assert not key_material(b"01a217e3-56ca-7f2b-921f-d5c53a022508 " + b"ab" * 32)
    assert not key_material(b"\x00\x007tablesettlement_itemsettlement_itemlCREATE TABLE")  # schema, not a key


@pytest.mark.slow
def test_full_session_leaves_no_key_material_and_exports_no_personal_numbers(home, tmp_path):
    out, share, colleague = tmp_path / "out", tmp_path / "share", tmp_path / "colleague"
    out.mkdir()
    share.mkdir()
    for argv in SESSION:
        run(home, *[a.format(share=share) for a in argv])
    code = json.loads(run(home, "sync", "status", "--json").stdout)["join_code"]
    for argv in SECOND:
        run(colleague, *[a.format(share=share, code=code) for a in argv])
    (request,) = json.loads(run(home, "sync", "pending", "--json").stdout)
    run(home, "sync", "admit", request["node"])
    for argv in ADMITTED:
        run(colleague, *argv)
    for argv in AFTER_JOIN:
        status = run(home, *argv)
    assert json.loads(status.stdout)["state"] == "synced" and len(json.loads(status.stdout)["nodes"]) == 2
    for argv in DEFAULT_EXPORTS:
        run(home, *[a.format(out=out) for a in argv])
    run(home, "export", "json", str(out / "personal" / "export.json"), "--include-personal")
    for name, argv in AUDIT_OUTPUTS.items():  # printed listings are outputs too: kept as files for the scan
        (out / name).write_text(run(home, *argv).stdout, encoding="utf-8")

    # The two signing keys, as the keyring holds them (base64 of the 32-byte Ed25519 seed) and raw.
    stored = json.loads((tmp_path / "os-keyring" / "keyring.json").read_text())
    keys = [v.encode() for k, v in stored.items() if k.startswith("partnerdesk-sync")]
    assert len(keys) == 2
    needles = keys + [base64.b64decode(k) for k in keys] + [base64.urlsafe_b64encode(base64.b64decode(k)).rstrip(b"=")
                                                             for k in keys]
    # Public keys are not secret: each installation pins its peers' (meta "sync.keys", as in the share's
    # node.json roster). Every other key-like blob is a finding.
    public = {json.loads(p.read_text())["public_key"].encode() for p in share.rglob("node.json")}
    assert len(public) == 2
    # Key material: every file the app wrote in its data folders (database, WAL, backups, settings, logs).
    scanned = 0
    for folder in (home, colleague):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                hits = [h for h in key_material(data) if h not in public]
                assert not hits, f"{path.relative_to(folder.parent)} holds key-like material: {hits[:3]}"
                assert not any(n in data for n in needles), f"{path.relative_to(folder.parent)} holds a signing key"
                scanned += 1
    assert scanned >= 6 and all((f / "logs" / "partnerdesk.log").exists() for f in (home, colleague))
    # the shared folder carries only public keys and signed segments, never a private key
    for path in sorted(share.rglob("*")):
        if path.is_file():
            assert not any(n in path.read_bytes() for n in needles), f"{path.relative_to(share)} holds a signing key"

    # Personal numbers: the demo region has them in the database...
    conn = sqlite3.connect(home / "partnerdesk.sqlite3")
    personal = {digits(p) for (p,) in conn.execute("SELECT personal_phone FROM contact WHERE personal_phone "
                                                     "IS NOT NULL AND personal_phone != ''")}
    # (the demo draws from the small 555-01xx range: a number that is also someone's public one is not a leak)
    public = {digits(p or "") for row in conn.execute(
        "SELECT work_phone, mobile_phone, after_hours_phone FROM contact UNION ALL "
        "SELECT phone, ap_contact_phone, NULL FROM agency") for p in row}
    conn.close()
    personal -= public
    assert len(personal) >= 5
    # ...but no default export, printed listing or log carries one.
    logs = sorted((home / "logs").glob("*.log*"))
    assert logs
    for path in sorted(p for p in out.rglob("*") if p.is_file() and "personal" not in p.parts) + logs:
        text = digits(_text_of(path))
        leaked = [p for p in personal if p in text]
        assert not leaked, f"{path.name} contains personal numbers {leaked[:3]}"
    # The explicit opt-in does include them, and says so.
    opted = json.loads((out / "personal" / "export.json").read_text())
    assert opted["personal_numbers_included"] is True
    assert any(digits(p) in personal for p in (c["personal_phone"] or "" for c in opted["tables"]["contact"]))
    shown = run(home, "audit", "--json", "--include-personal").stdout
    assert any(p in digits(shown) for p in personal)
    newest = json.loads(run(home, "audit", "--json", "--limit", "1").stdout)[0]
    assert newest["action"] == "view_personal", "reading the trail with personal numbers is itself recorded"


def _text_of(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_bytes().decode("utf-8", errors="replace")
