"""The settlement rule (domain/settlement.py) as properties: whatever web of balances between agencies,
the plan settles exactly the included balances, within n − 1 payments, to the cent, and the same statements
in any order give the same plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerdesk.domain.settlement import (BILATERAL, MULTILATERAL, Claim, Party, net_positions, plan_digest,
                                           plan_settlement, settled_positions)
from partnerdesk.errors import ValidationError
from tests.fuzzing import fuzz_settings

pytestmark = pytest.mark.property  # `make proof`: random seeds, ten times the examples

CODES = ["AWW", "BRI", "EDM", "LYN", "MLT", "MUK", "SNO", "WDY"]


@st.composite
def claims(draw, max_agencies: int = 8):
    n = draw(st.integers(2, max_agencies))
    parties = [Party(c, f"id-{c}") for c in CODES[:n]]
    k = draw(st.integers(1, 3 * n))
    out = []
    for i in range(k):
        a, b = draw(st.sampled_from([(x, y) for x in parties for y in parties if x != y]))
        cents = draw(st.one_of(st.integers(1, 99), st.integers(1, 5_000_000_00)))
        out.append(Claim(f"st-{i:03d}", f"{a.code}-2026-{i:04d}", a, b, cents))
    return out


def _flows(plan):
    """What each party receives minus pays through the plan's transfers."""
    out = {}
    for t in plan.transfers:
        out[t.payee] = out.get(t.payee, 0) + t.cents
        out[t.payer] = out.get(t.payer, 0) - t.cents
    return out


@fuzz_settings(300)
@given(claims(), st.sampled_from([MULTILATERAL, BILATERAL]))
def test_transfers_settle_exactly_the_included_balances(cs, mode):
    plan = plan_settlement(cs, mode)
    pos = net_positions(cs)
    flows = _flows(plan)
    for party, value in pos.items():
        assert flows.get(party, 0) == value  # each agency receives what it is owed net, and pays what it owes net
    assert all(v == 0 for v in settled_positions(plan).values())  # no residue
    assert sum(v for _p, v in plan.positions) == 0
    assert {sid for sid, _ in plan.cover} == {c.statement_id for c in cs}  # every statement settled, once
    seqs = {t.seq for t in plan.transfers}
    assert all(seq in seqs for _sid, seq in plan.cover if seq is not None)
    if plan.transfers:
        assert all(seq is not None for _sid, seq in plan.cover) or mode == BILATERAL


@fuzz_settings(300)
@given(claims())
def test_at_most_n_minus_one_payments_every_one_positive(cs):
    plan = plan_settlement(cs, MULTILATERAL)
    nonzero = [p for p, v in plan.positions if v]
    assert len(plan.transfers) <= max(len(nonzero) - 1, 0) <= len(plan.positions) - 1
    assert all(t.cents > 0 and t.payer != t.payee for t in plan.transfers)
    # nobody both pays and receives: a debtor only pays, a creditor only receives
    payers, payees = {t.payer for t in plan.transfers}, {t.payee for t in plan.transfers}
    assert not payers & payees


@fuzz_settings(200)
@given(claims(), st.randoms(use_true_random=False), st.sampled_from([MULTILATERAL, BILATERAL]))
def test_shuffled_statements_give_the_same_plan(cs, rnd, mode):
    shuffled = list(cs)
    rnd.shuffle(shuffled)
    a, b = plan_settlement(cs, mode), plan_settlement(shuffled, mode)
    assert a == b
    assert plan_digest("2026Q3", a) == plan_digest("2026Q3", b)


@fuzz_settings(200)
@given(claims())
def test_cents_stay_whole_numbers(cs):
    for mode in (MULTILATERAL, BILATERAL):
        plan = plan_settlement(cs, mode)
        assert all(type(t.cents) is int for t in plan.transfers)
        assert all(type(v) is int for _p, v in plan.positions)
        assert sum(t.cents for t in plan.transfers) <= sum(c.cents for c in cs)


def test_ties_are_broken_by_agency_code_in_writing():
    """Equal debts and credits: the alphabetically first debtor pays the alphabetically first creditor."""
    p = {c: Party(c, f"id-{c}") for c in ("AAA", "BBB", "CCC", "DDD")}
    cs = [Claim("1", "CCC-1", p["CCC"], p["AAA"], 500), Claim("2", "DDD-1", p["DDD"], p["BBB"], 500)]
    plan = plan_settlement(cs)
    assert [(t.payer.code, t.payee.code, t.cents) for t in plan.transfers] == [("AAA", "CCC", 500),
                                                                               ("BBB", "DDD", 500)]


def test_a_triangle_nets_out_with_no_payment_and_settles_when_final():
    p = {c: Party(c, f"id-{c}") for c in ("EDM", "LYN", "MLT")}
    cs = [Claim("1", "LYN-1", p["LYN"], p["EDM"], 10_000), Claim("2", "EDM-1", p["EDM"], p["MLT"], 10_000),
          Claim("3", "MLT-1", p["MLT"], p["LYN"], 10_000)]
    plan = plan_settlement(cs)
    assert plan.transfers == () and all(seq is None for _sid, seq in plan.cover)


def test_bilateral_nets_each_pair_only():
    p = {c: Party(c, f"id-{c}") for c in ("EDM", "LYN", "MLT")}
    cs = [Claim("1", "LYN-1", p["LYN"], p["EDM"], 10_000), Claim("2", "EDM-1", p["EDM"], p["LYN"], 2_500),
          Claim("3", "EDM-2", p["EDM"], p["MLT"], 4_000)]
    plan = plan_settlement(cs, BILATERAL)
    assert [(t.payer.code, t.payee.code, t.cents) for t in plan.transfers] == [("EDM", "LYN", 7_500),
                                                                               ("MLT", "EDM", 4_000)]
    multi = plan_settlement(cs, MULTILATERAL)  # passes MLT's debt on to LYN; the larger debtor pays first
    assert [(t.payer.code, t.payee.code, t.cents) for t in multi.transfers] == [("MLT", "LYN", 4_000),
                                                                               ("EDM", "LYN", 3_500)]


@pytest.mark.parametrize("bad, message", [
    ([], "nothing to settle"),
    ([Claim("1", "X-1", Party("A", "a"), Party("B", "b"), 0)], "positive whole number of cents"),
    ([Claim("1", "X-1", Party("A", "a"), Party("B", "b"), 12.5)], "positive whole number of cents"),
    ([Claim("1", "X-1", Party("A", "a"), Party("A", "a"), 100)], "cannot owe itself"),
])
def test_bad_claims_are_refused_in_one_line(bad, message):
    with pytest.raises(ValidationError, match=message):
        plan_settlement(bad)
