"""Who may write regional settlement records through sync (issue 20), for ``sync/authorise.py``'s ``RULES``.

* A proposal, its statements and its transfers are created by an installation of the proposing agency.
* A transfer is then recorded as paid (``paid_on``, ``recorded_by``, ``recorded_node``) only by an
  installation of its payer or payee.
* A party's answer comes only from that party's billing installation (the one ``agency.billing_node``
  names: ``sync/billing.py``, the rule that also says who issues its numbers); an answer "on behalf" of an
  agency without an installation of its own, from the installation that looks after it.
* Settling writes payments (method ``settlement``) on statements other agencies issued, and moves their
  status to partially paid or paid: allowed, besides the issuer's billing installation, to an installation
  of a party to a settlement proposal that includes the statement. Nothing else of a statement is.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select


TRANSFER_PAID_FIELDS = frozenset({"paid_on", "recorded_by", "recorded_node", "updated_at"})
SETTLED_STATUSES = frozenset({"partially_paid", "paid"})


def _json(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return None


def _all(ops: list, reason: str | None) -> dict[str, str]:
    return {} if reason is None else {o.op_id: reason for o in ops}


def _proposer_ok(ctx, proposal_id: str | None) -> bool:
    return proposal_id is not None and ctx.acts_for(ctx.after("settlement_proposal", proposal_id,
                                                              "proposed_by_agency_id"))


def _unchanged(ctx, tbl: str, row_id: str, field: str) -> bool:
    before = ctx.before(tbl, row_id)
    return before is None or before[field] == ctx.after(tbl, row_id, field)


def proposal(ctx, row_id: str, ops: list) -> dict[str, str]:
    ok = _unchanged(ctx, "settlement_proposal", row_id, "proposed_by_agency_id") and _proposer_ok(ctx, row_id)
    return _all(ops, None if ok else "a settlement proposal is written only by the agency that proposed it")


def item(ctx, row_id: str, ops: list) -> dict[str, str]:
    ok = (_unchanged(ctx, "settlement_item", row_id, "proposal_id")
          and _proposer_ok(ctx, ctx.after("settlement_item", row_id, "proposal_id")))
    return _all(ops, None if ok else "a settlement proposal is written only by the agency that proposed it")


def transfer(ctx, row_id: str, ops: list) -> dict[str, str]:
    if not _unchanged(ctx, "settlement_transfer", row_id, "proposal_id"):
        return _all(ops, "a settlement transfer stays in its proposal")
    if _proposer_ok(ctx, ctx.after("settlement_transfer", row_id, "proposal_id")) and \
            ctx.is_new("settlement_transfer", row_id):
        return {}
    parties = (ctx.after("settlement_transfer", row_id, "payer_agency_id"),
               ctx.after("settlement_transfer", row_id, "payee_agency_id"))
    ok = any(ctx.acts_for(a) for a in parties)
    return {o.op_id: "only the payer or the payee records a settlement payment as paid" for o in ops
            if not ok or o.field not in TRANSFER_PAID_FIELDS}


def acceptance(ctx, row_id: str, ops: list) -> dict[str, str]:
    if not ctx.is_new("settlement_acceptance", row_id):
        return _all(ops, "a party's answer to a settlement proposal is never changed")
    agency_id = ctx.after("settlement_acceptance", row_id, "agency_id")
    if ctx.after("settlement_acceptance", row_id, "on_behalf"):
        ok = agency_id != ctx.agency and ctx.acts_for(agency_id)  # an agency without an installation of its own
    else:
        agency = ctx.before("agency", agency_id)
        ok = agency_id == ctx.agency and agency is not None and agency.get("billing_node") == ctx.node
    return _all(ops, None if ok else "a party answers a settlement proposal only on its billing installation")


def settles(ctx, statement_id: str | None) -> bool:
    """Whether the sender acts for a party of a live settlement proposal that includes the statement."""
    if statement_id is None:
        return False
    from partnerdesk.db.models import SettlementItem

    proposals = set(ctx.s.scalars(select(SettlementItem.proposal_id).where(
        SettlementItem.statement_id == statement_id, SettlementItem.deleted_at.is_(None))))
    for (tbl, row_id) in ctx.batch:  # a proposal arriving in the same segment
        if tbl == "settlement_item" and ctx.after(tbl, row_id, "statement_id") == statement_id:
            proposals.add(ctx.after(tbl, row_id, "proposal_id"))
    if not proposals:
        return False
    parties: set[Any] = set()
    for pid in proposals:
        parties |= {r for row in ctx.s.execute(select(SettlementItem.creditor_agency_id,
                                                      SettlementItem.debtor_agency_id)
                                               .where(SettlementItem.proposal_id == pid)) for r in row}
        for (tbl, row_id) in ctx.batch:
            if tbl == "settlement_item" and ctx.after(tbl, row_id, "proposal_id") == pid:
                parties |= {ctx.after(tbl, row_id, "creditor_agency_id"), ctx.after(tbl, row_id, "debtor_agency_id")}
    return any(ctx.acts_for(a) for a in parties if a)


def or_settlement_payment(rule):
    """``rule`` for payments, and also a settlement payment by a party to the proposal that includes it."""
    def check(ctx, row_id: str, ops: list) -> dict[str, str]:
        refused = rule(ctx, row_id, ops)
        if refused and ctx.after("payment", row_id, "method") == "settlement" \
                and str(ctx.after("payment", row_id, "reference") or "").startswith("SETTLE-") \
                and ctx.is_new("payment", row_id) and settles(ctx, ctx.after("payment", row_id, "statement_id")):
            return {}
        return refused
    return check


def or_settled_status(rule):
    """``rule`` for statements, and also the payment status a settlement moves (nothing else of the row)."""
    def check(ctx, row_id: str, ops: list) -> dict[str, str]:
        refused = rule(ctx, row_id, ops)
        if refused and not ctx.is_new("statement", row_id) and settles(ctx, row_id) and all(
                o.field == "updated_at" or (o.field == "status" and _json(o.value) in SETTLED_STATUSES)
                for o in ops):
            return {}
        return refused
    return check


RULES = {"settlement_proposal": proposal, "settlement_item": item, "settlement_transfer": transfer,
         "settlement_acceptance": acceptance}
