"""The emergency contact sheet (ReportLab): what the CTO reads at 2 a.m. with a torch in a server room.

``full``: landscape, grouped by agency then role, people in escalation order; work, mobile and
after-hours numbers in large bold type; entries not verified for 12 months are marked CHECK.
``wallet``: one page of credit-card panels to cut out and fold, with each agency's first people to call.
Every page carries "generated <date>" and "page X of Y". Personal numbers only when asked for.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from partnerdesk.domain.phones import national
from partnerdesk.domain.directory import is_stale
from partnerdesk.domain.dto import AgencyDTO, ContactDTO
from partnerdesk.reports.fonts import register_fonts

LAYOUTS = ("full", "wallet")
INK = colors.black
DARK = colors.HexColor("#111111")
MID = colors.HexColor("#444444")
BAND = colors.HexColor("#1a1a1a")
GROUP_BG = colors.HexColor("#d9d9d9")
ZEBRA = colors.HexColor("#f2f2f2")
AFTER_BG = colors.HexColor("#fff4c2")
WARN = colors.HexColor("#b00000")

# Role groups, in the order a CTO scans for them during an outage; first match wins.
ROLE_GROUPS = [
    ("Telephony / PBX", r"pbx|phone|telecom|voip|avaya|mitel|sip|telephon"),
    ("Network", r"network|cisco|firewall|bgp|routing|fiber|fortinet|switch|wan"),
    ("Security", r"security|incident|siem|ciso"),
    ("Systems", r"system|exchange|active directory|vmware|server|sql|database|backup|dba|m365"),
    ("Radio", r"radio|p25"),
    ("SCADA", r"scada"),
    ("GIS", r"\bgis\b|arcgis|esri"),
    ("Help desk", r"help ?desk|windows|printer"),
    ("Leadership", r"director|manager|chief|cio|cto|leadership|management"),
    ("Finance / billing", r"financ|billing|accounts payable|budget"),
]


def role_group(c: ContactDTO) -> str:
    for hay in (c.title or "", " ".join(c.role_tags), " ".join(c.skills)):
        for name, pattern in ROLE_GROUPS:
            if re.search(pattern, hay, re.I):
                return name
    return "Other"


@dataclass(frozen=True)
class SheetData:
    contacts: tuple[ContactDTO, ...]
    agencies: tuple[AgencyDTO, ...]
    home: AgencyDTO | None
    today: date
    generated: datetime
    include_personal: bool = False
    include_on_call: bool = True


def _esc_key(c: ContactDTO):
    return (c.escalation_order if c.escalation_order is not None else 99, c.name.casefold())


def grouped(data: SheetData) -> list[tuple[AgencyDTO | None, str, list[tuple[str, list[ContactDTO]]]]]:
    """[(agency, agency name, [(role group, people in escalation order)])], home agency first."""
    by_agency: dict[str, list[ContactDTO]] = {}
    for c in data.contacts:
        by_agency.setdefault(c.agency_id, []).append(c)
    agencies = {a.id: a for a in data.agencies}
    order = sorted(by_agency, key=lambda aid: (not (data.home and aid == data.home.id),
                                              by_agency[aid][0].agency_name.casefold()))
    out = []
    for aid in order:
        people = by_agency[aid]
        groups: dict[str, list[ContactDTO]] = {}
        for c in people:
            groups.setdefault(role_group(c), []).append(c)
        names = [g for g, _ in ROLE_GROUPS if g in groups] + (["Other"] if "Other" in groups else [])
        out.append((agencies.get(aid), people[0].agency_name,
                    [(g, sorted(groups[g], key=_esc_key)) for g in names]))
    return out


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws the footer once the page count is known: "generated <date> · page X of Y"."""

    footer_left = ""
    footer_generated = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved: list[dict] = []

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        font, bold = register_fonts()
        w, _h = self._pagesize
        self.setFillColor(INK)
        self.setFont(font, 9)
        self.drawString(0.4 * inch, 0.3 * inch, self.footer_left)
        self.setFont(bold, 9)
        self.drawRightString(w - 0.4 * inch, 0.3 * inch,
                             f"generated {self.footer_generated}  ·  page {self._pageNumber} of {total}")


