"""The ``partnerdesk`` command. Every feature is reachable headless through the same services as the GUI.

A user mistake prints one line on stderr and exits 2; a bug prints a short message, logs the
traceback, and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from partnerdesk import __version__
from partnerdesk.errors import UserError

log = logging.getLogger(__name__)

# Each module (partnerdesk.cli.NAME) adds its subcommands with register(subparsers); add a new area's here.
COMMAND_MODULES = ["core", "agreements", "records", "directory", "statements", "sync", "backup", "selftest"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage errors are user errors: exit 2, one line
        raise UserError(f"{self.prog}: {message}")


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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _start_logging(argv)
    try:
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
        print(f"partnerdesk: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("partnerdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: short message here, traceback in the log file
        log.exception("unexpected error running %s", argv)
        from partnerdesk.paths import resolve

        print(f"partnerdesk: internal error: {type(exc).__name__}: {exc}\n"
              f"The details are in {resolve().log_file}", file=sys.stderr)
        return 1
