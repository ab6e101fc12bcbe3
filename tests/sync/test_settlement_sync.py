"""Regional settlement through sync (issue 20): every node sees the proposal and each party's answer; a party
answers only on its billing installation; settling on the payee's installation pays the statements another
agency issued, and that arrives on the issuer's installation too."""

from __future__ import annotations

import inspect

from sqlalchemy import select

from partnerdesk.db.models import (Agency, Payment, SettlementAcceptance, SettlementProposal, Statement,
                                   SyncMember)
from tests.sync.conftest import sync_all


def _space(make_node, share, demo_template):
    """LYN's billing PC (the founder, with the demo region), another LYN PC, and EDM's PC, each admitted for
    its agency; LYN's statement to EDM issued on LYN's billing PC."""
    a = make_node("lyn-billing", template=demo_template)
    a.sync.init(share)
    b, c = make_node("lyn-desk"), make_node("edm")
    with a.db.read() as s:
        ids = {code: s.scalar(select(Agency.id).where(Agency.code == code)) for code in ("LYN", "EDM")}
    if "agency" in inspect.signature(b.sync.join).parameters:  # a member admits each newcomer for its agency
        b.sync.join(share, agency="LYN")
        c.sync.join(share, agency="EDM")
    else:  # membership rows as the admission records them (sync before admission requests)
        b.sync.join(share)
        c.sync.join(share)
        with a.db.write() as s:
            for node, code in ((a, "LYN"), (b, "LYN"), (c, "EDM")):
                s.add(SyncMember(id=node.db.node_id, agency_id=ids[code], status="admitted", display_name=node.name))
    sync_all([a, b, c])
    with a.db.write(action="issue") as s:
        lyn = s.scalar(select(Agency).where(Agency.code == "LYN"))
        edm = s.scalar(select(Agency).where(Agency.code == "EDM"))
        s.add(Statement(issuer_agency_id=lyn.id, bill_to_agency_id=edm.id, period="2026Q3", fiscal_year=2026,
                        period_start="2026-07-01", period_end="2026-09-30", number="LYN-2026-0001",
                        status="issued", gross_cents=1000, total_cents=1000, amount_due_cents=1000))
    sync_all([a, b, c])
    return a, b, c


def _refused(node, sender) -> list[str]:
    """What ``node`` refused from ``sender`` as not its agency's to write."""
    return [q.name for q in node.sync.status().quarantine if q.status == "unauthorised" and q.node == sender.db.node_id]


def _edm_bills_lyn(c) -> None:
    """EDM's own installation names itself EDM's billing installation and issues a statement to LYN."""
    with c.db.write(action="issue") as s:
        edm = s.scalar(select(Agency).where(Agency.code == "EDM"))
        lyn = s.scalar(select(Agency).where(Agency.code == "LYN"))
        edm.billing_node = c.db.node_id
        s.add(Statement(issuer_agency_id=edm.id, bill_to_agency_id=lyn.id, period="2026Q3", fiscal_year=2026,
                        period_start="2026-07-01", period_end="2026-09-30", number="EDM-2026-0001",
                        status="issued", gross_cents=400, total_cents=400, amount_due_cents=400))


def _statuses(node) -> dict[str, str]:
    with node.db.read() as s:
        return {n: st for n, st in s.execute(select(Statement.number, Statement.status)
                                             .where(Statement.number.in_(("LYN-2026-0001", "EDM-2026-0001"))))}


def test_propose_answer_and_settle_across_installations(make_node, share, demo_template):
    a, b, c = _space(make_node, share, demo_template)  # a: LYN's billing PC, b: another LYN PC, c: EDM's
    _edm_bills_lyn(c)
    sync_all([a, b, c])
    view, _ = a.sv.settlement.propose("2026Q3")
    assert view.mode == "multilateral"
    assert [(t.payer, t.payee, t.cents) for t in view.transfers] == [("EDM", "LYN", 600)]
    sync_all([a, b, c])
    on_c = c.sv.settlement.get(view.code)
    assert on_c.plan_sha256 == view.plan_sha256 and [p.code for p in on_c.parties if p.answers_here] == ["EDM"]
    c.sv.settlement.accept(view.code)
    # a forged answer for EDM from a LYN desk PC (not EDM's billing installation) is refused everywhere
    with b.db.write() as s:
        edm = s.scalar(select(Agency.id).where(Agency.code == "EDM"))
        s.add(SettlementAcceptance(proposal_id=view.id, agency_id=edm, decision="declined", reason="forged",
                                   plan_sha256=view.plan_sha256, decided_on=b.db.clock.today(), on_behalf=False))
    sync_all([a, b, c])
    assert _refused(a, b) and not _refused(a, c)
    assert a.sv.settlement.get(view.code).status == "proposed"  # EDM accepted; LYN has not answered yet
    final = a.sv.settlement.accept(view.code)
    assert final.status == "final"
    settled = a.sv.settlement.record_transfer(view.code, 1, a.db.clock.today())
    assert settled.status == "settled"
    sync_all([a, b, c])
    for node in (a, b, c):
        assert _statuses(node) == {"LYN-2026-0001": "paid", "EDM-2026-0001": "paid"}
        assert node.sv.settlement.get(view.code).status == "settled"
        with node.db.read() as s:
            refs = {p.reference for p in s.scalars(select(Payment).where(Payment.method == "settlement"))}
        assert refs == {f"SETTLE-2026Q3-{view.code}-1"}
    assert not _refused(c, a) and not _refused(b, a)  # the payment on EDM's statement is allowed: a settles it
    with c.db.read() as s:
        assert s.scalar(select(SettlementProposal.code)) == view.code
