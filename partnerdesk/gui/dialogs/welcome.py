"""The first start on an empty database: set up your own agency (the default) or explore the demo region,
which lives in a database file of its own and never touches yours."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from partnerdesk import APP_DISPLAY_NAME

SETUP, DEMO = "setup", "demo"


class WelcomeDialog(QDialog):
    """``choice`` is SETUP or DEMO once a button is pressed; None when the dialog is closed."""

    def __init__(self, db_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.choice: str | None = None
        self.setWindowTitle(f"Welcome to {APP_DISPLAY_NAME}")
        self.setMinimumWidth(560)
        title = QLabel(f"<h2>Welcome to {APP_DISPLAY_NAME}</h2>", self)
        text = QLabel(
            "PartnerDesk keeps the favours your IT staff trade with neighbouring agencies: who helped whom, "
            "for how long, under which interlocal agreement, and the quarterly statements that bill them.<br><br>"
            f"<b>Set up my agency</b> starts your own region in <i>{db_name}</i>: your agency, your "
            "partners, your first agreement — every step can be skipped and edited later.<br><br>"
            "<b>Explore the demo region</b> opens a made-up region (the City of Lynnwood and its neighbours) in a "
            "database of its own, marked DEMO. Yours stays empty; the File menu switches between them.", self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.setup_button = QPushButton("&Set up my agency", self)
        self.demo_button = QPushButton("&Explore the demo region", self)
        self.setup_button.setDefault(True)
        self.setup_button.setAutoDefault(True)
        self.demo_button.setAutoDefault(False)
        self.setup_button.clicked.connect(lambda: self._choose(SETUP))
        self.demo_button.clicked.connect(lambda: self._choose(DEMO))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.setup_button)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(text)
        lay.addSpacing(8)
        lay.addLayout(buttons)
        self.setup_button.setFocus()

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
