"""Frozen statements through sync (issue 14; domain/freeze.py): an op from another PC that would change an
issued statement (its notes, amount due, a set-once void reason, a new line) is listed and never applied;
payment status still moves."""

from __future__ import annotations

import json

from sqlalchemy import select

from partnerdesk.db.models import Agency, Statement, StatementLine, SyncOp
from partnerdesk.sync.merge import TIME_ENTRY_FROZEN
from tests.sync.conftest import sync_all
from tests.sync.test_sync_basics import _add_statement, pair  # noqa: F401  (fixture)


def _forge(node, tbl: str, row_id: str, values: dict) -> None:
    """Ops as an older or tampered installation would publish them, past the local freeze guard."""
    with node.db.write(audit=False, capture_ops=False) as s:
        for field, value in values.items():
            hlc = node.db.hlc.now()
            s.add(SyncOp(op_id=f"{hlc}-{node.db.node_id}", hlc=hlc, node=node.db.node_id, tbl=tbl, row_id=row_id,
                         field=field, value=json.dumps(value), origin="local"))


def test_an_op_changing_an_issued_statement_is_listed_and_not_applied(pair):  # noqa: F811
    a, b = pair
    sid = _add_statement(a)
    sync_all([a, b])
    with a.db.write(action="issue") as s:
        st = s.get(Statement, sid)
        st.number, st.status, st.total_cents, st.amount_due_cents = "LYN-2026-0001", "issued", 1250, 1250
        # no single billing PC: bob may write LYN's statements (sync/authorise.py), so the freeze is what refuses
        s.get(Agency, st.issuer_agency_id).billing_node = None
    sync_all([a, b])
    _forge(b, "statement", sid, {"notes": "tampered", "amount_due_cents": 1, "status": "partially_paid"})
    _forge(b, "statement_line", "forged-line", {"statement_id": sid, "position": 99, "kind": "adjustment",
                                                "amount_cents": -1250})
    # the payment the status follows (a status is derived from the payments, the same on every PC)
    _forge(b, "payment", "0190dddd-0000-7000-8000-000000000001",
           {"statement_id": sid, "paid_on": "2026-01-05", "amount_cents": 500, "method": "eft"})
    sync_all([b, a])
    with a.db.read() as s:
        st = s.get(Statement, sid)
        assert (st.notes, st.amount_due_cents) == (None, 1250)
        assert st.status == "partially_paid"  # payment status may still move
        assert s.scalar(select(StatementLine.id).where(StatementLine.id == "forged-line")) is None
    frozen = {(c.table, c.field) for c in a.sync.conflicts() if c.kind == "frozen"}
    assert {("statement", "notes"), ("statement", "amount_due_cents")} <= frozen
    assert any(t == "statement_line" for t, _f in frozen)


def test_overtime_of_an_invoiced_entry_is_frozen():
    assert "overtime" in TIME_ENTRY_FROZEN
