import pytest


@pytest.fixture
def window(qtbot, demo_ctx, tmp_path):
    from partnerdesk.gui.dialogs.messages import DialogService
    from partnerdesk.gui.main import make_app, window_settings
    from partnerdesk.gui.main_window import MainWindow

    make_app()
    shown = []
    DialogService.answer = lambda kind, title, text: shown.append((kind, title, text)) or True
    w = MainWindow(demo_ctx, window_settings(tmp_path))
    w.shown_messages = shown
    qtbot.addWidget(w)
    w.show()
    yield w
    # no automatic sync (the "soon after a change" timer) may start once the test is over, and a worker it
    # started may still answer: stop the timers, close the window, let the workers finish and their answers
    # arrive while messages are still captured, not in some later test
    from PySide6.QtCore import QCoreApplication, QThreadPool, QTimer

    for timer in w.findChildren(QTimer):
        timer.stop()
    w.close()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(60000)
        QCoreApplication.processEvents()
    DialogService.answer = None
