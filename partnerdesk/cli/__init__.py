"""The ``partnerdesk`` command. Every feature is reachable headless through the same services as the GUI.

A user mistake prints one line on stderr and exits 2; a bug prints a short message, logs the
traceback, and exits 1.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import Sequence

from partnerdesk import __version__
from partnerdesk.errors import UserError

log = logging.getLogger(__name__)

# Each module (partnerdesk.cli.NAME) adds its subcommands with register(subparsers); add a new area's here.
COMMAND_MODULES = ["core", "agreements", "records", "directory", "statements", "sync", "backup", "selftest",
                   "incidents", "settlement"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage errors are user errors: exit 2, one line
        # "partnerdesk: error: hours log: the following arguments are required: --date", never the program's
        # name twice ("partnerdesk: error: partnerdesk: ...")
        where = self.prog.removeprefix("partnerdesk").strip()
        raise UserError(f"{where}: {message}" if where else message)


def build_parser(gui_only: bool = False) -> argparse.ArgumentParser:
    """The whole command line, or (``gui_only``) just the desktop app's, which starts without building and
    importing every other command."""
    p = _Parser(prog="partnerdesk", description="Regional IT partnership desk.")
    p.add_argument("--version", action="version", version=f"partnerdesk {__version__}")
    p.add_argument("--db", metavar="PATH", help="database file (default: the user data dir or $PARTNERDESK_HOME)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if gui_only:
        from partnerdesk.cli.gui import register

        register(sub)
        return p
    for name in COMMAND_MODULES:
        importlib.import_module(f"partnerdesk.cli.{name}").register(sub)
    return p


def _is_gui(argv: list[str]) -> bool:
    """``partnerdesk``, ``partnerdesk [--db PATH] gui ...``: the desktop app (not --help or --version)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--db":
            i += 2
        elif argv[i].startswith("--db="):
            i += 1
        else:
            return False
    return i >= len(argv) or argv[i] == "gui"


def _start_logging(argv: list[str]) -> None:
    """Log to the user log dir from the first moment, so even an early failure leaves its traceback."""
    from partnerdesk.logging_setup import setup
    from partnerdesk.paths import resolve

    try:
        setup(resolve().log_file)
    except Exception:  # never let logging stop the command
        pass


def readable(message: str) -> str:
    """One line a person can read: a value quoted from the input (5,000 nines, a pasted blob) is cut short."""
    message = " ".join(message.split("\n"))
    return re.sub(r"\S{200,}", lambda m: m.group()[:60] + f"…({len(m.group()):,} characters)", message)


# A file or folder the user named cannot be used (permissions, a read-only or full disk, a missing folder):
# the user's to fix, so exit 2 naming the place.
_USER_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.ENOENT, errno.ENOTDIR, errno.EISDIR,
                errno.ENAMETOOLONG, errno.EEXIST, getattr(errno, "EDQUOT", errno.ENOSPC)}


def os_error_message(exc: OSError) -> str | None:
    """One line for an OSError about a path the user gave; None when it is not about a path (a bug)."""
    if exc.filename is None or exc.errno not in _USER_ERRNOS:
        return None
    path = Path(os.fsdecode(exc.filename))
    reason = exc.strerror or str(exc)
    if path.name.startswith(".") or exc.errno in (errno.EROFS, errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        # our temporary file beside the output: the folder is what the user can do something about
        return f"cannot write in the folder {path.parent} ({reason}); choose another folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: {reason}; check the permissions of the folder {path.parent} or choose another one"
    return f"{path}: {reason}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _start_logging(argv)
    try:
        if any("\x00" in a for a in argv):  # no file name or value holds one (a shell cannot even pass it)
            raise UserError("an argument contains a NUL character")
        gui_only = _is_gui(argv)
        if not gui_only:
            from partnerdesk.cli.agreements import rates_compat

            argv = rates_compat(argv)
        parser = build_parser(gui_only=gui_only)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            args = parser.parse_args(argv + ["gui"])
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"partnerdesk: error: {readable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("partnerdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        message = os_error_message(exc)
        if message is None:
            log.exception("unexpected error running %s", argv)
            from partnerdesk.paths import resolve

            print(f"partnerdesk: internal error: {type(exc).__name__}: {exc}\n"
                  f"The details are in {resolve().log_file}", file=sys.stderr)
            return 1
        log.warning("%s (running %s)", message, argv, exc_info=exc)
        print(f"partnerdesk: error: {readable(message)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: short message here, traceback in the log file
        log.exception("unexpected error running %s", argv)
        from partnerdesk.paths import resolve

        print(f"partnerdesk: internal error: {type(exc).__name__}: {exc}\n"
              f"The details are in {resolve().log_file}", file=sys.stderr)
        return 1
