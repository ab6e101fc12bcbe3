"""One window per database, and a second start brings the first one forward.

The OS lock (``partnerdesk/instance.py``) decides who owns the database; a QLocalServer named after the
database path lets a second start ask the owner to raise its window, then exit. If the owner cannot be
reached (it is busy, or is a ``partnerdesk restore``), the second start says so in a message instead.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from partnerdesk import APP_NAME
from partnerdesk.instance import InstanceLock

log = logging.getLogger(__name__)
MESSAGE = b"activate\n"


def server_name(db_path: Path) -> str:
    digest = hashlib.sha256(str(Path(db_path).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"{APP_NAME}-{digest}"


class SingleInstance(QObject):
    """``claim()`` the database for this process, or ``signal_running()`` to wake the process that has it."""

    activated = Signal()

    def __init__(self, db_path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.name = server_name(self.db_path)
        self.lock = InstanceLock(self.db_path, purpose="window")
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        if not self.lock.try_acquire():
            return False
        QLocalServer.removeServer(self.name)  # a stale socket file left by a killed owner (Unix)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(self.name):
            log.warning("cannot listen on %s: %s", self.name, self.server.errorString())
        self.server.newConnection.connect(self._on_connection)
        return True

    def _on_connection(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            if sock.bytesAvailable() or sock.waitForReadyRead(1000):
                if bytes(sock.readAll().data()).startswith(MESSAGE.strip()):
                    log.info("another start asked this window to come forward")
                    self.activated.emit()
            sock.disconnectFromServer()
            sock.deleteLater()

    def signal_running(self, timeout_ms: int = 1500) -> bool:
        """Ask the running owner to show its window. True when it received the request."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(timeout_ms):
            return False
        sock.write(MESSAGE)
        ok = sock.waitForBytesWritten(timeout_ms)
        sock.disconnectFromServer()
        if sock.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            sock.waitForDisconnected(timeout_ms)
        return ok

    def holder_text(self) -> str:
        pid, purpose = self.lock.holder()
        doing = "restoring a backup into it" if purpose == "restore" else "has it open"
        return f"Another PartnerDesk (process {pid or '?'}) {doing}: {self.db_path}"

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()
            self.server = None
        self.lock.release()


def bring_forward(window) -> None:
    """Raise a window over others (the window manager may only flash it in the taskbar)."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
