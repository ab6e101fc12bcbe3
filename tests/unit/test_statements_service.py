"""Drafting, issuing, freezing, voiding, credit notes, payments and guards on the demo region."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select, text

from partnerdesk.db.models import Agency, NumberSequence, Statement, StatementLine, TimeEntry
from partnerdesk.errors import FrozenError, UserError, ValidationError
from tests.conftest import TODAY

Q = "2026Q2"


def issue_all(ctx, **kw):
    return ctx.services.statements.issue(Q, all_partners=True, today=TODAY, **kw)


def test_issue_q2_for_all_partners(demo_ctx, tmp_path):
    st = demo_ctx.services.statements
    drafts = st.draft(Q, all_partners=True, today=TODAY)
    assert {d.partner for d in drafts} == {"AWW", "BRI", "EDM", "MLT", "MUK", "SNO", "WDY"}
    assert all(d.number is None and d.status == "draft" for d in drafts)
    results = issue_all(demo_ctx, out_dir=tmp_path)
    issued = [r for r in results if r.issued]
    assert [r.statement.number for r in issued] == [f"LYN-2026-{n:04d}" for n in range(1, 7)]
    skipped = {r.partner: r.skipped_reason for r in results if not r.issued}
    assert list(skipped) == ["AWW"] and "RCW 39.34.040" in skipped["AWW"]  # the unfiled agreement
    for r in issued:
        pdf = (tmp_path / f"{r.statement.number}.pdf").read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == r.statement.pdf_sha256
    listed = {d.number: d for d in st.list() if d.number}
    assert len(listed) == 6 and all(d.status == "issued" for d in listed.values())
    # totals are sums of the stored lines; offsets only where the agreement allows them
    for d in listed.values():
        lines = st.lines(d.number)
        assert sum(ln.amount_cents for ln in lines) == d.total_cents
        assert d.amount_due_cents == max(d.total_cents, 0)
        assert (d.offset_cents > 0) == (d.partner in ("EDM", "MUK", "BRI"))


def test_entries_are_invoiced_once_and_point_at_their_line(demo_ctx):
    issue_all(demo_ctx)
    with demo_ctx.db.read() as s:
        billed = s.scalars(select(TimeEntry).where(TimeEntry.statement_line_id.is_not(None))).all()
        assert billed and all(e.status == "invoiced" for e in billed)
        assert not s.scalar(select(TimeEntry.id).where(TimeEntry.status == "invoiced",
                                                       TimeEntry.statement_line_id.is_(None)))
    # a second run finds nothing left to bill: an entry can be billed once only
    again = issue_all(demo_ctx)
    assert not any(r.issued for r in again)
    with pytest.raises(UserError, match="nothing to bill"):
        demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)
    with pytest.raises(FrozenError):
        demo_ctx.services.hours.update(billed[0].id, description="changed after billing")


def test_disputed_entries_are_held_back_and_listed(demo_ctx):
    out = demo_ctx.services.statements.issue(Q, partner="SNO", today=TODAY)
    held = out[0].held_back
    assert held and all("disputed" in h.reason for h in held)
    with demo_ctx.db.read() as s:
        for h in held:
            e = s.get(TimeEntry, h.entry_id)
            assert e.status == "disputed" and e.statement_line_id is None


def test_unacknowledged_entries_warn(demo_ctx):
    out = demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)
    assert any("not been acknowledged" in w for w in out[0].warnings)


def test_issued_statement_is_frozen_when_rates_change(demo_ctx):
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    before = (st.get(number), st.lines(number), st.pdf(number))
    for r in demo_ctx.services.agreements.rates("ILA-2024-001"):
        demo_ctx.services.agreements.update_rate(r.id, hourly_rate_cents=99_900)
    after = (st.get(number), st.lines(number), st.pdf(number))
    assert after == before
    assert st.verify(number).ok


def test_draft_refresh_follows_rate_changes_until_issue(demo_ctx):
    st = demo_ctx.services.statements
    d1 = st.draft(Q, partner="MLT", today=TODAY)[0]
    for r in demo_ctx.services.agreements.rates("ILA-2025-002"):
        demo_ctx.services.agreements.update_rate(r.id, hourly_rate_cents=20_000)
    d2 = st.draft(Q, partner="MLT", today=TODAY)[0]
    assert d2.id == d1.id and d2.gross_cents > d1.gross_cents
    d3 = st.draft(Q, partner="MLT", today=TODAY)[0]  # nothing changed: the lines are left alone
    with demo_ctx.db.read() as s:
        live = s.scalars(select(StatementLine).where(StatementLine.statement_id == d3.id,
                                                     StatementLine.deleted_at.is_(None))).all()
    assert len(live) == d3.line_count == d2.line_count


def test_preview_of_a_draft_is_marked_and_numberless(demo_ctx):
    from pypdf import PdfReader
    import io

    st = demo_ctx.services.statements
    d = st.draft(Q, partner="EDM", today=TODAY)[0]
    pdf = st.preview(d.id, today=TODAY)
    textp = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "DRAFT" in textp and "LYN-2026" not in textp
    with pytest.raises(ValidationError, match="no frozen PDF"):
        st.pdf(d.id)


def test_void_keeps_number_and_replacement_supersedes(demo_ctx):
    st = demo_ctx.services.statements
    first = issue_all(demo_ctx)
    edm = next(r.statement for r in first if r.partner == "EDM")
    with pytest.raises(ValidationError):
        st.void(edm.number, "  ")
    voided = st.void(edm.number, "Wrong rate applied in May")
    assert voided.number == edm.number and voided.status == "void"
    assert voided.pdf_sha256 == edm.pdf_sha256 and st.verify(edm.number).ok
    with pytest.raises(FrozenError):
        st.void(edm.number, "again")
    replacement = st.issue(Q, partner="EDM", today=TODAY)[0].statement
    assert replacement.number == "LYN-2026-0007"  # never reused, no gap
    assert replacement.supersedes == edm.number
    assert replacement.total_cents == edm.total_cents
    audit = demo_ctx.services.audit.list(entity_id=edm.id)
    assert {"issue", "void"} <= {e.action for e in audit}
    assert all(e.display_name for e in audit)


def test_credit_note_series_and_link(demo_ctx):
    st = demo_ctx.services.statements
    mlt = st.issue(Q, partner="MLT", today=TODAY)[0].statement
    cn = st.credit_note(mlt.number, "Two hours of travel were not billable", 23_000, today=TODAY)
    assert cn.number == "LYN-2026-CN001" and cn.kind == "credit_note" and cn.original == mlt.number
    assert cn.total_cents == -23_000
    assert st.verify(cn.number).ok
    after = st.get(mlt.number)
    assert after.balance_cents == mlt.amount_due_cents - 23_000 and after.status == "partially_paid"
    with pytest.raises(ValidationError, match="more than the open balance"):
        st.credit_note(mlt.number, "too much", after.balance_cents + 1, today=TODAY)
    cn2 = st.credit_note(mlt.number, "Write off the rest", today=TODAY)
    assert cn2.number == "LYN-2026-CN002" and st.get(mlt.number).status == "paid"
    with pytest.raises(FrozenError, match="credit note"):
        st.void(mlt.number, "has credits")


def test_payments_partial_then_paid(demo_ctx):
    st, pay = demo_ctx.services.statements, demo_ctx.services.payments
    wdy = st.issue(Q, partner="WDY", today=TODAY)[0].statement
    due = wdy.amount_due_cents
    p1 = pay.record(wdy.number, "1,000.00", "2026-11-27", "warrant", "W-100")
    assert p1.amount_cents == 100_000 and st.get(wdy.number).status == "partially_paid"
    with pytest.raises(ValidationError, match="more than the balance"):
        pay.record(wdy.number, due, "2026-11-28", "check", "C-1")
    with pytest.raises(ValidationError, match="method"):
        pay.record(wdy.number, 1, "2026-11-28", "bitcoin")
    with pytest.raises(ValidationError, match="before"):
        pay.record(wdy.number, 1, "2026-01-02", "check")
    pay.record(wdy.number, due - 100_000, "2026-12-03", "eft", "EFT-9")  # a week ahead: allowed, as for hours
    final = st.get(wdy.number)
    assert final.status == "paid" and final.balance_cents == 0 and final.paid_cents == due
    with pytest.raises(FrozenError):
        pay.record(wdy.number, 1, "2026-12-01", "check")
    actions = [e.action for e in demo_ctx.services.audit.list() if e.entity == "payment"]
    assert actions.count("payment") == 2


def test_account_statement_aging_and_files(demo_ctx, tmp_path):
    st, pay = demo_ctx.services.statements, demo_ctx.services.payments
    edm = st.issue(Q, partner="EDM", today=date(2026, 7, 10))[0].statement
    pay.record(edm.number, 50_000, "2026-08-01", "check", "1234")
    acct = pay.account("EDM", as_of=TODAY)
    assert [ln.kind for ln in acct.lines] == ["statement", "payment"]
    assert acct.balance_cents == edm.amount_due_cents - 50_000
    assert acct.aging.over_90 == acct.balance_cents  # issued July 10, 139 days before Nov 26
    csv_path = pay.write_account("EDM", tmp_path / "edm.csv", as_of=TODAY)
    text_ = csv_path.read_text(encoding="utf-8-sig")
    assert edm.number in text_ and f"{acct.balance_cents / 100:.2f}" in text_
    pdf_path = pay.write_account("EDM", tmp_path / "edm.pdf", as_of=TODAY)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with pytest.raises(ValidationError, match=".pdf or .csv"):
        pay.write_account("EDM", tmp_path / "edm.xlsx")
    assert not (tmp_path / "edm.xlsx").exists()


def test_cap_needs_a_recorded_override_reason(demo_ctx):
    st = demo_ctx.services.statements
    demo_ctx.services.agreements.update("ILA-2025-005", cap_cents=100_000)  # WDY: $1,000 cap
    out = st.issue(Q, all_partners=True, today=TODAY)
    wdy = next(r for r in out if r.partner == "WDY")
    assert not wdy.issued and "cap" in wdy.skipped_reason
    with pytest.raises(UserError, match="cap-override-reason"):
        st.issue(Q, partner="WDY", today=TODAY)
    ok = st.issue(Q, partner="WDY", today=TODAY, cap_override_reason="Council approved amendment 2026-14")[0]
    assert ok.issued and ok.statement.cap_override_reason == "Council approved amendment 2026-14"


def test_unfiled_agreement_cannot_be_billed_until_filed(demo_ctx):
    st = demo_ctx.services.statements
    with pytest.raises(UserError, match="RCW 39.34.040"):
        st.issue(Q, partner="AWW", today=TODAY)
    with demo_ctx.db.read() as s:
        assert s.scalar(select(NumberSequence.last_value)) is None  # no number was consumed
    demo_ctx.services.agreements.update("ILA-2026-007", filing_reference="Snohomish County Auditor No. 1")
    assert st.issue(Q, partner="AWW", today=TODAY)[0].statement.number == "LYN-2026-0001"


def test_net_favouring_the_partner_means_nothing_due(demo_ctx):
    from pypdf import PdfReader
    import io

    st = demo_ctx.services.statements
    # make the partner's hours to us worth far more than ours to them
    demo_ctx.services.hours.log(partner="MUK", direction="received", work_date="2026-05-20", hours="20",
                                category="NET", description="Big outage help", today=TODAY)
    out = st.issue(Q, partner="MUK", today=TODAY)[0].statement
    assert out.total_cents < 0 and out.amount_due_cents == 0 and out.status == "issued"
    page_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(st.pdf(out.number))).pages)
    assert "No amount is due" in " ".join(page_text.split())


def test_billing_node_hook_refuses_other_installations(demo_ctx):
    with demo_ctx.db.write() as s:
        s.scalar(select(Agency).where(Agency.code == "LYN")).billing_node = "someothernode"
    with pytest.raises(UserError, match="billing installation"):
        demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)
    with demo_ctx.db.write() as s:
        s.scalar(select(Agency).where(Agency.code == "LYN")).billing_node = demo_ctx.db.node_id
    assert demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)[0].issued


def test_quarters_follow_the_issuers_fiscal_year(demo_ctx):
    with demo_ctx.db.write() as s:
        s.scalar(select(Agency).where(Agency.code == "LYN")).fy_start_month = 7
    st = demo_ctx.services.statements
    # July-start FY2027 Q1 is July–September 2026
    d = st.draft("2027Q1", partner="EDM", today=TODAY)[0]
    assert (d.period_start, d.period_end, d.fiscal_year) == (date(2026, 7, 1), date(2026, 9, 30), 2027)
    number = st.issue("2027Q1", partner="EDM", today=TODAY)[0].statement.number
    assert number == "LYN-2027-0001"  # Nov 26, 2026 falls in the July-start FY2027


def test_tamper_detection(demo_ctx, tmp_path):
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="EDM", today=TODAY, out_dir=tmp_path)[0].statement.number
    good = tmp_path / f"{number}.pdf"
    assert st.verify(number, good).ok
    bad = bytearray(good.read_bytes())
    bad[1000] ^= 0x01
    (tmp_path / "bad.pdf").write_bytes(bytes(bad))
    r = st.verify(number, tmp_path / "bad.pdf")
    assert not r.ok and r.first_difference == 1000 and "byte 1000" in r.message
    with demo_ctx.db.write(audit=False, capture_ops=False) as s:
        sid = s.scalar(select(Statement.id).where(Statement.number == number))
        s.execute(text("UPDATE statement_document SET pdf = :p WHERE statement_id = :i"),
                  {"p": bytes(bad), "i": sid})
    r = st.verify(number)
    assert not r.ok and "altered" in r.message


def test_scope_and_quarter_validation(demo_ctx):
    st = demo_ctx.services.statements
    with pytest.raises(ValidationError, match="--partner CODE"):
        st.draft(Q, today=TODAY)
    with pytest.raises(ValidationError, match="2026Q3"):
        st.draft("Q2 2026", all_partners=True)
    with pytest.raises(UserError, match="unknown partner"):
        st.issue(Q, partner="ZZZ", today=TODAY)


def test_payment_amounts_are_never_rounded(demo_ctx):
    """Issue 15: an amount with a fraction of a cent is refused (a UserError, exit 2), nothing is recorded."""
    from decimal import Decimal

    st, pay = demo_ctx.services.statements, demo_ctx.services.payments
    wdy = st.issue(Q, partner="WDY", today=TODAY)[0].statement
    for amount in ("1.005", "$0.001", Decimal("1.005"), "1,000.999"):
        with pytest.raises(UserError, match="more than two decimals"):
            pay.record(wdy.number, amount, TODAY, "check")
    assert pay.list(wdy.number) == [] and st.get(wdy.number).status == "issued"
    assert pay.record(wdy.number, "1.010", TODAY, "check").amount_cents == 101  # exact: accepted


def test_a_credit_note_reason_that_looks_like_json_is_just_text(demo_ctx):
    """Issue 15: a credit note with reason "{ticket 42} rate typo" failed with JSONDecodeError (notes held
    either a draft's JSON diagnostics or free text); diagnostics now have a column of their own."""
    import io

    from pypdf import PdfReader

    st = demo_ctx.services.statements
    mlt = st.issue(Q, partner="MLT", today=TODAY)[0].statement
    for reason in ("{ticket 42} rate typo", '{"held": [1, 2], "warnings": ["x"]}'):
        cn = st.credit_note(mlt.number, reason, 1_000, today=TODAY)
        assert cn.held_back == 0 and cn.warnings == () and cn.unacknowledged == 0
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(st.pdf(cn.number))).pages)
        assert reason in " ".join(text.split())
    assert len(st.list(partner="MLT")) == 3 and st.get(cn.number).original == mlt.number
    # a draft's diagnostics still reach the list, and live apart from the notes
    sno = next(d for d in st.draft(Q, partner="SNO", today=TODAY))
    assert sno.held_back and sno.warnings
    with demo_ctx.db.read() as s:
        row = s.get(Statement, sno.id)
        assert row.notes is None and '"held"' in row.diagnostics


