"""Agreement commands: ``agreements list|add|edit|ics|attach`` and ``agreements rates [list]|add|end``."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Any, Iterator

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table
from partnerdesk.domain.money import Money, format_cents
from partnerdesk.domain.wording import status_word
from partnerdesk.errors import ValidationError

# service field -> the option that sets it, so an error names what the user typed
AGREEMENT_OPTIONS = {"number": "NUMBER", "title": "--title", "effective_date": "--start", "expiry_date": "--end",
                     "approval_date": "--approved-on", "approval_resolution": "--approval-ref",
                     "filing_reference": "--filed-ref", "cap_cents": "--cap", "cap_minutes": "--cap-hours",
                     "payment_terms_days": "--payment-terms-days", "termination_notice_days": "--notice-days",
                     "kind": "--kind", "parties": "--partner", "notes": "--note",
                     "stack_multipliers": "--stack-multipliers"}
RATE_OPTIONS = {"effective_from": "--from", "effective_to": "--on", "hourly_rate_cents": "--rate",
                "billing_increment_minutes": "--increment", "minimum_callout_minutes": "--callout-minimum",
                "after_hours_multiplier": "--after-hours-multiplier", "overtime_multiplier": "--overtime-multiplier",
                "mileage_rate_cents": "--mileage-rate", "provider": "--provider", "category": "--category",
                "on": "--on"}
RATE_ACTIONS = ("list", "add", "end")


@contextmanager
def named_options(options: dict[str, str]) -> Iterator[None]:
    """Re-word a service's "field: problem" as "--option: problem"."""
    try:
        yield
    except ValidationError as exc:
        text = str(exc)
        if exc.field in options and text.startswith(f"{exc.field}:"):
            raise ValidationError(options[exc.field] + text[len(exc.field):], exc.field) from None
        raise


def rates_compat(argv: list[str]) -> list[str]:
    """``agreements rates NUMBER`` (the listing, from before rates could be added) is ``agreements rates list
    NUMBER``."""
    for i, tok in enumerate(argv[:-2]):
        if tok == "agreements" and argv[i + 1] == "rates":
            nxt = argv[i + 2]
            if nxt not in RATE_ACTIONS and nxt not in ("-h", "--help"):
                return argv[:i + 2] + ["list"] + argv[i + 2:]
            break
    return argv


def _agreement_options(p, adding: bool) -> None:
    p.add_argument("number", metavar="NUMBER", help="the agreement's number, e.g. ILA-2026-04")
    p.add_argument("--partner", action="append", metavar="CODE", required=adding,
                   help="the partner agency (repeat for an agreement of several agencies)"
                        + ("" if adding else "; adds it as a party"))
    p.add_argument("--title", metavar="TEXT", required=adding)
    p.add_argument("--start", metavar="YYYY-MM-DD", required=adding, help="effective date")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="expiry date" + ("" if adding else " ('none' clears it)"))
    p.add_argument("--approved-on", metavar="YYYY-MM-DD", help="date of the approving resolution or motion")
    p.add_argument("--approval-ref", metavar="TEXT", help="the resolution or motion number")
    p.add_argument("--filed-ref", metavar="TEXT",
                   help="county auditor recording number or web listing (RCW 39.34.040); an unfiled agreement "
                        "can be logged against but not billed")
    p.add_argument("--cap", metavar="AMOUNT", help="not-to-exceed dollars per fiscal year ('none': no cap)")
    p.add_argument("--cap-hours", metavar="H", help="not-to-exceed hours per fiscal year ('none': no cap)")
    p.add_argument("--offsets", action=argparse.BooleanOptionalAction, default=None,
                   help="hours the partner gives us are credited on our statements")
    p.add_argument("--stack-multipliers", action=argparse.BooleanOptionalAction, default=None,
                   help="an entry both after hours and overtime is priced with both multipliers (1.5 × 1.5 = "
                        "2.25); the default, --no-stack-multipliers, prices it with the higher one")
    p.add_argument("--mutual-aid-pricing", choices=("actual-cost", "agreement-rates"),
                   help="how a Mutual Aid Reimbursement Request under it is priced (default: actual cost, pay plus "
                        "fringe; docs/incidents.md)")
    p.add_argument("--payment-terms-days", type=int, metavar="N")
    p.add_argument("--notice-days", type=int, metavar="N", help="termination notice in days (default 90)")
    p.add_argument("--kind", choices=("service", "reciprocal", "mutual_aid"))
    p.add_argument("--note", metavar="TEXT")
    add_json_flag(p, "print the agreement as a JSON object")


