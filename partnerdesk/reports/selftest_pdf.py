"""Minimal ReportLab documents for ``partnerdesk selftest``: prove that ReportLab, its fonts and the data
path work inside a built app. The real statement and contact sheet live in ``statement.py`` and
``contact_sheet.py``; ``partnerdesk/cli/selftest.py`` prefers those when they are present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _table(rows: Sequence[Sequence[str]]) -> Table:
    t = Table([list(r) for r in rows], repeatRows=1)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 8),
                           ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                           ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")])]))
    return t


def render_table_pdf(path: Path, title: str, subtitle: str, headers: Sequence[str],
                     rows: Iterable[Sequence[str]]) -> Path:
    """One titled table, letter size, as a PDF at ``path``."""
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(str(path), pagesize=LETTER, title=title, author="partnerdesk",
                            leftMargin=0.6 * inch, rightMargin=0.6 * inch)
    doc.build([Paragraph(title, styles["Title"]), Paragraph(subtitle, styles["Normal"]), Spacer(1, 12),
               _table([list(headers)] + [list(r) for r in rows])])
    return Path(path)
