"""Issue 15, point 4: one cap calculation (services/caps.py). Cap use is the gross value provided under the
agreement in its fiscal year, net of credit notes, excluding disputed or held entries. The logging warnings,
the statement's cap box (and the override it calls for), the credit note's cap box and the Dashboard agree,
and each is checked against a sum made here from the entries themselves."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from partnerdesk.errors import UserError
from tests.conftest import TODAY

AGR = "ILA-2025-005"  # Lynnwood ↔ Woodway, service agreement


def expected(ctx, through: date = date(2026, 12, 31), credits: int = 0, direction: str = "given") -> int:
    """Cap use summed from the entries: our (or their) priced, undisputed entries under the agreement in
    FY2026, plus credit notes."""
    return sum(e.amount_cents for e in ctx.services.hours.list(partner="WDY", fiscal_year=2026)
               if e.agreement_number == AGR and e.direction == direction and e.status != "disputed"
               and e.amount_cents is not None and e.work_date <= through) + credits


def dashboard_percent(ctx, cap: int, ours: int) -> bool:
    """The Dashboard shows the higher of the two directions' use."""
    theirs = expected(ctx, direction="received")
    return _dashboard(ctx) == round(100 * max(ours, theirs) / cap, 1)


def _dashboard(ctx) -> float:
    return next(b for b in ctx.services.balances.balances(fiscal_year=2026, today=TODAY) if b.partner == "WDY") \
        .cap_used_percent


def log_one(ctx):
    return ctx.services.hours.log(partner="WDY", direction="given", work_date=TODAY, hours="0.25", category="NET",
                                  staff="Cap Tester", today=TODAY, allow_duplicate=True)


def cap_box(ctx, number: str) -> str:
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(ctx.services.statements.pdf(
        number))).pages)
    return text[text.index("AGREEMENT CAP"):][:400]


def test_logging_the_dashboard_and_the_statement_count_the_same(demo_ctx):
    cap = 5_000_000
    demo_ctx.services.agreements.update(AGR, cap_cents=cap, cap_minutes=None)
    # a disputed entry is held back from the statement, so it is left out of cap use everywhere
    entry = next(e for e in demo_ctx.services.hours.list(partner="WDY", fiscal_year=2026)
                 if e.agreement_number == AGR and e.direction == "given" and e.work_date < date(2026, 7, 1)
                 and e.status != "invoiced")
    demo_ctx.services.hours.dispute([entry.id], "not on our ticket")
    result = log_one(demo_ctx)
    used = expected(demo_ctx)
    assert result.cap.used_cents == used  # the issue: the warning counted disputed entries (70 % vs 64 %)
    assert dashboard_percent(demo_ctx, cap, used)
    st = demo_ctx.services.statements
    out = st.issue("2026Q2", partner="WDY", today=TODAY)[0]
    assert any(h.entry_id == entry.id for h in out.held_back)
    q2 = expected(demo_ctx, through=date(2026, 6, 30))
    assert f"Used through Jun 30, 2026, net of credits ${q2 / 100:,.2f}" in cap_box(demo_ctx, out.statement.number)


def test_credit_notes_reduce_cap_use_everywhere(demo_ctx):
    st = demo_ctx.services.statements
    demo_ctx.services.agreements.update(AGR, cap_cents=5_000_000, cap_minutes=None)
    q2 = st.issue("2026Q2", partner="WDY", today=TODAY)[0].statement
    before = log_one(demo_ctx).cap.used_cents
    cn = st.credit_note(q2.number, "rate typo", 100_000, today=TODAY)
    logged = log_one(demo_ctx)
    after = logged.cap.used_cents
    assert after == expected(demo_ctx, credits=-100_000)
    assert before - after == 100_000 - logged.entry.amount_cents  # (one more quarter-hour logged meanwhile)
    assert dashboard_percent(demo_ctx, 5_000_000, after)
    # the credit note says what it does to the cap (it said "not affected by a credit note")
    box = cap_box(demo_ctx, cn.number)
    assert "not affected" not in box
    assert f"net of this credit ${expected(demo_ctx, date(2026, 6, 30), -100_000) / 100:,.2f}" in box
    # and the next statement's box counts it
    q3 = st.issue("2026Q3", partner="WDY", today=TODAY)[0].statement
    assert f"${expected(demo_ctx, date(2026, 9, 30), -100_000) / 100:,.2f}" in cap_box(demo_ctx, q3.number)


def test_the_override_follows_the_same_count(demo_ctx):
    """An override is asked for exactly when the statement's cap box would show use past the cap."""
    st = demo_ctx.services.statements
    q2_use = expected(demo_ctx, through=date(2026, 6, 30))
    demo_ctx.services.agreements.update(AGR, cap_cents=q2_use, cap_minutes=None)  # at the cap: no override needed
    assert st.issue("2026Q2", partner="WDY", today=TODAY)[0].issued
    demo_ctx.services.agreements.update(AGR, cap_cents=expected(demo_ctx, through=date(2026, 9, 30)) - 1,
                                        cap_minutes=None)
    with pytest.raises(UserError, match="cap-override-reason"):
        st.issue("2026Q3", partner="WDY", today=TODAY)
    # a credit note on Q2 brings the year back under the cap: Q3 issues without an override
    st.credit_note(st.list(partner="WDY")[0].number, "goodwill", 100, today=TODAY)
    assert st.issue("2026Q3", partner="WDY", today=TODAY)[0].issued


def test_the_rule_is_written_down():
    from pathlib import Path

    text = Path(__file__).resolve().parents[2].joinpath("docs", "hours-and-agreements.md").read_text()
    assert "## Caps" in text and "net of credit notes" in text and "disputed" in text