def register(sub) -> None:
    p = sub.add_parser("agreements", help="interlocal agreements")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = asub.add_parser("list", help="the agreement register")
    add_json_flag(a)
    a.set_defaults(func=cmd_agreements_list)
    a = asub.add_parser("add", help="record an agreement between your agency and a partner")
    _agreement_options(a, adding=True)
    a.set_defaults(func=cmd_agreements_add)
    a = asub.add_parser("edit", help="change an agreement (only the options given)")
    _agreement_options(a, adding=False)
    a.set_defaults(func=cmd_agreements_edit)
    a = asub.add_parser("ics", help="renewal and notice deadlines as an iCalendar file a calendar app imports")
    a.add_argument("file", metavar="FILE", help="the .ics file to write ('-' for standard output)")
    a.set_defaults(func=cmd_agreements_ics)
    a = asub.add_parser("attach", help="attach the signed agreement document (copied into the data folder)")
    a.add_argument("agreement", metavar="NUMBER")
    a.add_argument("file", metavar="FILE")
    a.set_defaults(func=cmd_agreements_attach)

    a = asub.add_parser("rates", help="the rate schedules of an agreement: list (the default), add, end")
    rsub = a.add_subparsers(dest="rates_action", metavar="ACTION", required=True)
    r = rsub.add_parser("list", help="the rate schedules of one agreement")
    r.add_argument("agreement", metavar="NUMBER")
    add_json_flag(r)
    r.set_defaults(func=cmd_agreements_rates)
    r = rsub.add_parser("add", help="a rate that takes effect on a date")
    r.add_argument("agreement", metavar="NUMBER")
    r.add_argument("--provider", required=True, metavar="CODE", help="the party whose staff the rate prices")
    r.add_argument("--rate", required=True, metavar="AMOUNT", help="dollars per hour, e.g. 118 or 118.50")
    r.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day in force")
    r.add_argument("--category", metavar="CODE", help="only this service category (default: every category)")
    r.add_argument("--increment", type=int, metavar="MINUTES", help="billing increment, rounded up (default 15)")
    r.add_argument("--callout-minimum", type=int, metavar="MINUTES", help="minimum billed for a call-out")
    r.add_argument("--after-hours-multiplier", metavar="X", help="e.g. 1.5 (the default)")
    r.add_argument("--overtime-multiplier", metavar="X", help="e.g. 1.5 (the default)")
    r.add_argument("--travel-billable", action="store_true", help="travel time is billed")
    r.add_argument("--mileage-rate", metavar="CENTS", help="cents per mile (default: the mileage table)")
    add_json_flag(r, "print the rate as a JSON object")
    r.set_defaults(func=cmd_rates_add)
    r = rsub.add_parser("end", help="end a rate: the date given is its last day in force")
    r.add_argument("agreement", metavar="NUMBER")
    r.add_argument("--provider", required=True, metavar="CODE")
    r.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the last day the rate applies")
    r.add_argument("--category", metavar="CODE", help="the category-specific rate (default: the catch-all)")
    add_json_flag(r, "print the rate as a JSON object")
    r.set_defaults(func=cmd_rates_end)


def _money(text: str | None, option: str) -> int | None:
    if text is None or text.strip().lower() in ("none", ""):
        return None
    try:
        cents = Money.parse(text).cents
    except ValidationError as exc:
        raise ValidationError(f"{option}: {exc}", option) from None
    if cents < 0:
        raise ValidationError(f"{option}: '{text}' is negative", option)
    return cents


