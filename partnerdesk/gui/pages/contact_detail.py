"""The detail pane of the Directory: every number labelled, large, with a one-click copy button."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from partnerdesk.clock import Clock
from partnerdesk.domain.directory import PHONE_LABELS, is_stale
from partnerdesk.domain.dto import ContactDTO
from partnerdesk.gui import palette


class ContactDetail(QScrollArea):
    copied = Signal(str)  # the message for the status bar

    def __init__(self, clock: Clock, parent: QWidget | None = None):
        super().__init__(parent)
        self.clock = clock
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(340)  # the table beside it keeps its title column at 1366 px
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contact: ContactDTO | None = None
        self.copy_buttons: dict[str, QPushButton] = {}
        self._repainting = False
        self.show_contact(None)

    def _label(self, text: str, size: float = 1.0, bold: bool = False, wrap: bool = True,
               role: str | None = None) -> QLabel:
        label = QLabel(text)
        f = QFont(label.font())
        f.setPointSizeF(f.pointSizeF() * size)
        f.setBold(bold)
        label.setFont(f)
        label.setWordWrap(wrap)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if role:  # a palette role (gui/palette.py): readable on a light and on a dark scheme
            label.setStyleSheet(f"color: {palette.css(role)};")
        return label

    def show_contact(self, c: ContactDTO | None, today: date | None = None) -> None:
        self.contact = c
        self.copy_buttons = {}
        body = QWidget()
        body.setObjectName("contactDetail")
        v = QVBoxLayout(body)
        v.setContentsMargins(12, 8, 12, 8)
        if c is None:
            v.addWidget(self._label("Select a contact to see every number.\n\nCtrl+F searches, Enter opens the "
                                    "selected contact, Esc clears the search.", role="muted"))
            v.addStretch(1)
            self.setWidget(body)
            return
        v.addWidget(self._label(c.name, 1.6, True))
        v.addWidget(self._label(" · ".join(x for x in (c.title, f"{c.agency_name} ({c.agency_code})") if x)))
        esc = f"Escalation order {c.escalation_order}" if c.escalation_order else "No escalation order set"
        v.addWidget(self._label(esc, 1.1, True))
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        for row, p in enumerate(c.phones(include_personal=True)):
            label = PHONE_LABELS[p.kind] + (" (not for disclosure)" if p.kind == "personal" else "")
            grid.addWidget(self._label(label.replace(" (", "\n("), 0.95, wrap=False, role="muted"), row, 0)
            number = self._label(p.shown, 1.4, True, wrap=False)
            if p.shown != p.number.strip():
                number.setToolTip(f"Typed as {p.number}")
            number.setObjectName(f"number_{p.kind}")
            grid.addWidget(number, row, 1)
            b = QPushButton("Copy")
            b.setObjectName(f"copy_{p.kind}")
            b.setAccessibleName(f"Copy {label} number")
            b.setToolTip(f"Copy {p.shown}")
            b.clicked.connect(lambda _=False, n=p.shown, k=label: self._copy(n, k))
            grid.addWidget(b, row, 2)
            self.copy_buttons[p.kind] = b
        if not c.phones(include_personal=True):
            grid.addWidget(self._label("No phone numbers on file.", role="bad"), 0, 0)
        v.addLayout(grid)
        if c.email:
            v.addWidget(self._label(f"E-mail: {c.email}"))
        if c.on_call_notes:
            v.addWidget(self._label("On call", 1.05, True))
            v.addWidget(self._label(c.on_call_notes))
        if c.skills:
            v.addWidget(self._label("Skills: " + ", ".join(c.skills)))
        if c.notes:
            v.addWidget(self._label("Notes", 1.05, True))
            v.addWidget(self._label(c.notes))
        today = today or self.clock.today()
        if is_stale(c.last_verified, today):
            when = c.last_verified.isoformat() if c.last_verified else "never"
            v.addWidget(self._label(f"CHECK: last verified {when} — over 12 months ago" if c.last_verified else
                                    "CHECK: never verified", 1.0, True, role="bad"))
        else:
            v.addWidget(self._label(f"Last verified {c.last_verified.isoformat()}", role="good"))
        v.addStretch(1)
        self.setWidget(body)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._repainting:  # light <-> dark scheme
            self._repainting = True  # rebuild after the change has been delivered, not in the middle of it
            QTimer.singleShot(0, self._repaint_colours)

    def _repaint_colours(self) -> None:
        self.show_contact(self.contact)
        self._repainting = False

    def _copy(self, number: str, label: str) -> None:
        QGuiApplication.clipboard().setText(number)
        self.copied.emit(f"Copied {label.lower()} number {number}")
