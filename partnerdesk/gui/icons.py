"""Icons: the SVG files of resources/icons, drawn at the device's pixel size (crisp at any scale factor) in a
colour that follows the palette — the line colour on a light scheme, a light tint on a dark one, the
highlighted-text colour on a selected item and the disabled-text colour when disabled.

``icon("hours")`` is what every widget uses; nothing in the GUI loads a raster icon or scales a pixmap up.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QFile, QIODevice, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

LINE = "#2b5797"  # the stroke colour the monochrome icons are drawn with (resources/icons/*.svg)
DARK_LINE = "#9cc2ff"  # the same line on a dark palette
FULL_COLOUR = {"app"}  # icons drawn in their own colours, never tinted


@lru_cache(maxsize=None)
def svg_bytes(name: str) -> bytes:
    f = QFile(f":/icons/{name}.svg")
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f":/icons/{name}.svg")
    try:
        return bytes(f.readAll().data())
    finally:
        f.close()


def line_colour(mode: QIcon.Mode, pal: QPalette | None = None) -> QColor:
    pal = pal or QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    if mode == QIcon.Mode.Selected:
        return pal.color(QPalette.ColorRole.HighlightedText)
    dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(DARK_LINE if dark else LINE)


class SvgIconEngine(QIconEngine):
    """Renders one SVG at exactly the requested device pixels, recoloured for the mode and the palette."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        data = svg_bytes(self.name)
        if self.name not in FULL_COLOUR:
            data = data.replace(LINE.encode(), line_colour(mode).name().encode())
        return QSvgRenderer(QByteArray(data))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._renderer(mode).render(painter, QRectF(rect))

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        """``size`` in device-independent pixels; the pixmap has size × scale device pixels (high-DPI)."""
        scale = max(scale, 1.0)
        pm = QPixmap(QSize(round(size.width() * scale), round(size.height() * scale)))
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(mode).render(p, QRectF(0, 0, pm.width(), pm.height()))
        p.end()
        pm.setDevicePixelRatio(scale)
        return pm

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> "SvgIconEngine":
        return SvgIconEngine(self.name)

    def key(self) -> str:
        return "partnerdesk-svg"

    def isNull(self) -> bool:
        return False


def icon(name: str | None) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon for None)."""
    if not name:
        return QIcon()
    svg_bytes(name)  # fail early on a missing icon
    return QIcon(SvgIconEngine(name))
