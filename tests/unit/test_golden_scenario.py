"""Issue 15's golden scenario: one region set up from nothing and billed for two quarters, every expected cent
worked out by hand below (not by the code under test). It covers a rate change mid-quarter, increments, a
call-out, travel, mileage across an IRS rate change, overtime with and without after-hours, an offset, a cap
reached, a credit note, void and replace, and a late entry billed as prior-period.

Springfield (SPR, home) and Shelbyville (SHE) under ILA-G: offsets allowed, a $3,900.00 cap for FY2026.
SPR's rate: $100.00/h from Jan 1, $120.00/h from Aug 16; 15-minute increments, a 2-hour call-out minimum,
after-hours ×1.5, overtime ×1.75, travel billable. SHE's rate: $90.00/h. Mileage: the IRS 72.5¢ for 2026,
75¢ from Aug 1 (set here). Fiscal years start in January; today is Nov 26, 2026.
"""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from partnerdesk.cli import main
from tests.conftest import TODAY


def run(capsys, *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def log(capsys, when: str, hours: str, *flags: str, direction: str = "given") -> None:
    run(capsys, "hours", "log", "--partner", "SHE", "--direction", direction, "--date", when, "--hours", hours,
        "--category", "NET", "--staff", "Pat Example" if direction == "given" else "Lee Neighbour", *flags)


def test_golden_scenario(home, capsys, tmp_path):
    for argv in (["agencies", "add", "SPR", "--name", "City of Springfield", "--home"],
                 ["agencies", "add", "SHE", "--name", "City of Shelbyville"],
                 ["agreements", "add", "ILA-G", "--partner", "SHE", "--title", "IT support", "--start",
                  "2026-01-01", "--filed-ref", "AFN 1", "--offsets", "--cap", "3900"],
                 ["agreements", "rates", "add", "ILA-G", "--provider", "SPR", "--rate", "100", "--from",
                  "2026-01-01", "--callout-minimum", "120", "--after-hours-multiplier", "1.5",
                  "--overtime-multiplier", "1.75", "--travel-billable"],
                 ["agreements", "rates", "add", "ILA-G", "--provider", "SPR", "--rate", "120", "--from",
                  "2026-08-16", "--callout-minimum", "120", "--after-hours-multiplier", "1.5",
                  "--overtime-multiplier", "1.75", "--travel-billable"],
                 ["agreements", "rates", "add", "ILA-G", "--provider", "SHE", "--rate", "90", "--from", "2026-01-01"],
                 ["mileage", "set", "2026-08-01", "75"]):
        run(capsys, *argv)
    from partnerdesk.app import open_context

    ctx = open_context()
    try:
        st = ctx.services.statements
        # Q2: 20 h on May 12 at $100.00 = $2,000.00
        log(capsys, "2026-05-12", "20")
        q2 = st.issue("2026Q2", partner="SHE", today=TODAY)[0].statement
        assert (q2.number, q2.gross_cents, q2.amount_due_cents) == ("SPR-2026-0001", 200_000, 200_000)
        # logged late for Q2, after it was billed: 2 h on Jun 15 = $200.00, on the Q3 statement as prior-period
        log(capsys, "2026-06-15", "2")
        # Q3, ours:
        log(capsys, "2026-07-10", "1:50", "--travel", "20m", "--miles", "10")
        #   110 min -> 120 min x $100 = $200.00; travel 20 -> 30 min x $100 = $50.00; 10 mi x 72.5c = $7.25
        log(capsys, "2026-08-03", "45m", "--callout", "--after-hours", "--miles", "10")
        #   45 min x $100 x 1.5 = $112.50; call-out top-up 75 min x $100 x 1.5 = $187.50; 10 mi x 75c = $7.50
        log(capsys, "2026-08-20", "3", "--overtime")
        #   at the new rate: 3 h x $120 x 1.75 = $630.00
        log(capsys, "2026-09-05", "2", "--overtime", "--after-hours")
        #   the higher multiplier, not both: 2 h x $120 x 1.75 = $420.00
        log(capsys, "2026-09-10", "1:05")
        #   65 -> 75 min x $120 = $150.00
        # Q3, theirs (offset at their rate): 2 h x $90 = $180.00
        log(capsys, "2026-09-15", "2", direction="received")

        # the cap: use through Sep 30 = 2,000.00 + 200.00 + 1,764.75 = $3,964.75, past $3,900.00
        r = st.issue("2026Q3", all_partners=True, today=TODAY)[0]
        assert not r.issued and "cap" in r.skipped_reason
        # a credit note of $100.00 on the Q2 statement brings it to $3,864.75: no override needed
        cn = st.credit_note(q2.number, "Two hours billed twice", 10_000, today=TODAY)
        assert (cn.number, cn.total_cents) == ("SPR-2026-CN001", -10_000)
        q3 = st.issue("2026Q3", partner="SHE", today=TODAY)[0].statement
        # void and replace: the replacement bills the same, under a new number, superseding the void one
        st.void(q3.number, "Issued before the offset was acknowledged")
        out = st.issue("2026Q3", partner="SHE", today=TODAY, out_dir=tmp_path)[0]
        new = out.statement
        assert (q3.number, new.number, new.supersedes) == ("SPR-2026-0002", "SPR-2026-0003", "SPR-2026-0002")

        expected = [  # (date, kind, side, unit rate, multiplier, cents)
            (date(2026, 6, 15), "labor", "provided", "10000", "1", 20_000),  # prior-period
            (date(2026, 7, 10), "labor", "provided", "10000", "1", 20_000),
            (date(2026, 7, 10), "travel", "provided", "10000", "1", 5_000),
            (date(2026, 7, 10), "mileage", "provided", "72.5", "1", 725),
            (date(2026, 8, 3), "after_hours", "provided", "10000", "1.5", 11_250),
            (date(2026, 8, 3), "callout_minimum", "provided", "10000", "1.5", 18_750),
            (date(2026, 8, 3), "mileage", "provided", "75", "1", 750),
            (date(2026, 8, 20), "overtime", "provided", "12000", "1.75", 63_000),
            (date(2026, 9, 5), "overtime", "provided", "12000", "1.75", 42_000),
            (date(2026, 9, 10), "labor", "provided", "12000", "1", 15_000),
            (date(2026, 9, 15), "labor", "offset", "9000", "1", -18_000),
        ]
        lines = st.lines(new.number)
        assert [(ln.work_date, ln.kind, ln.side, ln.unit_rate, ln.multiplier, ln.amount_cents) for ln in lines] \
            == expected
        # totals: $1,964.75 provided (prior-period $200.00 included), $180.00 offset, $1,784.75 due
        assert (new.gross_cents, new.offset_cents, new.total_cents, new.amount_due_cents) == (
            196_475, 18_000, 178_475, 178_475)
        assert st.get(q3.number).total_cents == new.total_cents and st.get(q3.number).status == "void"

        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(st.pdf(new.number))).pages)
        for part in ("Prior-period services", "06/15/2026", "Overtime labor", "$120.00 ×1.75",
                     "Overtime labor (overtime and after hours: the higher multiplier)", "Call-out minimum",
                     "10 mi", "$0.725/mi", "$0.75/mi", "This statement replaces statement SPR-2026-0002",
                     "Used through Sep 30, 2026, net of credits $3,864.75", "AMOUNT DUE $1,784.75"):
            assert part in text, part
        # every statement and credit note is sealed in one chain, and verifies
        assert [v.ok for v in st.verify_all()] == [True] * 4
        cap = ctx.services.hours.log(partner="SHE", direction="given", work_date=TODAY, hours="0.25",
                                     category="NET", staff="Pat Example", today=TODAY).cap
        assert cap.used_cents == 386_475 + 3_000  # the same count, plus the quarter-hour just logged at $120.00
    finally:
        ctx.close()
