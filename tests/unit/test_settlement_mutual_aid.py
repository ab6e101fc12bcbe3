"""Issue 20: a Mutual Aid Reimbursement Request is never netted in a regional settlement (docs/settlement.md,
"What a proposal leaves out"): the requester claims it from FEMA and must show it paid the helper, request for
request, so it is paid on its own with `payments record`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from partnerdesk.errors import UserError
from partnerdesk.services.statements_mutual_aid import issue_mutual_aid
from tests.conftest import TODAY
from tests.unit.settlement_region import build_region, completed_quarter

Q = completed_quarter(TODAY)
WORKED = Q.end - timedelta(days=5)  # inside the quarter the settlement is proposed for


def _request(ctx):
    sv = ctx.services
    sv.incidents.add("WS-NET", name="Windstorm", start_date=WORKED, declaration="DR-4999-WA")
    sv.incidents.set_rate("Ana Moreno", regular="40", overtime="60", fringe_regular="25", fringe_overtime="10",
                          effective_from=WORKED - timedelta(days=30))
    sv.hours.log(partner="EDM", direction="given", work_date=WORKED, hours="3", staff="Ana Moreno", overtime=True,
                 incident_ref="WS-NET")
    st, _ = issue_mutual_aid(ctx.db, "WS-NET", "EDM", today=TODAY)
    assert st.period == str(Q) and st.amount_due_cents == 198_00  # 3 h × ($60.00 + $6.00): open in that quarter
    return st


def test_a_mutual_aid_request_is_left_out_of_the_quarters_settlement(demo_ctx):
    numbers = build_region(demo_ctx, Q, [("EDM", "LYN", 400_00), ("LYN", "EDM", 1_000_00)])  # LYN-…-0101
    st = _request(demo_ctx)
    view, _ = demo_ctx.services.settlement.propose(str(Q))
    assert {i.number for i in view.items} == set(numbers)  # the two statements, not the request
    assert st.number not in {i.number for i in view.items}
    assert view.total_cents == 1_400_00 and [t.cents for t in view.transfers] == [600_00]
    still = next(x for x in demo_ctx.services.statements.list() if x.number == st.number)
    assert still.balance_cents == 198_00  # due in full, to be paid on its own


def test_a_quarter_with_only_a_mutual_aid_request_open_has_nothing_to_settle(demo_ctx):
    build_region(demo_ctx, Q, [], codes=["LYN", "EDM"])
    _request(demo_ctx)
    with pytest.raises(UserError, match=f"nothing to settle for {Q}"):
        demo_ctx.services.settlement.propose(str(Q))
