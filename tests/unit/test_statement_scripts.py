"""Issue 15: any text prints on a statement. CJK and emoji in fonts that have them (no empty boxes), Hebrew
and Arabic in right-to-left order with Arabic letters joined; and, over random descriptions, staff names
and agency names, every statement issues and passes ``qpdf --check``."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from fuzzing import fuzz_settings, reset_db
from tests.conftest import TODAY

HEBREW_NAME = "דנה כהן"  # "Dana Cohen": דנה is the first word, so it is drawn right of כהן
ARABIC = "مرحبا بالعالم"
CJK = "東京都庁"


def _fonts(pdf: bytes) -> set[str]:
    """The base names of every font the pages use (subset prefixes dropped)."""
    out = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for f in page["/Resources"]["/Font"].values():
            out.add(str(f.get_object()["/BaseFont"]).split("+")[-1].lstrip("/"))
    return out


def _rename(ctx, **names: str) -> None:
    """Agencies renamed in the database (their names as any path may have written them)."""
    from sqlalchemy import select

    from partnerdesk.db.models import Agency

    with ctx.db.write() as s:
        for a in s.scalars(select(Agency).where(Agency.code.in_(list(names)))):
            a.name = names[a.code]


def _words(pdf_path, page: int) -> list[tuple[float, float, str]]:
    """(x, y, text) of every word poppler finds on ``page``, as drawn."""
    html = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), "-bbox", str(pdf_path), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8", "replace")  # (its <title> may not be)
    return [(float(m.group(1)), float(m.group(2)), m.group(3))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_cjk_emoji_and_right_to_left_text_print_in_order_with_real_glyphs(demo_ctx, tmp_path):
    from partnerdesk.reports.fonts import FONT, runs

    _rename(demo_ctx, EDM=f"{CJK} City of Edmonds 🚒")
    hours = demo_ctx.services.hours
    hours.log(partner="EDM", direction="given", work_date=date(2026, 5, 4), hours="2", category="NET",
              staff=HEBREW_NAME, description=f"{ARABIC} {CJK} 🚒🔥 Ωμέγα", today=TODAY)
    out = demo_ctx.services.statements.issue("2026Q2", partner="EDM", today=TODAY, out_dir=tmp_path)[0]
    path = tmp_path / f"{out.statement.number}.pdf"
    pdf = path.read_bytes()
    # every character is drawn in a font that has a glyph for it: DejaVu, Droid Sans Fallback (CJK), Symbola
    for text in (HEBREW_NAME, ARABIC, CJK, "🚒🔥"):
        for font, piece in runs(text, FONT):
            assert all(ord(c) in pdfmetrics.getFont(font).face.charToGlyph for c in piece), (font, piece)
    assert {"DejaVuSans", "DroidSansFallback", "Symbola"} <= _fonts(pdf)  # PostScript names
    words = [w for page in (1, 2, 3) for w in _words(path, page)]
    flat = " ".join(w for _x, _y, w in words)
    assert CJK in flat
    # Hebrew in display order: the first word of the name sits to the right of the second, on the same line
    first = [(x, y) for x, y, w in words if w == "דנה"[::-1]]
    second = [(x, y) for x, y, w in words if w == "כהן"[::-1]]
    assert first and second and first[0][1] == second[0][1] and first[0][0] > second[0][0], (first, second)
    # Arabic joined: its letters are drawn in their contextual (presentation) forms, not as isolated letters
    drawn = [w for _x, _y, w in words if any(0xFE70 <= ord(c) <= 0xFEFF for c in w)]
    assert drawn, "Arabic letters were not shaped"
    assert all(unicodedata.normalize("NFKC", w)[::-1] in ARABIC for w in drawn), drawn


# -- property: any text issues and passes qpdf --check ------------------------------------------------------
_ANY = st.characters(blacklist_categories=("Cs", "Cc"))  # what the services accept: no control characters
_MARKUP = st.sampled_from(["<", ">", "&", "&amp;", "<b>", "</font>", "<br/>", "<para>", "\n", "  ", "🚒", "東京",
                           "עברית", "مرحبا", "\u200f", "\u202e", "\ufe0f", "\u200d"])
_TEXT = st.lists(st.one_of(st.text(_ANY, min_size=1, max_size=40), _MARKUP), min_size=1, max_size=30).map("".join)
_LONG = st.tuples(_TEXT, st.integers(1, 40)).map(lambda t: "\n".join([t[0]] * t[1])[:2000])


def _name(text: str, limit: int) -> str:
    text = " ".join(text.split())[:limit].strip()
    return text or "A"


@pytest.mark.property
@pytest.mark.skipif(not shutil.which("qpdf"), reason="needs qpdf")
def test_any_description_staff_and_agency_name_issues_a_valid_pdf(demo_ctx, tmp_path):
    from partnerdesk.services.backup import copy_database

    pristine = copy_database(demo_ctx.db.path, tmp_path / "pristine.sqlite3")
    services = demo_ctx.services

    @fuzz_settings(4)
    @given(issuer=_TEXT, partner=_TEXT, staff=_TEXT, description=st.one_of(_TEXT, _LONG))
    def check(issuer, partner, staff, description):
        reset_db(demo_ctx.db.path, pristine)
        _rename(demo_ctx, LYN=_name(issuer, 200), EDM=_name(partner, 200))
        services.hours.log(partner="EDM", direction="given", work_date=date(2026, 5, 4), hours="1.5",
                           category="NET", staff=_name(staff, 200), description=description.strip()[:2000] or None,
                           today=TODAY, allow_duplicate=True)
        out_dir = tmp_path / "out"
        out_dir.mkdir(exist_ok=True)
        result = services.statements.issue("2026Q2", partner="EDM", today=TODAY, out_dir=out_dir)[0]
        assert result.issued, result
        path = out_dir / f"{result.statement.number}.pdf"
        check_ = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check_.returncode == 0, check_.stdout + check_.stderr
        path.unlink()

    check()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_a_long_right_to_left_reason_wraps_in_reading_order(demo_ctx, tmp_path):
    """A credit-note reason in Hebrew, several lines long: its first word is on the top line, at the right end,
    its last word on the bottom line (a reason ordered as one line would read from the bottom up)."""
    st = demo_ctx.services.statements
    issued = st.issue("2026Q2", partner="EDM", today=TODAY)[0].statement
    reason = "ראשון " + "תיקון המדפסת בקומה השנייה והחלפת הכבל הראשי " * 6 + "אחרון"
    cn = st.credit_note(issued.number, reason, 1_000, today=TODAY)
    path = tmp_path / "cn.pdf"
    path.write_bytes(st.pdf(cn.number))
    words = _words(path, 1)
    first = next((x, y) for x, y, w in words if w == "ראשון"[::-1])
    last = next((x, y) for x, y, w in words if w == "אחרון"[::-1])
    assert first[1] < last[1], (first, last)  # pdftotext's y grows down the page: first above last
    same_line = [x for x, y, w in words if y == first[1]]
    assert len(same_line) > 3 and first[0] == max(same_line)  # the line starts at its right end
