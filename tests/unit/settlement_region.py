"""A region of agencies with issued statements between them, for the settlement tests (issue 20).

Statements issued by the partners reach a database through sync in real life; here they are written as the
rows sync would bring (issued, numbered, with an amount due), so a test can set up any web of balances in one
database. ``synced=True`` gives every agency a billing installation (this one's node for the home agency),
which makes the plan multilateral; ``synced=False`` leaves them without one (bilateral netting only)."""

from __future__ import annotations

from datetime import date, timedelta

from partnerdesk.db.models import Agency, Statement
from partnerdesk.domain.periods import Quarter

NAMES = {"LYN": "City of Lynnwood", "EDM": "City of Edmonds", "MLT": "City of Mountlake Terrace",
         "MUK": "City of Mukilteo", "BRI": "City of Brier", "SNO": "Snohomish County", "WDY": "Town of Woodway",
         "AWW": "Alderwood Water District"}


def completed_quarter(today: date) -> Quarter:
    """The last completed quarter before ``today`` (the frozen test clock's date)."""
    return Quarter.of(today).previous()


def build_region(ctx, quarter: Quarter, balances, codes=None, synced: bool = True) -> dict[str, str]:
    """Agencies (the first code is home) and one issued statement per (issuer, bill-to, cents) in ``balances``.
    Returns {statement number: statement id}."""
    codes = list(codes or dict.fromkeys([c for b in balances for c in b[:2]]))
    if "LYN" in codes:
        codes.remove("LYN")
    codes.insert(0, "LYN")
    svc = ctx.services.agencies
    have = {a.code for a in svc.list()} if hasattr(svc, "list") else set()
    for i, code in enumerate(codes):
        if code not in have:
            svc.create(name=NAMES.get(code, f"Agency {code}"), code=code, is_home=(i == 0))
    node = ctx.db.node_id
    out: dict[str, str] = {}
    with ctx.db.write(action="sync", summary="statements from the region") as s:
        agencies = {a.code: a for a in s.query(Agency).all()}
        if synced:
            for code, a in agencies.items():
                a.billing_node = node if a.is_home else f"node-{code.lower()}"
        seq: dict[str, int] = {}
        issued = quarter.end + timedelta(days=1)
        for issuer, bill_to, cents in balances:
            seq[issuer] = seq.get(issuer, 0) + 1
            number = f"{issuer}-{quarter.fiscal_year}-{seq[issuer] + 100 * len(out):04d}"
            st = Statement(number=number, kind="statement", issuer_agency_id=agencies[issuer].id,
                           bill_to_agency_id=agencies[bill_to].id, period=str(quarter),
                           fiscal_year=quarter.fiscal_year, period_start=quarter.start, period_end=quarter.end,
                           issue_date=issued, due_date=issued + timedelta(days=30), status="issued",
                           gross_cents=cents, total_cents=cents, amount_due_cents=cents)
            s.add(st)
            s.flush()
            out[number] = st.id
    return out


def answer_from_partner(ctx, proposal_id: str, code: str, decision: str = "accepted", reason: str | None = None):
    """A partner's answer as its billing installation's segment brings it (a row written by that node)."""
    from partnerdesk.db.models import SettlementAcceptance, SettlementProposal

    with ctx.db.write(action="sync", summary=f"{code} answers") as s:
        a = s.query(Agency).filter(Agency.code == code).one()
        p = s.get(SettlementProposal, proposal_id)
        s.add(SettlementAcceptance(proposal_id=p.id, agency_id=a.id, decision=decision, reason=reason,
                                   plan_sha256=p.plan_sha256, decided_on=ctx.db.clock.today(),
                                   decided_by=f"{code} finance", node=a.billing_node, on_behalf=False))


def accept_everywhere(ctx, view) -> object:
    """Every party accepts: this installation for the home agency, the partners through "sync"."""
    for pv in view.parties:
        if not pv.answers_here and pv.decision is None:
            answer_from_partner(ctx, view.id, pv.code)
    if any(pv.answers_here and pv.decision is None for pv in view.parties):
        return ctx.services.settlement.accept(view.code)
    return ctx.services.settlement.get(view.code)


def record_where_allowed(ctx, view, seq: int, day):
    """Record transfer ``seq`` on the installation that may: this one when the home agency pays or receives,
    otherwise the payee's billing installation (this database standing in for it, under its node id)."""
    t = next(x for x in view.transfers if x.seq == seq)
    if "LYN" in (t.payer, t.payee):
        return ctx.services.settlement.record_transfer(view.code, seq, day)
    mine = ctx.db.node_id
    ctx.db.node_id = f"node-{t.payee.lower()}"
    try:
        return ctx.services.settlement.record_transfer(view.code, seq, day)
    finally:
        ctx.db.node_id = mine
