"""Hours, mileage and balances commands (agreements are in cli/agreements.py)."""

from __future__ import annotations

import argparse

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table
from partnerdesk.domain.durations import format_minutes
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.wording import nouns, plural, status_word
from partnerdesk.errors import DuplicateError, ValidationError


def register(sub) -> None:
    p = sub.add_parser("hours", help="hours exchanged with partners")
    hsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    h = hsub.add_parser("log", help="log one favour")
    h.add_argument("--partner", required=True, metavar="CODE")
    h.add_argument("--direction", required=True, choices=("given", "received"),
                   help="given: we helped them; received: they helped us")
    h.add_argument("--date", required=True, metavar="DATE",
                   help="YYYY-MM-DD, M/D/YYYY, today, yesterday, a weekday (the most recent one) or -N days")
    h.add_argument("--hours", required=True, metavar="H", help="1.5, 1:30 or 90m")
    h.add_argument("--category", metavar="CODE")
    h.add_argument("--staff", metavar="NAME")
    h.add_argument("--after-hours", action="store_true")
    h.add_argument("--callout", action="store_true")
    h.add_argument("--overtime", action="store_true", help="priced with the schedule's overtime multiplier (with "
                                                          "--after-hours: the higher of the two)")
    h.add_argument("--miles", metavar="N")
    h.add_argument("--travel", metavar="H", help="travel time (1.5, 1:30 or 90m)")
    h.add_argument("--incident", metavar="REF", help="an incident of the register ('partnerdesk incidents list')")
    h.add_argument("--agreement", metavar="NUMBER", help="when more than one agreement applies")
    h.add_argument("--description", "--note", dest="description", metavar="TEXT",
                   help="what was done (the Description of the GUI and of the hours file; --note is its old name)")
    h.add_argument("--allow-duplicate", action="store_true",
                   help="log it even though an entry with the same partner, direction, date, hours and staff "
                        "exists (a second favour on the same day)")
    add_json_flag(h)
    h.set_defaults(func=cmd_hours_log)

    h = hsub.add_parser("delete", help="delete an entry that is not billed (kept, with the reason, in the audit "
                                       "trail; 'hours restore' undoes it)")
    h.add_argument("id", metavar="ID", help="the entry's id (see 'hours list --json')")
    h.add_argument("--reason", required=True, metavar="TEXT", help="why, for the audit trail")
    add_json_flag(h, "print the deleted entry as a JSON object")
    h.set_defaults(func=cmd_hours_delete)

    h = hsub.add_parser("restore", help="undo 'hours delete'")
    h.add_argument("id", metavar="ID")
    add_json_flag(h, "print the restored entry as a JSON object")
    h.set_defaults(func=cmd_hours_restore)

    h = hsub.add_parser("list", help="list time entries, newest first")
    h.add_argument("--quarter", metavar="Q", help="e.g. 2026Q3")
    h.add_argument("--partner", metavar="CODE")
    h.add_argument("--category", metavar="CODE")
    h.add_argument("--status", choices=("draft", "acknowledged", "invoiced", "disputed"))
    h.add_argument("--direction", choices=("given", "received"))
    add_json_flag(h)
    h.set_defaults(func=cmd_hours_list)

    h = hsub.add_parser("import", help="import an hours spreadsheet (CSV) through a column mapping")
    h.add_argument("file", metavar="FILE")
    h.add_argument("--map", metavar="SPEC",
                   help='field=Column pairs, e.g. "date=Date,partner=Partner,hours=Hours,description=What we did"; '
                        "fields: date partner direction hours staff category after_hours callout overtime miles travel "
                        "incident description agreement (default: the remembered mapping for this header, "
                        "else a guess)")
    h.add_argument("--dry-run", action="store_true", help="check and price every row, save nothing")
    h.add_argument("--keep-duplicates", action="store_true",
                   help="import rows that are already logged too (by default they are skipped)")
    add_json_flag(h)
    h.set_defaults(func=cmd_hours_import)

    p = sub.add_parser("mileage", help="mileage rates (cents per mile by the date they take effect)")
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="the mileage rate table")
    add_json_flag(m)
    m.set_defaults(func=cmd_mileage_list)
    m = msub.add_parser("set", help="set the rate that takes effect on DATE")
    m.add_argument("date", metavar="DATE", help="YYYY-MM-DD the rate takes effect")
    m.add_argument("cents", metavar="CENTS", help="cents per mile, e.g. 72.5")
    m.add_argument("--source", default="set by user", help="where the rate comes from")
    m.set_defaults(func=cmd_mileage_set)

    p = sub.add_parser("balances", help="hours and dollars per partner for a fiscal year")
    p.add_argument("--fy", type=int, metavar="YEAR")
    add_json_flag(p)
    p.set_defaults(func=cmd_balances)


def cmd_hours_log(args: argparse.Namespace) -> int:
    from partnerdesk.domain.durations import parse_minutes

    from partnerdesk.domain.periods import parse_date

    ctx = context(args)
    travel = parse_minutes(args.travel, "travel") if args.travel else 0
    work_date = parse_date(args.date, "--date", today=ctx.services.clock.today())
    try:
        result = ctx.services.hours.log(partner=args.partner, direction=args.direction, work_date=work_date,
                                        hours=args.hours, category=args.category, staff=args.staff,
                                        after_hours=args.after_hours, callout=args.callout, miles=args.miles,
                                        travel_minutes=travel, description=args.description, incident_ref=args.incident,
                                        agreement=args.agreement, allow_duplicate=args.allow_duplicate,
                                        overtime=args.overtime)
    except DuplicateError as exc:
        raise DuplicateError(f"{exc}; nothing was logged (add --allow-duplicate if this is another favour)",
                             exc.existing_id) from None
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


