"""The CLI as a user runs it: a subprocess, its exit code, stdout and stderr, and the database file."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from partnerdesk import __version__

from tests.e2e.conftest import days_ago, last_quarter, this_fy


def run(home: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    p = subprocess.run([sys.executable, "-m", "partnerdesk", *args], capture_output=True, text=True, env=env,
                       timeout=120)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def db_digest(home: Path) -> str:
    """A digest of the database contents (not the file bytes, which WAL checkpoints may reorder)."""
    import sqlite3

    con = sqlite3.connect(home / "partnerdesk.sqlite3")
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli") / "home"
    run(home, "demo", check=True)
    return home


def test_version(tmp_path):
    p = run(tmp_path, "--version", check=True)
    assert p.stdout.strip() == f"partnerdesk {__version__}"


def test_commands_create_a_database_but_never_seed_it(tmp_path):
    p = run(tmp_path / "h", "hours", "list", "--json")
    assert p.returncode == 2 and "no home agency" in p.stderr
    assert (tmp_path / "h" / "partnerdesk.sqlite3").exists()
    p = run(tmp_path / "h", "agencies", "list", "--json", check=True)
    assert json.loads(p.stdout) == []


def test_demo_then_listings_as_json(demo_home):
    agencies = json.loads(run(demo_home, "agencies", "list", "--json", check=True).stdout)
    assert {a["code"] for a in agencies} == {"LYN", "EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"}
    entries = json.loads(run(demo_home, "hours", "list", "--quarter", str(last_quarter()), "--json",
                             check=True).stdout)
    q = last_quarter()
    assert entries and all(q.start.isoformat() <= e["work_date"] <= q.end.isoformat() for e in entries)
    assert {"billable_minutes", "amount_cents", "partner_code", "direction"} <= set(entries[0])
    balances = json.loads(run(demo_home, "balances", "--fy", str(this_fy()), "--json", check=True).stdout)
    assert {"partner", "hours_given", "hours_received", "value_given_cents", "value_received_cents",
            "net_cents"} <= set(balances[0])
    assert all(b["net_cents"] == b["value_given_cents"] - b["value_received_cents"] for b in balances)
    p = run(demo_home, "demo")
    assert p.returncode == 2 and "empty database only" in p.stderr


def test_hours_log_and_audit(demo_home):
    p = run(demo_home, "hours", "log", "--partner", "mlt", "--direction", "received", "--date", days_ago(3),
            "--hours", "1:30", "--category", "PBX", "--staff", "Pat Example", "--after-hours", "--miles", "12",
            "--note", "Trunk card swap", "--json", check=True)
    entry = json.loads(p.stdout)[0]
    assert (entry["partner_code"], entry["minutes"], entry["after_hours"]) == ("MLT", 90, True)
    assert entry["amount_cents"] > 0
    audit = json.loads(run(demo_home, "audit", "--entity", entry["id"], "--json", check=True).stdout)
    assert audit[0]["action"] == "create" and audit[0]["changes"]["minutes"] == [None, 90]


@pytest.mark.parametrize("args,message", [
    (["hours", "log", "--partner", "ZZZ", "--direction", "given", "--date", days_ago(30), "--hours", "1"],
     "unknown partner 'ZZZ'"),
    (["hours", "log", "--partner", "EDM", "--direction", "given", "--date", "2026-13-01", "--hours", "1"],
     "not a real date"),
    (["hours", "log", "--partner", "EDM", "--direction", "given", "--date", days_ago(30), "--hours", "-2"],
     "negative"),
    (["hours", "log", "--partner", "EDM", "--direction", "sideways", "--date", days_ago(30), "--hours", "1"],
     "invalid choice"),
    (["hours", "list", "--quarter", "2026Q7"], "not a quarter"),
    (["balances", "--fy", "abc"], "invalid int value"),
    (["import", "json", "/nonexistent/file.json"], "cannot be read"),
    (["frobnicate"], "invalid choice"),
])
def test_user_mistakes_exit_2_with_one_line_and_change_nothing(demo_home, args, message):
    before = db_digest(demo_home)
    p = run(demo_home, *args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], p.stderr
    assert db_digest(demo_home) == before


def test_malformed_json_import_exits_2_and_changes_nothing(demo_home, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "partnerdesk-export", "version": 1, "tables": {"agency": [}')
    before = db_digest(demo_home)
    p = run(demo_home, "import", "json", str(bad), "--merge")
    assert p.returncode == 2 and "malformed JSON" in p.stderr and str(bad) in p.stderr
    assert db_digest(demo_home) == before


def test_a_database_file_that_is_not_sqlite(tmp_path):
    f = tmp_path / "report.docx"
    f.write_bytes(b"PK\x03\x04 this is a word file" * 20)
    before = f.read_bytes()
    p = run(tmp_path / "h", "--db", str(f), "agencies", "list")
    assert p.returncode == 2 and "not an SQLite file" in p.stderr
    assert f.read_bytes() == before


def test_export_and_import_round_trip_through_the_cli(demo_home, tmp_path):
    out = tmp_path / "export.json"
    run(demo_home, "export", "json", str(out), check=True)
    fresh = tmp_path / "fresh"
    run(fresh, "import", "json", str(out), check=True)
    assert len(json.loads(run(fresh, "hours", "list", "--json", check=True).stdout)) >= 300


def test_unexpected_errors_exit_1_and_log_the_traceback(tmp_path):
    home = tmp_path / "h"
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    code = ("import partnerdesk.cli as c, partnerdesk.cli.core as core\n"
            "def boom(args): raise RuntimeError('kaboom')\n"
            "core.cmd_agencies_list.__code__ = boom.__code__\n"
            "raise SystemExit(c.main(['agencies', 'list']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1
    assert "internal error: RuntimeError: kaboom" in p.stderr and "partnerdesk.log" in p.stderr
    assert "Traceback" not in p.stderr
    assert "RuntimeError: kaboom" in (home / "logs" / "partnerdesk.log").read_text()
