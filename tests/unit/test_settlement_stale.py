"""A settlement proposal whose statements changed since it was proposed (voided, paid, partly paid) is stale,
and a stale proposal is never settled, not even in part: every attempt to record a transfer is refused in one
line and writes nothing (issue 20)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from partnerdesk.db.models import Statement
from partnerdesk.errors import UserError
from tests.fuzzing import db_digest, fuzz_settings, reset_db
from tests.unit.settlement_region import (accept_everywhere, build_region, completed_quarter,
                                          record_where_allowed)

pytestmark = pytest.mark.property  # `make proof`: random seeds, ten times the examples

CODES = ("LYN", "EDM", "MLT", "MUK")
TOUCHED = ("payment", "statement", "settlement_transfer")


@pytest.fixture
def region(ctx, tmp_path):
    """The four agencies, and a pristine copy of the database to start each example from."""
    from partnerdesk.services.backup import copy_database

    build_region(ctx, completed_quarter(ctx.db.clock.today()), [], codes=CODES)
    return ctx, copy_database(ctx.db.path, tmp_path / "pristine.sqlite3")


@st.composite
def webs(draw):
    pairs = [(a, b) for a in CODES for b in CODES if a != b]
    return draw(st.lists(st.tuples(st.sampled_from(pairs), st.integers(1, 2_000_000)), min_size=2, max_size=8)
                .map(lambda xs: [(a, b, c) for (a, b), c in xs]))


def _change(ctx, number: str, how: str) -> None:
    """What happened meanwhile, as the statement's issuer (on its node, arriving here by sync) did it."""
    with ctx.db.read() as s:
        due = s.scalar(select(Statement.amount_due_cents).where(Statement.number == number))
    if how == "voided":
        with ctx.db.write(action="sync", summary=f"{number} voided") as s:
            st_ = s.scalar(select(Statement).where(Statement.number == number))
            st_.status, st_.void_reason, st_.voided_at = "void", "wrong rate", ctx.db.clock.utcnow()
    elif how == "paid":
        ctx.services.payments.record(number, due, ctx.db.clock.today(), "warrant", "W-1")
    else:  # partly paid (a one-cent statement can only be paid in full)
        ctx.services.payments.record(number, max(due // 2, 1), ctx.db.clock.today(), "check", "C-1")


@fuzz_settings(25)
@given(web=webs(), how=st.sampled_from(["voided", "paid", "partly paid"]), which=st.integers(0, 7),
       first=st.booleans())
def test_a_stale_proposal_is_never_settled_half_way(region, web, how, which, first):
    ctx, pristine = region
    reset_db(ctx.db.path, pristine)
    quarter = completed_quarter(ctx.db.clock.today())
    numbers = list(build_region(ctx, quarter, web, codes=CODES))
    view = accept_everywhere(ctx, ctx.services.settlement.propose(str(quarter))[0])
    if view.status == "settled":  # everything netted out at acceptance: nothing left to go stale
        return
    day = ctx.db.clock.today()
    if first and len(view.transfers) > 1:  # one transfer already recorded: the rest must still be refused
        view = record_where_allowed(ctx, view, view.transfers[0].seq, day)
    settled = {i.number for i in view.items if i.settled}
    open_numbers = [n for n in numbers if n not in settled]
    _change(ctx, open_numbers[which % len(open_numbers)], how)
    view = ctx.services.settlement.get(view.code)
    assert view.status == "stale" and open_numbers[which % len(open_numbers)] in view.status_reason
    before = db_digest(ctx.db.path)
    for t in view.transfers:
        if t.paid_on:
            continue
        with pytest.raises(UserError, match="is stale") as exc:
            record_where_allowed(ctx, view, t.seq, day)
        assert "\n" not in str(exc.value) and "nothing was recorded" in str(exc.value)
    after = db_digest(ctx.db.path)
    assert {t: after[t] for t in TOUCHED} == {t: before[t] for t in TOUCHED}
    with pytest.raises(UserError, match="is stale"):
        ctx.services.settlement.accept(view.code)
