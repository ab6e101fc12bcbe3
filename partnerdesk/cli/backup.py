"""Backup and restore commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from partnerdesk.cli.output import add_json_flag, emit_json, emit_table
from partnerdesk.paths import resolve
from partnerdesk.services.backup import BackupService


def register(sub) -> None:
    p = sub.add_parser("backup", help="copy the database to a backup file (automatic copies are made daily)")
    p.add_argument("file", nargs="?", type=Path, metavar="FILE",
                   help="where to write the copy (default: a new file in the backups folder)")
    p.add_argument("--list", action="store_true", help="list the backups in the backups folder, newest first")
    add_json_flag(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup (checked first; the current "
                                       "database is kept as a safety copy)")
    p.add_argument("file", type=Path, metavar="FILE", help="the backup file to restore")
    p.set_defaults(func=cmd_restore)


def _service(args: argparse.Namespace) -> BackupService:
    p = resolve(args.db)
    p.ensure()
    from partnerdesk.logging_setup import setup

    setup(p.log_file)
    svc = BackupService(p.db_path, p.backup_dir)
    svc.remove_leftovers()
    return svc


def cmd_backup(args: argparse.Namespace) -> int:
    svc = _service(args)
    if args.list:
        items = svc.list()
        if args.json:
            emit_json([{"path": str(b.path), "kind": b.kind, "size": b.size,
                        "modified": b.modified.isoformat(timespec="seconds")} for b in items])
        else:
            emit_table(([b.modified.strftime("%Y-%m-%d %H:%M"), b.kind, f"{b.size / 1e6:.1f} MB", str(b.path)]
                        for b in items), ["modified (UTC)", "kind", "size", "file"])
        return 0
    from partnerdesk.cli.progress import Progress

    with Progress("Backing up") as progress:
        out = svc.backup(args.file, progress=progress)
    print(f"Backed up {svc.db_path} to {out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from partnerdesk.cli.progress import Progress

    svc = _service(args)
    with Progress("Restoring") as progress:
        result = svc.restore(args.file, progress=progress)
    # Open it once so an older backup is migrated now (with its own pre-migrate copy), not at the next start.
    from partnerdesk.app import open_context

    open_context(args.db, daily_backup=False).close()
    print(f"Restored {svc.db_path} from {result.restored_from}.\n"
          f"The database as it was before is kept at {result.safety_copy}")
    return 0
