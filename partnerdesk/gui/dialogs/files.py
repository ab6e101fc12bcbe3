"""File and folder pickers behind one seam, so tests can answer them (like DialogService)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QFileDialog, QWidget


class FilePicker:
    """Tests set ``answer`` to a function (kind, title) -> path or "" (cancel)."""

    answer: Callable[[str, str], str] | None = None

    @classmethod
    def open_file(cls, parent: QWidget | None, title: str, filters: str) -> str:
        if cls.answer is not None:
            return cls.answer("open", title)
        return QFileDialog.getOpenFileName(parent, title, "", filters)[0]

    @classmethod
    def save_file(cls, parent: QWidget | None, title: str, default: str, filters: str) -> str:
        if cls.answer is not None:
            return cls.answer("save", title)
        return QFileDialog.getSaveFileName(parent, title, default, filters)[0]

    @classmethod
    def folder(cls, parent: QWidget | None, title: str) -> str:
        if cls.answer is not None:
            return cls.answer("folder", title)
        return QFileDialog.getExistingDirectory(parent, title)
