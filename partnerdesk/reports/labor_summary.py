"""The Force Account Labor Summary (FEMA Form 009-0-123 layout) and the Applicant's Benefit Calculation Worksheet
(Form 009-0-128 layout) of one incident: a landscape PDF and a CSV with the same figures (docs/incidents.md)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from partnerdesk import __version__
from partnerdesk.domain.incidents import FEMA_CATEGORIES, OVERTIME, LaborDocument, LaborRow
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.periods import long_date
from partnerdesk.reports.fonts import draw_text
from partnerdesk.reports.styles import (ACCENT, ACCENT_LIGHT, FONT, FONT_BOLD, MUTED, RULE, ZEBRA, StyledTable, esc,
                                        numbered_canvas, styles)

PAGE = landscape(LETTER)
MARGIN = 0.5 * inch
WIDTH = PAGE[0] - 2 * MARGIN - 12
TITLE = "Force Account Labor Summary Record"
FORM = "FEMA Form 009-0-123 layout"
WORKSHEET = "Applicant's Benefit Calculation Worksheet"
WORKSHEET_FORM = "FEMA Form 009-0-128 layout"
CERTIFICATION = ("I certify that the information above was obtained from payroll records, invoices, or other "
                 "documents that are available for audit.")


def hours(minutes: int) -> str:
    """Decimal hours to two places, as the form shows them ("7.50")."""
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01'))}"


def dollars(cents: int) -> str:
    """Plain dollars and cents for the CSV ("1234.56")."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def days_text(row: LaborRow, sep: str = "; ") -> str:
    return sep.join(f"{d.month:02d}/{d.day:02d} {hours(m)}" for d, m in row.days)


def _category(code: str | None) -> str:
    return f"{code} — {FEMA_CATEGORIES[code]}" if code in FEMA_CATEGORIES else "—"


def _status(doc: LaborDocument, row: LaborRow) -> str:
    perm = next((b.permanent for b in doc.benefits if b.name == row.name and b.effective_from == row.rate_from),
                True)
    return "Permanent" if perm else "Temporary"


