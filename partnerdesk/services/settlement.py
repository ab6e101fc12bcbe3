"""Regional settlement (issue 20): propose one round of payments for a quarter's statements between agencies,
collect each party's acceptance, and settle the statements as the transfers are paid.

The rule is ``domain/settlement.py``; this module reads and writes the four synced tables (0014_settlement), so
every node in the space sees the same proposals, answers and transfers.

* **Propose.** Every issued statement of the quarter with an open balance, whoever issued it, is included with
  the balance it has now. Multilateral netting when every agency involved has a PartnerDesk billing
  installation in the sync space (``agency.billing_node``), bilateral netting otherwise.
* **Answer.** A party accepts or declines only on its billing installation (an agency without sync: this
  installation answers for the home agency, and may record the answer of a partner that does not use
  PartnerDesk, marked "on behalf"). The plan is final when every party has accepted.
* **Settle.** Recording a transfer as paid writes, in one transaction, a payment (method ``settlement``,
  reference ``SETTLE-2026Q3-<code>-<n>``) on every statement the transfer settles. A proposal whose statements
  changed since (voided, paid, credited) is stale: it is never settled, not even in part.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerdesk import fsutil
from partnerdesk.db.models import (Agency, Payment, SettlementAcceptance, SettlementItem, SettlementProposal,
                                   SettlementTransfer, Statement)
from partnerdesk.db.types import uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain import settlement as rule
from partnerdesk.domain.money import Money
from partnerdesk.domain.periods import Quarter
from partnerdesk.domain.settlement import (DECLINED, FINAL, PROPOSED, SETTLED, SETTLING, STALE, Claim, ItemView,
                                           Party, PartyView, ProposalView, TransferView)
from partnerdesk.errors import NotFoundError, UserError, ValidationError
from partnerdesk.services.base import as_date, check_not_future, clean_text, demo_database, require_home
from partnerdesk.services.payments import SETTLEMENT, apply_payment
from partnerdesk.services.statements import _settled, check_writable_folder, write_file

OPEN = ("issued", "partially_paid")


class SettlementService:
    def __init__(self, db: Database):
        self.db = db

    # -- proposing ----------------------------------------------------------------------------------
    def propose(self, quarter: str, out_dir: Path | str | None = None) -> tuple[ProposalView, list[Path]]:
        """Propose a plan for ``quarter``; with ``out_dir``, write its PDF and CSV there (the folder is checked
        before anything is written)."""
        if out_dir is not None:
            check_writable_folder(Path(out_dir))
        with self.db.write(action="settlement_propose", summary=f"settlement proposed for {quarter}") as s:
            home = require_home(s)
            q = str(Quarter.parse((quarter or "").strip().upper(), home.fy_start_month))
            # kind "statement" only: a mutual-aid reimbursement request is paid on its own, never netted (the
            # requester must show FEMA it paid the helper; docs/settlement.md)
            rows = s.scalars(select(Statement).where(
                Statement.deleted_at.is_(None), Statement.kind == "statement", Statement.period == q,
                Statement.status.in_(OPEN), Statement.number.is_not(None))).all()
            paid = _settled(s, [r.id for r in rows]) if rows else {}
            agencies = _agencies(s)
            claims = []
            for r in rows:
                balance = r.amount_due_cents - paid.get(r.id, 0)
                if balance > 0 and r.issuer_agency_id != r.bill_to_agency_id:
                    claims.append(Claim(r.id, r.number, _party(agencies[r.issuer_agency_id]),
                                        _party(agencies[r.bill_to_agency_id]), balance))
            if not claims:
                raise ValidationError(f"nothing to settle for {q}: no issued statement of that quarter has an open "
                                      "balance (see 'partnerdesk statements list')")
            involved = {c.creditor.id for c in claims} | {c.debtor.id for c in claims}
            mode = (rule.MULTILATERAL if all(agencies[a].billing_node for a in involved) else rule.BILATERAL)
            plan = rule.plan_settlement(claims, mode)
            pid = uuid7()
            taken = set(s.scalars(select(SettlementProposal.code)))
            while pid[-6:].upper() in taken:
                pid = uuid7()
            code = pid[-6:].upper()
            p = SettlementProposal(id=pid, code=code, quarter=q, mode=mode, proposed_by_agency_id=home.id,
                                   proposed_node=self.db.node_id, proposed_by=self.db.actor.display_name,
                                   proposed_on=self.db.clock.today(),
                                   total_cents=sum(c.cents for c in plan.claims),
                                   plan_sha256=rule.plan_digest(q, plan))
            s.add(p)
            s.flush()  # the proposal before the rows that name it
            cover = dict(plan.cover)
            for c in plan.claims:
                s.add(SettlementItem(proposal_id=pid, statement_id=c.statement_id, statement_number=c.number,
                                     creditor_agency_id=c.creditor.id, debtor_agency_id=c.debtor.id,
                                     balance_cents=c.cents, transfer_seq=cover[c.statement_id]))
            for t in plan.transfers:
                s.add(SettlementTransfer(proposal_id=pid, seq=t.seq, payer_agency_id=t.payer.id,
                                         payee_agency_id=t.payee.id, amount_cents=t.cents,
                                         reference=rule.transfer_reference(q, code, t.seq)))
            s.flush()
            view = self._view(s, p, home)
        paths = self.write_documents(view.id, out_dir) if out_dir is not None else []
        return view, paths

    # -- reading ------------------------------------------------------------------------------------
    def list(self, quarter: str | None = None) -> list[ProposalView]:
        with self.db.read() as s:
            home = require_home(s)
            q = select(SettlementProposal).where(SettlementProposal.deleted_at.is_(None))
            if quarter:
                q = q.where(SettlementProposal.quarter == str(Quarter.parse(quarter.strip().upper(),
                                                                            home.fy_start_month)))
            rows = s.scalars(q.order_by(SettlementProposal.created_at.desc(), SettlementProposal.id)).all()
            return [self._view(s, p, home) for p in rows]

    def get(self, ref: str) -> ProposalView:
        with self.db.read() as s:
            return self._view(s, _find(s, ref), require_home(s))

    # -- answering ----------------------------------------------------------------------------------
    def accept(self, ref: str, on_behalf_of: str | None = None) -> ProposalView:
        return self._answer(ref, "accepted", None, on_behalf_of)

    def decline(self, ref: str, reason: str, on_behalf_of: str | None = None) -> ProposalView:
        why = clean_text(reason, "--reason", 500, required=True)
        return self._answer(ref, "declined", why, on_behalf_of)

    def _answer(self, ref: str, decision: str, reason: str | None, on_behalf_of: str | None) -> ProposalView:
        verb = "accept" if decision == "accepted" else "decline"
        with self.db.write(action=f"settlement_{verb}", summary=f"settlement {ref} {decision}") as s:
            home = require_home(s)
            p = _find(s, ref)
            view = self._view(s, p, home)
            _require_open(view, verb)
            if view.status != PROPOSED:
                netted = [i for i in view.items if i.transfer_seq is None and not i.settled]
                if decision == "accepted" and netted and any(pv.answers_here for pv in view.parties):
                    # the last acceptance arrived through sync: settle what netting alone settles, here
                    self._pay(s, p, None, self.db.clock.today())
                    return self._view(s, p, home)
                raise UserError(f"proposal {view.code} is already final: every party has accepted")
            pending = [pv for pv in view.parties if pv.decision is None]
            agencies = _agencies(s)
            by_code = {a.code.upper(): a for a in agencies.values() if a.deleted_at is None}
            if on_behalf_of:
                a = by_code.get(on_behalf_of.strip().upper())
                if a is None or a.code not in {pv.code for pv in view.parties}:
                    raise ValidationError(f"--for {on_behalf_of}: not a party to proposal {view.code} (parties: "
                                          f"{', '.join(pv.code for pv in view.parties)})")
                if not _answered_for_here(a, home, self.db.node_id):
                    raise ValidationError(f"--for {a.code}: {a.name} answers on its own PartnerDesk installation; "
                                          "only an agency that does not use PartnerDesk is answered for, on "
                                          f"{home.code}'s billing installation")
                targets, behalf = [a], True
            else:
                targets = [a for a in (by_code.get(pv.code.upper()) for pv in pending)
                           if a is not None and _answers_here(a, home, self.db.node_id)]
                behalf = False
                if not targets:
                    mine = [pv.code for pv in view.parties if pv.answers_here]
                    if mine:
                        raise UserError(f"proposal {view.code}: {', '.join(mine)} already answered here")
                    raise UserError(f"this installation answers for no party of proposal {view.code} "
                                    f"({', '.join(pv.code for pv in view.parties)}): each party accepts on its "
                                    "own billing installation")
            answered = {pv.code for pv in view.parties if pv.decision is not None}
            for a in targets:
                if a.code in answered:
                    raise UserError(f"proposal {view.code}: {a.code} has already answered")
                s.add(SettlementAcceptance(proposal_id=p.id, agency_id=a.id, decision=decision, reason=reason,
                                           plan_sha256=p.plan_sha256, decided_on=self.db.clock.today(),
                                           decided_by=self.db.actor.display_name, node=self.db.node_id,
                                           on_behalf=behalf))
            s.flush()
            view = self._view(s, p, home)
            if view.status == FINAL:
                # statements no transfer settles (the plan has no transfer: everything nets out) are settled now
                self._pay(s, p, None, self.db.clock.today())
                view = self._view(s, p, home)
            return view

    # -- settling -----------------------------------------------------------------------------------
    def record_transfer(self, ref: str, seq: int, paid_on: Any) -> ProposalView:
        """Record transfer ``seq`` as paid on ``paid_on``: every statement it settles is marked paid, in this one
        transaction. Refused, with nothing written, when the proposal is not final or has gone stale."""
        when = as_date(paid_on, "--date")
        if when is None:
            raise ValidationError("--date: required")
        check_not_future(when, self.db.clock.today(), "--date")
        with self.db.write(action="settlement_pay", summary=f"settlement {ref} transfer {seq} paid") as s:
            home = require_home(s)
            p = _find(s, ref)
            view = self._view(s, p, home)
            _require_open(view, "settle")
            if view.status == PROPOSED:
                waiting = ", ".join(pv.code for pv in view.parties if pv.decision is None)
                raise UserError(f"proposal {view.code} is not final: waiting for {waiting} to accept")
            t = s.scalar(select(SettlementTransfer).where(SettlementTransfer.proposal_id == p.id,
                                                          SettlementTransfer.seq == seq,
                                                          SettlementTransfer.deleted_at.is_(None)))
            if t is None:
                raise NotFoundError(f"proposal {view.code} has no transfer {seq} (transfers: "
                                    f"{', '.join(str(x.seq) for x in view.transfers) or 'none'})")
            if t.paid_on is not None:
                raise UserError(f"transfer {seq} of proposal {view.code} was recorded as paid on {t.paid_on}")
            agencies = _agencies(s)
            payer, payee = agencies[t.payer_agency_id], agencies[t.payee_agency_id]
            if not any(_answers_here(a, home, self.db.node_id) or _answered_for_here(a, home, self.db.node_id)
                       for a in (payer, payee)):
                raise UserError(f"transfer {seq} is recorded by {payer.code} or {payee.code} on their billing "
                                "installation")
            t.paid_on = when
            t.recorded_by = self.db.actor.display_name
            t.recorded_node = self.db.node_id
            self._pay(s, p, seq, when, t.reference)
            s.flush()
            return self._view(s, p, home)

    def _pay(self, s: Session, p: SettlementProposal, seq: int | None, when: date, reference: str | None = None):
        reference = reference or rule.final_reference(p.quarter, p.code)
        for item in s.scalars(select(SettlementItem).where(
                SettlementItem.proposal_id == p.id, SettlementItem.deleted_at.is_(None),
                SettlementItem.transfer_seq.is_(None) if seq is None else SettlementItem.transfer_seq == seq)):
            st = s.get(Statement, item.statement_id)
            apply_payment(s, st, item.balance_cents, max(when, st.issue_date or when), SETTLEMENT, reference)

    # -- documents ----------------------------------------------------------------------------------
    def documents(self, ref: str) -> tuple[bytes, str]:
        """The Settlement Proposal PDF and CSV."""
        from partnerdesk.reports.settlement import proposal_csv, render_proposal

        view = self.get(ref)
        return render_proposal(view), proposal_csv(view)

    def write_documents(self, ref: str, out_dir: Path | str) -> list[Path]:
        out = Path(out_dir)
        check_writable_folder(out)
        pdf, csv_text = self.documents(ref)
        view = self.get(ref)
        stem = f"settlement-{view.quarter}-{view.code}"
        paths = [fsutil.file_in(out, stem, ".pdf"), fsutil.file_in(out, stem, ".csv")]
        write_file(paths[0], pdf)
        write_file(paths[1], csv_text.encode("utf-8-sig"))
        return paths

    # -- the view -----------------------------------------------------------------------------------
    def _view(self, s: Session, p: SettlementProposal, home: Agency) -> ProposalView:
        agencies = _agencies(s)
        items = s.scalars(select(SettlementItem).where(SettlementItem.proposal_id == p.id,
                                                       SettlementItem.deleted_at.is_(None))
                          .order_by(SettlementItem.statement_number, SettlementItem.statement_id)).all()
        transfers = s.scalars(select(SettlementTransfer).where(SettlementTransfer.proposal_id == p.id,
                                                               SettlementTransfer.deleted_at.is_(None))
                              .order_by(SettlementTransfer.seq)).all()
        answers = {}
        for a in s.scalars(select(SettlementAcceptance).where(SettlementAcceptance.proposal_id == p.id,
                                                              SettlementAcceptance.deleted_at.is_(None))
                           .order_by(SettlementAcceptance.created_at, SettlementAcceptance.id)):
            answers.setdefault(a.agency_id, a)  # the first answer of each party counts
        ids = [i.statement_id for i in items]
        statements = {st.id: st for st in s.scalars(select(Statement).where(Statement.id.in_(ids)))}
        prefix = rule.reference_prefix(p.quarter, p.code)
        settled_ids = set(s.scalars(select(Payment.statement_id).where(
            Payment.statement_id.in_(ids), Payment.deleted_at.is_(None), Payment.method == SETTLEMENT,
            Payment.reference.like(prefix + "%"))))
        paid = _settled(s, ids) if ids else {}
        stale = []
        for i in items:
            if i.statement_id in settled_ids:
                continue
            st = statements.get(i.statement_id)
            if st is None or st.deleted_at is not None or st.status not in OPEN:
                stale.append(f"{i.statement_number} is {(st.status if st else 'gone').replace('_', ' ')}")
            elif st.amount_due_cents - paid.get(st.id, 0) != i.balance_cents:
                now = st.amount_due_cents - paid.get(st.id, 0)
                stale.append(f"{i.statement_number}'s balance is {Money(now)}, not {Money(i.balance_cents)}")
        party_ids = sorted({i.creditor_agency_id for i in items} | {i.debtor_agency_id for i in items},
                           key=lambda a: (agencies[a].code, a))
        owes = {a: 0 for a in party_ids}
        owed = {a: 0 for a in party_ids}
        for i in items:
            owed[i.creditor_agency_id] += i.balance_cents
            owes[i.debtor_agency_id] += i.balance_cents
        parties = []
        for a_id in party_ids:
            a, ans = agencies[a_id], answers.get(a_id)
            parties.append(PartyView(a.code, a.name, owed[a_id] - owes[a_id], owes[a_id], owed[a_id],
                                     ans.decision if ans else None, ans.decided_on if ans else None,
                                     ans.decided_by if ans else None, ans.reason if ans else None,
                                     bool(ans and ans.on_behalf), _answers_here(a, home, self.db.node_id)))
        declined = [pv for pv in parties if pv.decision == "declined"]
        if items and len(settled_ids) == len(items) and all(t.paid_on for t in transfers):
            status, reason = SETTLED, None
        elif declined:
            status, reason = DECLINED, "; ".join(f"{pv.code}: {pv.reason}" for pv in declined)
        elif stale:
            status, reason = STALE, "; ".join(stale) + " since it was proposed"
        elif all(pv.decision == "accepted" for pv in parties):
            status, reason = (SETTLING if settled_ids or any(t.paid_on for t in transfers) else FINAL), None
        else:
            status, reason = PROPOSED, None
        numbers_of: dict[int | None, list[str]] = {}
        for i in items:
            numbers_of.setdefault(i.transfer_seq, []).append(i.statement_number)
        tviews = tuple(TransferView(t.seq, agencies[t.payer_agency_id].code, agencies[t.payer_agency_id].name,
                                    agencies[t.payee_agency_id].code, agencies[t.payee_agency_id].name,
                                    t.amount_cents, t.reference, t.paid_on, tuple(numbers_of.get(t.seq, ())))
                       for t in transfers)
        iviews = tuple(ItemView(i.statement_number, agencies[i.creditor_agency_id].code,
                                agencies[i.debtor_agency_id].code, i.balance_cents, i.transfer_seq,
                                i.statement_id in settled_ids) for i in items)
        by = agencies[p.proposed_by_agency_id]
        return ProposalView(p.id, p.code, p.quarter, p.mode, status, reason, by.code, by.name, p.proposed_by,
                            p.proposed_on, p.total_cents, p.plan_sha256, tuple(parties), tviews, iviews,
                            rule.final_reference(p.quarter, p.code), demo=demo_database(s))


def _agencies(s: Session) -> dict[str, Agency]:
    return {a.id: a for a in s.scalars(select(Agency))}


def _party(a: Agency) -> Party:
    return Party(a.code, a.id)


def _answers_here(a: Agency, home: Agency, node: str) -> bool:
    """Whether this installation is ``a``'s billing installation: the one its ``billing_node`` names, or,
    for an agency not shared through sync, this installation when ``a`` is its home agency."""
    if a.billing_node:
        return a.billing_node == node
    return a.id == home.id


def _answered_for_here(a: Agency, home: Agency, node: str) -> bool:
    """An agency that does not use PartnerDesk (no billing installation): the home's billing installation
    records its answers and receipts on its behalf."""
    return not a.billing_node and a.id != home.id and _answers_here(home, home, node)


def _require_open(view: ProposalView, verb: str) -> None:
    if view.status == SETTLED:
        raise UserError(f"proposal {view.code} is already settled")
    if view.status == DECLINED:
        raise UserError(f"proposal {view.code} was declined ({view.status_reason}); nothing to {verb}")
    if view.status == STALE:
        raise UserError(f"proposal {view.code} is stale ({view.status_reason}); nothing was recorded: propose "
                        f"again with 'partnerdesk settlement propose --quarter {view.quarter}'")


def _find(s: Session, ref: str) -> SettlementProposal:
    text = (ref or "").strip()
    if not text:
        raise ValidationError("proposal: give its ID, such as 7F3A2C (see 'partnerdesk settlement list')")
    q = select(SettlementProposal).where(SettlementProposal.deleted_at.is_(None))
    p = s.scalar(q.where((func.upper(SettlementProposal.code) == text.upper()) | (SettlementProposal.id == text)))
    if p is None:
        raise NotFoundError(f"no settlement proposal '{text[:40]}' (see 'partnerdesk settlement list')")
    return p
