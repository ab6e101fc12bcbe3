"""The bundled fonts, registered once for ReportLab, and the text helpers that let any text print.

DejaVu Sans (``resources/fonts/``) covers Latin, Greek, Cyrillic, Hebrew, Arabic and many symbols: every name
in the data renders (ø, ë, ễ …). What it lacks comes from two fallback fonts, registered the first time a
text needs them: Droid Sans Fallback for Chinese, Japanese and Korean, and a subset of Symbola for emoji
(``resources/fonts/FALLBACK-FONTS.txt`` says where they come from and under which licence). Every font is
embedded (subset) in the PDFs we write.

Right-to-left text (Hebrew, Arabic) is put in display order with python-bidi, Arabic letters first joined
into their contextual forms with arabic-reshaper; ReportLab's own right-to-left support needs a library
that is not on PyPI. Ordering is per line: the statement's detail table and its long reasons
(:func:`wrap_lines`, :func:`wrapped_markup`) wrap the logical text first and order each line; other
Paragraph pieces are ordered as a whole, which is right for names, codes and one-line notes.

* :func:`markup` — text as Paragraph markup: escaped, in display order, each run in a font that has it.
* :func:`runs`, :func:`text_width`, :func:`draw_text` — the same for text drawn straight on a canvas.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from partnerdesk.paths import resource

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
# (font name, file): tried in this order for a character DejaVu Sans does not have
FALLBACKS = (("DroidSansFallback", "DroidSansFallbackFull.ttf"), ("SymbolaEmoji", "SymbolaEmoji.ttf"))
_RTL = {"R", "AL"}


def register_fonts() -> tuple[str, str]:
    """Register DejaVuSans and DejaVuSans-Bold (idempotent); returns (regular, bold) font names."""
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT not in registered:
        pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
    if FONT_BOLD not in registered:
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


@lru_cache(maxsize=None)
def _coverage(name: str) -> frozenset[int]:
    """The code points font ``name`` has a glyph for; a fallback font is registered on first use (as its own
    family, so ``<b>`` around it still resolves)."""
    if name in (FONT, FONT_BOLD):
        register_fonts()
    elif name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(resource("fonts", dict(FALLBACKS)[name]))))
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


@lru_cache(maxsize=4096)
def _font_of(cp: int, base: str) -> str | None:
    """The font to draw code point ``cp`` in: ``base`` when it has it, else the first fallback that does;
    None for an invisible format character nobody has (a variation selector, a zero-width joiner)."""
    if cp in _coverage(base):
        return base
    for name, _file in FALLBACKS:
        if cp in _coverage(name):
            return name
    ch = chr(cp)
    if unicodedata.category(ch) in ("Cf", "Mn") or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return None
    return base  # no font has it: the base font's empty box, as before


def plain(text: str, base: str) -> bool:
    """True when ``text`` needs neither a fallback font nor reordering (nearly every text: the fast path)."""
    if text.isascii():
        return True
    cover = _coverage(base)
    return all(ord(c) in cover and unicodedata.bidirectional(c) not in _RTL for c in text)


def has_rtl(text: str) -> bool:
    return not text.isascii() and any(unicodedata.bidirectional(c) in _RTL for c in text)


def base_direction(text: str) -> str:
    """"R" when ``text``'s first strong character is right-to-left, else "L" (Unicode's paragraph rule)."""
    for c in text:
        d = unicodedata.bidirectional(c)
        if d in _RTL:
            return "R"
        if d == "L":
            return "L"
    return "L"


def shape(text: str) -> str:
    """Arabic letters joined into their contextual (presentation) forms; anything else unchanged. Logical
    order is kept, so a caller can still wrap the result."""
    if not any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in text):
        return text
    import arabic_reshaper  # only texts with Arabic pay for the import
    return arabic_reshaper.reshape(text)


def visual(line: str, base_dir: str | None = None) -> str:
    """One line of text in display (left-to-right drawing) order: right-to-left runs reversed, Arabic shaped,
    mirrored brackets; the line's base direction is its first strong character's, or ``base_dir`` ("L"/"R")."""
    if not has_rtl(line):
        return line
    from bidi import get_display
    return get_display(shape(line), base_dir=base_dir)


def visual_lines(text: str, base_dir: str | None = None) -> str:
    """``text`` with each of its own lines in display order."""
    if not has_rtl(text):
        return text
    return "\n".join(visual(ln, base_dir) for ln in text.split("\n"))


def runs(text: str, base: str = FONT) -> list[tuple[str, str]]:
    """``text`` (already in display order) as (font, piece) runs: ``base`` where it has the glyphs, a fallback
    font for the rest; invisible characters no font has are dropped."""
    if plain(text, base):
        return [(base, text)] if text else []
    out: list[tuple[str, str]] = []
    for ch in text:
        font = _font_of(ord(ch), base)
        if font is None:
            continue
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return out


def markup(text: object, base: str = FONT) -> str:
    """Text made safe for a Paragraph (ReportLab's mini-markup): escaped, each line in display order, and every
    run DejaVu Sans lacks (CJK, emoji) wrapped in ``<font face=…>`` of a font that has it. A piece is ordered
    as a left-to-right line (names and notes sit in the statement's English sentences and labels)."""
    s = "" if text is None else str(text)
    if plain(s, base):
        return escape(s)
    return _runs_markup(visual_lines(s, "L"), base)


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` as lines no wider than ``width`` (at its own line breaks, at spaces, inside a word wider than
    a line, such as a run of CJK), each in display order: each paragraph is shaped (Arabic) and wrapped in
    logical order, then each line is ordered with the paragraph's direction (right-to-left text wraps from
    the top line down, as it is read)."""
    out: list[str] = []
    for para in text.replace("\t", " ").splitlines():
        base_dir = base_direction(para)
        para = shape(para)
        lines: list[str] = []
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if text_width(trial, font, size) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            if text_width(word, font, size) <= width:
                line = word
            else:
                *whole, line = break_word(word, font, size, width)
                lines.extend(whole)
        if line.strip():
            lines.append(line)
        out.extend(visual(ln, base_dir) for ln in lines)
    return out


def break_word(text: str, font: str, size: float, width: float) -> list[str]:
    """A line with no space to break at, cut between characters (at least one character a line)."""
    out, start, used = [], 0, 0.0
    for i, ch in enumerate(text):
        w = text_width(ch, font, size)
        if used + w > width and i > start:
            out.append(text[start:i])
            start, used = i, 0.0
        used += w
    out.append(text[start:])
    return out


def wrapped_markup(text: str, font: str, size: float, width: float) -> str:
    """Paragraph markup for a long free text (a reason, a note) that may be right-to-left: such a text is
    wrapped here, to ``width``, so that each line is ordered on its own (``markup`` orders a piece as one
    line); any other text is ``markup(text)`` and wraps in the Paragraph as usual."""
    if not has_rtl(text):
        return markup(text, font)
    return "<br/>".join(_runs_markup(ln, font) for ln in wrap_lines(text, font, size, width))


def _runs_markup(text: str, base: str) -> str:
    return "".join(escape(piece) if f == base else f'<font face="{f}">{escape(piece)}</font>'
                   for f, piece in runs(text, base))


def text_width(text: str, font: str, size: float) -> float:
    """The drawn width of ``text`` in ``font`` with its fallback runs (what :func:`draw_text` draws)."""
    if plain(text, font):
        return stringWidth(text, font, size)
    return sum(stringWidth(piece, f, size) for f, piece in runs(text, font))


def draw_text(canv, x: float, y: float, text: str, font: str, size: float, align: str = "left") -> None:
    """``canv.drawString`` for any text: display order (a left-to-right line), fallback fonts; ``align`` left,
    right or centre."""
    text = visual(text, "L")
    if align != "left":
        w = text_width(text, font, size)
        x -= w if align == "right" else w / 2
    if plain(text, font):
        canv.setFont(font, size)
        canv.drawString(x, y, text)
        return
    for f, piece in runs(text, font):
        canv.setFont(f, size)
        canv.drawString(x, y, piece)
        x += stringWidth(piece, f, size)
    canv.setFont(font, size)
