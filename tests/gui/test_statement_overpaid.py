"""An overpaid statement (issue 14, guarantee 7: payments recorded on two PCs at once) reads "overpaid by" the
amount on the Statements page, in the colour of a problem."""

from __future__ import annotations

import os

from sqlalchemy import select

from partnerdesk.db.models import Agency, Payment, Statement
from partnerdesk.domain.periods import Quarter
from tests.conftest import TODAY


def test_the_statements_page_states_the_overpaid_amount(qtbot, window, demo_ctx, tmp_path):
    q = Quarter.of(TODAY).previous()
    with demo_ctx.db.write() as s:  # as a sync merge leaves it: two payments that together exceed the amount due
        home = s.scalar(select(Agency).where(Agency.is_home.is_(True)))
        partner = s.scalar(select(Agency).where(Agency.is_home.is_(False)).order_by(Agency.code))
        st = Statement(issuer_agency_id=home.id, bill_to_agency_id=partner.id, period=str(q), fiscal_year=q.fiscal_year,
                       period_start=q.start, period_end=q.end, issue_date=TODAY, number="LYN-2026-0999",
                       status="overpaid", total_cents=1000, gross_cents=1000, amount_due_cents=1000)
        s.add(st)
        s.flush()
        s.add_all([Payment(statement_id=st.id, paid_on=TODAY, amount_cents=700, method="eft"),
                   Payment(statement_id=st.id, paid_on=TODAY, amount_cents=600, method="check")])
    p = window.pages["statements"]
    p.today = TODAY
    window.resize(1366, 768)
    with qtbot.waitSignal(p.loaded, timeout=20000):
        window.show_page("statements")
    if p.quarter.currentData() != str(q):
        with qtbot.waitSignal(p.loaded, timeout=20000):
            p.set_quarter(str(q))
    row = next(i for i in range(p.proxy.rowCount()) if p.proxy.index(i, 0).data() == "LYN-2026-0999")
    assert p.proxy.index(row, 3).data() == "overpaid by $3.00"
    assert p.proxy.index(row, 8).data() in ("-$3.00", "($3.00)", "−$3.00")
    if os.environ.get("PD_SCREENSHOTS"):
        window.grab().save(os.path.join(os.environ["PD_SCREENSHOTS"], "statements-overpaid.png"))
