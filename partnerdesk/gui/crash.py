"""Uncaught exceptions: logged with the traceback, then a dialog naming the log file."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
_log_file = "the log file"


def install(log_file) -> None:
    global _log_file
    _log_file = str(log_file)
    sys.excepthook = report_crash


def report_crash(exc_type, exc, tb) -> None:
    log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is None:
        return
    from partnerdesk.gui.dialogs.messages import DialogService

    DialogService.inform(None, "PartnerDesk — unexpected error",
                         f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                         f"Your data is safe; the last action was not saved.\n"
                         f"The details are in {_log_file}.\nPlease send that file to your IT support.",
                         kind="warning")
