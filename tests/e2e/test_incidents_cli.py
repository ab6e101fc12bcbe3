"""Issue 20's contract, run as a user runs it (a subprocess on the real date): the incident register, a pay
rate, hours against the incident, the labour summary as CSV and PDF, and the refusals (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import days_ago


@pytest.fixture
def demo_home(home, _demo_template) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    return home


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def ok(home: Path, *args: str) -> str:
    r = run(home, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_the_incident_contract(demo_home, tmp_path):
    ok(demo_home, "incidents", "add", "FLOOD-1", "--name", "River flood", "--start", days_ago(10), "--end", days_ago(2),
       "--declaration", "DR-4998-WA", "--work", "permanent")
    listed = json.loads(ok(demo_home, "incidents", "list", "--json"))
    assert [(i["ref"], i["name"], i["declaration"], i["work"], i["start_date"], i["end_date"]) for i in listed
            if i["ref"] == "FLOOD-1"] == [
        ("FLOOD-1", "River flood", "DR-4998-WA", "permanent", days_ago(10), days_ago(2))]
    ok(demo_home, "staff", "rate", "set", "Quinn Svensson", "--regular", "48.50", "--overtime", "72.75",
       "--fringe-regular", "38.5", "--fringe-overtime", "9.65", "--from", days_ago(60))
    ok(demo_home, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", days_ago(5), "--hours", "2",
       "--staff", "Quinn Svensson", "--incident", "FLOOD-1", "--allow-duplicate")
    r = run(demo_home, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", days_ago(5), "--hours",
            "1", "--incident", "FLOOD-9")
    assert r.returncode == 2 and "FLOOD-9" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    ok(demo_home, "incidents", "labor-summary", "FLOOD-1", "--out", str(tmp_path / "flood.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "flood.csv").read_text("utf-8"))))
    line = next(r for r in rows if r and r[0] == "Quinn Svensson")
    # permanent work: regular time is claimable; 2 h × ($48.50 + $18.67) = $134.34
    assert line[3:] == ["regular", f"{days_ago(5)[5:7]}/{days_ago(5)[8:10]} 2.00", "2.00", "48.50", "38.5",
                        "18.67", "67.17", "134.34", "yes", ""]
    ok(demo_home, "incidents", "labor-summary", "FLOOD-1", "--out", str(tmp_path / "flood.pdf"))
    assert (tmp_path / "flood.pdf").read_bytes().startswith(b"%PDF")
    r = run(demo_home, "incidents", "labor-summary", "NOPE", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and not (tmp_path / "x.pdf").exists()
