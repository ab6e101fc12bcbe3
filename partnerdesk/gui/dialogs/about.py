"""Help → About: the version, and where this installation keeps its database, data, backups and log."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from partnerdesk import APP_DISPLAY_NAME, __version__
from partnerdesk.paths import Paths


class AboutDialog(QDialog):
    def __init__(self, paths: Paths, parent: QWidget | None = None):
        super().__init__(parent)
        self.paths = paths
        self.setWindowTitle(f"About {APP_DISPLAY_NAME}")
        self.setMinimumWidth(560)
        title = QLabel(f"<b>{APP_DISPLAY_NAME} {__version__}</b>", self)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        title.setFont(f)
        blurb = QLabel("Regional IT partnership desk: directory, interlocal agreements, hours exchanged, "
                       "billing statements.", self)
        blurb.setWordWrap(True)
        form = QFormLayout()
        self.locations: dict[str, QLabel] = {}
        for key, label, value in (("version", "&Version:", f"{__version__} (Python {platform.python_version()}, "
                                                           f"Qt for Python {pyside_version})"),
                                  ("database", "&Database:", str(paths.db_path)),
                                  ("data", "Data &folder:", str(paths.data_dir)),
                                  ("backups", "&Backups:", str(paths.backup_dir)),
                                  ("log", "&Log file:", str(paths.log_file))):
            field = QLabel(value, self)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; Ctrl+C copies the path
            field.setWordWrap(True)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
            form.addRow(label, field)
            self.locations[key] = field
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_data = self.buttons.addButton("&Open data folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_log = self.buttons.addButton("Open lo&g folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_data.clicked.connect(lambda: self._open(paths.data_dir))
        self.open_log.clicked.connect(lambda: self._open(paths.log_file.parent))
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(blurb)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    def text(self) -> str:
        """Everything the dialog says, as plain text (tests, and copying into a support request)."""
        return "\n".join([f"{APP_DISPLAY_NAME} {__version__}"] +
                         [f"{k}: {w.text()}" for k, w in self.locations.items()])

    @staticmethod
    def _open(folder) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
