"""Core commands: gui (registered by cli/gui.py), demo, export/import json, audit, agencies."""

from __future__ import annotations

import argparse
from pathlib import Path

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table, limit_number

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

    p = sub.add_parser("agencies", help="agencies in the region")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = asub.add_parser("list", help="list agencies")
    add_json_flag(a)
    a.set_defaults(func=cmd_agencies_list)


def cmd_demo(args: argparse.Namespace) -> int:
    ctx = context(args)
    counts = ctx.services.demo.seed(args.size)
    print(f"Seeded the {args.size} demo region into {ctx.paths.db_path}: " + ", ".join(
        f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items() if k in ("agency", "contact", "agreement",
                                                                           "time_entry")))
    return 0


def cmd_export_json(args: argparse.Namespace) -> int:
    ctx = context(args)
    counts = ctx.services.interchange.export_json(args.file, include_personal=args.include_personal)
    print(f"Exported {sum(counts.values()):,} rows to {args.file}")
    return 0


def cmd_import_json(args: argparse.Namespace) -> int:
    ctx = context(args)
    counts = ctx.services.interchange.import_json(args.file, merge=args.merge)
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
    agencies = ctx.services.agencies.list()
    if args.json:
        emit_json(agencies)
    else:
        emit_table(([a.code, a.name, a.kind, "home" if a.is_home else ""] for a in agencies),
                   ["code", "name", "kind", ""])
    return 0