def render_pdf(doc: LaborDocument) -> bytes:
    st = styles()
    inc, s = doc.incident, doc.summary
    buf = io.BytesIO()

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(text, st[style])

    def footer(canv, page, total):
        canv.saveState()
        canv.setFillColor(MUTED)
        draw_text(canv, MARGIN, 0.3 * inch, f"{doc.applicant} · {TITLE} · {inc.ref}"
                  + (f" · {inc.declaration}" if inc.declaration else ""), FONT, 7)
        canv.setFont(FONT_BOLD, 7)
        canv.drawRightString(PAGE[0] - MARGIN, 0.3 * inch, f"Page {page} of {total}")
        canv.restoreState()

    def heading(title: str, form: str) -> list:
        t = StyledTable([[p(esc(title).upper(), "h1"), p(f"{esc(form)}<br/>Prepared {long_date(doc.prepared_on)}",
                                                        "right")]], colWidths=[WIDTH * 0.7, WIDTH * 0.3])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
        return [t, Spacer(1, 6)]

    def facts() -> StyledTable:
        pairs = [("Applicant", doc.applicant), ("PA ID", inc.pa_id or "—"), ("Project no.", inc.project_number or "—"),
                 ("Disaster no.", inc.declaration or "—"), ("Incident", f"{inc.ref} — {inc.name}"),
                 ("Location / site", inc.site or "—"), ("Category", _category(inc.category)),
                 ("Period covered", f"{long_date(doc.period_start)} – {long_date(doc.period_end)}"),
                 ("Type of work", "Emergency work" if inc.work == "emergency" else "Permanent work")]
        cells = [[p(esc(k).upper(), "label"), p(esc(v), "base")] for k, v in pairs]
        rows = [cells[0] + cells[1] + cells[2], cells[3] + cells[4] + cells[5], cells[6] + cells[7] + cells[8]]
        w = WIDTH / 3
        t = StyledTable(rows, colWidths=[0.95 * inch, w - 0.95 * inch] * 3)
        t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
                               ("BACKGROUND", (0, 0), (0, -1), ACCENT_LIGHT), ("BACKGROUND", (2, 0), (2, -1), ACCENT_LIGHT),
                               ("BACKGROUND", (4, 0), (4, -1), ACCENT_LIGHT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return t

    story = heading(TITLE, FORM) + [facts(), Spacer(1, 4),
                                     p(f"<b>Description of work:</b> {esc(inc.description or '—')}", "note"),
                                     Spacer(1, 8)]
    head = ["Employee name / job title", "Status", "Time", "Dates and hours worked each day", "Total hours",
            "Hourly rate", "Benefit rate /hour", "Total hourly rate", "Total cost", "Claimable"]
    rows: list[list] = [[p(esc(h).upper(), "label") for h in head]]
    muted_rows = []
    for r in s.rows:
        who = f"<b>{esc(r.name)}</b>" + (f"<br/>{esc(r.title)}" if r.title else "")
        claim = "Yes" + (f" — {esc(r.note)}" if r.note else "") if r.claimable else \
            f"<font color='#b42318'>No — {esc(r.note or '')}</font>"
        rows.append([p(who), p(_status(doc, r)), p("Overtime" if r.kind == OVERTIME else "Regular"),
                     p(esc(days_text(r))), p(hours(r.minutes), "cell_right"),
                     p(format_cents(r.hourly_cents), "cell_right"),
                     p(f"{format_cents(r.benefit_cents)}<br/><font size='6'>{esc(r.fringe_percent)}%</font>",
                       "cell_right"),
                     p(format_cents(r.total_hourly_cents), "cell_right"), p(format_cents(r.cost_cents), "cell_right"),
                     p(claim)])
        if not r.claimable:
            muted_rows.append(len(rows) - 1)
    if len(rows) == 1:
        rows.append([p("No hours of our own staff are logged under this incident.")] + [""] * 9)
    widths = [1.45, 0.78, 0.72, 1.9, 0.55, 0.65, 0.7, 0.7, 0.8, 1.35]
    scale = WIDTH / (sum(widths) * inch)
    t = StyledTable(rows, colWidths=[w * inch * scale for w in widths], repeatRows=1)
    ts = TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
                     ("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                     ("VALIGN", (0, 0), (-1, -1), "TOP")])
    for i in muted_rows:
        ts.add("BACKGROUND", (0, i), (-1, i), ZEBRA)
    t.setStyle(ts)
    story.append(t)
    totals = [["Regular time (claimable)", hours(s.regular_minutes), format_cents(s.regular_cents)],
              ["Overtime (claimable)", hours(s.overtime_minutes), format_cents(s.overtime_cents)],
              ["TOTAL CLAIMABLE", hours(s.regular_minutes + s.overtime_minutes), format_cents(s.claimable_cents)]]
    if s.not_claimed_minutes:
        totals.append(["Listed, not claimed (usually not eligible)", hours(s.not_claimed_minutes),
                       format_cents(s.not_claimed_cents)])
    tot = StyledTable([[p("", "label"), p("HOURS", "label"), p("COST", "label")]]
                      + [[p(esc(a), "bold" if a.startswith("TOTAL") else "cell"), p(b, "cell_right"),
                          p(c, "right_bold" if a.startswith("TOTAL") else "cell_right")] for a, b, c in totals],
                      colWidths=[2.6 * inch, 0.8 * inch, 1.1 * inch])
    tot.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                             ("BACKGROUND", (0, 3), (-1, 3), ACCENT_LIGHT), ("LINEABOVE", (0, 3), (-1, 3), 1, ACCENT)]))
    notes = [p("Rates: hourly pay from the applicant's payroll records in force on each day; benefit rate per "
               "hour = pay × fringe % (Benefit Calculation Worksheet), rounded to the cent; total cost = hours × "
               "total hourly rate, rounded to the cent per line; totals are sums of lines.", "muted")]
    if inc.work == "emergency":
        notes.append(Spacer(1, 3))
        notes.append(p("Emergency work: regular time of permanent (budgeted) employees is usually not eligible; "
                       "it is listed but not totalled as claimable unless counted for a reason shown.", "muted"))
    for who, why in doc.overrides:
        notes.append(p(f"Regular time counted as claimable for {esc(who)}: {esc(why)}", "muted"))
    side = StyledTable([[tot, notes]], colWidths=[4.6 * inch, WIDTH - 4.6 * inch])
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    cert = StyledTable([[p(f"<b>Certification.</b> {esc(CERTIFICATION)}", "note"), "", ""],
                        [p(f"Name: <b>{esc(doc.certifier_name)}</b>"), p(f"Title: <b>{esc(doc.certifier_title or '')}"
                                                                       "</b>"),
                         p(f"Date: <b>{long_date(doc.prepared_on)}</b>")],
                        [p("Signature: ______________________________________"), "", ""]],
                       colWidths=[WIDTH * 0.4, WIDTH * 0.35, WIDTH * 0.25])
    cert.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                              ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    story += [Spacer(1, 8), KeepTogether([side, Spacer(1, 8), cert])]

    story += [PageBreak()] + heading(WORKSHEET, WORKSHEET_FORM)
    story.append(p(f"Applicant: <b>{esc(doc.applicant)}</b> · Incident: <b>{esc(inc.ref)}</b> — {esc(inc.name)}"
                   + (f" · Disaster no. <b>{esc(inc.declaration)}</b>" if inc.declaration else ""), "base"))
    story.append(Spacer(1, 6))
    wh = ["Employee / job title", "Status", "Rates in force from", "Regular hourly pay", "Fringe benefits, regular",
          "Benefit rate /hour, regular", "Overtime hourly pay", "Fringe benefits, overtime", "Benefit rate /hour, overtime"]
    wrows: list[list] = [[p(esc(h).upper(), "label") for h in wh]]
    for b in doc.benefits:
        wrows.append([p(f"<b>{esc(b.name)}</b>" + (f"<br/>{esc(b.title)}" if b.title else "")),
                      p("Permanent" if b.permanent else "Temporary"), p(long_date(b.effective_from)),
                      p(format_cents(b.regular_cents), "cell_right"), p(f"{esc(b.fringe_regular)}%", "cell_right"),
                      p(format_cents(b.regular_benefit_cents), "cell_right"),
                      p(format_cents(b.overtime_cents), "cell_right"), p(f"{esc(b.fringe_overtime)}%", "cell_right"),
                      p(format_cents(b.overtime_benefit_cents), "cell_right")])
    if len(wrows) == 1:
        wrows.append([p("No pay rates were needed: no hours are logged.")] + [""] * 8)
    ww = [1.9, 0.8, 1.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    scale = WIDTH / (sum(ww) * inch)
    wt = StyledTable(wrows, colWidths=[w * inch * scale for w in ww], repeatRows=1)
    wt.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
                            ("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [wt, Spacer(1, 6), p(
        "Fringe benefits are the applicant's payroll benefits (holiday, leave, retirement, FICA, health and other "
        "insurance, workers' compensation, unemployment) as one percentage of pay, from its payroll records; "
        "overtime usually carries fewer benefits (FICA, workers' compensation) and has its own percentage.", "muted")]
    pdf = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=0.45 * inch,
                            bottomMargin=0.55 * inch, invariant=1, title=f"{TITLE} {inc.ref}", author=doc.applicant,
                            subject=f"{inc.name}: force account labor", creator=f"partnerdesk {__version__}",
                            lang="en-US")
    pdf.build(story, canvasmaker=numbered_canvas(footer, doc.prepared_on, demo=doc.demo))
    return buf.getvalue()


