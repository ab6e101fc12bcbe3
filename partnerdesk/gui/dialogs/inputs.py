"""Small text prompts (who acknowledged, why disputed) that tests can answer, like DialogService."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QInputDialog, QLabel, QWidget


class TextPrompt:
    """Replace ``answer`` in tests: it receives (title, label) and returns the text, or None to cancel."""

    answer: Callable[[str, str], str | None] | None = None

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        if cls.answer is not None:
            return cls.answer(title, label)
        value, ok = QInputDialog.getText(parent, title, label, text=text)
        return value if ok else None


def save_cancel(dialog: QDialog) -> tuple[QLabel, QDialogButtonBox]:
    """The message line and the Save / Cancel buttons an edit dialog ends with: Save calls ``dialog.save``
    (which shows a refusal in the message line and keeps the dialog open), Cancel rejects."""
    message = QLabel("", dialog)
    message.setWordWrap(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.save)
    buttons.rejected.connect(dialog.reject)
    return message, buttons
