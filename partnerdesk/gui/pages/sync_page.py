"""The Sync page: a status chip, Sync now, automatic background sync, conflicts to settle, and the nodes.

Every sync runs in a worker (never on the GUI thread): on a timer every few minutes, shortly after a
local change, and, on a PostgreSQL server, as soon as the server says another installation published. The page only calls ``services.sync`` and shows the DTOs it returns.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHeaderView, QLabel, QTableView

from partnerdesk.gui import palette
from partnerdesk.gui.dialogs.inputs import TextPrompt
from partnerdesk.gui.dialogs.messages import DialogService
from partnerdesk.gui.models.table_model import Column, DtoTableModel
from partnerdesk.gui.pages.base import TablePage
from partnerdesk.gui.workers import run_in_worker
from partnerdesk.sync.dto import REFUSED_KINDS

log = logging.getLogger(__name__)

AUTO_SYNC_MS = 5 * 60 * 1000  # every five minutes
AFTER_CHANGE_MS = 20 * 1000  # and this long after the last local change
LISTEN_S = 25  # on a server, each wait for another installation's change lasts this long, then starts again
RETRY_S = 30  # and this long after the server could not be reached

CHIP_ROLES = {  # state -> palette role of the status chip (gui/palette.py: light and dark shades)
    "synced": "good",
    "syncing": "info",
    "share unavailable": "muted",
    "clock warning": "warn",
    "fork detected": "bad",
    "not set up": "muted",
    "awaiting approval": "warn",
}


def _short(value) -> str:
    if value is None:
        return "(empty)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def chip_text(st) -> str:
    parts = [st.state]
    if st.quarantined:
        parts.append(f"{st.quarantined} quarantined")
    if st.conflicts:
        parts.append(f"{st.conflicts} conflict{'s' if st.conflicts != 1 else ''}")
    return " · ".join(parts)


class SyncPage(TablePage):
    title = "Sync"
    search_placeholder = "Filter conflicts…"
    synced = Signal(object)  # the SyncStatusDTO of each finished cycle
    pushed = Signal()  # a server said another installation published (emitted from the listener thread)
    columns = (
        Column("Record", lambda c: c.label),
        Column("Field", lambda c: c.field.replace("_", " ")),
        Column("Kept value", lambda c: c.kept_value, _short),
        Column("Other value", lambda c: c.other_value, _short),
        Column("Kind", lambda c: c.kind),
        Column("Detected (UTC)", lambda c: c.detected_at[:16].replace("T", " ")),
    )

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.status = None
        self._syncing = False
        self._ignore_changes = False
        self._listener: threading.Thread | None = None
        self._listen_stop: threading.Event | None = None
        self._again = False
        self.pushed.connect(self._on_pushed)
        self.chip = QLabel("…", self)
        self.chip.setObjectName("syncChip")
        self.chip.setAccessibleName("Sync state")
        self.ui.toolbarLayout.addWidget(self.chip)
        self.sync_button = self.add_button("&Sync now", self.sync_now, tooltip="Bring in colleagues' changes and "
                                           "publish yours (runs in the background)")
        self.use_other_button = self.add_button("&Use the other value", lambda: self.resolve("other"),
                                                tooltip="Replace the kept value with the other installation's")
        self.keep_button = self.add_button("&Keep", lambda: self.resolve("kept"), tooltip="Keep the current value")
        self.admit_button = self.add_button("&Admit…", self.admit_node,
                                            tooltip="Admit the installation selected under Nodes, after comparing "
                                                    "its key fingerprint")
        self.revoke_button = self.add_button("Re&voke…", self.revoke_node,
                                             tooltip="Stop applying the selected installation's later changes (or "
                                                     "decline its request)")
        self.init_button = self.add_button("C&reate a space…", self.create_space,
                                           tooltip="Start syncing through a shared folder")
        self.join_button = self.add_button("&Join a space…", self.join_space,
                                           tooltip="Join the sync space a colleague created")
        self.finish_toolbar()
        self.nodes_label = QLabel("Nodes", self)
        self.nodes_model = DtoTableModel((
            Column("Node", lambda n: n.name + (" (this installation)" if n.is_self else "")),
            Column("Id", lambda n: n.node[:8]),
            Column("Segments", lambda n: n.segments, align_right=True),
            Column("Problem", lambda n: n.problem or ""),
        ), self)
        self.nodes = QTableView(self)
        self.nodes.setObjectName("syncNodes")
        self.nodes.setAccessibleName("Sync nodes")
        self.nodes.setModel(self.nodes_model)
        self.nodes.verticalHeader().setVisible(False)
        self.nodes.horizontalHeader().setStretchLastSection(True)
        self.nodes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.nodes.setMaximumHeight(170)
        self.nodes.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.nodes.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        at = self.ui.pageLayout.indexOf(self.ui.footer)
        self.ui.pageLayout.insertWidget(at, self.nodes_label)
        self.ui.pageLayout.insertWidget(at + 1, self.nodes)
        self.ui.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.nodes.selectionModel().selectionChanged.connect(self._update_buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_SYNC_MS)
        self.timer.timeout.connect(self.auto_sync)
        self.timer.start()
        self.soon = QTimer(self)
        self.soon.setSingleShot(True)
        self.soon.setInterval(AFTER_CHANGE_MS)
        self.soon.timeout.connect(self.auto_sync)
        changed = getattr(parent, "data_changed", None)
        if changed is not None:
            changed.connect(self.schedule_soon)
        self._update_buttons()

    def _listen(self) -> None:
        """On a PostgreSQL server, changes are pushed: a thread waits for the server's notification and asks
        for a sync (in the GUI thread, through a queued signal) within a second or two of another PC's change."""
        if self._listener is not None:
            return
        stop = self._listen_stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                try:
                    if self.services.sync.wait_for_change(LISTEN_S) and not stop.is_set():
                        self.pushed.emit()
                except Exception:  # noqa: BLE001 - server unavailable: the timer keeps syncing; try again later
                    log.info("sync: not listening to the server for now", exc_info=True)
                    stop.wait(RETRY_S)

        self._listener = threading.Thread(target=loop, name="sync-listener", daemon=True)
        self._listener.start()
        self.destroyed.connect(lambda *_: stop.set())

    def footer_noun(self) -> str:
        return "conflict to review" if self.model.rowCount() == 1 else "conflicts to review"

    def _on_loaded(self, data) -> None:
        first = not self.has_loaded and not self.has_restored_columns
        super()._on_loaded(data)
        if first:
            for i, width in enumerate((260, 150, 190, 190, 100)):
                self.ui.table.setColumnWidth(i, width)

    # -- data ------------------------------------------------------------------------------------
    def fetch(self):
        sync = self.services.sync
        return sync.status(), sync.conflicts()

    def apply(self, data) -> None:
        status, conflicts = data
        self.show_status(status)
        self.model.set_rows(conflicts, lambda c: f"{c.label} {c.field} {c.kept_value} {c.other_value}")

    def show_status(self, st) -> None:
        self.status = st
        if st.folder and str(st.folder).startswith(("postgresql://", "postgres://")):
            self._listen()
        state = "syncing" if self._syncing else st.state
        self.chip.setText(chip_text(st) if not self._syncing else "syncing…")
        self.chip.setStyleSheet(palette.chip_style(CHIP_ROLES.get(state, "muted"), "syncChip"))
        self.nodes_model.set_rows(list(st.nodes))
        self.nodes_label.setText(f"Nodes ({len(st.nodes)})" if st.nodes else "Nodes")
        if st.state == "not set up":
            self.set_subtitle("Sync is not set up. Create a space in a shared folder, or join the one a colleague "
                              "created. The database itself always stays on this computer.")
        else:
            last = (st.last_sync or "never")[:19].replace("T", " ")
            lines = [f"Shared folder: {st.folder}  ·  last sync {last} UTC"]
            if st.extra.get("join_code"):
                lines[0] += f"  ·  join code {st.extra['join_code']}"
            lines += [f"Awaiting approval: {a.name}, key fingerprint {a.fingerprint or 'unknown'}"
                      if not a.is_self else f"This installation awaits approval by a member (its key fingerprint: "
                      f"{self.services.sync.fingerprint()})" for a in st.awaiting_approval[:3]]
            lines += list(st.problems[:3])
            names = {n.node: n.name for n in st.nodes}
            lines += [f"Refused from {names.get(q.node, q.node[:8])}: {q.reason}" if q.status in REFUSED_KINDS
                      else f"Quarantined {q.name}: {q.reason}" for q in st.quarantine[:3]]
            self.set_subtitle("\n".join(lines))
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.status is not None:  # light <-> dark scheme
            QTimer.singleShot(0, self._restyle_chip)  # after the change is delivered, not in the middle of it

    def _restyle_chip(self) -> None:
        if self.status is not None:
            self.chip.setStyleSheet(palette.chip_style(CHIP_ROLES.get(
                "syncing" if self._syncing else self.status.state, "muted"), "syncChip"))

    def _update_buttons(self, *_args) -> None:
        set_up = self.status is not None and self.status.state != "not set up"
        self.sync_button.setEnabled(set_up and not self._syncing)
        self.init_button.setVisible(not set_up)
        self.join_button.setVisible(not set_up)
        rows = [r for r in self.selected_rows() if r is not None]
        self.use_other_button.setEnabled(bool(rows) and all(r.kind == "concurrent" for r in rows))
        self.keep_button.setEnabled(bool(rows))
        node = self._selected_node()
        waiting = {a.node for a in (self.status.awaiting_approval if self.status else ()) if not a.is_self}
        self.admit_button.setVisible(set_up)
        self.revoke_button.setVisible(set_up)
        self.admit_button.setEnabled(node is not None and node.node in waiting)
        self.revoke_button.setEnabled(node is not None and not node.is_self)

    def _selected_node(self):
        rows = self.nodes.selectionModel().selectedRows() if self.nodes.selectionModel() else []
        return self.nodes_model.rows[rows[0].row()] if rows else None

    # -- syncing ---------------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self._syncing or self.status is None or self.status.state == "not set up":
            return
        self._start(lambda progress: self.services.sync.run_cycle(lambda d, t, _m: progress(d, t)))

    def auto_sync(self) -> None:
        if self.status is None:
            self.reload()  # learn whether sync is set up; the next tick syncs
            return
        self.sync_now()

    def _on_pushed(self) -> None:
        if self._syncing:
            self._again = True  # the running cycle may have read the share before that change: one more
        else:
            self.auto_sync()

    def schedule_soon(self) -> None:
        """A local change: sync a little later (restarting the wait on every further change)."""
        if not self._ignore_changes:
            self.soon.start()

    def _start(self, fn) -> None:
        self._syncing = True
        if self.status is not None:
            self.show_status(self.status)
        run_in_worker(self, fn, self._on_synced, self._on_sync_failed, self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        self.chip.setText(f"syncing… {done}/{total}" if total > 1 else "syncing…")

    def _on_synced(self, st) -> None:
        self._syncing = False
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.sync_now)
        self.show_status(st)
        self.reload()
        self.synced.emit(st)
        if st.applied_ops:
            changed = getattr(self.parent(), "data_changed", None)
            if changed is not None:  # other pages show what arrived; that is not a local change to sync
                self._ignore_changes = True
                try:
                    changed.emit()
                finally:
                    self._ignore_changes = False

    def _on_sync_failed(self, exc: BaseException) -> None:
        self._syncing = False
        if self.status is not None:
            self.show_status(self.status)
        self._on_failed(exc)

    # -- conflicts -------------------------------------------------------------------------------
    def resolve(self, use: str) -> None:
        rows = [r for r in self.selected_rows() if r is not None]
        if not rows:
            return
        ids = [r.id for r in rows]

        def work():
            for i in ids:
                self.services.sync.resolve(i, use=use)

        def done(_):
            self.reload()
            if use == "other":
                self.schedule_soon()

        run_in_worker(self, work, done, self._on_failed)

    # -- admission -------------------------------------------------------------------------------
    def admit_node(self) -> None:
        node = self._selected_node()
        request = next((a for a in (self.status.awaiting_approval if self.status else ()) if node is not None
                        and a.node == node.node), None)
        if request is None:
            return
        if not DialogService.ask(self, "Admit installation", (
                f"Admit {request.name} to the sync space, for the agency {request.agency or 'of this installation'}?"
                f"\n\nIts key fingerprint is\n    {request.fingerprint}\n\nAdmit it only if the screen of that "
                "PC shows the same fingerprint. From the next sync on, its changes are applied everywhere.")):
            return
        run_in_worker(self, lambda: self.services.sync.admit(request.node), lambda _r: self.sync_now(),
                      self._on_failed)

    def revoke_node(self) -> None:
        node = self._selected_node()
        if node is None or node.is_self:
            return
        if not DialogService.ask(self, "Revoke installation", (
                f"Revoke {node.name}?\n\nWhat it published before stays; its later changes are applied by "
                "nobody. A request that was never admitted is declined.")):
            return
        run_in_worker(self, lambda: self.services.sync.revoke(node.node), lambda _r: self.sync_now(),
                      self._on_failed)

    # -- setting up ------------------------------------------------------------------------------
    def _pick_folder(self, title: str) -> str | None:
        folder = QFileDialog.getExistingDirectory(self, title)
        return folder or None

    def create_space(self) -> None:
        folder = self._pick_folder("Choose the shared folder for a new sync space")
        if folder:
            self._start(lambda progress: self.services.sync.init(folder, lambda d, t, _m: progress(d, t)))

    def join_space(self) -> None:
        folder = self._pick_folder("Choose the shared folder that holds the sync space")
        if not folder:
            return
        code = TextPrompt.ask(self, "Join a sync space", "Join code (from the colleague whose PC created the space, "
                                                         "read out by phone or in person):")
        if code:
            self._start(lambda progress: self.services.sync.join(folder, code=code,
                                                                 progress=lambda d, t, _m: progress(d, t)))
