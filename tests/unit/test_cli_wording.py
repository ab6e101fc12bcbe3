"""The CLI speaks like the GUI: counts in English, status words not codes, every column headed, the
GUI's field names, one "partnerdesk: error:" prefix, and dates typed the way people say them."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

from partnerdesk.cli import main
from tests.conftest import TODAY


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_counts_read_as_english(home, capsys):
    code, out, _ = cli(capsys, "--db", str(home / "demo.sqlite3"), "demo")
    assert code == 0
    assert "8 agencies, 48 contacts" in out and " agency," not in out and "time entries" in out


def test_usage_errors_name_the_program_once(home, capsys):
    code, _, err = cli(capsys, "agencies", "list", "--frobnicate")
    assert code == 2
    assert err.startswith("partnerdesk: error: ") and err.count("partnerdesk") == 1
    code, _, err = cli(capsys, "hours", "log", "--partner", "X")
    assert code == 2 and err.startswith("partnerdesk: error: hours log: the following arguments are required")


def test_listings_use_status_words_and_head_every_column(home, _demo_template, capsys, tmp_path):
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    code, out, _ = cli(capsys, "agencies", "list")
    header = out.splitlines()[0].split()
    assert header == ["code", "name", "kind", "note"]
    assert cli(capsys, "statements", "issue", "--quarter", "2026Q2", "--partner", "BRI", "--out", str(tmp_path))[0] == 0
    number = json.loads(cli(capsys, "statements", "list", "--json")[1])[0]["number"]
    assert cli(capsys, "payments", "record", number, "--amount", "10.00", "--date", TODAY.isoformat(),
               "--method", "check")[0] == 0
    code, out, _ = cli(capsys, "statements", "list")
    assert "partially paid" in out and "partially_paid" not in out
    assert json.loads(cli(capsys, "statements", "list", "--json")[1])[0]["status"] == "partially_paid"  # data


def test_hours_log_takes_description_and_a_spoken_date(home, _demo_template, capsys):
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    code, out, err = cli(capsys, "hours", "log", "--partner", "MUK", "--direction", "given", "--date", "yesterday",
                         "--hours", "2", "--description", "Core switch failover", "--json")
    assert code == 0, err
    e = json.loads(out)[0]
    assert e["work_date"] == (TODAY - timedelta(days=1)).isoformat() and e["description"] == "Core switch failover"
    code, out, err = cli(capsys, "hours", "log", "--partner", "MUK", "--direction", "given", "--date", "tue",
                         "--hours", "1", "--note", "Old spelling still works", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["work_date"] == "2026-11-24"  # the Tuesday before Thursday 2026-11-26
