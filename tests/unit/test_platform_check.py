"""A desktop that cannot show the window gets one line naming what is missing (issue 17), never Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from partnerdesk.gui import platform_check
from partnerdesk.gui.platform_check import missing_library_message, platform_name, problem


def test_a_missing_library_is_named_with_its_package():
    msg = missing_library_message("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
    assert msg == ("cannot open the window: the system library libxcb-icccm.so.4 is missing "
                   "(Debian and Ubuntu: sudo apt install libxcb-icccm4)")
    assert "libfoo.so.9 is missing (install the package" in missing_library_message(
        "libfoo.so.9: cannot open shared object file")
    assert missing_library_message("something else went wrong") is None


@pytest.mark.parametrize("env, name", [
    ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "wayland"),
    ({"DISPLAY": ":0"}, "xcb"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
])
def test_the_platform_is_the_one_qt_will_pick(env, name):
    assert platform_name(env) == name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_the_xcb_plugin_that_cannot_load_is_reported(monkeypatch):
    def refuse(path):
        if "libqxcb" in path:
            raise OSError("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(platform_check.ctypes, "CDLL", refuse)
    assert "sudo apt install libxcb-icccm4" in problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"})
    assert "there is no display" in problem({"QT_QPA_PLATFORM": "xcb"})
    assert problem({"QT_QPA_PLATFORM": "offscreen"}) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_the_app_without_a_display_says_so_in_one_line_and_exits_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", PARTNERDESK_HOME=str(tmp_path / "home"))
    p = subprocess.run([sys.executable, "-m", "partnerdesk", "gui"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1
    assert p.stderr.splitlines() == ["partnerdesk: cannot open the window: there is no display (DISPLAY is not "
                                     "set); start it from a desktop session"]
