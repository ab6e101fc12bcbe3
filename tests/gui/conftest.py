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
    DialogService.answer = None