def _agreement_values(args: argparse.Namespace, adding: bool) -> dict[str, Any]:
    from partnerdesk.domain.durations import parse_minutes

    v: dict[str, Any] = {}
    if args.title is not None:
        v["title"] = args.title
    if args.start is not None:
        v["effective_date"] = args.start
    if args.end is not None:
        v["expiry_date"] = None if args.end.strip().lower() == "none" else args.end
    if adding and bool(args.approved_on) != bool(args.approval_ref):
        raise ValidationError("--approved-on and --approval-ref go together: the date and the number of the "
                              "resolution or motion that approved the agreement", "approval_date")
    if args.approved_on is not None:
        v["approval_date"] = args.approved_on
    if args.approval_ref is not None:
        v["approval_resolution"] = args.approval_ref
    if args.filed_ref is not None:
        v["filing_reference"] = args.filed_ref
    if args.cap is not None:
        v["cap_cents"] = _money(args.cap, "--cap")
    if args.cap_hours is not None:
        v["cap_minutes"] = None if args.cap_hours.strip().lower() == "none" else parse_minutes(args.cap_hours,
                                                                                               "--cap-hours")
    if args.offsets is not None:
        v["offset_allowed"] = args.offsets
    if args.stack_multipliers is not None:
        v["stack_multipliers"] = args.stack_multipliers
    if args.mutual_aid_pricing is not None:
        v["mutual_aid_pricing"] = args.mutual_aid_pricing
    if args.payment_terms_days is not None:
        if not 0 <= args.payment_terms_days <= 365:
            raise ValidationError("--payment-terms-days: must be 0..365", "payment_terms_days")
        v["payment_terms_days"] = args.payment_terms_days
    if args.notice_days is not None:
        if not 0 <= args.notice_days <= 3650:
            raise ValidationError("--notice-days: must be 0..3650", "termination_notice_days")
        v["termination_notice_days"] = args.notice_days
    if args.kind is not None:
        v["kind"] = args.kind
    if args.note is not None:
        v["notes"] = args.note
    return v


def _describe(a) -> str:
    bits = [f"{a.number} — {a.title}", f"parties {a.party_codes}", f"from {a.effective_date}"
            + (f" to {a.expiry_date}" if a.expiry_date else ""), status_word(a.status)]
    if a.cap_cents:
        bits.append(f"cap {format_cents(a.cap_cents)}/FY")
    if a.offset_allowed:
        bits.append("offsets")
    if a.stack_multipliers:
        bits.append("after-hours and overtime multipliers stacked")
    return ", ".join(bits)


def cmd_agreements_add(args: argparse.Namespace) -> int:
    ctx = context(args)
    with named_options(AGREEMENT_OPTIONS):
        values = _agreement_values(args, adding=True)
        home = ctx.services.agencies.home()
        if home is None:
            raise ValidationError("no home agency yet: add yours first with 'partnerdesk agencies add CODE "
                                  "--name NAME --home'")
        parties = [(home.code, "both")] + [(code, "both") for code in args.partner]
        a = ctx.services.agreements.create(parties=parties, number=args.number, **values)
    if args.json:
        emit_json(a)
    else:
        print(f"Added agreement {_describe(a)}")
        if not a.filing_reference:
            print(f"Note: {a.number} is not filed (--filed-ref): hours can be logged against it but not billed")
    return 0


def cmd_agreements_edit(args: argparse.Namespace) -> int:
    ctx = context(args)
    with named_options(AGREEMENT_OPTIONS):
        values = _agreement_values(args, adding=False)
        added = [(code, "both") for code in (args.partner or [])]
        if not values and not added:
            raise ValidationError("nothing to change: give the options to change, e.g. --filed-ref TEXT")
        a = ctx.services.agreements.update(args.number, add_parties=added, **values)
    if args.json:
        emit_json(a)
    else:
        print(f"Changed agreement {_describe(a)}")
    return 0