def test_payment_and_hours_dates_follow_one_rule_for_the_future(demo_ctx):
    """Issue 15: a payment dated 13 days ahead was accepted, though hours dated 13 days ahead were refused.
    Both follow check_not_future: at most MAX_FUTURE_DAYS after today."""
    from datetime import timedelta

    from partnerdesk.services.base import MAX_FUTURE_DAYS

    st, pay, hours = demo_ctx.services.statements, demo_ctx.services.payments, demo_ctx.services.hours
    wdy = st.issue(Q, partner="WDY", today=TODAY)[0].statement
    ahead, too_far = TODAY + timedelta(days=MAX_FUTURE_DAYS), TODAY + timedelta(days=13)
    with pytest.raises(ValidationError, match=f"date: {too_far} is in the future"):
        pay.record(wdy.number, "10.00", too_far, "check")
    with pytest.raises(ValidationError, match=f"date: {too_far} is in the future"):
        hours.log(partner="WDY", direction="given", work_date=too_far, hours="1")
    assert pay.list(wdy.number) == []
    assert pay.record(wdy.number, "10.00", ahead, "check").paid_on == ahead
    assert hours.log(partner="WDY", direction="given", work_date=ahead, hours="1").entry.work_date == ahead
    # "today" is the clock's unless given, for both
    assert pay.record(wdy.number, "10.00", too_far, "check", today=TODAY + timedelta(days=6)).paid_on == too_far


