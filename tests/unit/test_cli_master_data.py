"""The master-data commands of issue 16, in-process: each prints the object it created or changed with --json,
and a mistake is one line naming the option the user typed, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest

from partnerdesk.cli import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def springfield(home, capsys):
    for argv in (["agencies", "add", "SPR", "--name", "City of Springfield", "--home", "--ubi", "601234567"],
                 ["agencies", "add", "SHE", "--name", "City of Shelbyville"],
                 ["agreements", "add", "ILA-1", "--partner", "SHE", "--title", "IT support", "--start", "2026-01-01",
                  "--filed-ref", "AFN 1"],
                 ["agreements", "rates", "add", "ILA-1", "--provider", "SPR", "--rate", "118", "--from",
                  "2026-01-01"]):
        assert cli(capsys, *argv)[0] == 0
    return home


def test_an_empty_database_names_the_command_that_sets_it_up(home, capsys):
    code, out, err = cli(capsys, "hours", "list")
    assert code == 2 and out == ""
    assert "partnerdesk agencies add CODE --name NAME --home" in err and err.count("\n") == 1


def test_json_prints_the_created_or_changed_object(springfield, capsys):
    code, out, _ = cli(capsys, "agencies", "edit", "SHE", "--address", r"1 Evergreen Terr\nShelbyville, WA 98001",
                       "--json")
    a = json.loads(out)
    assert code == 0 and a["code"] == "SHE" and a["address"] == "1 Evergreen Terr\nShelbyville, WA 98001"
    code, out, _ = cli(capsys, "agreements", "edit", "ILA-1", "--cap", "25,000", "--offsets", "--json")
    assert json.loads(out)["cap_cents"] == 2_500_000 and json.loads(out)["offset_allowed"] is True
    code, out, _ = cli(capsys, "agreements", "rates", "end", "ILA-1", "--provider", "SPR", "--on", "2026-12-31",
                       "--json")
    assert json.loads(out)["effective_to"] == "2026-12-31"
    code, out, _ = cli(capsys, "agreements", "rates", "ILA-1", "--json")  # the listing keeps its old spelling
    assert code == 0 and [r["hourly_rate_cents"] for r in json.loads(out)] == [11800]


@pytest.mark.parametrize("argv, message", [
    (["agencies", "add", "OGD", "--name", "Ogdenville", "--ubi", "12"], "--ubi: '12' is not a Washington UBI"),
    (["agencies", "add", "OGD", "--name", "Ogdenville", "--billing-contact-email", "x"],
     "--billing-contact-email: 'x' is not an e-mail address"),
    (["agencies", "add", "OGD", "--name", "Ogdenville", "--logo", "/nonexistent/seal.png"],
     "--logo: '/nonexistent/seal.png' is not a file"),
    (["agencies", "add", "OGD", "--name", "Ogdenville", "--home"], None),  # moves home: nothing logged yet
    (["agreements", "add", "ILA-2", "--partner", "SHE", "--title", "x", "--start", "2026-02-30"],
     "--start: '2026-02-30' is not a real date"),
    (["agreements", "add", "ILA-2", "--partner", "SHE", "--title", "x", "--start", "2026-01-01", "--end",
      "2025-01-01"], "--end: before the effective date"),
    (["agreements", "add", "ILA-2", "--partner", "SHE", "--title", "x", "--start", "2026-01-01", "--approved-on",
      "2025-12-01"], "--approved-on and --approval-ref go together"),
    (["agreements", "rates", "add", "ILA-1", "--provider", "SHE", "--rate", "12.345", "--from", "2026-01-01"],
     "--rate: '12.345' has more than two decimals"),
    (["agreements", "rates", "add", "ILA-1", "--provider", "SPR", "--rate", "120", "--from", "2026-01-01"],
     "--from: ILA-1 already has a rate for SPR starting 2026-01-01"),
    (["agreements", "rates", "add", "ILA-1", "--provider", "SHE", "--rate", "120", "--from", "2026-01-01",
      "--after-hours-multiplier", "9"], "--after-hours-multiplier: 9 must be between 1 and 5"),
    (["agreements", "rates", "end", "ILA-1", "--provider", "SHE", "--on", "2026-05-01"],
     "--on: ILA-1 has no rate for SHE"),
    (["hours", "delete", "nope", "--reason", "x"], "no time entry with id nope"),
])
def test_a_mistake_is_one_line_naming_the_option(springfield, capsys, argv, message):
    code, out, err = cli(capsys, *argv)
    if message is None:
        assert code == 0
        return
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith(f"partnerdesk: error: {message}"), err


def test_hours_duplicate_delete_and_restore(springfield, capsys):
    log = ["hours", "log", "--partner", "SHE", "--direction", "given", "--date", "2026-11-02", "--hours", "2",
           "--staff", "Pat Doe"]
    assert cli(capsys, *log)[0] == 0
    first = json.loads(cli(capsys, "hours", "list", "--json")[1])[0]["id"]
    code, out, err = cli(capsys, *log)
    assert code == 2 and f"likely duplicate of entry {first}" in err and "--allow-duplicate" in err
    assert cli(capsys, *log, "--allow-duplicate")[0] == 0
    code, out, err = cli(capsys, "hours", "delete", first, "--reason", "logged twice", "--json")
    assert code == 0 and json.loads(out)["deleted_reason"] == "logged twice"
    assert len(json.loads(cli(capsys, "hours", "list", "--json")[1])) == 1
    code, out, _ = cli(capsys, "hours", "restore", first)
    assert code == 0 and out.startswith(f"Restored entry {first}")


def test_hours_list_shows_overtime_in_its_own_column(springfield, capsys):
    """Issue 15: the text table of `hours list` shows which entries are overtime (and after hours)."""
    base = ["hours", "log", "--partner", "SHE", "--direction", "given", "--date", "2026-11-02", "--staff", "Pat Doe"]
    assert cli(capsys, *base, "--hours", "2", "--overtime")[0] == 0
    assert cli(capsys, *base, "--hours", "3", "--overtime", "--after-hours")[0] == 0
    assert cli(capsys, *base, "--hours", "1")[0] == 0
    code, out, _ = cli(capsys, "hours", "list")
    head, *rows = [ln for ln in out.splitlines() if ln.strip() and not set(ln) <= set("-+ |")]
    assert code == 0 and "premium" in head
    at = head.index("premium")
    flags = {row.split()[5]: row[at:].split("  ")[0].strip() for row in rows}  # hours -> premium
    assert flags == {"2.00": "overtime", "3.00": "after hours, overtime", "1.00": ""}, out