def _canvas_class(left: str, generated: str):
    return type("SheetCanvas", (_NumberedCanvas,), {"footer_left": left, "footer_generated": generated})


def render(data: SheetData, layout: str = "full") -> bytes:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    register_fonts()
    buf = io.BytesIO()
    if layout == "full":
        _render_full(data, buf)
    else:
        _render_wallet(data, buf)
    return buf.getvalue()


def _title(data: SheetData) -> str:
    return f"Emergency IT contacts — {data.home.name}" if data.home else "Emergency IT contacts"


def _generated(data: SheetData) -> str:
    return data.generated.strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------------------ full


NUM_PT, AH_PT = 12.5, 13.5


def _styles():
    font, bold = register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=26, textColor=INK),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=11, leading=14, textColor=INK),
        "name": ParagraphStyle("name", fontName=bold, fontSize=12, leading=14.5, textColor=INK),
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=10.5, textColor=DARK),
        "num": ParagraphStyle("num", fontName=bold, fontSize=NUM_PT, leading=NUM_PT + 2, textColor=INK),
        "ah": ParagraphStyle("ah", fontName=bold, fontSize=AH_PT, leading=AH_PT + 2, textColor=INK),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11, textColor=INK),
        "agency": ParagraphStyle("agency", fontName=bold, fontSize=15, leading=18, textColor=colors.white),
        "agency_r": ParagraphStyle("agency_r", fontName=bold, fontSize=12, leading=18, textColor=colors.white,
                                   alignment=2),
        "group": ParagraphStyle("group", fontName=bold, fontSize=10, leading=12, textColor=INK),
        "verified": ParagraphStyle("verified", fontName=font, fontSize=9, leading=11, textColor=DARK),
        "check": ParagraphStyle("check", fontName=bold, fontSize=10, leading=12, textColor=WARN),
        "esc": ParagraphStyle("esc", fontName=bold, fontSize=16, leading=18, textColor=INK, alignment=1),
    }


def _person_cell(c: ContactDTO, st, data: SheetData) -> list:
    parts = [Paragraph(escape(c.name), st["name"])]
    line = " · ".join(x for x in [c.title, ", ".join(c.skills)] if x)
    if line:
        parts.append(Paragraph(escape(line), st["small"]))
    if data.include_on_call and c.on_call_notes:
        parts.append(Paragraph("<b>On call:</b> " + escape(" ".join(c.on_call_notes.split("\n"))), st["small"]))
    return parts


def _num(value: str | None, style) -> Paragraph | str:
    return Paragraph(escape(national(value)), style) if value else Paragraph("—", style)


def _verified_cell(c: ContactDTO, st, today: date):
    if is_stale(c.last_verified, today):
        when = f"last {c.last_verified.isoformat()}" if c.last_verified else "never verified"
        return [Paragraph("CHECK", st["check"]), Paragraph(escape(when), st["verified"])]
    return Paragraph(f"✓ {c.last_verified.isoformat()}", st["verified"])


