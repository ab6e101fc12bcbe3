"""Regional settlement (issue 20): one round of payments instead of a warrant per statement. Pure rules, no I/O.

Input: the open balances of issued statements between agencies (``Claim``: the debtor owes the creditor so
many cents). Output: a ``Plan``.

* **Net positions.** Each agency's position is what it is owed minus what it owes (integer cents; the
  positions always sum to zero).
* **Multilateral plan** (every agency uses PartnerDesk in one sync space). Greedy: the agency that owes the
  most pays the agency owed the most the smaller of the two amounts; repeat until every position is zero.
  Each payment brings at least one agency to zero and the last brings two, so there are at most m − 1
  payments for m agencies with a non-zero position (at most n − 1 for n agencies). Ties are broken by agency
  code (alphabetical, then by internal id): the same statements give the same plan on every node, whatever
  order they are read in. (The fewest possible payments is a hard problem in general; the greedy plan is
  within the n − 1 bound and easy to check by hand.)
* **Bilateral plan** (no sync, or some agency does not use PartnerDesk): each pair of agencies nets only
  their own statements; one payment per pair that does not net to zero.
* **Which payment settles which statement** (so that recording one payment marks its statements paid at
  once, and two payments recorded on two PCs never touch the same statement): a statement is settled by the
  last payment the agency it is owed to receives in the plan (paid in plan order, it then has all it is
  owed); when that agency receives nothing, by the last payment the agency that owes it makes; when neither,
  by the latest payment either of them makes or receives; when both net to zero, by the plan's last payment;
  when the plan has no payment at all (everything nets out), the statement is settled the moment the plan
  becomes final. In a bilateral plan a statement is settled by its pair's payment (or, when the pair nets to
  zero, at final acceptance).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

from partnerdesk.errors import ValidationError

MULTILATERAL = "multilateral"
BILATERAL = "bilateral"
MODES = (MULTILATERAL, BILATERAL)
MODE_LABELS = {MULTILATERAL: "Multilateral netting (every agency in the sync space)",
               BILATERAL: "Bilateral netting only (pairs of agencies; not every agency syncs through PartnerDesk)"}


@dataclass(frozen=True, order=True)
class Party:
    """An agency as the rule sees it: ordered by code, then id (the written-down tie-break)."""

    code: str
    id: str


@dataclass(frozen=True)
class Claim:
    """The open balance of one issued statement: ``debtor`` (its bill-to) owes ``creditor`` (its issuer)."""

    statement_id: str
    number: str
    creditor: Party
    debtor: Party
    cents: int


@dataclass(frozen=True)
class Transfer:
    seq: int  # 1, 2, ... in plan order
    payer: Party
    payee: Party
    cents: int


@dataclass(frozen=True)
class Plan:
    mode: str
    claims: tuple[Claim, ...]  # in canonical order (statement number, then id)
    positions: tuple[tuple[Party, int], ...]  # every party, by code; + is owed, − owes
    transfers: tuple[Transfer, ...]
    cover: tuple[tuple[str, int | None], ...]  # (statement id, transfer seq or None: settled when final)

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(p for p, _ in self.positions)

    def covered_by(self, seq: int | None) -> tuple[Claim, ...]:
        ids = {sid for sid, s in self.cover if s == seq}
        return tuple(c for c in self.claims if c.statement_id in ids)

    def transfers_of(self, party: Party) -> tuple[Transfer, ...]:
        return tuple(t for t in self.transfers if party in (t.payer, t.payee))


def _check(claims: Iterable[Claim]) -> tuple[Claim, ...]:
    out = []
    seen = set()
    for c in claims:
        if not isinstance(c.cents, int) or isinstance(c.cents, bool) or c.cents <= 0:
            raise ValidationError(f"{c.number}: a settled balance must be a positive whole number of cents")
        if c.creditor == c.debtor:
            raise ValidationError(f"{c.number}: an agency cannot owe itself")
        if c.statement_id in seen:
            raise ValidationError(f"{c.number}: included twice")
        seen.add(c.statement_id)
        out.append(c)
    return tuple(sorted(out, key=lambda c: (c.number, c.statement_id)))


def net_positions(claims: Iterable[Claim]) -> dict[Party, int]:
    """Each party's position: what it is owed minus what it owes. Sums to zero."""
    pos: dict[Party, int] = {}
    for c in claims:
        pos[c.creditor] = pos.get(c.creditor, 0) + c.cents
        pos[c.debtor] = pos.get(c.debtor, 0) - c.cents
    return pos


def _greedy(pos: dict[Party, int]) -> list[Transfer]:
    owe = {p: -v for p, v in pos.items() if v < 0}
    owed = {p: v for p, v in pos.items() if v > 0}
    out: list[Transfer] = []
    while owe:
        # the largest debtor pays the largest creditor; ties by code (then id): min over (−amount, party)
        payer = min(owe, key=lambda p: (-owe[p], p))
        payee = min(owed, key=lambda p: (-owed[p], p))
        amount = min(owe[payer], owed[payee])
        out.append(Transfer(len(out) + 1, payer, payee, amount))
        for book, p in ((owe, payer), (owed, payee)):
            book[p] -= amount
            if book[p] == 0:
                del book[p]
    assert not owed, "positions must sum to zero"
    return out


