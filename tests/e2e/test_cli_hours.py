"""The hours, agreements, mileage and balances commands, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import vobject

from tests.e2e.conftest import days_ago, last_quarter

HEADER = "Date,Partner,Direction,Staff,Category,Hours,After hours?,Call-out?,Miles,What we did"


@pytest.fixture
def demo_home(home, _demo_template) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    return home


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def counts(home: Path) -> tuple[int, ...]:
    with sqlite3.connect(home / "partnerdesk.sqlite3") as con:
        return tuple(con.execute(f"select count(*) from {t}").fetchone()[0]
                     for t in ("time_entry", "audit_event", "sync_op", "mileage_rate"))


@pytest.mark.parametrize("args, message", [
    (["--hours", "-2"], "negative"),
    (["--hours", "25"], "more than 24 hours"),
])  # the other refusals are covered in-process by tests/unit/test_hours_rules.py
def test_bad_log_is_one_line_exit_2_and_changes_nothing(demo_home, args, message):
    before = counts(demo_home)
    base = {"--partner": "EDM", "--direction": "given", "--date": days_ago(20)}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v
    r = run(demo_home, "hours", "log", *[x for kv in base.items() for x in kv])
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and message in r.stderr and r.stdout == ""
    assert counts(demo_home) == before


def test_log_list_and_balances_json(demo_home):
    q = last_quarter()  # the demo raised Edmonds' rate on its first day: $124/h
    r = run(demo_home, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", q.start.isoformat(),
            "--hours", "1:05", "--staff", "Pat Example", "--json")
    assert r.returncode == 0, r.stderr
    logged = json.loads(r.stdout)[0]
    assert (logged["billable_minutes"], logged["amount_cents"]) == (75, 155_00)
    r = run(demo_home, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", q.start.isoformat(),
            "--hours", "23", "--staff", "pat example")
    assert r.returncode == 2 and "more than 24 in one day" in r.stderr and r.stderr.count("\n") == 1
    r = run(demo_home, "hours", "log", "--partner", "AWW", "--direction", "received", "--date", f"{q.start.year}-02-02",
            "--hours", "2")
    assert r.returncode == 0 and "not priced" in r.stdout and "outside the term" in r.stderr
    listed = json.loads(run(demo_home, "hours", "list", "--partner", "EDM", "--direction", "given", "--json").stdout)
    assert all({"billable_minutes", "amount_cents"} <= set(e) for e in listed)
    assert any(e["id"] == logged["id"] and e["amount_cents"] == 155_00 for e in listed)
    fy = str(q.start.year)  # Lynnwood's fiscal year is the calendar year
    balances = json.loads(run(demo_home, "balances", "--fy", fy, "--json").stdout)
    edm = next(b for b in balances if b["partner"] == "EDM")
    all_edm = listed
    assert edm["minutes_given"] == sum(e["minutes"] for e in all_edm if e["work_date"].startswith(fy))
    assert edm["value_given_cents"] == sum(e["amount_cents"] for e in all_edm if e["work_date"].startswith(fy))


def test_import_with_a_mapping(demo_home, samples):
    before = counts(demo_home)
    r = run(demo_home, "hours", "import", str(samples / "hours-2026.csv"), "--map",
            "date=Date,partner=Partner,direction=Direction,hours=Hours,staff=Staff,category=Category,"
            "after_hours=After hours?,callout=Call-out?,miles=Miles,description=What we did")
    assert r.returncode == 0, r.stderr
    assert counts(demo_home)[0] == before[0] + 120
    settings = json.loads((demo_home / "settings.json").read_text(encoding="utf-8"))
    assert settings["import_mappings"]["hours"]  # remembered for the next file with this header


def test_import_with_problems_lists_lines_and_saves_nothing(demo_home, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("\n".join([HEADER, "3/2/2026,City of Edmonds,We helped them,,Network,1.5,,,,fine",
                            "3/2/2026,City of Edmonds,We helped them,,Network,-1,,,,negative",
                            "3/40/2026,City of Edmonds,We helped them,,Network,1,,,,bad date"]) + "\n",
                 encoding="utf-8-sig")
    before = counts(demo_home)
    r = run(demo_home, "hours", "import", str(p))
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert lines[0].startswith("bad.csv: line 3: ") and "negative" in lines[0]
    assert lines[1].startswith("bad.csv: line 4: ") and "not a real date" in lines[1]
    assert "2 rows cannot be imported" in lines[-1] and "nothing was imported" in lines[-1]
    assert counts(demo_home) == before


def test_agreements_list_ics_and_attach(demo_home, tmp_path):
    items = json.loads(run(demo_home, "agreements", "list", "--json").stdout)
    assert len(items) == 7 and all(a["status"] in {"draft", "active", "expiring", "expired", "unfiled"}
                                   for a in items)
    assert {"parties", "filing_reference", "cap_cents", "termination_notice_days"} <= set(items[0])
    out = tmp_path / "deadlines.ics"
    r = run(demo_home, "agreements", "ics", str(out))
    assert r.returncode == 0, r.stderr
    cal = vobject.readOne(out.read_text(encoding="utf-8"))
    assert len(cal.vevent_list) == 14
    doc = tmp_path / "signed.pdf"
    doc.write_bytes(b"%PDF-1.4 signed")
    r = run(demo_home, "agreements", "attach", items[0]["number"], str(doc))
    assert r.returncode == 0, r.stderr
    rel = json.loads(run(demo_home, "agreements", "list", "--json").stdout)[0]["document_path"]
    assert (demo_home / "attachments" / rel).read_bytes() == b"%PDF-1.4 signed"


def test_mileage_commands(demo_home):
    day = (last_quarter().start + timedelta(days=14)).isoformat()
    r = run(demo_home, "mileage", "set", day, "75")
    assert r.returncode == 0, r.stderr
    rates = json.loads(run(demo_home, "mileage", "list", "--json").stdout)
    assert {"effective_from": day, "cents_per_mile": "75"}.items() <= next(
        m for m in rates if m["effective_from"] == day).items()