def _render_full(data: SheetData, buf) -> None:
    st = _styles()
    page = landscape(letter)
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=0.4 * inch, rightMargin=0.4 * inch,
                            topMargin=0.4 * inch, bottomMargin=0.55 * inch, title=_title(data),
                            author="partnerdesk", subject="Emergency IT contact sheet")
    width = page[0] - 0.8 * inch
    personal = data.include_personal
    font, bold = register_fonts()
    numbers = [n for c in data.contacts for n in (c.work_phone, c.mobile_phone, c.after_hours_phone,
                                                   c.personal_phone if personal else None) if n]
    widest = max([stringWidth("(425) 555-0100", bold, NUM_PT)] + [stringWidth(n, bold, NUM_PT) for n in numbers])
    num_w = min(widest + 14, 2.1 * inch)
    ah_w = min(widest * AH_PT / NUM_PT + 14, 2.3 * inch)
    cols = [0.4 * inch, None, num_w, num_w, ah_w] + ([num_w] if personal else []) + [1.05 * inch]
    cols[1] = width - sum(x for x in cols if x)
    n = len(cols)
    story: list = [
        Paragraph(escape(_title(data)), st["title"]),
        Spacer(1, 4),
        Paragraph(escape(
            f"generated {_generated(data)} · {len(data.contacts)} people at {len(grouped(data))} agencies · "
            + ("PERSONAL NUMBERS INCLUDED — do not post publicly" if personal else "personal numbers not printed")),
            st["sub"]),
        Paragraph("# = escalation order: call 1 first. <b>After hours</b> is the number to use outside business "
                  "hours. <font color='#b00000'><b>CHECK</b></font> = not verified in the last 12 months.", st["sub"]),
        Spacer(1, 10),
    ]
    header = ["#", "Name · title · skills", "Work", "Mobile", "After hours"] + (["Personal"] if personal else []) \
        + ["Verified"]
    for agency, agency_name, groups in grouped(data):
        main = agency.phone if agency and agency.phone else ""
        label = f"{agency_name} ({agency.code})" if agency else agency_name
        rows: list[list] = [[Paragraph(escape(label), st["agency"]), ""] + [""] * (n - 4)
                            + [Paragraph(escape(f"Main {main}") if main else "", st["agency_r"]), ""],
                            [Paragraph(h, st["head"]) for h in header]]
        style = [
            ("SPAN", (0, 0), (n - 3, 0)),
            ("SPAN", (n - 2, 0), (n - 1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), BAND),
            ("LINEBELOW", (0, 1), (-1, 1), 1.2, INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("BOX", (0, 0), (-1, -1), 1.2, INK),
        ]
        for gname, people in groups:
            r = len(rows)
            rows.append([Paragraph(escape(gname.upper()), st["group"])] + [""] * (n - 1))
            style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), GROUP_BG),
                      ("TOPPADDING", (0, r), (-1, r), 2), ("BOTTOMPADDING", (0, r), (-1, r), 2)]
            for i, c in enumerate(people):
                r = len(rows)
                row = [Paragraph(str(c.escalation_order) if c.escalation_order else "–", st["esc"]),
                       _person_cell(c, st, data), _num(c.work_phone, st["num"]), _num(c.mobile_phone, st["num"]),
                       _num(c.after_hours_phone, st["ah"])]
                if personal:
                    row.append(_num(c.personal_phone, st["num"]))
                row.append(_verified_cell(c, st, data.today))
                rows.append(row)
                if i % 2:
                    style.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
                style.append(("BACKGROUND", (4, r), (4, r), AFTER_BG))
                style.append(("LINEBELOW", (0, r), (-1, r), 0.4, MID))
        t = Table(rows, colWidths=cols, repeatRows=2)
        t.setStyle(TableStyle(style))
        story += [t, Spacer(1, 14)]
    if not data.contacts:
        story.append(Paragraph("No contacts yet: import or add your partners' staff first.", st["sub"]))
    doc.build(story, canvasmaker=_canvas_class(_title(data), _generated(data)))


# ---------------------------------------------------------------------------------------------- wallet

CARD_W, CARD_H = 3.375 * inch, 2.125 * inch
PANEL_LINES = 9