def render_csv(doc: LaborDocument) -> str:
    """The same figures as the PDF: the form's header fields, one row per line, then the totals and the
    certification; then the benefit worksheet. Money in dollars to the cent ("1234.56"), hours to two places."""
    inc, s = doc.incident, doc.summary
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["form", f"{TITLE} ({FORM})"])
    for k, v in (("applicant", doc.applicant), ("pa_id", inc.pa_id or ""), ("project_number", inc.project_number or ""),
                 ("disaster_number", inc.declaration or ""), ("incident", inc.ref), ("incident_name", inc.name),
                 ("site", inc.site or ""), ("category", inc.category or ""), ("work", inc.work),
                 ("period_start", doc.period_start.isoformat()), ("period_end", doc.period_end.isoformat()),
                 ("description", inc.description or "")):
        w.writerow([k, v])
    w.writerow([])
    w.writerow(["employee", "job_title", "status", "time", "dates_and_hours", "total_hours", "hourly_rate",
                "benefit_percent", "benefit_rate_per_hour", "total_hourly_rate", "total_cost", "claimable", "note"])
    for r in s.rows:
        w.writerow([r.name, r.title or "", _status(doc, r), r.kind, days_text(r), hours(r.minutes),
                    dollars(r.hourly_cents), r.fringe_percent, dollars(r.benefit_cents),
                    dollars(r.total_hourly_cents), dollars(r.cost_cents), "yes" if r.claimable else "no", r.note or ""])
    w.writerow([])
    for k, m, c in (("total_regular_claimable", s.regular_minutes, s.regular_cents),
                    ("total_overtime_claimable", s.overtime_minutes, s.overtime_cents),
                    ("total_claimable", s.regular_minutes + s.overtime_minutes, s.claimable_cents),
                    ("listed_not_claimed", s.not_claimed_minutes, s.not_claimed_cents)):
        w.writerow([k, hours(m), dollars(c)])
    for who, why in doc.overrides:
        w.writerow(["regular_time_counted", who, why])
    w.writerow([])
    w.writerow(["certification", CERTIFICATION])
    w.writerow(["certified_by", doc.certifier_name, doc.certifier_title or "", doc.prepared_on.isoformat()])
    w.writerow([])
    w.writerow(["worksheet", f"{WORKSHEET} ({WORKSHEET_FORM})"])
    w.writerow(["employee", "job_title", "status", "effective_from", "regular_hourly_pay", "fringe_regular_percent",
                "regular_benefit_per_hour", "overtime_hourly_pay", "fringe_overtime_percent",
                "overtime_benefit_per_hour"])
    for b in doc.benefits:
        w.writerow([b.name, b.title or "", "Permanent" if b.permanent else "Temporary", b.effective_from.isoformat(),
                    dollars(b.regular_cents), b.fringe_regular, dollars(b.regular_benefit_cents),
                    dollars(b.overtime_cents), b.fringe_overtime, dollars(b.overtime_benefit_cents)])
    return out.getvalue()


__all__ = ["render_pdf", "render_csv", "hours", "dollars", "days_text"]
