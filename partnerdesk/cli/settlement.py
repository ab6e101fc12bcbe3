"""Regional settlement: ``settlement propose|list|accept|decline|pay|documents`` (issue 20, docs/settlement.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.settlement import BILATERAL, ProposalView
from partnerdesk.errors import ValidationError


def register(sub) -> None:
    p = sub.add_parser("settlement", help="settle a quarter's statements between agencies in one round of payments")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = ssub.add_parser("propose", help="propose the fewest payments that settle the quarter's unpaid statements")
    s.add_argument("--quarter", required=True, metavar="Q", help="fiscal quarter, e.g. 2026Q3")
    s.add_argument("--out", type=Path, metavar="DIR", help="write the Settlement Proposal PDF and CSV here")
    add_json_flag(s, "print the proposal as JSON")
    s.set_defaults(func=cmd_propose)

    s = ssub.add_parser("list", help="settlement proposals, newest first, with their status")
    s.add_argument("--quarter", metavar="Q")
    add_json_flag(s)
    s.set_defaults(func=cmd_list)

    s = ssub.add_parser("accept", help="accept a proposal for the agency this installation bills for")
    s.add_argument("id", metavar="ID")
    s.add_argument("--for", dest="on_behalf", metavar="CODE",
                   help="record the acceptance of a partner that does not use PartnerDesk (its letter or e-mail)")
    add_json_flag(s, "print the proposal as JSON")
    s.set_defaults(func=cmd_accept)

    s = ssub.add_parser("decline", help="decline a proposal, with the reason")
    s.add_argument("id", metavar="ID")
    s.add_argument("--reason", required=True, metavar="TEXT")
    s.add_argument("--for", dest="on_behalf", metavar="CODE",
                   help="record the refusal of a partner that does not use PartnerDesk")
    add_json_flag(s, "print the proposal as JSON")
    s.set_defaults(func=cmd_decline)

    s = ssub.add_parser("pay", help="record a transfer of a final proposal as paid: its statements are marked paid")
    s.add_argument("id", metavar="ID")
    s.add_argument("--transfer", required=True, type=_seq, metavar="N", help="the transfer's number in the plan")
    s.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    add_json_flag(s, "print the proposal as JSON")
    s.set_defaults(func=cmd_pay)

    s = ssub.add_parser("documents", help="write a proposal's PDF and CSV (as it stands now) to a folder")
    s.add_argument("id", metavar="ID")
    s.add_argument("--out", required=True, type=Path, metavar="DIR")
    s.set_defaults(func=cmd_documents)


def _seq(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a transfer number (1, 2, ...)")
    return int(text)


def as_json(v: ProposalView) -> dict:
    return {"id": v.id, "code": v.code, "quarter": v.quarter, "mode": v.mode, "mode_label": v.mode_label,
            "bilateral_only": v.mode == BILATERAL, "status": v.status, "status_label": v.status_label,
            "status_reason": v.status_reason, "proposed_by": v.proposed_by, "proposed_on": v.proposed_on,
            "total_cents": v.total_cents, "plan_sha256": v.plan_sha256,
            "parties": [{"agency": pv.code, "name": pv.name, "position_cents": pv.position_cents,
                         "owes_cents": pv.owes_cents, "owed_cents": pv.owed_cents, "decision": pv.decision,
                         "decided_on": pv.decided_on, "on_behalf": pv.on_behalf, "reason": pv.reason,
                         "answers_here": pv.answers_here} for pv in v.parties],
            "transfers": [{"seq": t.seq, "payer": t.payer, "payee": t.payee, "amount_cents": t.cents,
                           "reference": t.reference, "paid_on": t.paid_on, "statements": list(t.statements)}
                          for t in v.transfers],
            "statements": [{"number": i.number, "issuer": i.creditor, "bill_to": i.debtor,
                            "balance_cents": i.balance_cents, "transfer": i.transfer_seq, "settled": i.settled}
                           for i in v.items]}


def _print(v: ProposalView) -> None:
    mode = "BILATERAL NETTING ONLY (not every agency syncs through PartnerDesk)" if v.mode == BILATERAL \
        else "multilateral netting"
    print(f"Settlement proposal {v.code} for {v.quarter}: {v.status_label}; {mode}")
    if v.status_reason:
        print(f"  {v.status_reason}")
    print(f"  {len(v.items)} statements, {format_cents(v.total_cents)}, settled by {len(v.transfers)} payment"
          f"{'s' if len(v.transfers) != 1 else ''}")
    emit_table(([pv.code, format_cents(pv.owed_cents), format_cents(pv.owes_cents), format_cents(pv.position_cents),
                 pv.decision or "awaiting"] for pv in v.parties),
               ["agency", "owed to it", "it owes", "net position", "answer"])
    if v.transfers:
        print()
        emit_table(([t.seq, t.payer, t.payee, format_cents(t.cents), t.reference, " ".join(t.statements),
                     t.paid_on or "not yet"] for t in v.transfers),
                   ["no", "payer", "payee", "amount", "reference", "settles", "paid"])


def _out(args, v: ProposalView) -> None:
    if args.json:
        emit_json(as_json(v))
    else:
        _print(v)


def cmd_propose(args: argparse.Namespace) -> int:
    ctx = context(args)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise ValidationError(f"--out {args.out}: is a file; give a folder")
    view, paths = ctx.services.settlement.propose(args.quarter, out_dir=args.out)
    _out(args, view)
    for path in paths:
        print(f"Wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.settlement.list(quarter=args.quarter)
    if args.json:
        emit_json([as_json(v) for v in items])
        return 0
    emit_table(([v.code, v.quarter, "bilateral only" if v.mode == BILATERAL else "multilateral", v.status_label,
                 len(v.items), len(v.transfers), format_cents(v.total_cents),
                 " ".join(f"{pv.code}:{pv.decision or '?'}" for pv in v.parties)] for v in items),
               ["id", "quarter", "netting", "status", "statements", "payments", "total", "answers"])
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    ctx = context(args)
    _out(args, ctx.services.settlement.accept(args.id, on_behalf_of=args.on_behalf))
    return 0


def cmd_decline(args: argparse.Namespace) -> int:
    ctx = context(args)
    _out(args, ctx.services.settlement.decline(args.id, args.reason, on_behalf_of=args.on_behalf))
    return 0


def cmd_pay(args: argparse.Namespace) -> int:
    ctx = context(args)
    _out(args, ctx.services.settlement.record_transfer(args.id, args.transfer, args.date))
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    ctx = context(args)
    if args.out.exists() and not args.out.is_dir():
        raise ValidationError(f"--out {args.out}: is a file; give a folder")
    for path in ctx.services.settlement.write_documents(args.id, args.out):
        print(f"Wrote {path}")
    return 0
