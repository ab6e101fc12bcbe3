"""Regional settlement as a finance officer runs it (issue 20): `partnerdesk settlement ...` as a subprocess on
a region of four agencies with statements issued for the last completed quarter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import last_quarter, real_today
from tests.unit.settlement_region import answer_from_partner, build_region

Q = last_quarter()
WEB = [("LYN", "EDM", 1_200_00), ("EDM", "MLT", 450_50), ("MLT", "LYN", 300_25), ("MUK", "LYN", 99_99),
       ("EDM", "LYN", 75_00), ("MUK", "EDM", 10_01)]


def _region(synced: bool = True):
    from partnerdesk.app import open_context

    ctx = open_context()
    try:
        build_region(ctx, Q, WEB, synced=synced)
    finally:
        ctx.close()


@pytest.fixture
def run(home):
    env = dict(os.environ, PARTNERDESK_HOME=str(home))

    def _run(*args, check=True):
        p = subprocess.run([sys.executable, "-m", "partnerdesk", *args], capture_output=True, text=True, env=env,
                           timeout=300)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    return _run


@pytest.mark.slow  # about ten CLI subprocesses
def test_propose_accept_and_settle_four_agencies(run, home, tmp_path):
    _region()
    out = tmp_path / "out"
    p = run("settlement", "propose", "--quarter", str(Q), "--out", str(out), "--json")
    plan = json.loads(p.stdout)
    assert plan["mode"] == "multilateral" and not plan["bilateral_only"] and plan["status"] == "proposed"
    assert len(plan["parties"]) == 4 and 1 <= len(plan["transfers"]) <= 3
    positions = {x["agency"]: x["position_cents"] for x in plan["parties"]}
    assert positions == {"LYN": 1_200_00 - 300_25 - 99_99 - 75_00, "EDM": -1_200_00 + 450_50 + 75_00 - 10_01,
                         "MLT": 300_25 - 450_50, "MUK": 99_99 + 10_01}
    assert sum(t["amount_cents"] for t in plan["transfers"]) == sum(v for v in positions.values() if v > 0)
    code = plan["code"]
    pdf, csv_file = out / f"settlement-{Q}-{code}.pdf", out / f"settlement-{Q}-{code}.csv"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    for t in plan["transfers"]:
        assert t["reference"].startswith(f"SETTLE-{Q}-{code}-") and t["reference"] in text
    assert "Regional Settlement Proposal" in text and "PROPOSER'S CERTIFICATION" in text
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    assert csv_file.read_bytes().decode("utf-8-sig").count(",0.00\r\n") == 2 * len(WEB)  # every balance ends at zero

    p = run("settlement", "accept", code)
    assert f"Settlement proposal {code} for {Q}: awaiting acceptance" in p.stdout
    p = run("settlement", "pay", code, "--transfer", "1", "--date", real_today().isoformat(), check=False)
    assert p.returncode == 2 and "not final: waiting for EDM, MLT, MUK" in p.stderr
    from partnerdesk.app import open_context

    ctx = open_context()  # the partners accept on their own installations; their answers arrive by sync
    try:
        for partner in ("EDM", "MLT", "MUK"):
            answer_from_partner(ctx, plan["id"], partner)
    finally:
        ctx.close()
    listed = json.loads(run("settlement", "list", "--json").stdout)
    assert [(x["code"], x["status"]) for x in listed] == [(code, "final")]
    mine = [t for t in plan["transfers"] if "LYN" in (t["payer"], t["payee"])]
    for t in mine:
        run("settlement", "pay", code, "--transfer", str(t["seq"]), "--date", real_today().isoformat())
    pays = json.loads(run("payments", "list", "--json").stdout)
    settled = {x["statement_number"] for x in pays}
    assert settled == {n for t in mine for n in t["statements"]}
    assert {x["method"] for x in pays} == {"settlement"}
    assert all(x["reference"].startswith(f"SETTLE-{Q}-{code}-") for x in pays)


def test_without_sync_the_plan_is_labelled_bilateral(run, tmp_path):
    _region(synced=False)
    p = run("settlement", "propose", "--quarter", str(Q))
    assert "BILATERAL NETTING ONLY" in p.stdout
    code = json.loads(run("settlement", "list", "--json").stdout)[0]["code"]
    p = run("settlement", "decline", code, "--reason", "council approval first")
    assert "declined" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["settlement", "propose", "--quarter", "2026Q5"], "not a quarter"),
    (["settlement", "propose", "--quarter", "Q3"], "not a quarter"),
    (["settlement", "propose", "--quarter", str(Q.previous().previous())], "nothing to settle"),
    (["settlement", "propose", "--quarter", str(Q), "--out", "FILE"], "is a file"),
    (["settlement", "propose", "--quarter", str(Q), "--out", "/proc/partnerdesk-settlement"], "cannot write there"),
    (["settlement", "accept", "NOPE42"], "no settlement proposal 'NOPE42'"),
    (["settlement", "decline", "NOPE42"], "--reason"),
    (["settlement", "pay", "NOPE42", "--transfer", "x", "--date", "2026-01-01"], "not a transfer number"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(run, tmp_path, args, message):
    _region()
    (tmp_path / "FILE").write_text("not a folder")
    args = [str(tmp_path / a) if a == "FILE" else a for a in args]
    p = run(*args, check=False)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr and p.stderr.count("\n") == 1
    assert json.loads(run("settlement", "list", "--json").stdout) == []
    assert (tmp_path / "FILE").read_text() == "not a folder"
