"""Render resources/icons/app.svg to the raster app icons the installer needs (run when app.svg changes):
resources/icons/partnerdesk.png (256 px) and resources/icons/partnerdesk.ico (16–256 px, for Windows).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(dev, "PNG")
    dev.close()
    return bytes(buf.data())


def write_ico(path: Path, images: list[QImage]) -> None:
    """A multi-size ICO via Pillow (a ReportLab dependency), each size rendered from the SVG, not scaled."""
    import io

    from PIL import Image

    pils = [Image.open(io.BytesIO(png_bytes(i))) for i in images]
    largest = pils[-1]
    largest.save(path, format="ICO", sizes=[p.size for p in pils], append_images=pils[:-1])


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs it
    svg = ICONS / "app.svg"
    render(svg, 256).save(str(ICONS / "partnerdesk.png"), "PNG")
    write_ico(ICONS / "partnerdesk.ico", [render(svg, s) for s in ICO_SIZES])
    print(f"wrote {ICONS / 'partnerdesk.png'} and {ICONS / 'partnerdesk.ico'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
