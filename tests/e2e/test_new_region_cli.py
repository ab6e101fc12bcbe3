"""Issue 16's proof: a CTO who is not from Lynnwood builds a region from an empty database with the command line
alone — the home agency with every statement field, two partners, a filed agreement with rates, hours both ways,
a duplicate refused, a mistaken entry deleted — and issues the last completed quarter's statements. Every PDF
carries the home agency's name, UBI and billing contact and nothing of the demo region."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from tests.e2e.conftest import last_quarter, this_fy

DEMO_WORDS = ("Lynnwood", "LYN-", "Edmonds", "Mountlake", "Mukilteo", "Snohomish", "Woodway", "Brier")


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    p = subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                       timeout=180)
    if ok:
        assert p.returncode == 0, f"{args}: {p.stderr}"
    return p


def refused(home: Path, *args: str) -> str:
    p = run(home, *args, ok=False)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1, (args, p.stderr)
    return p.stderr


def logo_file(path: Path) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (240, 240), (255, 255, 255))
    ImageDraw.Draw(img).ellipse((10, 10, 230, 230), fill=(20, 70, 140))
    img.save(path, "PNG")
    return path


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(path.read_bytes())).pages)


@pytest.mark.slow  # about twenty CLI subprocesses
def test_a_region_from_an_empty_database_by_the_command_line_alone(home, tmp_path):
    q = last_quarter()
    term_start = date(q.start.year - 1, 1, 1)  # the agreements were signed the year before
    day = lambda n: (q.start + timedelta(days=n)).isoformat()  # noqa: E731  (days inside the quarter)

    # an empty database: nothing seeded, and the error names the command that sets it up
    assert json.loads(run(home, "agencies", "list", "--json").stdout) == []
    assert "partnerdesk agencies add CODE --name NAME --home" in refused(home, "hours", "list")

    # 1. the home agency, with every field a statement prints
    home_json = json.loads(run(
        home, "agencies", "add", "SPR", "--name", "City of Springfield", "--home", "--kind", "city",
        "--address", r"100 Main Street\nSpringfield, WA 98000", "--phone", "(360) 555-0100",
        "--website", "https://www.springfield.example.gov", "--ubi", "601 234 567", "--ein", "91-1234567",
        "--fy-start-month", "1", "--billing-contact-name", "Dana Reyes",
        "--billing-contact-email", "dana.reyes@springfield.example.gov", "--billing-contact-phone", "(360) 555-0142",
        "--remit-to", r"City of Springfield\nFinance Department\nPO Box 100\nSpringfield, WA 98000",
        "--eft", "ACH: Springfield Municipal Bank, routing 125000000, account 000123456",
        "--logo", str(logo_file(tmp_path / "seal.png")), "--json").stdout)
    assert home_json["is_home"] and home_json["ubi"] == "601-234-567"
    assert home_json["logo_image"]["bytes"] > 0  # kept in the database, not as a path
    assert "--ubi" in refused(home, "agencies", "add", "BAD", "--name", "Bad UBI", "--ubi", "12")

    # 2. two partners
    for code, name, street in (("SHE", "City of Shelbyville", r"1 Evergreen Terrace\nShelbyville, WA 98001"),
                               ("OGD", "Town of Ogdenville", r"9 Monorail Way\nOgdenville, WA 98002")):
        run(home, "agencies", "add", code, "--name", name, "--kind", "city", "--address", street,
            "--ap-contact-name", "Accounts Payable", "--ap-contact-email", f"ap@{code.lower()}.example.gov")
    codes = [a["code"] for a in json.loads(run(home, "agencies", "list", "--json").stdout)]
    assert codes[0] == "SPR" and sorted(codes) == ["OGD", "SHE", "SPR"]

    # 3. filed agreements with rates both ways
    for number, partner in (("ILA-SPR-SHE", "SHE"), ("ILA-SPR-OGD", "OGD")):
        a = json.loads(run(
            home, "agreements", "add", number, "--partner", partner, "--title", f"IT support with {partner}",
            "--start", term_start.isoformat(), "--end", date(term_start.year + 4, 12, 31).isoformat(),
            "--approved-on", (term_start - timedelta(days=20)).isoformat(), "--approval-ref", f"Res. {partner}-1",
            "--filed-ref", f"Auditor no. {partner}-0042", "--cap", "50,000", "--offsets",
            "--payment-terms-days", "30", "--json").stdout)
        assert a["status"] == "active" and a["cap_cents"] == 5_000_000 and a["offset_allowed"]
        run(home, "agreements", "rates", "add", number, "--provider", "SPR", "--rate", "118",
            "--from", term_start.isoformat(), "--callout-minimum", "120", "--after-hours-multiplier", "1.5")
        run(home, "agreements", "rates", "add", number, "--provider", partner, "--rate", "110.50",
            "--from", term_start.isoformat())
    rates = json.loads(run(home, "agreements", "rates", "ILA-SPR-SHE", "--json").stdout)
    assert sorted(r["hourly_rate_cents"] for r in rates) == [11050, 11800]

    # 4. hours both ways; the same favour again is refused, naming the first entry
    log = ["hours", "log", "--partner", "SHE", "--direction", "given", "--date", day(10), "--hours", "2",
           "--staff", "Pat Doe", "--category", "NET", "--note", "Core switch upgrade"]
    first = json.loads(run(home, *log, "--json").stdout)[0]
    assert first["amount_cents"] == 23_600
    message = refused(home, *log)
    assert f"likely duplicate of entry {first['id']}" in message and "--allow-duplicate" in message
    run(home, "hours", "log", "--partner", "SHE", "--direction", "received", "--date", day(12), "--hours", "1:30",
        "--staff", "Homer Example", "--note", "PBX trunk card swap")
    run(home, "hours", "log", "--partner", "OGD", "--direction", "given", "--date", day(20), "--hours", "3",
        "--staff", "Pat Doe", "--note", "Firewall rules review")
    mistake = json.loads(run(home, "hours", "log", "--partner", "OGD", "--direction", "given", "--date", day(21),
                             "--hours", "5", "--note", "Logged against the wrong town", "--json").stdout)[0]

    # 5. the mistake is deleted with a reason (kept in the audit trail)
    gone = json.loads(run(home, "hours", "delete", mistake["id"], "--reason", "wrong partner", "--json").stdout)
    assert gone["deleted_reason"] == "wrong partner"
    listed = json.loads(run(home, "hours", "list", "--quarter", str(q), "--json").stdout)
    assert mistake["id"] not in {e["id"] for e in listed} and len(listed) == 3
    audit = json.loads(run(home, "audit", "--entity", mistake["id"], "--json").stdout)
    assert audit[0]["action"] == "delete" and "wrong partner" in json.dumps(audit[0])

    # 6. the last completed quarter's statements
    out = tmp_path / "statements"
    run(home, "statements", "issue", "--quarter", str(q), "--all", "--out", str(out))
    issued = [s for s in json.loads(run(home, "statements", "list", "--json").stdout) if s["number"]]
    assert sorted(s["partner"] for s in issued) == ["OGD", "SHE"]
    for s in issued:
        assert s["number"].startswith(f"SPR-{this_fy()}-")  # numbered in the fiscal year of issue
        text = pdf_text(out / f"{s['number']}.pdf")
        flat = " ".join(text.split())
        for wanted in ("City of Springfield", "601-234-567", "Dana Reyes", "dana.reyes@springfield.example.gov",
                       "100 Main Street", "ACH: Springfield Municipal Bank"):
            assert wanted in flat, (s["number"], wanted)
        assert not [w for w in DEMO_WORDS if w in text], s["number"]
        assert "Logged against the wrong town" not in text  # the deleted entry is billed nowhere
    she = pdf_text(out / f"{next(s['number'] for s in issued if s['partner'] == 'SHE')}.pdf")
    assert "City of Shelbyville" in she and "Core switch upgrade" in she and "PBX trunk card swap" in she

    # a billed entry cannot be deleted; the error says how to credit it
    message = refused(home, "hours", "delete", first["id"], "--reason", "changed my mind")
    assert "billed on statement SPR-" in message and "partnerdesk statements credit SPR-" in message
