"""Core commands: gui (registered by cli/gui.py), demo, export/import json, audit, agencies."""

from __future__ import annotations

import argparse
from pathlib import Path

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table, limit_number
from partnerdesk.domain.wording import plural
from partnerdesk.errors import ValidationError

from partnerdesk.cli import gui


def register(sub) -> None:
    gui.register(sub)

    p = sub.add_parser("demo", help="seed the demo region into an empty database")
    p.add_argument("--size", choices=("small", "large"), default="small")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="export data")
    esub = p.add_subparsers(dest="what", metavar="FORMAT", required=True)
    e = esub.add_parser("json", help="the whole database as versioned JSON (lossless)")
    e.add_argument("file", type=Path)
    e.add_argument("--include-personal", action="store_true", help="include personal phone numbers")
    e.set_defaults(func=cmd_export_json)

    p = sub.add_parser("import", help="import data")
    isub = p.add_subparsers(dest="what", metavar="FORMAT", required=True)
    i = isub.add_parser("json", help="a partnerdesk JSON export")
    i.add_argument("file", type=Path)
    i.add_argument("--merge", action="store_true", help="combine with a database that already has data")
    i.set_defaults(func=cmd_import_json)

    p = sub.add_parser("audit", help="the audit trail, newest first")
    p.add_argument("--entity", metavar="ID", help="only events for this row id")
    p.add_argument("--limit", type=limit_number, default=None, metavar="N", help="only the newest N events")
    p.add_argument("--include-personal", action="store_true",
                   help="show personal phone numbers (withheld by default; using this is recorded in the trail)")
    add_json_flag(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("agencies", help="your agency and its neighbours: list, add, edit, retire")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = asub.add_parser("list", help="list agencies")
    a.add_argument("--all", action="store_true", help="include retired agencies")
    add_json_flag(a)
    a.set_defaults(func=cmd_agencies_list)
    a = asub.add_parser("add", help="add an agency (--home: your own)")
    _agency_options(a, adding=True)
    a.set_defaults(func=cmd_agencies_add)
    a = asub.add_parser("edit", help="change an agency (only the options given)")
    _agency_options(a, adding=False)
    a.set_defaults(func=cmd_agencies_edit)
    a = asub.add_parser("import", help="add the agencies of a CSV file (columns: code, name, kind, address, "
                                       "phone, website, ubi, ein, ...), all or none")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
    add_json_flag(a)
    a.set_defaults(func=cmd_agencies_import)
    a = asub.add_parser("retire", help="retire a partner: kept with its history, offered for nothing new "
                                       "(deleted instead when nothing refers to it)")
    a.add_argument("code", metavar="CODE")
    a.add_argument("--undo", action="store_true", help="bring a retired or deleted agency back")
    add_json_flag(a, "print the agency as a JSON object")
    a.set_defaults(func=cmd_agencies_retire)


# option -> service field; multi-line text takes "\n" for a line break
AGENCY_OPTIONS = {
    "--name": "name", "--kind": "kind", "--address": "address", "--phone": "phone", "--website": "website",
    "--ubi": "ubi", "--ein": "ein", "--fy-start-month": "fy_start_month",
    "--billing-contact-name": "billing_contact_name", "--billing-contact-email": "billing_contact_email",
    "--billing-contact-phone": "billing_contact_phone", "--remit-to": "remit_to", "--eft": "eft_instructions",
    "--bill-to": "bill_to", "--ap-contact-name": "ap_contact_name", "--ap-contact-email": "ap_contact_email",
    "--ap-contact-phone": "ap_contact_phone", "--bars-revenue-code": "bars_revenue_code",
    "--bars-expense-code": "bars_expense_code", "--note": "notes",
}
MULTILINE = {"address", "remit_to", "eft_instructions", "bill_to", "notes"}


def _agency_options(p, adding: bool) -> None:
    from partnerdesk.services.agencies import KINDS

    p.add_argument("code", metavar="CODE", help="short code, 2–12 letters or digits (used in statement numbers)")
    p.add_argument("--name", metavar="NAME", required=adding, help="legal name, e.g. City of Springfield")
    p.add_argument("--new-code", metavar="CODE", help=argparse.SUPPRESS if adding else "change the code")
    p.add_argument("--home", action="store_true", help="this is your own agency (one per database)")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--address", metavar="TEXT", help="street address for the letterhead (\\n between lines)")
    p.add_argument("--phone", metavar="TEXT")
    p.add_argument("--website", metavar="URL")
    p.add_argument("--ubi", metavar="TEXT", help="Washington UBI number (9 digits)")
    p.add_argument("--ein", metavar="TEXT", help="federal EIN (9 digits)")
    p.add_argument("--fy-start-month", metavar="N", help="fiscal year start month, 1..12 (default 1)")
    p.add_argument("--billing-contact-name", metavar="TEXT", help="who answers questions about your statements")
    p.add_argument("--billing-contact-email", metavar="TEXT")
    p.add_argument("--billing-contact-phone", metavar="TEXT")
    p.add_argument("--remit-to", metavar="TEXT", help="where payments go, printed on the remittance stub")
    p.add_argument("--eft", metavar="TEXT", help="EFT/ACH details printed on the remittance stub")
    p.add_argument("--bill-to", metavar="TEXT", help="where to send this agency's bills (default: its address)")
    p.add_argument("--ap-contact-name", metavar="TEXT", help="who pays this agency's bills (the Attn: line)")
    p.add_argument("--ap-contact-email", metavar="TEXT")
    p.add_argument("--ap-contact-phone", metavar="TEXT")
    p.add_argument("--bars-revenue-code", metavar="CODE")
    p.add_argument("--bars-expense-code", metavar="CODE")
    p.add_argument("--note", metavar="TEXT")
    p.add_argument("--logo", metavar="FILE", help="a PNG or JPEG image of at most 1 MB, stored in the database")
    if not adding:
        p.add_argument("--remove-logo", action="store_true")
    add_json_flag(p, "print the agency as a JSON object")


def _agency_values(args: argparse.Namespace) -> dict:
    values = {}
    for option, field in AGENCY_OPTIONS.items():
        v = getattr(args, option[2:].replace("-", "_"))
        if v is not None:
            values[field] = v.replace("\\n", "\n") if field in MULTILINE else v
    if getattr(args, "new_code", None):
        values["code"] = args.new_code
    if args.home:
        values["is_home"] = True
    return values


def _agency_errors():
    """An error names the option the user typed ("--ubi: ..."), not the column."""
    from partnerdesk.cli.agreements import named_options

    names = {field: option for option, field in AGENCY_OPTIONS.items()}
    names.update(code="CODE", is_home="--home", logo="--logo", logo_image="--logo")
    return named_options(names)


def _agency_line(a) -> str:
    bits = [f"{a.code} — {a.name}", a.kind]
    if a.is_home:
        bits.append("home agency")
    if a.ubi:
        bits.append(f"UBI {a.ubi}")
    if a.billing_contact_name:
        bits.append(f"billing contact {a.billing_contact_name}")
    if a.logo_image:
        bits.append(f"logo {len(a.logo_image) // 1024 or 1} KB")
    if a.retired_on:
        bits.append(f"retired {a.retired_on}")
    return ", ".join(bits)


def cmd_demo(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = context(args)
    with Progress(f"Seeding the {args.size} demo region") as progress:
        counts = ctx.services.demo.seed(args.size, progress=progress)
    print(f"Seeded the {args.size} demo region into {ctx.paths.db_path}: " + ", ".join(
        plural(v, k.replace("_", " ")) for k, v in counts.items() if k in ("agency", "contact", "agreement",
                                                                            "time_entry")))
    return 0


def cmd_export_json(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = context(args)
    with Progress(f"Exporting to {Path(args.file).name}") as progress:
        counts = ctx.services.interchange.export_json(args.file, include_personal=args.include_personal,
                                                      progress=progress)
    print(f"Exported {sum(counts.values()):,} rows to {args.file}")
    return 0


def cmd_import_json(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = context(args)
    with Progress(f"Importing {Path(args.file).name}") as progress:
        counts = ctx.services.interchange.import_json(args.file, merge=args.merge, progress=progress)
    print(f"Imported {sum(counts.values()):,} rows from {args.file}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    ctx = context(args)
    events = ctx.services.audit.list(entity_id=args.entity, limit=args.limit, include_personal=args.include_personal)
    if args.json:
        emit_json(events)
    else:
        emit_table(([e.at.strftime("%Y-%m-%d %H:%M:%S"), e.display_name, e.action, e.entity, e.entity_id or "",
                     "; ".join(f"{k}: {v[0]!r} → {v[1]!r}" if isinstance(v, list) and len(v) == 2 else f"{k}: {v}"
                               for k, v in e.changes.items())[:100]] for e in events),
                   ["when (UTC)", "who", "action", "entity", "id", "changes"])
    return 0


def cmd_agencies_list(args: argparse.Namespace) -> int:
    ctx = context(args)
    agencies = ctx.services.agencies.list(include_retired=args.all)
    if args.json:
        emit_json(agencies)
    else:
        emit_table(([a.code, a.name, a.kind, "home" if a.is_home else (f"retired {a.retired_on}" if a.retired_on
                                                                        else "")] for a in agencies),
                   ["code", "name", "kind", "note"])
    return 0


def cmd_agencies_add(args: argparse.Namespace) -> int:
    ctx = context(args)
    with _agency_errors():
        values = _agency_values(args)
        if args.logo:
            from partnerdesk.services.agencies import read_logo_file

            values["logo_image"] = read_logo_file(args.logo)
        before = ctx.services.agencies.home() if args.home else None
        a = ctx.services.agencies.create(code=args.code, **values)
    if args.json:
        emit_json(a)
    else:
        print(f"Added {_agency_line(a)}")
        _home_moved(before, a)
        if a.is_home and not (a.ubi and a.billing_contact_name and (a.remit_to or a.address)):
            print("Your statements print your UBI, billing contact and remit-to address: add the missing ones "
                  f"with 'partnerdesk agencies edit {a.code} --ubi ... --billing-contact-name ... --remit-to ...'")
    return 0


def cmd_agencies_edit(args: argparse.Namespace) -> int:
    ctx = context(args)
    with _agency_errors():
        values = _agency_values(args)
        if args.logo and args.remove_logo:
            raise ValidationError("--logo and --remove-logo: choose one")
        if args.logo:
            from partnerdesk.services.agencies import read_logo_file

            values["logo_image"] = read_logo_file(args.logo)
        elif args.remove_logo:
            values["logo_image"] = None
        if not values:
            raise ValidationError("nothing to change: give the options to change, e.g. --phone TEXT")
        before = ctx.services.agencies.home() if args.home else None
        a = ctx.services.agencies.update(args.code, **values)
    if args.json:
        emit_json(a)
    else:
        print(f"Changed {_agency_line(a)}")
        _home_moved(before, a)
    return 0


def _home_moved(before, a) -> None:
    if before is not None and a.is_home and before.id != a.id:
        print(f"{a.code} is now this database's home agency instead of {before.code}: hours read from "
              f"{a.code}'s side (given: {a.code} helped the partner)")


def cmd_agencies_import(args: argparse.Namespace) -> int:
    ctx = context(args)
    added = ctx.services.agencies.import_csv(args.file, dry_run=args.dry_run)
    if args.json:
        emit_json(added)
    else:
        print(f"{'Would add' if args.dry_run else 'Added'} {plural(len(added), 'agency')} from {args.file}: "
              + ", ".join(a.code for a in added))
    return 0


def cmd_agencies_retire(args: argparse.Namespace) -> int:
    ctx = context(args)
    if args.undo:
        a, outcome = ctx.services.agencies.reinstate(args.code), "active again"
    else:
        a, outcome = ctx.services.agencies.retire(args.code)
    if args.json:
        emit_json(a)
    elif outcome == "retired":
        print(f"Retired {a.code} ({a.name}) on {a.retired_on}: its agreements, hours and statements are kept; it is "
              f"offered for nothing new. Undo: partnerdesk agencies retire {a.code} --undo")
    elif outcome == "deleted":
        print(f"Deleted {a.code} ({a.name}): nothing referred to it. Undo: partnerdesk agencies retire {a.code} "
              "--undo")
    else:
        print(f"{a.code} ({a.name}) is {outcome}")
    return 0
