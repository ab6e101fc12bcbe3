"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 lost a reference to True on every signal emit() and
to None on every processEvents(), and the app aborted ("Fatal Python error: bool_dealloc") after a few hundred
signals, e.g. half-way through an import that reports progress. pyproject.toml keeps us off that release;
this test fails (instead of the app crashing in a user's hands) if a release with that bug comes back."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication


class _Emitter(QObject):
    happened = Signal(object)


def test_emitting_signals_and_processing_events_keeps_the_interpreter_intact(qapp):
    emitter = _Emitter()
    got = []
    emitter.happened.connect(got.append)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(200):
        emitter.happened.emit(i)
        QApplication.processEvents()
    assert len(got) == 200
    # Other threads may hold a few references at any moment; the broken release lost 200 of each.
    assert sys.getrefcount(True) > true_before - 50
    assert sys.getrefcount(None) > none_before - 50
