"""Directory commands: search, contacts list|import|export|sheet|merge, outage-kit."""

from __future__ import annotations

import argparse
from pathlib import Path

from partnerdesk.app import open_context
from partnerdesk.cli.output import add_json_flag, emit_json, emit_table, limit_number
from partnerdesk.domain.directory import PHONE_LABELS
from partnerdesk.domain.dto import to_json
from partnerdesk.domain.wording import plural
from partnerdesk.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("search", help="find people: name, agency, skill (pbx, cisco) or phone digits")
    p.add_argument("text", nargs="+", help="what to look for; every word must match")
    p.add_argument("--limit", type=limit_number, default=25, metavar="N")
    p.add_argument("--include-personal", action="store_true", help="also show personal numbers")
    add_json_flag(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("contacts", help="the partner directory")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = csub.add_parser("list", help="everyone, by agency and escalation order")
    c.add_argument("--agency", metavar="CODE")
    c.add_argument("--skill", metavar="NAME")
    c.add_argument("--include-personal", action="store_true", help="also show personal numbers")
    add_json_flag(c)
    c.set_defaults(func=cmd_contacts_list)

    c = csub.add_parser("import", help="import a vCard, Outlook CSV or Google CSV file (all or nothing)")
    c.add_argument("file", type=Path)
    c.add_argument("--format", default="auto", choices=("auto", "vcard", "outlook-csv", "google-csv"))
    c.add_argument("--dry-run", action="store_true", help="show what would happen, change nothing")
    add_json_flag(c)
    c.set_defaults(func=cmd_contacts_import)

    c = csub.add_parser("export", help="write the directory as vCard 3.0 or Outlook CSV")
    c.add_argument("file", type=Path)
    c.add_argument("--format", default=None, choices=("vcard", "csv"), help="default: from the file name")
    c.add_argument("--include-personal", action="store_true",
                   help="include personal numbers and on-call notes (recorded in the audit trail)")
    c.set_defaults(func=cmd_contacts_export)

    c = csub.add_parser("sheet", help="the printable emergency contact sheet (PDF)")
    c.add_argument("file", type=Path)
    c.add_argument("--layout", default="full", choices=("full", "wallet"))
    c.add_argument("--include-personal", action="store_true",
                   help="print personal numbers too (recorded in the audit trail)")
    c.set_defaults(func=cmd_contacts_sheet)

    c = csub.add_parser("merge", help="fold a duplicate contact into another (the duplicate is deleted)")
    c.add_argument("keep", metavar="KEEP_ID")
    c.add_argument("duplicate", metavar="DUPLICATE_ID")
    add_json_flag(c)
    c.set_defaults(func=cmd_contacts_merge)

    p = sub.add_parser("outage-kit", help="write the sheet, wallet card, vCard file and directory.html to a folder")
    p.add_argument("dir", type=Path)
    p.add_argument("--include-personal", action="store_true",
                   help="include personal numbers (recorded in the audit trail)")
    p.set_defaults(func=cmd_outage_kit)


def _phones_text(phones) -> str:
    return "  ".join(f"{PHONE_LABELS[p.kind]}: {p.shown}" for p in phones)


def cmd_search(args: argparse.Namespace) -> int:
    text = " ".join(args.text).strip()
    if not text:
        raise UserError("search: give a name, agency, skill or phone digits")
    ctx = open_context(args.db)
    hits = ctx.services.directory.search(text, limit=args.limit, include_personal=args.include_personal)
    if args.json:
        emit_json([h.as_json() for h in hits])
    else:
        emit_table(([h.escalation_order or "", h.name, h.agency_code, h.title or "", ", ".join(h.skills),
                     _phones_text(h.phones)] for h in hits), ["#", "name", "agency", "title", "skills", "phones"])
    return 0


def cmd_contacts_list(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    people = ctx.services.contacts.list(agency=args.agency)
    if args.skill:
        want = args.skill.casefold()
        people = [c for c in people if any(want == s.casefold() for s in c.skills)]
    if args.json:
        out = []
        for c in people:
            d = to_json(c)
            if not args.include_personal:
                d.pop("personal_phone", None)
            d["phones"] = [{"kind": p.kind, "number": p.number} for p in c.phones(args.include_personal)]
            out.append(d)
        emit_json(out)
    else:
        emit_table(([c.agency_code, c.escalation_order or "", c.name, c.title or "", ", ".join(c.skills),
                     _phones_text(c.phones(args.include_personal))] for c in people),
                   ["agency", "#", "name", "title", "skills", "phones"])
    return 0


def cmd_contacts_import(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = open_context(args.db)
    with Progress(f"{'Checking' if args.dry_run else 'Importing'} {args.file.name}") as progress:
        result = ctx.services.directory.import_file(args.file, args.format, dry_run=args.dry_run,
                                                    progress=progress)
    if args.json:
        emit_json({"file": result.file, "format": result.format, "dry_run": result.dry_run,
                   "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                   "left_out": result.dropped,
                   "agencies_created": list(result.agencies_created), "actions": to_json(list(result.actions))})
        return 0
    for a in result.actions:
        extra = f" ({', '.join(a.changes)})" if a.action == "update" else ""
        print(f"  record {a.record:>4}  {a.action:<9} {a.name} — {a.agency}{extra}")
        for why in a.dropped:
            print(f"               left out: {why}")
    print(result.summary())
    return 0


def cmd_contacts_export(args: argparse.Namespace) -> int:
    fmt = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "vcard")
    ctx = open_context(args.db)
    from partnerdesk.cli.progress import Progress

    with Progress(f"Exporting to {Path(args.file).name}") as progress:
        n = ctx.services.directory.export(args.file, fmt, include_personal=args.include_personal, progress=progress)
    note = " with personal numbers and on-call notes (recorded in the audit trail)" if args.include_personal else \
        " (personal numbers and on-call notes left out)"
    print(f"Exported {plural(n, 'contact')} to {args.file} as {fmt}{note}")
    return 0


def cmd_contacts_sheet(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    from partnerdesk.cli.progress import Progress

    with Progress(f"Writing {Path(args.file).name}") as progress:
        path = ctx.services.directory.write_sheet(args.file, args.layout, include_personal=args.include_personal,
                                                  progress=progress)
    print(f"Wrote the {args.layout} emergency contact sheet to {path}")
    return 0


def cmd_contacts_merge(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    result = ctx.services.contacts.merge(args.keep, args.duplicate)
    if args.json:
        emit_json(result)
    else:
        print(f"Merged into {result.contact.name}: took {', '.join(result.fields_taken) or 'nothing new'}; "
              f"moved {result.moved_time_entries} time entr{'y' if result.moved_time_entries == 1 else 'ies'}")
    return 0


def cmd_outage_kit(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    from partnerdesk.cli.progress import Progress

    with Progress(f"Writing the outage kit to {Path(args.dir).name}") as progress:
        kit = ctx.services.directory.outage_kit(args.dir, include_personal=args.include_personal, progress=progress)
    print(f"Outage kit for {plural(kit.contacts, 'contact')} in {kit.directory}:")
    for p in (kit.sheet_pdf, kit.wallet_pdf, kit.vcard, kit.html):
        print(f"  {p.name}")
    return 0