def _rate_line(r) -> str:
    cat = r.category_code or "every category"
    line = (f"{r.provider_code or 'any provider'}, {cat}: {format_cents(r.hourly_rate_cents)}/h from "
            f"{r.effective_from}" + (f" to {r.effective_to}" if r.effective_to else ""))
    return line + (f", {r.billing_increment_minutes}-minute increments, after-hours ×{r.after_hours_multiplier}"
                   f", overtime ×{r.overtime_multiplier}"
                   + (f", call-out minimum {r.minimum_callout_minutes} min" if r.minimum_callout_minutes else "")
                   + (", travel billable" if r.travel_billable else ""))


def cmd_rates_add(args: argparse.Namespace) -> int:
    ctx = context(args)
    values: dict[str, Any] = dict(effective_from=args.start, hourly_rate_cents=_money(args.rate, "--rate"))
    if values["hourly_rate_cents"] is None:
        raise ValidationError("--rate: required (dollars per hour)", "hourly_rate_cents")
    for key, val in (("billing_increment_minutes", args.increment), ("minimum_callout_minutes", args.callout_minimum),
                     ("after_hours_multiplier", args.after_hours_multiplier),
                     ("overtime_multiplier", args.overtime_multiplier), ("mileage_rate_cents", args.mileage_rate)):
        if val is not None:
            values[key] = val
    if args.travel_billable:
        values["travel_billable"] = True
    with named_options(RATE_OPTIONS):
        r = ctx.services.agreements.add_rate(args.agreement, provider=args.provider, category=args.category,
                                             **values)
    if args.json:
        emit_json(r)
    else:
        print(f"Added a rate to {args.agreement}: {_rate_line(r)}")
    return 0


def cmd_rates_end(args: argparse.Namespace) -> int:
    ctx = context(args)
    with named_options(RATE_OPTIONS):
        r = ctx.services.agreements.end_rate(args.agreement, provider=args.provider, on=args.on,
                                             category=args.category)
    if args.json:
        emit_json(r)
    else:
        print(f"Ended a rate of {args.agreement}: {_rate_line(r)} (last day in force)")
    return 0


def cmd_agreements_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.agreements.list()
    if args.json:
        emit_json(items)
    else:
        emit_table(([a.number, status_word(a.status), status_word(a.kind), a.party_codes, a.effective_date,
                     a.expiry_date or "",
                     format_cents(a.cap_cents) if a.cap_cents else "",
                     f"{a.cap_minutes // 60} h" if a.cap_minutes else ""] for a in items),
                   ["number", "status", "kind", "parties", "effective", "expires", "cap $", "cap hours"])
    return 0


def cmd_agreements_ics(args: argparse.Namespace) -> int:
    import sys

    ctx = context(args)
    if args.file == "-":
        sys.stdout.write(ctx.services.agreements.calendar_ics())
        return 0
    n = ctx.services.agreements.write_calendar(args.file)
    print(f"Wrote {n} deadline{'s' if n != 1 else ''} to {args.file}")
    return 0


def cmd_agreements_attach(args: argparse.Namespace) -> int:
    ctx = context(args)
    a = ctx.services.agreements.attach_document(args.agreement, args.file)
    print(f"Attached {args.file} to {a.number} as {ctx.services.agreements.attachments_dir / a.document_path}")
    return 0


def cmd_agreements_rates(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.agreements.rates(args.agreement)
    if args.json:
        emit_json(items)
    else:
        emit_table(([r.effective_from, r.effective_to or "", r.provider_code or "any", r.category_code or "any",
                     format_cents(r.hourly_rate_cents), r.after_hours_multiplier, r.overtime_multiplier,
                     r.billing_increment_minutes,
                     r.minimum_callout_minutes, "yes" if r.travel_billable else "no",
                     r.mileage_rate_cents or "table"] for r in items),
                   ["from", "to", "provider", "category", "per hour", "after-hours x", "overtime x", "increment",
                    "call-out min",
                    "travel", "mileage ¢"])
    return 0
