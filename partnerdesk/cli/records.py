"""Agreements, hours and balances commands."""

from __future__ import annotations

import argparse

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table
from partnerdesk.domain.durations import format_minutes
from partnerdesk.domain.money import format_cents
from partnerdesk.errors import ValidationError


def register(sub) -> None:
    p = sub.add_parser("agreements", help="interlocal agreements")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = asub.add_parser("list", help="the agreement register")
    add_json_flag(a)
    a.set_defaults(func=cmd_agreements_list)

    p = sub.add_parser("hours", help="hours exchanged with partners")
    hsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    h = hsub.add_parser("log", help="log one favour")
    h.add_argument("--partner", required=True, metavar="CODE")
    h.add_argument("--direction", required=True, choices=("given", "received"),
                   help="given: we helped them; received: they helped us")
    h.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    h.add_argument("--hours", required=True, metavar="H", help="1.5, 1:30 or 90m")
    h.add_argument("--category", metavar="CODE")
    h.add_argument("--staff", metavar="NAME")
    h.add_argument("--after-hours", action="store_true")
    h.add_argument("--callout", action="store_true")
    h.add_argument("--miles", metavar="N")
    h.add_argument("--travel", metavar="H", help="travel time (1.5, 1:30 or 90m)")
    h.add_argument("--incident", metavar="REF")
    h.add_argument("--agreement", metavar="NUMBER", help="when more than one agreement applies")
    h.add_argument("--note", metavar="TEXT")
    add_json_flag(h)
    h.set_defaults(func=cmd_hours_log)

    h = hsub.add_parser("list", help="list time entries, newest first")
    h.add_argument("--quarter", metavar="Q", help="e.g. 2026Q3")
    h.add_argument("--partner", metavar="CODE")
    h.add_argument("--category", metavar="CODE")
    h.add_argument("--status", choices=("draft", "acknowledged", "invoiced", "disputed"))
    h.add_argument("--direction", choices=("given", "received"))
    add_json_flag(h)
    h.set_defaults(func=cmd_hours_list)

    p = sub.add_parser("balances", help="hours and dollars per partner for a fiscal year")
    p.add_argument("--fy", type=int, metavar="YEAR")
    add_json_flag(p)
    p.set_defaults(func=cmd_balances)


def cmd_agreements_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.agreements.list()
    if args.json:
        emit_json(items)
    else:
        emit_table(([a.number, a.status, a.kind, a.party_codes, a.effective_date, a.expiry_date or "",
                     format_cents(a.cap_cents) if a.cap_cents else "",
                     f"{a.cap_minutes // 60} h" if a.cap_minutes else ""] for a in items),
                   ["number", "status", "kind", "parties", "effective", "expires", "cap $", "cap hours"])
    return 0


def cmd_hours_log(args: argparse.Namespace) -> int:
    from partnerdesk.domain.durations import parse_minutes

    ctx = context(args)
    travel = parse_minutes(args.travel, "travel") if args.travel else 0
    result = ctx.services.hours.log(partner=args.partner, direction=args.direction, work_date=args.date,
                                    hours=args.hours, category=args.category, staff=args.staff,
                                    after_hours=args.after_hours, callout=args.callout, miles=args.miles,
                                    travel_minutes=travel, description=args.note, incident_ref=args.incident,
                                    agreement=args.agreement)
    e = result.entry
    if args.json:
        emit_json([e])
    else:
        amount = format_cents(e.amount_cents) if e.amount_cents is not None else "not priced"
        print(f"Logged {format_minutes(e.minutes)} h {e.direction} {'to' if e.direction == 'given' else 'from'} "
              f"{e.partner_code} on {e.work_date} ({e.agreement_number or 'no agreement'}): {amount}")
    import sys

    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_hours_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.hours.list(quarter=args.quarter, partner=args.partner, category=args.category,
                                    status=args.status, direction=args.direction)
    if args.json:
        emit_json(items)
    else:
        emit_table(([e.work_date, e.direction, e.partner_code, e.category_code or "", e.staff_name or "",
                     format_minutes(e.minutes), format_cents(e.amount_cents) if e.amount_cents is not None else "—",
                     e.status, (e.description or "")[:40]] for e in items),
                   ["date", "direction", "partner", "cat", "staff", "hours", "amount", "status", "description"])
    return 0


def cmd_balances(args: argparse.Namespace) -> int:
    ctx = context(args)
    if args.fy is not None and not 1990 <= args.fy <= 2200:
        raise ValidationError(f"--fy {args.fy} is not a fiscal year")
    items = ctx.services.balances.balances(args.fy)
    if args.json:
        emit_json(items)
    else:
        emit_table(([b.partner, b.partner_name, f"{b.hours_given:.2f}", f"{b.hours_received:.2f}",
                     format_cents(b.value_given_cents), format_cents(b.value_received_cents),
                     format_cents(b.net_cents), f"{b.cap_used_percent:.0f}%" if b.cap_used_percent is not None
                     else ""] for b in items),
                   ["code", "partner", "hours given", "hours received", "value given", "value received", "net",
                    "cap used"])
    return 0
