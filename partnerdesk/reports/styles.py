"""Shared look for partnerdesk's ReportLab documents: the bundled DejaVu fonts (every name in the sample
data renders: ø, é, ë, í, ã …), colours, paragraph styles, table styles, the numbered canvas ("Page X of Y")
and deterministic output (fixed creation date, invariant ids) so a document's hash means something."""

from __future__ import annotations

import calendar
import time
from datetime import date
from typing import Callable

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Table, TableStyle

from partnerdesk.reports.fonts import FONT, FONT_BOLD, markup, register_fonts  # noqa: F401  (re-exported)

INK = colors.HexColor("#1b2430")
MUTED = colors.HexColor("#5b6675")
ACCENT = colors.HexColor("#1f4e79")
ACCENT_LIGHT = colors.HexColor("#e8eef5")
RULE = colors.HexColor("#c5ced8")
ZEBRA = colors.HexColor("#f5f7fa")
CREDIT = colors.HexColor("#7a2e0e")

def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11, textColor=INK, alignment=TA_LEFT)
    out = {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "muted": ParagraphStyle("muted", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, fontSize=6.8, leading=9,
                                textColor=MUTED),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle("right_bold", parent=base, fontName=FONT_BOLD, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.2),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=7.5, leading=9.2, alignment=TA_RIGHT),
        "cell_muted": ParagraphStyle("cell_muted", parent=base, fontSize=6.8, leading=8.4, textColor=MUTED),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18, textColor=ACCENT),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=12.5, leading=15,
                                textColor=ACCENT, alignment=TA_RIGHT),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, textColor=ACCENT,
                             spaceBefore=10, spaceAfter=4),
        "issuer": ParagraphStyle("issuer", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10.5, textColor=INK),
    }
    return out


def esc(text: object) -> str:
    """Text made safe for a Paragraph (ReportLab's mini-markup), in display order and in fonts that have its
    characters (CJK, emoji, right-to-left: ``fonts.markup``)."""
    return markup(text)


DEMO_MARK = "DEMO"


def draw_demo_mark(canv: rl_canvas.Canvas) -> None:
    """A light diagonal "DEMO" across the lower part of the page (a document made from the demo database): a
    translucent grey the figures show through, clear of a draft's "DRAFT" in the middle of the page."""
    w, h = canv._pagesize
    size = min(w, h) * 0.22
    canv.saveState()
    canv.setFont(FONT_BOLD, size)
    canv.setFillColor(colors.Color(0.35, 0.4, 0.47, alpha=0.10))
    canv.translate(w / 2, h * 0.27)
    canv.rotate(30)
    canv.drawCentredString(0, -size * 0.35, DEMO_MARK)
    canv.restoreState()


def numbered_canvas(footer: Callable[[rl_canvas.Canvas, int, int], None], created: date | None = None,
                    demo: bool = False):
    """A canvas class that knows the page count when drawing each page's footer ("Page X of Y") and stamps
    a fixed creation date, so the same input always gives the same bytes. ``demo``: every page also carries
    the DEMO mark."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            register_fonts()
            kwargs["initialFontName"] = FONT  # no unembedded Helvetica in the page resources
            kwargs["initialFontSize"] = 8
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []
            ts = getattr(self._doc, "_timeStamp", None)
            if ts is not None and created is not None:
                t = calendar.timegm(created.timetuple()) + 12 * 3600  # noon UTC on the document date
                ts.t, ts.lt = t, time.gmtime(t)
                ts.YMDhms = tuple(ts.lt)[:6]
                ts.dhh = ts.dmm = 0

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for n, state in enumerate(self._saved, 1):
                self.__dict__.update(state)
                footer(self, n, total)
                if demo:
                    draw_demo_mark(self)
                super().showPage()
            super().save()

    return NumberedCanvas


class StyledTable(Table):
    """A platypus Table whose cells default to the bundled font (the stock default is the unembedded
    Helvetica, which would then appear in the PDF)."""

    def __init__(self, *args, **kwargs):
        register_fonts()
        super().__init__(*args, **kwargs)
        self.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8)]))
