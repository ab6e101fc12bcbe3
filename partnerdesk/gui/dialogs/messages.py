"""All modal questions and messages go through here, so tests can answer them (STYLE habit 10)."""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from partnerdesk.errors import UserError

log = logging.getLogger(__name__)


class DialogService:
    """Replace ``answer`` in tests: it receives (kind, title, text) and returns True/False."""

    answer: Callable[[str, str, str], bool] | None = None
    shown: list[tuple[str, str, str]] = []

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str) -> bool:
        cls.shown.append(("question", title, text))
        if cls.answer is not None:
            return cls.answer("question", title, text)
        return QMessageBox.question(parent, title, text) == QMessageBox.StandardButton.Yes

    @classmethod
    def inform(cls, parent: QWidget | None, title: str, text: str, kind: str = "info") -> None:
        cls.shown.append((kind, title, text))
        if cls.answer is not None:
            cls.answer(kind, title, text)
            return
        box = QMessageBox.warning if kind == "warning" else QMessageBox.information
        box(parent, title, text)


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    from partnerdesk.services.backup import DamagedDatabaseError

    window = parent.window() if parent is not None else None
    if isinstance(exc, DamagedDatabaseError) and hasattr(window, "data_changed"):  # offer that file's backup
        from partnerdesk.gui.dialogs.backup import offer_restore

        offer_restore(window, exc)
        return
    if isinstance(exc, UserError):
        DialogService.inform(parent, "PartnerDesk", str(exc), kind="warning")
    else:
        log.error("unexpected error in a worker", exc_info=exc)
        from partnerdesk.gui.crash import report_crash

        report_crash(type(exc), exc, exc.__traceback__)
