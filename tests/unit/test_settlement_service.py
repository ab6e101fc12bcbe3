"""Regional settlement through the service (issue 20): propose, answer, settle, and the stale guard."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from partnerdesk.db.models import Payment, Statement
from partnerdesk.domain.money import format_cents
from partnerdesk.errors import NotFoundError, UserError, ValidationError
from tests.unit.settlement_region import (accept_everywhere, answer_from_partner, build_region, completed_quarter,
                                          record_where_allowed)

WEB = [("LYN", "EDM", 100_00), ("EDM", "MLT", 50_00), ("MLT", "LYN", 30_00), ("MUK", "LYN", 12_34),
       ("EDM", "LYN", 7_01)]


@pytest.fixture
def quarter(ctx):
    return completed_quarter(ctx.db.clock.today())


def _statements(ctx):
    with ctx.db.read() as s:
        return {st.number: st.status for st in s.scalars(select(Statement))}


def _payments(ctx):
    with ctx.db.read() as s:
        return [(p.statement_id, p.amount_cents, p.method, p.reference) for p in s.scalars(select(Payment))]


def test_four_agencies_settle_in_at_most_three_payments(ctx, quarter, tmp_path):
    build_region(ctx, quarter, WEB)
    view, paths = ctx.services.settlement.propose(str(quarter), out_dir=tmp_path)
    assert view.mode == "multilateral" and view.status == "proposed"
    assert [(pv.code, pv.position_cents) for pv in view.parties] == [
        ("EDM", -100_00 + 50_00 + 7_01), ("LYN", 100_00 - 30_00 - 12_34 - 7_01), ("MLT", 30_00 - 50_00),
        ("MUK", 12_34)]
    assert 1 <= len(view.transfers) <= 3
    assert sum(t.cents for t in view.transfers if t.payee == "LYN") == 100_00 - 30_00 - 12_34 - 7_01
    assert [p.name for p in paths] == [f"settlement-{quarter}-{view.code}.pdf", f"settlement-{quarter}-{view.code}.csv"]
    # only the home agency answers here; the partners answer on their own billing installations
    assert [pv.code for pv in view.parties if pv.answers_here] == ["LYN"]
    with pytest.raises(ValidationError, match="answers on its own PartnerDesk installation"):
        ctx.services.settlement.accept(view.code, on_behalf_of="EDM")
    view = accept_everywhere(ctx, view)
    assert view.status == "final"
    before = _statements(ctx)
    assert set(before.values()) == {"issued"}
    day = ctx.db.clock.today().isoformat()
    for t in view.transfers:
        view = record_where_allowed(ctx, view, t.seq, day)
        paid = {n for n, status in _statements(ctx).items() if status == "paid"}
        # recording one transfer marks exactly the statements it covers, and those of earlier transfers, paid
        assert paid == {n for x in view.transfers[:t.seq] for n in x.statements}
    assert view.status == "settled" and set(_statements(ctx).values()) == {"paid"}
    pays = _payments(ctx)
    assert len(pays) == len(WEB) and {m for _s, _c, m, _r in pays} == {"settlement"}
    assert all(r.startswith(f"SETTLE-{quarter}-{view.code}-") for *_x, r in pays)
    assert sorted(c for _s, c, _m, _r in pays) == sorted(c for *_x, c in WEB)
    with pytest.raises(UserError, match="already settled"):
        ctx.services.settlement.record_transfer(view.code, 1, day)


def test_a_transfer_between_two_partners_is_recorded_on_their_installations(ctx, quarter):
    build_region(ctx, quarter, [("EDM", "MLT", 50_00), ("LYN", "EDM", 10_00)])
    view = accept_everywhere(ctx, ctx.services.settlement.propose(str(quarter))[0])
    between = next(t for t in view.transfers if "LYN" not in (t.payer, t.payee))
    with pytest.raises(UserError, match=f"recorded by {between.payer} or {between.payee} on their billing"):
        ctx.services.settlement.record_transfer(view.code, between.seq, ctx.db.clock.today())
    assert _payments(ctx) == []


def test_a_triangle_that_nets_out_is_settled_when_the_last_party_accepts(ctx, quarter):
    build_region(ctx, quarter, [("LYN", "EDM", 250_00), ("EDM", "MLT", 250_00), ("MLT", "LYN", 250_00)])
    view, _ = ctx.services.settlement.propose(str(quarter))
    assert view.transfers == ()
    view = accept_everywhere(ctx, view)
    assert view.status == "settled" and set(_statements(ctx).values()) == {"paid"}
    assert {r for *_x, r in _payments(ctx)} == {f"SETTLE-{quarter}-{view.code}-NET"}


def test_not_final_until_every_party_accepts_and_a_decline_ends_it(ctx, quarter):
    build_region(ctx, quarter, WEB)
    view, _ = ctx.services.settlement.propose(str(quarter))
    view = ctx.services.settlement.accept(view.code)
    assert view.status == "proposed"
    with pytest.raises(UserError, match="not final: waiting for EDM, MLT, MUK"):
        ctx.services.settlement.record_transfer(view.code, 1, ctx.db.clock.today())
    with pytest.raises(UserError, match="LYN already answered here"):
        ctx.services.settlement.accept(view.code)
    answer_from_partner(ctx, view.id, "MUK", "declined", "our council has not approved netting")
    view = ctx.services.settlement.get(view.code)
    assert view.status == "declined" and "MUK: our council" in view.status_reason
    with pytest.raises(UserError, match="declined"):
        ctx.services.settlement.record_transfer(view.code, 1, ctx.db.clock.today())
    assert _payments(ctx) == []


def test_without_sync_the_plan_is_bilateral_and_partners_answer_by_letter(ctx, quarter, tmp_path):
    build_region(ctx, quarter, [("LYN", "EDM", 100_00), ("EDM", "LYN", 40_00), ("LYN", "MLT", 20_00)], synced=False)
    view, paths = ctx.services.settlement.propose(str(quarter), out_dir=tmp_path)
    assert view.mode == "bilateral"
    assert [(t.payer, t.payee, t.cents) for t in view.transfers] == [("EDM", "LYN", 60_00), ("MLT", "LYN", 20_00)]
    pdf_text = "".join(page.extract_text() for page in PdfReader(paths[0]).pages)
    assert "BILATERAL NETTING ONLY" in pdf_text
    assert "BILATERAL NETTING ONLY" in paths[1].read_text("utf-8-sig")
    ctx.services.settlement.accept(view.code)
    ctx.services.settlement.accept(view.code, on_behalf_of="EDM")
    view = ctx.services.settlement.accept(view.code, on_behalf_of="mlt")
    assert view.status == "final" and all(pv.on_behalf for pv in view.parties if pv.code != "LYN")
    view = ctx.services.settlement.record_transfer(view.code, 1, ctx.db.clock.today())
    fy = quarter.fiscal_year
    assert _statements(ctx) == {f"LYN-{fy}-0001": "paid", f"EDM-{fy}-0101": "paid", f"LYN-{fy}-0202": "issued"}
    assert view.status == "settling"


def test_pdf_reads_back_and_passes_qpdf(ctx, quarter, tmp_path):
    build_region(ctx, quarter, WEB)
    view, paths = ctx.services.settlement.propose(str(quarter), out_dir=tmp_path)
    reader = PdfReader(paths[0])
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Regional Settlement Proposal" in text and view.code in text
    for t in view.transfers:
        assert t.reference in text and format_cents(t.cents) in text  # each payment, to the cent
    for pv in view.parties:
        assert f"Net {format_cents(pv.position_cents)}" in text
    for pv in view.parties:
        assert pv.name in text
    assert "I certify under penalty of perjury" in text and view.plan_sha256 in text
    assert subprocess.run(["qpdf", "--check", str(paths[0])], capture_output=True).returncode == 0
    rows = list(csv.reader(io.StringIO(paths[1].read_text("utf-8-sig"))))
    per_agency = [r for r in rows if len(r) == 7 and r[2] in ("it owes", "owed to it")]
    assert len(per_agency) == 2 * len(WEB)  # each statement seen from both agencies
    assert {r[6] for r in per_agency} == {"0.00"}
    assert sum(int(r[4].replace(".", "")) for r in per_agency) == 0


@pytest.mark.parametrize("quarter_text, error, message", [
    ("2026Q5", ValidationError, "not a quarter"), ("last quarter", ValidationError, "not a quarter"),
    ("2019Q1", ValidationError, "nothing to settle")])
def test_bad_quarter_or_nothing_to_settle_writes_nothing(ctx, quarter, quarter_text, error, message):
    build_region(ctx, quarter, WEB)
    with pytest.raises(error, match=message):
        ctx.services.settlement.propose(quarter_text)
    assert ctx.services.settlement.list() == []


def test_unknown_id_is_named(ctx, quarter):
    build_region(ctx, quarter, WEB)
    with pytest.raises(NotFoundError, match="no settlement proposal 'ZZZ'"):
        ctx.services.settlement.accept("ZZZ")
