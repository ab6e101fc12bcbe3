"""``partnerdesk gui``: the desktop application, the default command. Kept apart from the other commands so
that starting the app parses its few options without building (and importing) the whole command line."""

from __future__ import annotations

import argparse
import sys

PAGES = ("dashboard", "directory", "agreements", "hours", "statements", "sync")


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop application (the default)")
    p.add_argument("--screenshot", metavar="PNG", help="render the window once data has loaded, save it, exit")
    p.add_argument("--page", choices=PAGES, default=None, help="the page to show first")
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from partnerdesk.gui.platform_check import problem

    why = problem()  # a missing library or display: one line, not Qt's abort (exit 134) with nothing said
    if why:
        print(f"partnerdesk: {why}", file=sys.stderr)
        return 1
    from partnerdesk.gui.main import run

    return run(db=args.db, screenshot=args.screenshot, page=args.page)
