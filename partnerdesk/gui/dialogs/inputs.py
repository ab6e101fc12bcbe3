"""Small text prompts (who acknowledged, why disputed) that tests can answer, like DialogService."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QInputDialog, QWidget


class TextPrompt:
    """Replace ``answer`` in tests: it receives (title, label) and returns the text, or None to cancel."""

    answer: Callable[[str, str], str | None] | None = None

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        if cls.answer is not None:
            return cls.answer(title, label)
        value, ok = QInputDialog.getText(parent, title, label, text=text)
        return value if ok else None
