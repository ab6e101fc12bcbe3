"""`python -m partnerdesk`: the command line, also the entry point of the windowed Windows build."""

import os
import sys

# A windowed Windows build (PyInstaller, console=False) starts with no console: sys.stdout and sys.stderr are
# None, and a command's print or write would raise. Give them a sink; the log file keeps the details.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))

from partnerdesk.cli import main  # noqa: E402

raise SystemExit(main())
