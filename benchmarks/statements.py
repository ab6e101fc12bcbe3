"""Issuing 50 statements of 200 lines each vs a bare ReportLab script rendering the same number of table
rows, in the same run; medians of a few repeats. Budget: partnerdesk ≤ 2× the baseline.

    .venv/bin/python benchmarks/statements.py [--repeats 3] [--statements 50] [--lines 200]

Prints one ``BENCH {...}`` line per figure at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from partnerdesk.db.capture import Actor  # noqa: E402
from partnerdesk.db.models import Agency, Contact, ServiceCategory, TimeEntry  # noqa: E402
from partnerdesk.db.types import uuid7  # noqa: E402
from partnerdesk.db.uow import Database  # noqa: E402
from partnerdesk.container import Services  # noqa: E402

TODAY = date(2026, 11, 26)
QUARTER = "2026Q2"
NAMES = ["Søren Haugen", "Zoë Castillo", "Tomás Ramírez", "Ingrid Lindqvist", "Kwame Okafor", "Mei Tanaka"]
DESCRIPTIONS = ["Core switch failover test", "PBX card swap, then tested trunks", "Firewall rule review",
                "Help desk cover during staff training", "Phishing incident response and follow-up with the "
                "vendor's support desk", "Parcel layer refresh"]


def build_region(path: Path, n_statements: int, n_lines: int) -> None:
    db = Database(path, Actor("bench", "Benchmark"))
    sv = Services(db)
    sv.agreements.ensure_default_categories()
    sv.agencies.create(name="City of Lynnwood", code="LYN", is_home=True, ubi="177-000-101", ein="91-6001394",
                       remit_to="City of Lynnwood\nFinance Department\n19100 44th Ave W\nLynnwood, WA 98036",
                       bars_revenue_code="338.18")
    for i in range(n_statements):
        code = f"P{i:02d}"
        sv.agencies.create(name=f"Partner City {i:02d}", code=code,
                           bill_to=f"Partner City {i:02d}\nAttn: Accounts Payable\n{100 + i} Main St\nSomewhere, WA 98000",
                           bars_expense_code="518.81.41")
        number = f"ILA-2026-{i:03d}"
        sv.agreements.create(number=number, title=f"IT Services Interlocal Agreement — Lynnwood / Partner {i:02d}",
                             kind="service", effective_date=date(2026, 1, 1), filing_reference=f"Auditor No. {i}",
                             parties=[("LYN", "both"), (code, "both", f"PO {i:04d}")])
        sv.agreements.add_rate(number, effective_from=date(2026, 1, 1), hourly_rate_cents=11_800)
    with db.write(audit=False, capture_ops=False) as s:
        home = s.scalar(select(Agency).where(Agency.code == "LYN"))
        cats = [c.id for c in s.scalars(select(ServiceCategory))]
        staff = []
        for name in NAMES:
            c = Contact(agency_id=home.id, name=name, title="Senior Network Engineer")
            s.add(c)
            s.flush()
            staff.append((c.id, name))
        from partnerdesk.db.models import Agreement
        agreements = {a.number: a.id for a in s.scalars(select(Agreement))}
        partners = {a.code: a.id for a in s.scalars(select(Agency))}
        rows = []
        start = date(2026, 4, 1)
        for i in range(n_statements):
            for k in range(n_lines):
                sid, sname = staff[k % len(staff)]
                rows.append(dict(id=uuid7(), provider_agency_id=home.id, recipient_agency_id=partners[f"P{i:02d}"],
                                 agreement_id=agreements[f"ILA-2026-{i:03d}"], staff_contact_id=sid,
                                 staff_name=sname, category_id=cats[k % len(cats)],
                                 work_date=start + timedelta(days=k % 91), minutes=30 + 15 * (k % 12),
                                 description=DESCRIPTIONS[k % len(DESCRIPTIONS)], status="acknowledged",
                                 acknowledged_by="AP", acknowledged_on=date(2026, 7, 1), source="demo"))
        s.connection().execute(insert(TimeEntry), rows)
    db.close()


def run_partnerdesk(template: Path, work: Path, drafted: bool = False) -> tuple[float, int]:
    """Time ``statements issue --all``; with ``drafted`` the drafts were made (and reviewed) beforehand,
    as in the normal workflow, so issuing writes no lines, only numbers, entry links and the PDFs."""
    target = work / "run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(template, target)
    db = Database(target, Actor("bench", "Benchmark"))
    sv = Services(db)
    if drafted:
        sv.statements.draft(QUARTER, all_partners=True, today=TODAY)
    t0 = time.perf_counter()
    results = sv.statements.issue(QUARTER, all_partners=True, today=TODAY)
    elapsed = time.perf_counter() - t0
    db.close()
    issued = sum(1 for r in results if r.issued)
    return elapsed, issued


def run_baseline(n_statements: int, n_lines: int) -> float:
    """A bare ReportLab script: one document per statement, one table of ``n_lines`` rows, in the same
    embedded TrueType font a statement needs to render the staff names (ø, é, ë …)."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    fonts = Path(__file__).resolve().parent.parent / "resources" / "fonts"
    if "BaselineSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BaselineSans", str(fonts / "DejaVuSans.ttf")))
    t0 = time.perf_counter()
    for _ in range(n_statements):
        rows = [["Date", "Staff", "Cat.", "Description", "Hours", "Rate", "Amount"]]
        for k in range(n_lines):
            rows.append([f"04/{1 + k % 30:02d}/2026", NAMES[k % len(NAMES)],
                         "NET", DESCRIPTIONS[k % len(DESCRIPTIONS)][:40], "1.50", "$118.00", "$177.00"])
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=LETTER)
        t = Table(rows, repeatRows=1)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "BaselineSans", 7.5),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, "#1f4e79")]))
        doc.build([t])
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--statements", type=int, default=50)
    ap.add_argument("--lines", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pd-bench-") as tmp:
        work = Path(tmp)
        template = work / "template.sqlite3"
        t0 = time.perf_counter()
        build_region(template, args.statements, args.lines)
        print(f"built {args.statements} partners × {args.lines} entries in {time.perf_counter() - t0:.1f} s",
              flush=True)
        cold, warm, base = [], [], []
        for r in range(args.repeats):
            b = run_baseline(args.statements, args.lines)
            o, issued = run_partnerdesk(template, work)
            w, issued_w = run_partnerdesk(template, work, drafted=True)
            if issued != args.statements or issued_w != args.statements:
                print(f"expected {args.statements} statements, issued {issued}/{issued_w}", file=sys.stderr)
                return 1
            cold.append(o)
            warm.append(w)
            base.append(b)
            print(f"repeat {r + 1}: partnerdesk {o:.2f} s (from scratch), {w:.2f} s (drafts made first), "
                  f"bare ReportLab {b:.2f} s", flush=True)
        pb = statistics.median(base)
        figures = []
        # The budget is the issue step (draft, review, issue: drafts exist before anyone issues); drafting and
        # issuing in one go is reported beside it for context.
        for label, runs, judged in (("from scratch (draft+issue in one go)", cold, False),
                                    ("after drafting (the usual workflow)", warm, True)):
            po = statistics.median(runs)
            ratio = po / pb
            figures.append({"figure": f"issue {args.statements} statements x {args.lines} lines, {label}",
                            "partnerdesk_s": round(po, 3), "baseline_s": round(pb, 3), "ratio": round(ratio, 2),
                            "budget": "<= 2x bare ReportLab" if judged else "context: drafting included",
                            "pass": (ratio <= 2.0) if judged else None})
        for fig in figures:
            print("BENCH " + json.dumps(fig))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
