"""An invoiced entry's price is its statement's on every replica (issue 14, guarantee 1): the billing PC issues a
statement while, before it has synced, another PC changes the rate. Found by the convergence property test
(ThreeNodesWithHours): the issuer kept the invoiced price and the other PCs repriced the entry to the new rate."""

from __future__ import annotations

import json

from partnerdesk.db.models import StatementLine, TimeEntry
from tests.conftest import TODAY
from tests.sync.conftest import sync_all
from tests.sync.test_convergence import _comparable


def _billed(node, entry_id) -> tuple[int, int]:
    """(the entry's amount_cents, the total of the statement lines that bill it) on one node."""
    with node.db.read() as s:
        entry = s.get(TimeEntry, entry_id)
        lines = [ln.amount_cents for ln in s.query(StatementLine).filter(StatementLine.deleted_at.is_(None))
                 if entry_id in json.loads(ln.source_entry_ids or "[]")]
        assert entry.status == "invoiced" and lines, node.name
        return entry.amount_cents, sum(lines)


def test_a_rate_changed_while_the_statement_is_issued_leaves_the_invoiced_price_everywhere(make_node, share):
    n0, n1, n2 = make_node("n0"), make_node("n1"), make_node("n2")
    n0.sv.agencies.create(name="City of Lynnwood", code="LYN", kind="city", is_home=True)
    n0.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
    n0.sv.agreements.create(parties=[("LYN", "provider"), ("EDM", "recipient")], number="ILA-1", title="IT help",
                            kind="reciprocal", effective_date="2026-01-01")
    n0.sv.agreements.update("ILA-1", filing_reference="AFN 2026-0001")
    rate_id = n0.sv.agreements.add_rate("ILA-1", effective_from="2026-01-01", hourly_rate_cents=9500).id
    entry_id = n0.sv.hours.log(partner="EDM", direction="given", work_date="2026-08-14", hours="3").entry.id
    n0.sync.init(share)
    for n in (n1, n2):
        n.sync.join(share)
    sync_all([n0, n1, n2])

    # concurrently: n0 bills last quarter (3 h at 95.00), n1 raises the rate (the open entry is 3 h at 120.00)
    n0.sv.statements.issue("2026Q3", partner="EDM", today=TODAY)
    n1.sv.agreements.update_rate(rate_id, hourly_rate_cents=12000)
    assert _billed(n0, entry_id) == (28500, 28500)
    with n1.db.read() as s:
        assert s.get(TimeEntry, entry_id).amount_cents == 36000  # not yet invoiced here

    sync_all([n1, n2, n0], rounds=3)
    for n in (n0, n1, n2):
        assert _billed(n, entry_id) == (28500, 28500), n.name
    assert _comparable(n0.dump()) == _comparable(n1.dump()) == _comparable(n2.dump())