def _bilateral(claims: tuple[Claim, ...]) -> tuple[list[Transfer], dict[str, int | None]]:
    pairs: dict[tuple[Party, Party], int] = {}  # (lower, higher) -> what higher owes lower (may be negative)
    for c in claims:
        a, b = sorted((c.creditor, c.debtor))
        pairs[(a, b)] = pairs.get((a, b), 0) + (c.cents if c.creditor == a else -c.cents)
    transfers: list[Transfer] = []
    seq_of: dict[tuple[Party, Party], int] = {}
    for (a, b), net in sorted(pairs.items()):
        if net:
            payer, payee = (b, a) if net > 0 else (a, b)
            transfers.append(Transfer(len(transfers) + 1, payer, payee, abs(net)))
            seq_of[(a, b)] = len(transfers)
    cover = {c.statement_id: seq_of.get(tuple(sorted((c.creditor, c.debtor)))) for c in claims}
    return transfers, cover


def _multilateral_cover(claims: tuple[Claim, ...], transfers: list[Transfer]) -> dict[str, int | None]:
    receipt: dict[Party, int] = {}  # each party's last receipt, last payment, last transfer either way
    payment: dict[Party, int] = {}
    either: dict[Party, int] = {}
    for t in transfers:
        receipt[t.payee] = payment[t.payer] = either[t.payer] = either[t.payee] = t.seq
    default = transfers[-1].seq if transfers else None
    out: dict[str, int | None] = {}
    for c in claims:
        seq = receipt.get(c.creditor) or payment.get(c.debtor)
        if seq is None:
            seq = max((either[p] for p in (c.creditor, c.debtor) if p in either), default=default)
        out[c.statement_id] = seq
    return out


def plan_settlement(claims: Iterable[Claim], mode: str = MULTILATERAL) -> Plan:
    """The settlement plan for these open balances (see the module's docstring for the rules)."""
    if mode not in MODES:
        raise ValidationError(f"settlement mode '{mode}' is not one of {', '.join(MODES)}")
    claims = _check(claims)
    if not claims:
        raise ValidationError("nothing to settle: no issued, unpaid statements between agencies")
    pos = net_positions(claims)
    if mode == MULTILATERAL:
        transfers = _greedy(pos)
        cover = _multilateral_cover(claims, transfers)
    else:
        transfers, cover = _bilateral(claims)
    return Plan(mode, claims, tuple(sorted(pos.items())), tuple(transfers),
                tuple((c.statement_id, cover[c.statement_id]) for c in claims))


def settled_positions(plan: Plan) -> dict[Party, int]:
    """Each party's position once every transfer is paid: zero for all (what the documents show)."""
    pos = dict(plan.positions)
    for t in plan.transfers:
        pos[t.payer] += t.cents
        pos[t.payee] -= t.cents
    return pos


def plan_digest(quarter: str, plan: Plan) -> str:
    """SHA-256 of the plan's canonical text: equal on every node for the same statements and rule."""
    body = {"quarter": quarter, "mode": plan.mode,
            "claims": [[c.statement_id, c.number, c.creditor.code, c.debtor.code, c.cents] for c in plan.claims],
            "transfers": [[t.seq, t.payer.code, t.payee.code, t.cents] for t in plan.transfers],
            "cover": [list(x) for x in plan.cover]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def transfer_reference(quarter: str, code: str, seq: int) -> str:
    """The payment reference of a transfer: ``SETTLE-2026Q3-7F3A2C-1`` (quarter, proposal code, transfer)."""
    return f"SETTLE-{quarter}-{code}-{seq}"


def final_reference(quarter: str, code: str) -> str:
    """The reference of statements settled by netting alone, when the plan became final."""
    return f"SETTLE-{quarter}-{code}-NET"


def reference_prefix(quarter: str, code: str) -> str:
    return f"SETTLE-{quarter}-{code}-"


# -- what the services hand out ------------------------------------------------------------------------
PROPOSED, FINAL, SETTLING, SETTLED, DECLINED, STALE = "proposed", "final", "settling", "settled", "declined", "stale"
STATUS_LABELS = {PROPOSED: "awaiting acceptance", FINAL: "final (every party accepted)",
                 SETTLING: "final, being settled", SETTLED: "settled", DECLINED: "declined", STALE: "stale"}


@dataclass(frozen=True)
class PartyView:
    code: str
    name: str
    position_cents: int  # + is owed, − owes
    owes_cents: int  # the statements it owes
    owed_cents: int  # the statements owed to it
    decision: str | None  # accepted declined None
    decided_on: object | None
    decided_by: str | None
    reason: str | None
    on_behalf: bool
    answers_here: bool  # this installation may accept or decline for it


@dataclass(frozen=True)
class ItemView:
    number: str
    creditor: str  # issuer code
    debtor: str  # bill-to code
    balance_cents: int
    transfer_seq: int | None
    settled: bool


@dataclass(frozen=True)
class TransferView:
    seq: int
    payer: str
    payer_name: str
    payee: str
    payee_name: str
    cents: int
    reference: str
    paid_on: object | None
    statements: tuple[str, ...]  # the statement numbers it settles


@dataclass(frozen=True)
class ProposalView:
    id: str
    code: str
    quarter: str
    mode: str
    status: str
    status_reason: str | None  # why stale or declined
    proposed_by: str  # agency code
    proposed_by_name: str
    proposed_by_person: str | None
    proposed_on: object
    total_cents: int
    plan_sha256: str
    parties: tuple[PartyView, ...]
    transfers: tuple[TransferView, ...]
    items: tuple[ItemView, ...]
    net_reference: str  # the reference of statements settled by netting alone
    demo: bool = False

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
