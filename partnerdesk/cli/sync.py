"""``partnerdesk sync init|join|run|status``: share data with colleagues through a shared folder."""

from __future__ import annotations

import argparse
import json
import sys

from partnerdesk.app import open_context
from partnerdesk.domain.dto import to_json


def register(sub) -> None:
    p = sub.add_parser("sync", help="share data through a folder on a network share or cloud drive")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ssub.add_parser("init", help="create a new sync space in FOLDER (this installation is its first node)")
    a.add_argument("folder")
    a.set_defaults(func=cmd_init)
    a = ssub.add_parser("join", help="join the sync space in FOLDER")
    a.add_argument("folder")
    a.add_argument("--new-identity", action="store_true",
                   help="take a new node identity (after a copied profile was detected as a fork)")
    a.set_defaults(func=cmd_join)
    a = ssub.add_parser("run", help="one sync cycle: bring in others' changes, publish ours")
    a.add_argument("--json", action="store_true", help="print the resulting status as JSON")
    a.set_defaults(func=cmd_run)
    a = ssub.add_parser("status", help="sync state, quarantined files, conflicts and nodes")
    a.add_argument("--json", action="store_true", help="print a JSON object")
    a.set_defaults(func=cmd_status)
    a = ssub.add_parser("conflicts", help="concurrent edits to review")
    a.add_argument("--json", action="store_true", help="print a JSON array of objects")
    a.set_defaults(func=cmd_conflicts)
    a = ssub.add_parser("resolve", help="settle a conflict")
    a.add_argument("conflict_id")
    a.add_argument("--use", choices=("other", "kept"), default="other",
                   help="'other': take the other installation's value (default); 'kept': keep the current one")
    a.set_defaults(func=cmd_resolve)


def _status_json(st) -> dict:
    quarantine = to_json(list(st.quarantine))
    return {"state": st.state, "last_sync": st.last_sync, "quarantined": quarantine,
            "awaiting_approval": to_json(list(st.awaiting_approval)), "conflicts": st.conflicts,
            "clock_warning": st.clock_warning, "nodes": to_json(list(st.nodes)), "folder": st.folder,
            "node": st.node, "problems": list(st.problems), "quarantine": quarantine,
            "applied_ops": st.applied_ops, "published_ops": st.published_ops}


def _print_status(st) -> None:
    print(f"State:       {st.state}")
    print(f"Folder:      {st.folder or '-'}")
    print(f"This node:   {st.node}")
    print(f"Last sync:   {st.last_sync or 'never'}")
    print(f"Quarantined: {st.quarantined}")
    print(f"Conflicts:   {st.conflicts}")
    for p in st.problems:
        print(f"  ! {p}")
    for q in st.quarantine:
        print(f"  quarantined {q.node[:8]}/{q.name}: {q.reason}")
    if st.nodes:
        print("Nodes:")
        for n in st.nodes:
            print(f"  {n.node[:8]}  {n.name}{' (this installation)' if n.is_self else ''}  segments: {n.segments}"
                  + (f"  problem: {n.problem}" if n.problem else ""))


def _progress(done: int, total: int, msg: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{done}/{total} {msg[:60]:<60}", end="", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    st = ctx.services.sync.init(args.folder)
    print(f"Created a sync space in {args.folder}; {st.published_ops:,} changes published.")
    _print_status(st)
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    st = ctx.services.sync.join(args.folder, new_identity=args.new_identity)
    print(f"Joined the sync space in {args.folder}; {st.applied_ops:,} changes brought in, "
          f"{st.published_ops:,} published.")
    _print_status(st)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    st = ctx.services.sync.run_cycle(_progress)
    if args.json:
        json.dump(_status_json(st), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"{st.applied_ops:,} changes brought in, {st.published_ops:,} published.")
        _print_status(st)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    st = ctx.services.sync.status()
    if args.json:
        json.dump(_status_json(st), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_status(st)
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from partnerdesk.cli.output import emit_json, emit_table

    ctx = open_context(args.db)
    items = ctx.services.sync.conflicts()
    if args.json:
        emit_json(items)
    else:
        emit_table(([c.id, c.kind, c.label, c.field, c.kept_value, c.other_value] for c in items),
                   ["id", "kind", "record", "field", "kept", "other"])
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    c = ctx.services.sync.resolve(args.conflict_id, use=args.use)
    print(f"Resolved: {c.label} {c.field} = {c.other_value if args.use == 'other' else c.kept_value!r}")
    return 0