def wallet_entries(data: SheetData, per_agency: int = 3) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per agency, the first ``per_agency`` people to call and their best out-of-hours number."""
    out = []
    for _agency, agency_name, groups in grouped(data):
        people = sorted((c for _g, ps in groups for c in ps), key=_esc_key)
        lines = []
        for c in people:
            number, kind = next(((n, k) for n, k in ((c.after_hours_phone, "AH"), (c.mobile_phone, "M"),
                                                    (c.work_phone, "W")) if n), (None, ""))
            if number:
                lines.append((c.name, kind, national(number)))
            if len(lines) == per_agency:
                break
        if lines:
            out.append((agency_name, lines))
    return out


def _render_wallet(data: SheetData, buf) -> None:
    font, bold = register_fonts()
    page = letter
    c = _canvas_class(_title(data), _generated(data))(buf, pagesize=page)
    c.setTitle(_title(data) + " — wallet card")
    c.setAuthor("partnerdesk")
    entries = wallet_entries(data)
    # Panel contents: a cover, then agencies packed into panels of at most 9 lines each.
    panels: list[list[tuple[str, str, str, str]]] = []
    current: list[tuple[str, str, str, str]] = []
    for agency_name, lines in entries:
        need = 1 + len(lines)
        if len(current) + need > PANEL_LINES:
            panels.append(current)
            current = []
        current.append(("agency", agency_name, "", ""))
        current += [("person", name, kind, number) for name, kind, number in lines]
    if current:
        panels.append(current)
    per_page = 8  # two columns of four panels: cut out, fold in half, then concertina
    all_panels: list = [None] + panels  # None = the cover
    pages = [all_panels[i:i + per_page] for i in range(0, len(all_panels), per_page)] or [[None]]
    w, h = page
    x0 = (w - 2 * CARD_W) / 2
    y_top = h - 0.9 * inch
    for pi, page_panels in enumerate(pages):
        c.setFont(bold, 11)
        c.setFillColor(INK)
        c.drawString(x0, h - 0.45 * inch, "Wallet card — cut along the solid line, fold on the dotted lines")
        c.setFont(font, 9)
        c.drawString(x0, h - 0.65 * inch, "AH = after hours · M = mobile · W = work · people in escalation order")
        rows_used = (len(page_panels) + 1) // 2
        for i, panel in enumerate(page_panels):
            row, col = divmod(i, 2)
            x = x0 + col * CARD_W
            y = y_top - (row + 1) * CARD_H
            if panel is None:
                _wallet_cover(c, data, x, y, len(entries))
            else:
                _wallet_panel(c, panel, x, y)
        # cut outline and fold lines
        c.setStrokeColor(INK)
        c.setLineWidth(1)
        c.setDash()
        c.rect(x0, y_top - rows_used * CARD_H, 2 * CARD_W, rows_used * CARD_H)
        c.setDash(2, 3)
        c.setLineWidth(0.6)
        for k in range(1, rows_used):
            c.line(x0, y_top - k * CARD_H, x0 + 2 * CARD_W, y_top - k * CARD_H)
        c.line(x0 + CARD_W, y_top, x0 + CARD_W, y_top - rows_used * CARD_H)
        c.setDash()
        c.showPage()
    c.save()


def _wallet_cover(c, data: SheetData, x: float, y: float, agencies: int) -> None:
    font, bold = register_fonts()
    c.setFillColor(BAND)
    c.rect(x, y, CARD_W, CARD_H, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont(bold, 15)
    c.drawString(x + 10, y + CARD_H - 28, "IT EMERGENCY")
    c.drawString(x + 10, y + CARD_H - 46, "CONTACTS")
    c.setFont(font, 9)
    home = data.home.name if data.home else ""
    c.drawString(x + 10, y + CARD_H - 64, home[:44])
    c.drawString(x + 10, y + 30, f"{agencies} agencies · generated {data.today.isoformat()}")
    c.drawString(x + 10, y + 16, "Full list: the outage USB stick")


def _wallet_panel(c, lines, x: float, y: float) -> None:
    font, bold = register_fonts()
    ty = y + CARD_H - 16
    for kind, a, b, number in lines:
        if kind == "agency":
            c.setFillColor(BAND)
            c.rect(x + 4, ty - 4, CARD_W - 8, 14, stroke=0, fill=1)
            c.setFillColor(colors.white)
            c.setFont(bold, 9.5)
            c.drawString(x + 8, ty, a[:46])
        else:
            c.setFillColor(INK)
            c.setFont(font, 8.5)
            c.drawString(x + 8, ty, a[:24])
            c.setFont(bold, 7.5)
            c.drawRightString(x + CARD_W - 104, ty, b)
            c.setFont(bold, 11)
            c.drawRightString(x + CARD_W - 8, ty, number)
        ty -= 14.5
