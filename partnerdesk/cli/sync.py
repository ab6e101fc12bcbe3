"""``partnerdesk sync init|join|run|status``: share data with colleagues through a shared folder."""

from __future__ import annotations

import argparse
import json
import sys

from partnerdesk.app import open_context
from partnerdesk.domain.dto import to_json
from partnerdesk.sync.transport import transport_of


def register(sub) -> None:
    p = sub.add_parser("sync", help="share data through a folder on a network share or cloud drive")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ssub.add_parser("init", help="create a new sync space in FOLDER, or on a PostgreSQL server given as "
                                     "postgresql://USER@HOST:PORT/DB (this installation is its first node); "
                                     "prints the join code colleagues need")
    a.add_argument("folder")
    a.add_argument("--json", action="store_true", help="print a JSON object (with join_code)")
    a.set_defaults(func=cmd_init)
    a = ssub.add_parser("join", help="ask to join the sync space in FOLDER; a member then admits this installation")
    a.add_argument("folder")
    a.add_argument("--code", help="the join code the founder's installation printed (sync init, sync status)")
    a.add_argument("--agency", metavar="CODE", help="the agency this installation works for (default: its home "
                                                    "agency, or the admitting member's)")
    a.add_argument("--new-identity", action="store_true",
                   help="take a new node identity (after a copied profile was detected as a fork)")
    a.set_defaults(func=cmd_join)
    a = ssub.add_parser("pending", help="installations that asked to join and await approval")
    a.add_argument("--json", action="store_true", help="print a JSON array of objects")
    a.set_defaults(func=cmd_pending)
    a = ssub.add_parser("admit", help="admit an installation awaiting approval (compare its fingerprint first)")
    a.add_argument("node", help="its node id, or the first 4 or more characters of it")
    a.set_defaults(func=cmd_admit)
    a = ssub.add_parser("revoke", help="stop applying an installation's later changes (or decline a request)")
    a.add_argument("node", help="its node id, or the first 4 or more characters of it")
    a.set_defaults(func=cmd_revoke)
    a = ssub.add_parser("move-to", help="move this folder space to a PostgreSQL server "
                                        "(postgresql://USER@HOST:PORT/DB); every member follows")
    a.add_argument("url", metavar="URL")
    a.add_argument("--json", action="store_true", help="print the resulting status as JSON")
    a.set_defaults(func=cmd_move_to)
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
            "applied_ops": st.applied_ops, "published_ops": st.published_ops,
            "join_code": st.extra.get("join_code"), "transport": transport_of(st.folder)}


def _print_status(st) -> None:
    print(f"State:       {st.state}")
    print(f"{'Server:' if transport_of(st.folder) == 'postgresql' else 'Folder:':<13}{st.folder or '-'}")
    print(f"This node:   {st.node}")
    print(f"Last sync:   {st.last_sync or 'never'}")
    print(f"Quarantined: {st.quarantined}")
    print(f"Conflicts:   {st.conflicts}")
    if st.extra.get("join_code"):
        print(f"Join code:   {st.extra['join_code']}")
    for p in st.problems:
        print(f"  ! {p}")
    from partnerdesk.sync.dto import REFUSED_KINDS

    for q in st.quarantine:  # files set aside, and single changes refused (invalid, unauthorised)
        print(f"  {f'refused ({q.status})' if q.status in REFUSED_KINDS else 'quarantined'} {q.node[:8]}/{q.name}: "
              f"{q.reason}")
    for a in st.awaiting_approval:
        print(f"  awaiting approval {a.node[:8]}  {a.name}  fingerprint {a.fingerprint or '-'}: {a.reason}")
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
    code = st.extra.get("join_code")
    if args.json:
        json.dump({**_status_json(st), "join_code": code}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Created a sync space in {st.folder}; {st.published_ops:,} changes published.")
    print(f"Join code: {code}  (colleagues type it in 'partnerdesk sync join {st.folder} --code CODE')")
    _print_status(st)
    return 0


def cmd_move_to(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    ctx = open_context(args.db)
    with Progress("moving the space") as progress:
        st = ctx.services.sync.move_to(args.url, progress)
    moved = st.extra.get("moved") or {}
    if args.json:
        json.dump({**_status_json(st), "moved": moved}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Moved the sync space to {st.folder}: {moved.get('segments', 0):,} segments copied, "
          f"{moved.get('already', 0):,} were there already. The folder now points there; members follow on "
          "their next sync (each needs the server's password once: PGPASSWORD, then it is kept in the keyring).")
    _print_status(st)
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    sync = ctx.services.sync
    st = sync.join(args.folder, code=args.code, agency=args.agency, new_identity=args.new_identity)
    if any(a.is_self for a in st.awaiting_approval):
        print(f"Asked to join the sync space in {st.folder}. A member must now admit this installation "
              f"('partnerdesk sync admit {st.node[:8]}'); its key fingerprint is {sync.fingerprint()}: they should "
              "see the same one in 'sync pending'.")
    else:
        print(f"Joined the sync space in {st.folder}; {st.applied_ops:,} changes brought in, "
              f"{st.published_ops:,} published.")
    _print_status(st)
    return 0


def cmd_pending(args: argparse.Namespace) -> int:
    from partnerdesk.cli.output import emit_json, emit_table

    ctx = open_context(args.db)
    items = ctx.services.sync.pending()
    if args.json:
        emit_json(items)
    else:
        emit_table(([p.node[:8], p.name, p.agency or "-", p.machine or "-", p.fingerprint] for p in items),
                   ["node", "name", "agency", "machine", "key fingerprint"])
    return 0


def cmd_admit(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    p = ctx.services.sync.admit(args.node)
    print(f"Admitted {p.name} (key fingerprint {p.fingerprint}); its changes are applied from the next sync.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    name = ctx.services.sync.revoke(args.node)
    print(f"Revoked {name}: changes it publishes from now on are not applied; what it published before stays.")
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
        emit_table(([c.id, c.kind, c.label, c.field, c.kept_value, c.other_value, c.other_node[:8], c.reason]
                    for c in items), ["id", "kind", "record", "field", "kept", "other", "from", "why"])
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    c = ctx.services.sync.resolve(args.conflict_id, use=args.use)
    print(f"Resolved: {c.label} {c.field} = {c.other_value if args.use == 'other' else c.kept_value!r}")
    return 0