def _unwritable_folder(tmp_path):
    """A folder nothing can be written to (root ignores permission bits: then a folder under /sys)."""
    import os
    from pathlib import Path

    if os.geteuid() != 0:
        ro = tmp_path / "read-only"
        ro.mkdir()
        ro.chmod(0o500)
        return ro / "out"
    if Path("/sys").is_dir():
        return Path("/sys/partnerdesk-test-out")
    pytest.skip("no folder is unwritable for this user")


@pytest.mark.parametrize("kind", ["unwritable", "under a file"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_numbering(demo_ctx, tmp_path, kind):
    """Issue 15: 'issue --all --out' into an unwritable folder committed and numbered the first statement,
    then failed with an internal error."""
    st = demo_ctx.services.statements
    if kind == "unwritable":
        out, message = _unwritable_folder(tmp_path), "cannot write there"
    else:
        (tmp_path / "a-file").write_text("x")
        out, message = tmp_path / "a-file" / "out", "is a file, not a folder"
    with pytest.raises(ValidationError, match=message):
        st.issue(Q, all_partners=True, today=TODAY, out_dir=out)
    draft = st.draft(Q, partner="EDM", today=TODAY)[0]
    with pytest.raises(ValidationError, match=message):
        st.issue_statement(draft.id, today=TODAY, out_dir=out)
    with demo_ctx.db.read() as s:
        assert s.scalar(select(NumberSequence.last_value)) is None  # nothing was numbered
    assert not any(d.number for d in st.list())
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_pdf_that_cannot_be_written_after_issue_leaves_it_issued_and_the_run_goes_on(demo_ctx, tmp_path):
    st = demo_ctx.services.statements
    out = tmp_path / "out"
    (out / "LYN-2026-0002.pdf").mkdir(parents=True)  # the second statement's file cannot be made
    results = st.issue(Q, all_partners=True, today=TODAY, out_dir=out)
    issued = [r for r in results if r.issued]
    assert [r.statement.number for r in issued] == [f"LYN-2026-{n:04d}" for n in range(1, 7)]
    failed = [r for r in issued if r.pdf_error]
    assert [r.statement.number for r in failed] == ["LYN-2026-0002"] and failed[0].pdf_path is None
    assert str(out / "LYN-2026-0002.pdf") in failed[0].pdf_error
    for r in issued:
        if r is not failed[0]:
            assert (out / f"{r.statement.number}.pdf").read_bytes() == st.pdf(r.statement.number)
    assert st.get("LYN-2026-0002").status == "issued" and st.verify("LYN-2026-0002").ok
    with pytest.raises(ValidationError, match="cannot write"):
        st.write_pdf("LYN-2026-0002", out / "LYN-2026-0002.pdf")
    assert st.write_pdf("LYN-2026-0002", tmp_path / "later.pdf").read_bytes() == st.pdf("LYN-2026-0002")
