"""Issue 15, point 3: a quarter is issued only after it has ended (drafts any time); hours for a quarter already
billed go on the partner's next statement as prior-period services, with their dates; never a second statement
for the same partner, agreement and quarter — void and replace still works."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from partnerdesk.cli import main
from partnerdesk.errors import UserError
from tests.conftest import TODAY


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_a_quarter_is_issued_only_after_it_has_ended(demo_ctx, capsys, tmp_path):
    st = demo_ctx.services.statements
    with pytest.raises(UserError, match="2026Q4 ends on 2026-12-31"):
        st.issue("2026Q4", partner="EDM", today=TODAY)
    code = main(["statements", "issue", "--quarter", "2026Q4", "--all", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "2026Q4 ends on 2026-12-31" in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()
    # a draft (and its preview) any time; issuing the draft waits for the quarter's end too
    draft = st.draft("2026Q4", partner="EDM", today=TODAY)[0]
    assert draft.status == "draft" and st.preview(draft.id, today=TODAY).startswith(b"%PDF")
    with pytest.raises(UserError, match="2026Q4 ends on 2026-12-31"):
        st.issue_statement(draft.id, today=TODAY)
    with pytest.raises(UserError, match="ends on 2026-12-31"):  # the last day is still inside the quarter
        st.issue("2026Q4", partner="EDM", today=date(2026, 12, 31))
    assert not any(d.number for d in st.list())
    assert st.issue("2026Q4", partner="EDM", today=date(2027, 1, 1))[0].statement.number == "LYN-2027-0001"


def test_hours_logged_late_go_on_the_next_statement_as_prior_period(demo_ctx):
    st, hours = demo_ctx.services.statements, demo_ctx.services.hours
    q2 = st.issue("2026Q2", partner="EDM", today=TODAY)[0].statement
    late = hours.log(partner="EDM", direction="given", work_date="2026-05-20", hours="3", category="NET",
                     staff="Pat Late", description="Router swap logged late", today=TODAY).entry
    # never a second statement for EDM, its agreement and 2026Q2
    with pytest.raises(UserError, match=f"{q2.number} already bills it"):
        st.issue("2026Q2", partner="EDM", today=TODAY)
    assert [d.partner for d in st.draft("2026Q2", all_partners=True, today=TODAY)].count("EDM") == 0
    assert not any(r.partner == "EDM" and r.issued for r in st.issue("2026Q2", all_partners=True, today=TODAY))
    # the next statement bills it, dated, in its own section
    q3 = st.issue("2026Q3", partner="EDM", today=TODAY)[0].statement
    lines = st.lines(q3.number)
    prior = [ln for ln in lines if ln.work_date < date(2026, 7, 1)]
    assert prior and all(late.id in ln.source_entry_ids for ln in prior)
    assert prior[0].work_date == date(2026, 5, 20) and sum(ln.amount_cents for ln in lines) == q3.total_cents
    assert hours.get(late.id).statement_number == q3.number
    text = pdf_text(st.pdf(q3.number))
    assert "Prior-period services" in text and "05/20/2026" in text and "Router swap logged late" in text
    assert st.verify(q3.number).ok and st.verify(q2.number).ok


def test_an_entry_settled_after_a_dispute_is_billed_as_prior_period(demo_ctx):
    st, hours = demo_ctx.services.statements, demo_ctx.services.hours
    out = st.issue("2026Q2", partner="SNO", today=TODAY)[0]
    held = out.held_back[0]
    hours.acknowledge([held.entry_id], "SNO accounts payable")  # settled
    q3 = st.issue("2026Q3", partner="SNO", today=TODAY)[0].statement
    assert hours.get(held.entry_id).statement_number == q3.number
    assert any(held.entry_id in ln.source_entry_ids and ln.work_date == held.work_date for ln in st.lines(q3.number))


def test_void_and_replace_still_bills_the_quarter_once(demo_ctx):
    st, hours = demo_ctx.services.statements, demo_ctx.services.hours
    first = st.issue("2026Q2", partner="MLT", today=TODAY)[0].statement
    st.void(first.number, "wrong rate")
    late = hours.log(partner="MLT", direction="given", work_date="2026-06-02", hours="1.5", category="NET",
                     staff="Pat Late", today=TODAY).entry
    replacement = st.issue("2026Q2", partner="MLT", today=TODAY)[0].statement
    assert replacement.supersedes == first.number
    assert hours.get(late.id).statement_number == replacement.number  # its own quarter, not prior-period
    with pytest.raises(UserError, match="already bills it"):
        st.issue("2026Q2", partner="MLT", today=TODAY)
    live = [d for d in st.list(quarter="2026Q2", partner="MLT") if d.status != "void"]
    assert [d.number for d in live] == [replacement.number]
