"""Running service calls off the GUI thread (Anki-style operations).

``run_in_worker(parent, fn, on_done, on_error)`` runs ``fn`` on the shared thread pool and delivers the
result (or the exception) back on the GUI thread. Workers never touch widgets.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
_live: set["_Signals"] = set()  # keep signal objects alive until delivery


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, with_progress: bool):
        super().__init__()
        self.fn, self.signals, self.with_progress = fn, signals, with_progress

    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(lambda done, total: self._emit(self.signals.progress, int(done), int(total)))
            else:
                result = self.fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            if not isinstance(exc, Exception):
                raise
            if not self._emit(self.signals.failed, exc):
                log.warning("a worker failed after the window that started it had gone", exc_info=exc)
        else:
            self._emit(self.signals.done, result)

    def _emit(self, signal, *args) -> bool:
        try:
            signal.emit(*args)
            return True
        except RuntimeError:  # the window that asked was closed meanwhile: nobody is waiting for the answer
            _live.discard(self.signals)
            log.debug("a worker finished after the window that started it had gone")
            return False


def run_in_worker(parent: QObject, fn: Callable[..., Any], on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> _Signals:
    """Run ``fn()`` (or ``fn(progress)`` when ``on_progress`` is given) on the thread pool."""
    signals = _Signals(parent)
    _live.add(signals)

    def finish(_=None):
        _live.discard(signals)

    if on_done:
        signals.done.connect(on_done)
    signals.done.connect(finish)
    signals.failed.connect(on_error or _default_error)
    signals.failed.connect(finish)
    if on_progress:
        signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(_Task(fn, signals, on_progress is not None))
    return signals


def _default_error(exc: BaseException) -> None:
    from partnerdesk.gui.dialogs.messages import show_error

    show_error(None, exc)
