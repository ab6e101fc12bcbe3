"""Money conflicts (issue 14, guarantee 7): payments recorded on two PCs that together exceed a statement's
amount due, or a payment on a statement voided meanwhile, are listed as conflicts, and the statement shows
"overpaid" by the amount, the same on every PC."""

from __future__ import annotations

from sqlalchemy import select

from partnerdesk.cli import main
from partnerdesk.db.models import Agency, Statement
from partnerdesk.domain.statement_rules import payment_status
from tests.sync.conftest import sync_all
from tests.sync.test_invalid_values import start_space
from tests.sync.test_sync_basics import _add_statement


def _issued(node, number: str) -> str:
    """An issued LYN statement; LYN names no single billing installation, so every LYN PC may record payments
    on it (sync/authorise.py: otherwise only the billing PC records them, and a conflict is rarer)."""
    sid = _add_statement(node)
    with node.db.write(action="issue") as s:
        s.scalar(select(Agency).where(Agency.code == "LYN")).billing_node = None
        st = s.get(Statement, sid)
        st.number, st.status, st.total_cents, st.amount_due_cents = number, "issued", 1000, 1000
        st.issue_date = node.db.clock.today()
    return sid


def test_payments_on_two_pcs_that_exceed_the_balance_show_overpaid_and_a_conflict(make_node, share,
                                                                                  demo_template, capsys):
    a = make_node("alice", template=demo_template)
    b, c = make_node("bob"), make_node("carol")
    start_space(share, a, b, c)
    sid = _issued(a, "LYN-2026-0001")
    sync_all([a, b, c])
    today = a.db.clock.today()
    a.sv.payments.record("LYN-2026-0001", 700, today, "eft")
    b.sv.payments.record("LYN-2026-0001", 600, today, "check")  # neither PC knew of the other's
    sync_all([a, b, c], rounds=2)
    for n in (a, b, c):
        st = n.sv.statements.get("LYN-2026-0001")
        assert (st.status, st.balance_cents) == ("overpaid", -300), n.name
        money = [x for x in n.sync.conflicts() if x.kind == "overpaid"]
        assert len(money) == 1 and money[0].row_id == sid and "overpaid by $3.00" in money[0].reason, n.name
        assert main(["--db", str(n.path), "statements", "list"]) == 0
        assert "overpaid by $3.00" in capsys.readouterr().out
    assert a.dump() == b.dump() == c.dump()


def test_a_payment_on_a_statement_voided_meanwhile_is_listed(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    start_space(share, a, b)
    sid = _issued(a, "LYN-2026-0002")
    sync_all([a, b])
    a.sv.statements.void("LYN-2026-0002", "wrong quarter")
    b.sv.payments.record("LYN-2026-0002", 400, b.db.clock.today(), "warrant")
    sync_all([a, b], rounds=2)
    for n in (a, b):
        assert n.sv.statements.get("LYN-2026-0002").status == "void", n.name
        listed = [x for x in n.sync.conflicts() if x.kind == "void_payment"]
        assert [x.row_id for x in listed] == [sid] and "$4.00" in listed[0].reason, n.name
    assert a.dump() == b.dump()


def test_the_payment_status_rule_names_an_overpayment():
    assert [payment_status(1000, x) for x in (0, 1, 1000, 1001)] == ["issued", "partially_paid", "paid", "overpaid"]
    assert payment_status(0, 5) == "overpaid" and payment_status(-100, 0) == "issued"
