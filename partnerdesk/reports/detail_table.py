"""The detail table of statements and listings: zebra rows, a header repeated on every page, right-aligned
money, wrapped text with an optional muted second part (a job title under a name). All text of a page
goes through one PDF text object, so hundreds of rows render several times faster than a general
platypus ``Table`` of Paragraphs.

Any text lays out: wrapped cells break at their own line breaks, at spaces and, for a word wider than the
column, inside the word; a row taller than the space left on a page (a long description can be taller
than a whole page) is cut between its lines and continues on the next page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from partnerdesk.reports import fonts
from partnerdesk.reports.styles import ACCENT, FONT, FONT_BOLD, INK, MUTED, ZEBRA

SIZE, LEADING = 7.5, 9.2
SUB_SIZE, SUB_LEADING = 6.5, 8.0
HEAD_SIZE = 6.8
PAD_X, PAD_Y = 3.0, 2.4
MIN_LINES = 3  # a row is cut only into parts of at least this many lines of text
CONTINUED = "(continued)"


# Statement detail rows repeat the same few strings (dates, names, rates, descriptions) hundreds of times;
# splitting a cell into lines is a pure function of (text, font, size, width), so it is memoised.
@lru_cache(maxsize=8192)
def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` as lines no wider than ``width``: broken at its own line breaks (blank lines dropped), at
    spaces, and inside any word that is wider than a whole line."""
    out: list[str] = []
    if not fonts.plain(text, font):  # CJK, emoji or right-to-left: measured with the fallback fonts
        return fonts.wrap_lines(text, font, size, width)
    for para in text.replace("\t", " ").splitlines():
        for line in simpleSplit(para, font, size, width):
            if stringWidth(line, font, size) <= width:
                out.append(line)
            else:
                out.extend(fonts.break_word(line, font, size, width))
    return out


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"  # left | right
    wrap: bool = False


