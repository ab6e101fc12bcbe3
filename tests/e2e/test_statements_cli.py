"""The billing commands as a user runs them: a subprocess on a copy of the demo region."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.e2e.conftest import last_quarter, real_today, this_fy

Q = str(last_quarter())


@pytest.fixture
def run(home, _demo_template):
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    env = dict(os.environ, PARTNERDESK_HOME=str(home))

    def _run(*args, check=True):
        p = subprocess.run([sys.executable, "-m", "partnerdesk", *args], capture_output=True, text=True, env=env,
                           timeout=300)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    return _run


@pytest.mark.slow  # about ten CLI subprocesses
def test_draft_issue_list_pay_verify_void_account(run, tmp_path):
    out = tmp_path / "out"
    p = run("statements", "issue", "--quarter", Q, "--all", "--out", str(out))
    assert "skipped AWW" in p.stderr and "RCW 39.34.040" in p.stderr
    listed = json.loads(run("statements", "list", "--json").stdout)
    issued = [s for s in listed if s["number"]]
    assert len(issued) >= 4  # the demo's partners with acknowledged hours that quarter (AWW's agreement is unfiled)
    for s in issued:
        assert {"number", "partner", "period", "status", "total_cents", "amount_due_cents", "pdf_sha256"} <= set(s)
        assert (out / f"{s['number']}.pdf").is_file()
    owed = max((s for s in issued if s["partner"] != "MLT"), key=lambda s: s["amount_due_cents"])  # MLT is voided below
    assert owed["amount_due_cents"] > 10_000
    number, due = owed["number"], owed["amount_due_cents"]
    run("payments", "record", number, "--amount", "100.00", "--date", real_today().isoformat(), "--method", "warrant",
        "--ref", "W-1")
    after = {s["number"]: s for s in json.loads(run("statements", "list", "--json").stdout)}
    assert after[number]["status"] == "partially_paid" and after[number]["balance_cents"] == due - 10_000
    copy = tmp_path / "copy.pdf"
    run("statements", "pdf", number, str(copy))
    assert copy.read_bytes() == (out / f"{number}.pdf").read_bytes()
    bad = bytearray(copy.read_bytes())
    bad[500] ^= 0xFF
    copy.write_bytes(bytes(bad))
    p = run("statements", "verify", number, "--file", str(copy), check=False)
    assert p.returncode == 3 and "byte 500" in p.stderr
    mlt = next(s for s in issued if s["partner"] == "MLT")["number"]
    run("statements", "void", mlt, "--reason", "Wrong rate in May")
    p = run("statements", "issue", "--quarter", Q, "--partner", "MLT", "--out", str(out))
    assert f"LYN-{this_fy()}-{len(issued) + 1:04d}" in p.stdout  # the voided number is never reused
    audit = json.loads(run("audit", "--json", "--limit", "2000").stdout)
    assert {"issue", "void", "payment"} <= {e["action"] for e in audit}


@pytest.mark.parametrize("args, message", [
    (["statements", "draft", "--quarter", "2026Q5", "--all"], "not a quarter"),
    (["statements", "issue", "--quarter", Q, "--partner", "ZZZ", "--out", "OUT"], "unknown partner"),
    (["statements", "issue", "--quarter", Q, "--partner", "AWW", "--out", "OUT"], "RCW 39.34.040"),
    (["statements", "pdf", f"LYN-{this_fy()}-9999", "x.pdf"], "no statement"),
    (["payments", "record", f"LYN-{this_fy()}-0001", "--amount", "abc", "--date", real_today().isoformat(), "--method", "check"],
     "not an amount"),
    (["statements", "account", "EDM", "acct.txt"], ".pdf or .csv"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(run, home, tmp_path, args, message):
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    args = [str(tmp_path / a) if a.endswith((".pdf", ".txt")) else a for a in args]
    p = run(*args, check=False)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], p.stderr
    assert [f.name for f in tmp_path.iterdir()] == [home.name]


@pytest.mark.parametrize("args", [
    ["payments", "record", "LYN-2026-0001", "--amount", "1.005", "--date", "2026-12-01", "--method", "check"],
    ["statements", "credit", "LYN-2026-0001", "--reason", "rate typo", "--amount", "0.125"],
])
def test_an_amount_with_a_fraction_of_a_cent_is_refused_not_rounded(run, args):
    """Issue 15: "payments record --amount 1.005" was silently rounded to $1.01."""
    p = run(*args, check=False)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "more than two decimals" in lines[0], p.stderr


def test_issue_into_an_unwritable_folder_numbers_nothing(run, tmp_path):
    """Issue 15: the first statement was numbered and committed, then 'internal error' (exit 1)."""
    if os.geteuid() != 0:
        (tmp_path / "ro").mkdir()
        (tmp_path / "ro").chmod(0o500)
        out = tmp_path / "ro" / "out"
    elif os.path.isdir("/sys"):
        out = "/sys/partnerdesk-test-out"  # root writes anywhere else
    else:
        pytest.skip("no folder is unwritable for this user")
    p = run("statements", "issue", "--quarter", Q, "--all", "--out", str(out), check=False)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot write there" in lines[0], p.stderr
    assert not any(s["number"] for s in json.loads(run("statements", "list", "--json").stdout))


@pytest.mark.slow  # issues the whole quarter
def test_a_pdf_not_written_after_issue_is_reported_and_the_run_goes_on(run, tmp_path):
    out = tmp_path / "out"
    second = f"LYN-{this_fy()}-0002"
    (out / f"{second}.pdf").mkdir(parents=True)  # a folder where the second PDF should go
    p = run("statements", "issue", "--quarter", Q, "--all", "--out", str(out), check=False)
    assert p.returncode == 2, p.stderr
    errors = [ln for ln in p.stderr.splitlines() if second in ln]
    assert len(errors) == 2  # its own line, and the summary
    assert "is issued, but its PDF was not written" in errors[0]
    issued = [s for s in json.loads(run("statements", "list", "--json").stdout) if s["number"]]
    assert len(issued) >= 4 and all(s["status"] == "issued" for s in issued)
    assert p.stderr.strip().splitlines()[-1].startswith(
        f"partnerdesk: error: {len(issued)} statements issued; 1 PDF not")
    assert sorted(f.name for f in out.glob("*.pdf") if f.is_file()) == sorted(
        f"{s['number']}.pdf" for s in issued if s["number"] != second)
    run("statements", "pdf", second, str(tmp_path / "later.pdf"))
    assert (tmp_path / "later.pdf").read_bytes().startswith(b"%PDF")


def test_verify_names_a_line_edited_straight_in_sqlite(run, home, tmp_path):
    """Issue 15: a line's amount edited in the database file still verified as "intact" (exit 0)."""
    import sqlite3

    run("statements", "issue", "--quarter", Q, "--partner", "EDM", "--out", str(tmp_path / "out"))
    number = next(s["number"] for s in json.loads(run("statements", "list", "--json").stdout) if s["number"])
    assert run("statements", "verify", "--all").returncode == 0
    con = sqlite3.connect(home / "partnerdesk.sqlite3")
    con.execute("UPDATE statement_line SET amount_cents = amount_cents + 10000 WHERE position = 1 AND statement_id = "
                "(SELECT id FROM statement WHERE number = ?)", (number,))
    con.commit()
    con.close()
    for args in (["statements", "verify", number], ["statements", "verify", "--all"]):
        p = run(*args, check=False)
        assert p.returncode == 3 and f"{number}: ALTERED" in p.stderr and "line 1 amount_cents" in p.stderr, p.stderr
