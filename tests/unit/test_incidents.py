"""Issue 20, part 2: disaster cost recovery. A golden incident worked by hand — three people, regular time and
overtime, two fringe rates, a pay rise in the middle of the incident — through the Force Account Labor Summary
(PDF and CSV read back to the cent) and the Mutual Aid Reimbursement Request (numbered, frozen, verified).

The expected cents are written out below (docs/incidents.md, "The rounding rule"):

Quinn Svensson, permanent; from the FY start $48.50 reg / $72.75 OT, from D2 $50.00 / $75.00; fringe 38.5 % / 9.65 %
  benefit/h: 48.50 × 38.5 % = 18.6725 → $18.67 (total $67.17);  72.75 × 9.65 % = 7.020375 → $7.02 ($79.77)
             50.00 × 38.5 % = 19.25 ($69.25);                    75.00 × 9.65 % = 7.2375 → $7.24 ($82.24)
  regular D0 8 h + D1 8 h = 16 h × 67.17 = $1,074.72   not eligible (permanent staff, regular time)
  overtime D0 4 h × 79.77 = $319.08
  regular D2 8 h × 69.25 = $554.00                      not eligible
  overtime D2 2.5 h × 82.24 = $205.60
Liam O'Neill, permanent; $41.20 reg / $61.80 OT; fringe 25 % / 7.65 %
  benefit/h: 41.20 × 25 % = $10.30 ($51.50); 61.80 × 7.65 % = 4.7277 → $4.73 ($66.53)
  overtime D1 6.5 h × 66.53 = 432.445 → $432.45 (half up)
  regular D2 7.75 h × 51.50 = 399.125 → $399.13 (half up)  not eligible
Ana Moreno, temporary; $38.00 reg / $57.00 OT; fringe 25 % / 7.65 %
  benefit/h: 38.00 × 25 % = $9.50 ($47.50); 57.00 × 7.65 % = 4.3605 → $4.36 ($61.36)
  regular D1 7.5 h × 47.50 = $356.25 (temporary staff: eligible)
  overtime D2 3 h × 61.36 = $184.08

Claimable: regular $356.25 (7.50 h); overtime 319.08 + 205.60 + 432.45 + 184.08 = $1,141.21 (16.00 h);
total $1,497.46. Listed, not claimed: 1,074.72 + 554.00 + 399.13 = $2,027.85 (31.75 h).
Actual cost of every hour (the reimbursement request): $3,525.31.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
from datetime import timedelta

import pytest

from partnerdesk.cli import main
from tests.conftest import TODAY

D0 = TODAY - timedelta(days=20)
D1, D2 = D0 + timedelta(days=1), D0 + timedelta(days=2)
FY_START = TODAY.replace(month=1, day=1)
QUINN, LIAM, ANA = "Quinn Svensson", "Liam O'Neill", "Ana Moreno"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


@pytest.fixture
def golden(demo_ctx, capsys):
    ok(capsys, "incidents", "add", "WS-GOLD", "--name", "Windstorm", "--start", D0, "--end", D2 + timedelta(days=2),
       "--declaration", "DR-4999-WA", "--work", "emergency", "--pa-id", "061-12345-00", "--project", "PW-0042",
       "--site", "Edmonds civic campus", "--category", "B", "--description", "Restore network and phones")
    for name, reg, ot, fr, fo, start, extra in (
            (QUINN, "48.50", "72.75", "38.5", "9.65", FY_START, []),
            (QUINN, "50.00", "75.00", "38.5", "9.65", D2, []),
            (LIAM, "41.20", "61.80", "25", "7.65", FY_START, []),
            (ANA, "38", "57", "25%", "7.65", FY_START, ["--temporary"])):
        ok(capsys, "staff", "rate", "set", name, "--regular", reg, "--overtime", ot, "--fringe-regular", fr,
           "--fringe-overtime", fo, "--from", start, *extra)
    for name, day, hours, overtime in ((QUINN, D0, "8", False), (QUINN, D0, "4", True), (QUINN, D1, "8", False),
                                       (QUINN, D2, "8", False), (QUINN, D2, "2.5", True), (LIAM, D1, "6.5", True),
                                       (LIAM, D2, "7.75", False), (ANA, D1, "7.5", False), (ANA, D2, "3", True)):
        ok(capsys, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", day, "--hours", hours,
           "--staff", name, "--category", "OUT", "--incident", "ws-gold", "--allow-duplicate",
           *(["--overtime"] if overtime else []))
    return demo_ctx


def test_the_golden_incident_to_the_cent(golden):
    doc = golden.services.incidents.labor_document("WS-GOLD")
    rows = [(r.name, r.kind, r.rate_from, r.minutes, r.hourly_cents, r.benefit_cents, r.total_hourly_cents,
             r.cost_cents, r.claimable) for r in doc.summary.rows]
    assert rows == [
        (ANA, "regular", FY_START, 450, 38_00, 9_50, 47_50, 356_25, True),
        (ANA, "overtime", FY_START, 180, 57_00, 4_36, 61_36, 184_08, True),
        (LIAM, "regular", FY_START, 465, 41_20, 10_30, 51_50, 399_13, False),
        (LIAM, "overtime", FY_START, 390, 61_80, 4_73, 66_53, 432_45, True),
        (QUINN, "regular", FY_START, 960, 48_50, 18_67, 67_17, 1074_72, False),
        (QUINN, "overtime", FY_START, 240, 72_75, 7_02, 79_77, 319_08, True),
        (QUINN, "regular", D2, 480, 50_00, 19_25, 69_25, 554_00, False),
        (QUINN, "overtime", D2, 150, 75_00, 7_24, 82_24, 205_60, True),
    ]
    s = doc.summary
    assert (s.regular_minutes, s.regular_cents) == (450, 356_25)
    assert (s.overtime_minutes, s.overtime_cents) == (960, 1141_21)
    assert s.claimable_cents == 1497_46
    assert (s.not_claimed_minutes, s.not_claimed_cents) == (1905, 2027_85)
    assert s.actual_cost_cents == 3525_31
    assert (doc.period_start, doc.period_end) == (D0, D2)


def test_the_csv_reads_back_to_the_cent(golden, capsys, tmp_path):
    out = ok(capsys, "incidents", "labor-summary", "WS-GOLD", "--out", tmp_path / "ws.csv")
    assert "claimable $1,497.46" in out
    rows = list(csv.reader(io.StringIO((tmp_path / "ws.csv").read_text("utf-8"))))
    fields = {r[0]: r[1:] for r in rows if r}
    assert fields["disaster_number"] == ["DR-4999-WA"] and fields["pa_id"] == ["061-12345-00"]
    assert fields["project_number"] == ["PW-0042"] and fields["site"] == ["Edmonds civic campus"]
    assert fields["period_start"] == [D0.isoformat()] and fields["period_end"] == [D2.isoformat()]
    head = rows.index(next(r for r in rows if r and r[0] == "employee"))
    lines = []
    for r in rows[head + 1:]:
        if not r:
            break
        lines.append(dict(zip(rows[head], r)))
    assert [(x["employee"], x["time"], x["total_hours"], x["total_cost"], x["claimable"]) for x in lines] == [
        (ANA, "regular", "7.50", "356.25", "yes"), (ANA, "overtime", "3.00", "184.08", "yes"),
        (LIAM, "regular", "7.75", "399.13", "no"), (LIAM, "overtime", "6.50", "432.45", "yes"),
        (QUINN, "regular", "16.00", "1074.72", "no"), (QUINN, "overtime", "4.00", "319.08", "yes"),
        (QUINN, "regular", "8.00", "554.00", "no"), (QUINN, "overtime", "2.50", "205.60", "yes")]
    assert lines[4]["dates_and_hours"] == f"{D0:%m/%d} 8.00; {D1:%m/%d} 8.00"
    assert "usually not eligible" in lines[2]["note"]
    assert fields["total_regular_claimable"] == ["7.50", "356.25"]
    assert fields["total_overtime_claimable"] == ["16.00", "1141.21"]
    assert fields["total_claimable"] == ["23.50", "1497.46"]
    assert fields["listed_not_claimed"] == ["31.75", "2027.85"]
    assert "payroll records" in fields["certification"][0] and "available for audit" in fields["certification"][0]
    sheet = rows.index(next(r for r in rows if r and r[0] == "worksheet"))
    benefits = [r for r in rows[sheet + 2:] if r]
    assert [(b[0], b[3], b[6], b[9]) for b in benefits] == [
        (ANA, FY_START.isoformat(), "9.50", "4.36"), (LIAM, FY_START.isoformat(), "10.30", "4.73"),
        (QUINN, FY_START.isoformat(), "18.67", "7.02"), (QUINN, D2.isoformat(), "19.25", "7.24")]


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def _qpdf_ok(path) -> None:
    if shutil.which("qpdf") is None:  # pragma: no cover - qpdf is installed where the suite runs
        pytest.skip("qpdf is not installed")
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def test_the_pdf_reads_back_to_the_cent(golden, capsys, tmp_path):
    ok(capsys, "incidents", "labor-summary", "WS-GOLD", "--out", tmp_path / "ws.pdf", "--certify-name",
       "Priya Lindqvist")
    _qpdf_ok(tmp_path / "ws.pdf")
    text = _pdf_text(tmp_path / "ws.pdf")
    for needle in ("FORCE ACCOUNT LABOR SUMMARY RECORD", "FEMA Form 009-0-123", "DR-4999-WA", "061-12345-00",
                   "PW-0042", "Edmonds civic campus", "Emergency protective", "$356.25", "$1,141.21", "$1,497.46",
                   "$2,027.85", "$1,074.72", "$432.45", "$399.13", "$67.17", "$82.24", "usually not", "payroll records",
                   "available for audit", "Priya Lindqvist", "IT Director",
                   "APPLICANT'S BENEFIT CALCULATION WORKSHEET", "FEMA Form 009-0-128", "38.5%", "7.65%"):
        assert needle in text, needle
    from pypdf import PdfReader

    page = PdfReader(str(tmp_path / "ws.pdf")).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape


def test_regular_time_counted_with_a_reason(golden, capsys, tmp_path):
    ok(capsys, "incidents", "count-regular", "WS-GOLD", "--staff", LIAM, "--reason",
       "Backfilled position: straight time is an extra cost")
    s = golden.services.incidents.labor_document("WS-GOLD").summary
    assert (s.regular_minutes, s.regular_cents) == (450 + 465, 356_25 + 399_13)
    assert s.not_claimed_cents == 1074_72 + 554_00
    ok(capsys, "incidents", "labor-summary", "WS-GOLD", "--out", tmp_path / "ws.csv")
    text = (tmp_path / "ws.csv").read_text("utf-8")
    assert "counted: Backfilled position" in text and "regular_time_counted,Liam O'Neill" in text


def test_the_mutual_aid_request_is_a_statement_at_actual_cost(golden, capsys, tmp_path):
    issued = json.loads(ok(capsys, "incidents", "invoice", "WS-GOLD", "--partner", "EDM", "--out", tmp_path,
                           "--json"))
    assert issued["kind"] == "mutual_aid" and issued["amount_due_cents"] == 3525_31
    number = issued["number"]
    assert number.startswith("LYN-")  # the statements' own series
    assert "intact" in ok(capsys, "statements", "verify", number)
    pdf = tmp_path / f"{number}.pdf"
    _qpdf_ok(pdf)
    text = _pdf_text(pdf)
    for needle in ("MUTUAL AID", "REIMBURSEMENT", "WS-GOLD", "DR-4999-WA", "ILA-2024-001", "actual cost",
                   "$3,525.31", "$1,074.72", "$432.45", "payroll records", "pay $48.50/h", "($18.67/h)"):
        assert needle in text, needle
    # billed once: the hours are now invoiced, and the request is frozen like any issued statement
    code, _out, err = run(capsys, "incidents", "invoice", "WS-GOLD", "--partner", "EDM")
    assert code == 2 and "nothing to bill EDM for WS-GOLD" in err
    from partnerdesk.errors import FrozenError

    with pytest.raises(FrozenError):
        with golden.db.write() as s:
            from partnerdesk.db.models import Statement

            st = s.query(Statement).filter_by(number=number).one()
            st.total_cents = 1
    assert golden.services.statements.get(number).balance_cents == 3525_31
    ok(capsys, "payments", "record", number, "--amount", "3525.31", "--date", TODAY, "--method", "eft")
    assert golden.services.statements.get(number).status == "paid"


def test_agreement_rates_when_the_agreement_says_so(golden, capsys):
    ok(capsys, "agreements", "edit", "ILA-2024-001", "--mutual-aid-pricing", "agreement-rates")
    assert golden.services.agreements.get("ILA-2024-001").mutual_aid_pricing == "agreement_rates"
    issued = json.loads(ok(capsys, "incidents", "invoice", "WS-GOLD", "--partner", "EDM", "--json"))
    lines = golden.services.statements.lines(issued["number"])
    priced = sum(e.amount_cents for e in golden.services.hours.list(partner="EDM")
                 if e.statement_number == issued["number"])
    assert issued["amount_due_cents"] == sum(ln.amount_cents for ln in lines) == priced != 3525_31


def test_hours_name_a_real_incident(golden, capsys):
    code, _out, err = run(capsys, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", D1,
                          "--hours", "1", "--staff", ANA, "--incident", "NO-SUCH")
    assert code == 2 and "incident: unknown 'NO-SUCH'" in err and "WS-GOLD" in err
    listed = json.loads(ok(capsys, "incidents", "list", "--json"))
    assert [(i["ref"], i["declaration"], i["work"], i["hours_minutes"]) for i in listed if i["ref"] == "WS-GOLD"] == [
        ("WS-GOLD", "DR-4999-WA", "emergency", 480 + 240 + 480 + 480 + 150 + 390 + 465 + 450 + 180)]
    code, _out, err = run(capsys, "incidents", "labor-summary", "NO-SUCH", "--out", "x.pdf")
    assert code == 2 and "unknown 'NO-SUCH'" in err
    code, _out, err = run(capsys, "incidents", "labor-summary", "WS-GOLD", "--out", "x.txt")
    assert code == 2 and ".pdf or .csv" in err


def test_a_missing_pay_rate_is_named(golden, capsys):
    ok(capsys, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", D1, "--hours", "2",
       "--staff", "Zoë Castillo", "--incident", "WS-GOLD")
    code, _out, err = run(capsys, "incidents", "labor-summary", "WS-GOLD", "--out", "x.csv")
    assert code == 2 and f"no pay rate for Zoë Castillo on {D1.isoformat()}" in err and "staff rate set" in err


def test_a_mistyped_rate_names_its_option(golden, capsys):
    for option, value, said in (("--regular", "abc", "--regular: 'abc' is not an amount"),
                                ("--fringe-overtime", "250", "--fringe-overtime: 250 must be from 0 to 200"),
                                ("--from", "2026-13-01", "--from")):
        values = {"--regular": "40", "--overtime": "60", "--fringe-regular": "30", "--fringe-overtime": "8",
                  "--from": FY_START.isoformat(), option: value}
        code, _out, err = run(capsys, "staff", "rate", "set", ANA, *[x for kv in values.items() for x in kv])
        assert code == 2 and said in err and "Traceback" not in err


def test_pay_rates_are_private(golden, capsys, tmp_path):
    from sqlalchemy import func, select

    from partnerdesk.db.models import SYNCED_TABLES, SyncOp

    from partnerdesk.db.models import Agency, Contact

    with golden.db.read() as s:
        neighbour = s.scalar(select(Contact.name).join(Agency, Agency.id == Contact.agency_id)
                             .where(Agency.code == "EDM").limit(1))
    code, _out, err = run(capsys, "staff", "rate", "set", neighbour, "--regular", "40", "--overtime",
                          "60", "--fringe-regular", "30", "--fringe-overtime", "8", "--from", FY_START)
    assert code == 2 and "pay rates are kept for LYN's own staff only" in err
    assert "staff_pay_rate" not in SYNCED_TABLES and "incident" in SYNCED_TABLES
    with golden.db.read() as s:
        assert s.scalar(select(func.count()).select_from(SyncOp).where(SyncOp.tbl == "staff_pay_rate")) == 0
        assert s.scalar(select(func.count()).select_from(SyncOp).where(SyncOp.tbl == "incident")) > 0
    ok(capsys, "export", "json", tmp_path / "plain.json")
    plain = json.loads((tmp_path / "plain.json").read_text("utf-8"))["tables"]
    assert "staff_pay_rate" not in plain and "incident" in plain
    ok(capsys, "export", "json", tmp_path / "all.json", "--include-personal")
    full = json.loads((tmp_path / "all.json").read_text("utf-8"))["tables"]
    assert sorted(r["regular_cents"] for r in full["staff_pay_rate"]) == [38_00, 41_20, 48_50, 50_00]
    events = [e for e in json.loads(ok(capsys, "audit", "--json", "--limit", "400"))
              if e["entity"] == "staff_pay_rate"]
    assert len(events) == 4  # the trail shows that each rate was set, never the pay
    assert all(not isinstance(v, int) for e in events for v in e["changes"]["regular_cents"])


def test_text_incident_references_become_incidents_when_migrated(tmp_path):
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.uow import Database
    from tests.schema_moves import move_schema

    path = tmp_path / "old.sqlite3"
    move_schema(path, "0012_sync_integrity")
    raw = sqlite3.connect(path)
    for eid, day, ref in (("e1", D0, "STORM-1"), ("e2", D2, "storm-1 "), ("e3", D1, "INC-7"), ("e4", D1, None)):
        raw.execute("INSERT INTO time_entry (id, provider_agency_id, recipient_agency_id, work_date, minutes, "
                    "after_hours, callout, overtime, travel_minutes, miles, incident_ref, status, source, created_at, "
                    "updated_at) VALUES (?, 'a', 'b', ?, 60, 0, 0, 0, 0, '0', ?, 'draft', 'manual', "
                    "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')", (eid, day.isoformat(), ref))
    raw.commit()
    raw.close()
    db = Database(path, Actor("t", "T"), backup_dir=tmp_path / "b")
    with db.engine.connect() as conn:
        incidents = {r[0]: r[1:] for r in conn.exec_driver_sql(
            "SELECT id, ref, start_date, end_date FROM incident")}
        linked = dict(conn.exec_driver_sql("SELECT id, incident_id FROM time_entry").all())
    db.close()
    assert sorted((v[0].upper(), v[1], v[2]) for v in incidents.values()) == [
        ("INC-7", D1.isoformat(), D1.isoformat()), ("STORM-1", D0.isoformat(), D2.isoformat())]
    assert linked["e1"] == linked["e2"] in incidents and linked["e3"] in incidents and linked["e4"] is None


def test_the_demo_logs_its_outages_under_incidents_of_the_register(demo_ctx):
    sv = demo_ctx.services
    logged = {e.incident_ref for e in sv.hours.list() if e.incident_ref}
    listed = {i.ref: i for i in sv.incidents.list()}
    assert logged and logged == set(listed)  # no hours name an incident the register lacks ("not in the register")
    assert all(i.hours_minutes > 0 and i.start_date <= i.end_date for i in listed.values())
    storms = [i for i in listed.values() if i.ref.startswith("WS-")]
    assert storms and all(i.declaration and i.category == "B" for i in storms)
    assert sv.incidents.rates() == []  # pay is never invented: the demo has none until someone sets one
