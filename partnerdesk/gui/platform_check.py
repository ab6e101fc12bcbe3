"""Before the window opens: name a missing system library or display in one line, instead of Qt aborting.

Qt ends the process with SIGABRT (exit 134) when its platform plugin cannot load, and says why only on a
terminal, in words a user cannot act on. This check loads the plugin Qt is about to use first (plain
``dlopen`` through ctypes, milliseconds), and turns a failure into "libxcb-icccm.so.4 is missing (Debian and
Ubuntu: sudo apt install libxcb-icccm4)". It imports no Qt widget module itself.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

# shared library → the Debian/Ubuntu package that provides it (the ones Qt's xcb and wayland plugins need)
PACKAGES = {
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0", "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libX11.so.6": "libx11-6", "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1", "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-xinerama.so.0":
    "libxcb-xinerama0", "libxcb-xinput.so.0": "libxcb-xinput0", "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0", "libwayland-egl.so.1": "libwayland-egl1",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so[\d.]*): cannot open shared object file")


def missing_library_message(error: str) -> str | None:
    """The one line for a loader error naming a missing shared library, or None if it names none."""
    m = _MISSING.search(error)
    if not m:
        return None
    lib = m.group(1)
    package = PACKAGES.get(lib)
    fix = f" (Debian and Ubuntu: sudo apt install {package})" if package else " (install the package that provides it)"
    return f"cannot open the window: the system library {lib} is missing{fix}"


def platform_name(env: dict[str, str] | None = None) -> str:
    """The Qt platform plugin that will be used: QT_QPA_PLATFORM's first choice, else what the session offers."""
    env = os.environ if env is None else env
    chosen = (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return "wayland"
    return "xcb"


def problem(env: dict[str, str] | None = None) -> str | None:
    """Why the window cannot open on this machine (one line), or None when nothing stands in the way."""
    env = os.environ if env is None else env
    try:
        import PySide6.QtGui  # noqa: F401  (loads libGL, libEGL, fontconfig …)
    except ImportError as exc:
        return missing_library_message(str(exc)) or f"cannot open the window: Qt does not load ({exc})"
    if not sys.platform.startswith("linux"):
        return None
    name = platform_name(env)
    if name == "xcb" and not env.get("DISPLAY"):
        return "cannot open the window: there is no display (DISPLAY is not set); start it from a desktop session"
    if name == "wayland" and not env.get("WAYLAND_DISPLAY"):
        return "cannot open the window: there is no Wayland display (WAYLAND_DISPLAY is not set)"
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / f"libq{name}.so"
    if not plugin.is_file():
        return None  # a platform we do not know (offscreen, vnc, …) or another Qt layout: let Qt say
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return missing_library_message(str(exc)) or f"cannot open the window: Qt's {name} plugin does not load ({exc})"
    return None
