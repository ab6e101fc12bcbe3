"""Statement of account for one partner: every statement, credit note and payment, the running balance and
aging (0–30, 31–60, 61–90, over 90 days since the statement date)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle

from partnerdesk import __version__
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.periods import long_date
from partnerdesk.domain.statements import AccountStatement
from partnerdesk.reports.fonts import draw_text
from partnerdesk.reports.statement import MARGIN_X, WIDTH, NameMark, _grid_style
from partnerdesk.reports.styles import (StyledTable, ACCENT, ACCENT_LIGHT, FONT, FONT_BOLD, MUTED, RULE, esc,
                                        numbered_canvas, styles)

KINDS = {"statement": "Statement", "credit_note": "Credit note", "payment": "Payment", "void": "Void"}


def render_account(a: AccountStatement) -> bytes:
    st = styles()
    iss, par = a.issuer, a.partner
    buf = io.BytesIO()

    def footer(canv, page, total):
        canv.saveState()
        canv.setFont(FONT, 7)
        canv.setFillColor(MUTED)
        draw_text(canv, MARGIN_X, 0.4 * inch, f"{iss.name} · Statement of account · {par.name} · as of "
                                              f"{long_date(a.as_of)}", FONT, 7)
        canv.setFont(FONT_BOLD, 7)
        canv.drawRightString(LETTER[0] - MARGIN_X, 0.4 * inch, f"Page {page} of {total}")
        canv.restoreState()

    ids = " · ".join(x for x in (f"UBI {iss.ubi}" if iss.ubi else "", f"EIN {iss.ein}" if iss.ein else "") if x)
    addr = "<br/>".join(esc(x) for x in (iss.remit_to or "").splitlines()[1:])
    head = StyledTable([[NameMark(iss.code), [Paragraph(esc(iss.name), st["issuer"]), Paragraph(addr, st["small"]),
                                        Paragraph(esc(ids), st["muted"])],
                   [Paragraph("STATEMENT OF ACCOUNT", st["title"]),
                    Paragraph(f"as of {long_date(a.as_of)}", st["right"])]]],
                 colWidths=[0.9 * inch, WIDTH - 3.4 * inch, 2.5 * inch])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    bill = "<br/>".join(esc(x) for x in (par.bill_to or par.name).splitlines())
    story = [head, Spacer(1, 10), Paragraph("ACCOUNT", st["label"]), Paragraph(f"{bill}<br/>Customer code: "
                                                                               f"<b>{esc(par.code)}</b>", st["base"]),
             Spacer(1, 10), Paragraph("Activity", st["h2"])]
    rows = [["DATE", "TYPE", "NUMBER", "DESCRIPTION", "CHARGES", "CREDITS", "BALANCE"]]
    for ln in a.lines:
        rows.append([ln.date.strftime("%m/%d/%Y"), KINDS.get(ln.kind, ln.kind), ln.number,
                     Paragraph(esc(ln.description), st["cell"]),
                     format_cents(ln.charge_cents) if ln.charge_cents else "",
                     format_cents(ln.credit_cents) if ln.credit_cents else "", format_cents(ln.balance_cents)])
    if len(rows) == 1:
        rows.append(["", "", "", Paragraph("No statements issued yet.", st["cell"]), "", "", format_cents(0)])
    widths = [0.75, 0.8, 1.05, 2.35, 0.85, 0.85, 0.85]
    scale = WIDTH / (sum(widths) * inch)
    t = StyledTable(rows, colWidths=[w * inch * scale for w in widths], repeatRows=1)
    ts = _grid_style(len(rows))
    ts.add("FONT", (0, 0), (-1, 0), FONT_BOLD, 6.8)
    ts.add("TEXTCOLOR", (0, 0), (-1, 0), MUTED)
    ts.add("FONT", (0, 1), (-1, -1), FONT, 7.5)
    ts.add("ALIGN", (4, 0), (-1, -1), "RIGHT")
    t.setStyle(ts)
    story += [t, Spacer(1, 12), Paragraph("Aging of the open balance (days since statement date)", st["h2"])]
    g = a.aging
    aging = StyledTable([["0–30 days", "31–60 days", "61–90 days", "Over 90 days", "Balance due"],
                   [format_cents(g.current), format_cents(g.d31_60), format_cents(g.d61_90), format_cents(g.over_90),
                    format_cents(a.balance_cents)]], colWidths=[WIDTH / 5] * 5)
    aging.setStyle(TableStyle([("FONT", (0, 0), (-1, 0), FONT_BOLD, 7), ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                               ("FONT", (0, 1), (-1, 1), FONT, 9), ("FONT", (-1, 1), (-1, 1), FONT_BOLD, 9),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                               ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
                               ("BACKGROUND", (-1, 0), (-1, -1), ACCENT_LIGHT),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT)]))
    story += [aging, Spacer(1, 10), Paragraph(
        f"Please remit to {esc(iss.name)}, quoting the statement numbers. Questions about this account: "
        f"{esc(iss.phone or '')} {esc(iss.website or '')}", st["muted"])]
    doc = SimpleDocTemplate(buf, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=0.6 * inch,
                            bottomMargin=0.75 * inch, invariant=1, title=f"Statement of account {par.code} "
                            f"{a.as_of.isoformat()}", author=iss.name,
                            subject=f"{iss.name}: account of {par.name} as of {a.as_of.isoformat()}",
                            creator=f"partnerdesk {__version__}", lang="en-US")
    doc.build(story, canvasmaker=numbered_canvas(footer, a.as_of, demo=a.demo))
    return buf.getvalue()