def cmd_hours_delete(args: argparse.Namespace) -> int:
    ctx = context(args)
    e = ctx.services.hours.delete(args.id, reason=args.reason)
    if args.json:
        emit_json(e)
    else:
        print(f"Deleted entry {e.id}: {format_minutes(e.minutes)} h {e.direction} "
              f"{'to' if e.direction == 'given' else 'from'} {e.partner_code} on {e.work_date} ({e.deleted_reason}). "
              f"Undo: partnerdesk hours restore {e.id}")
    return 0


def cmd_hours_restore(args: argparse.Namespace) -> int:
    ctx = context(args)
    e = ctx.services.hours.restore(args.id)
    if args.json:
        emit_json(e)
    else:
        print(f"Restored entry {e.id}: {format_minutes(e.minutes)} h {e.direction} "
              f"{'to' if e.direction == 'given' else 'from'} {e.partner_code} on {e.work_date}")
    return 0


def cmd_hours_list(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = context(args)
    with Progress("Reading hours") as progress:
        items = ctx.services.hours.list(quarter=args.quarter, partner=args.partner, category=args.category,
                                        status=args.status, direction=args.direction, progress=progress)
    if args.json:
        emit_json(items)
    else:
        emit_table(([e.work_date, e.direction, e.partner_code, e.category_code or "", e.staff_name or "",
                     format_minutes(e.minutes), _premium(e),
                     format_cents(e.amount_cents) if e.amount_cents is not None else "—",
                     status_word(e.status), (e.description or "")[:40]] for e in items),
                   ["date", "direction", "partner", "cat", "staff", "hours", "premium", "amount", "status",
                    "description"])
    return 0


def _premium(e) -> str:
    """The flags that change an entry's price, as the Hours table's Premium column shows them."""
    return ", ".join(word for word, on in (("after hours", e.after_hours), ("overtime", e.overtime),
                                           ("call-out", e.callout)) if on)


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


def cmd_mileage_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    items = ctx.services.agreements.mileage_rates()
    if args.json:
        emit_json(items)
    else:
        emit_table(([m.effective_from, f"{m.cents_per_mile}¢", m.source or ""] for m in items),
                   ["from", "per mile", "source"])
    return 0


def cmd_mileage_set(args: argparse.Namespace) -> int:
    ctx = context(args)
    m = ctx.services.agreements.set_mileage_rate(args.date, args.cents, args.source)
    print(f"Mileage from {m.effective_from}: {m.cents_per_mile}¢ per mile")
    return 0


def cmd_hours_import(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from partnerdesk.errors import ImportFormatError
    from partnerdesk.services.hours_import import KIND, parse_map_spec

    ctx = context(args)
    svc = ctx.services.hours_import
    path = Path(args.file)
    columns = svc.columns(path)
    mapping = parse_map_spec(args.map, columns) if args.map else None
    remembered = ctx.settings.import_mapping(KIND, columns)
    run = svc.preview if args.dry_run else svc.import_file
    from partnerdesk.cli.progress import Progress

    with Progress(f"{'Checking' if args.dry_run else 'Importing'} {path.name}") as progress:
        result = run(path, mapping, remembered, skip_duplicates=not args.keep_duplicates, progress=progress)
    if result.problems:
        for p in result.problems:
            print(f"{path.name}: line {p.line}: {p.message}", file=sys.stderr)
        n = len(result.problems)
        raise ImportFormatError(f"{path.name}: {plural(n, 'row')} cannot be imported (listed above); "
                                "nothing was imported")
    if not args.dry_run:
        ctx.settings.remember_import_mapping(KIND, columns, result.mapping)
    if args.json:
        emit_json(list(result.rows))
        return 0
    unmatched = sorted({r.staff_name for r in result.rows if r.staff_name and not r.staff_matched})
    flagged = [r for r in result.rows if r.agreement_number is None and not r.skipped]
    mapping_text = ", ".join(f"{k}={v}" for k, v in result.mapping.items())
    verb = "Would import" if args.dry_run else "Imported"
    kept = [r for r in result.rows if not r.skipped]
    total = sum(r.amount_cents or 0 for r in kept)
    print(f"{verb} {plural(len(kept), 'entry')} from {path.name} ({format_cents(total)} priced); "
          f"mapping: {mapping_text}")
    skipped = [r.line for r in result.rows if r.skipped]
    if skipped:
        n = len(skipped)
        print(f"{plural(n, 'row')} {nouns(n, 'is')} already logged and {'would be ' if args.dry_run else 'were '}"
              f"skipped (--keep-duplicates imports them): lines {_lines(skipped)}")
    likely = [r.line for r in result.rows if r.duplicate == "likely"]
    if likely:
        print(f"{plural(len(likely), 'row')} {'looks' if len(likely) == 1 else 'look'} like entries already logged "
              f"(same partner, direction, date, hours and staff): check lines {_lines(likely)}")
    if flagged:
        n = len(flagged)
        print(f"{plural(n, 'entry')} {nouns(n, 'has')} no agreement in force and {nouns(n, 'is')} saved unbilled "
              "and flagged: lines " + ", ".join(str(r.line) for r in flagged))
    matched = sum(1 for r in result.rows if r.staff_matched)
    print(f"{plural(matched, 'entry')} matched a contact by staff name", end="")
    if unmatched:
        shown = ", ".join(unmatched[:8]) + (f" and {len(unmatched) - 8} more" if len(unmatched) > 8 else "")
        print(f"; {plural(len(unmatched), 'name')} {'matches' if len(unmatched) == 1 else 'match'} no contact "
              f"and {nouns(len(unmatched), 'is')} kept as text: {shown}", end="")
    print()
    return 0


def _lines(numbers: list[int], shown: int = 12) -> str:
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")