@dataclass
class _Row:
    cells: list[tuple[list[str], list[str]]]  # per column: (main lines, muted sub lines)
    height: float
    bold: bool = False
    shaded: bool = False  # a zebra row; both parts of a row cut across pages keep its shade

    def cut(self, room: float) -> tuple["_Row", "_Row"] | None:
        """This row as a first part that fits in ``room`` and the rest (marked as continued), each with at
        least ``MIN_LINES`` lines of text; None when the row is too short to cut or too little of it fits."""
        text_h = self.height - 2 * PAD_Y
        if self.bold or text_h < 2 * MIN_LINES * LEADING:
            return None
        avail = min(room - 2 * PAD_Y, text_h - MIN_LINES * LEADING)
        if avail < MIN_LINES * LEADING:
            return None
        top, rest = [], []
        top_h = rest_h = 0.0
        for main, sub in self.cells:
            k = min(len(main), int(avail // LEADING))
            j = min(len(sub), int(max(avail - len(main) * LEADING, 0) // SUB_LEADING)) if k == len(main) else 0
            top.append((main[:k], sub[:j]))
            rest.append((main[k:], sub[j:]))
            top_h = max(top_h, k * LEADING + j * SUB_LEADING)
            rest_h = max(rest_h, (len(main) - k) * LEADING + (len(sub) - j) * SUB_LEADING)
        if not rest[0][0] and not rest[0][1]:  # "(continued)" where the first column's value was
            rest[0] = ([], [CONTINUED])
            rest_h = max(rest_h, SUB_LEADING)
        return (_Row(top, top_h + 2 * PAD_Y, self.bold, self.shaded),
                _Row(rest, rest_h + 2 * PAD_Y, self.bold, self.shaded))


class DetailTable(Flowable):
    """``rows`` are sequences of cell values; a cell is a string or a ``(text, sub_text)`` pair. The last row
    is drawn as a total (bold, rule above) when ``total_row`` is true."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence], total_row: bool = False,
                 color=INK, _prepared: list[_Row] | None = None, _has_total: bool | None = None):
        super().__init__()
        self.columns = list(columns)
        self.color = color
        self.width = sum(c.width for c in self.columns)
        self.head_height = HEAD_SIZE * 1.25 + 2 * PAD_Y
        if _prepared is not None:
            self.rows, self.has_total = _prepared, bool(_has_total)
        else:
            self.rows = [self._prepare(r, bold=total_row and i == len(rows) - 1) for i, r in enumerate(rows)]
            self.has_total = total_row
            for i, r in enumerate(self.rows):
                r.shaded = i % 2 == 1 and not (total_row and i == len(self.rows) - 1)
        self.height = self.head_height + sum(r.height for r in self.rows)

    def _prepare(self, values: Sequence, bold: bool) -> _Row:
        cells = []
        lines_max = LEADING
        for col, value in zip(self.columns, values):
            main, sub = (value if isinstance(value, tuple) else (value, None))
            main = "" if main is None else str(main)
            avail = col.width - 2 * PAD_X
            m = _split(main, FONT_BOLD if bold else FONT, SIZE, avail) if col.wrap else [main]
            s = _split(sub, FONT, SUB_SIZE, avail) if (col.wrap and sub) else ([sub] if sub else [])
            cells.append((m or [""], s))
            lines_max = max(lines_max, len(m or [""]) * LEADING + len(s) * SUB_LEADING)
        return _Row(cells, lines_max + 2 * PAD_Y, bold)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def split(self, avail_width, avail_height):
        room = avail_height - self.head_height
        n, used = 0, 0.0
        for r in self.rows:
            if used + r.height > room:
                break
            used += r.height
            n += 1
        if n == len(self.rows):
            return [self]
        head, tail = self.rows[:n], self.rows[n:]
        parts = tail[0].cut(room - used)
        if parts is not None:  # a tall row fills this page and goes on on the next
            head, tail = head + [parts[0]], [parts[1], *tail[1:]]
        elif n == 0:
            return []
        elif self.has_total and len(tail) == 1 and n > 1:
            head, tail = head[:-1], [head[-1], *tail]  # never leave the total alone on a page
        first = DetailTable(self.columns, [], color=self.color, _prepared=head, _has_total=False)
        rest = DetailTable(self.columns, [], color=self.color, _prepared=tail, _has_total=self.has_total)
        return [first, rest]

    def draw(self):
        c = self.canv
        xs = [0.0]
        for col in self.columns:
            xs.append(xs[-1] + col.width)
        # zebra backgrounds and rules
        y = self.height - self.head_height
        c.setFillColor(ZEBRA)
        for r in self.rows:
            y -= r.height
            if r.shaded:
                c.rect(0, y, self.width, r.height, stroke=0, fill=1)
        c.setStrokeColor(ACCENT)
        c.setLineWidth(0.8)
        c.line(0, self.height - self.head_height, self.width, self.height - self.head_height)
        if self.has_total:
            c.setStrokeColor(INK)
            c.line(0, self.rows[-1].height, self.width, self.rows[-1].height)
        # all text through one text object
        t = c.beginText()
        t.setFont(FONT_BOLD, HEAD_SIZE)
        t.setFillColor(MUTED)
        base = self.height - PAD_Y - HEAD_SIZE
        for col, x in zip(self.columns, xs):
            self._text(t, col.title.upper(), FONT_BOLD, HEAD_SIZE, x, base, col)
        # the rows' main text in the row colour, then every muted sub line (job titles) in one go: two
        # colour changes per page instead of two per row
        t.setFillColor(self.color)
        subs: list[tuple[str, float, float, Column]] = []
        y = self.height - self.head_height
        current_font = None
        for r in self.rows:
            font = FONT_BOLD if r.bold else FONT
            if font != current_font:
                t.setFont(font, SIZE)
                current_font = font
            top = y - PAD_Y - SIZE
            for col, x, (main, sub) in zip(self.columns, xs, r.cells):
                yy = top
                for line in main:
                    if line:
                        self._text(t, line, font, SIZE, x, yy, col)
                    yy -= LEADING
                if sub:
                    yy += LEADING - SUB_LEADING - (SIZE - SUB_SIZE) * 0.2
                    for line in sub:
                        subs.append((line, x, yy, col))
                        yy -= SUB_LEADING
            y -= r.height
        if subs:
            t.setFont(FONT, SUB_SIZE)
            t.setFillColor(MUTED)
            for line, x, yy, col in subs:
                self._text(t, line, FONT, SUB_SIZE, x, yy, col)
        c.drawText(t)

    def _text(self, t, text: str, font: str, size: float, x: float, y: float, col: Column) -> None:
        """``t.textOut(text)`` at (x, y), aligned in ``col``, memoised per document: the PDF operators a
        string becomes depend only on the text object's font state and on the document's font subset
        (which only ever grows), so a repeated string reuses the operators made the first time and the
        bytes written are exactly those ``textOut`` would write."""
        if not fonts.plain(text, font):  # runs in fallback fonts, in display order; not memoised (rare)
            if not col.wrap:  # a wrapped cell's lines are in display order already (_split)
                text = fonts.visual(text, "L")
            pieces = fonts.runs(text, font)
            width = sum(stringWidth(p, f, size) for f, p in pieces)
            x = x + col.width - PAD_X - width if col.align == "right" else x + PAD_X
            t.setTextOrigin(x, y)
            for f, p in pieces:
                t.setFont(f, size)
                t.textOut(p)
            t.setFont(font, size)
            return
        cache = self._cache(t)
        key = (t._fontname, t._fontsize, t._leading, t._curSubset, text)
        hit = cache.get(key)
        if hit is None:
            code = t._formatText(text)  # advances t._curSubset when it switches subset
            hit = cache[key] = (code, t._curSubset, stringWidth(text, t._fontname, t._fontsize))
        code, subset, width = hit
        if col.align == "right":
            x = x + col.width - PAD_X - width
        else:
            x = x + PAD_X
        # t.setTextOrigin(x, y) followed by textOut, for a bottom-up canvas (every canvas we draw on)
        t._code.append(f"1 0 0 1 {fp_str(x, y)} Tm")
        t._code.append(code)
        t._x0, t._y0, t._y = x, y, y
        t._curSubset = subset
        t._x = x + width

    def _cache(self, t) -> dict:
        doc = t._canvas._doc
        cache = getattr(doc, "_partnerdesk_text_cache", None)
        if cache is None:
            cache = {}
            doc._partnerdesk_text_cache = cache
        return cache


__all__ = ["Column", "DetailTable", "colors"]
