"""The emergency contact sheet (ReportLab): what the CTO reads at 2 a.m. with a torch in a server room.

``full``: landscape, grouped by agency then role, people in escalation order and the role groups in the
order of the first person to call in each (so #1 comes first); work, mobile and after-hours numbers in large
bold type; entries not verified for 12 months are marked CHECK. An agency's header and a role label are never
left alone at the foot of a page, and a page that continues an agency or a role repeats both, marked
"continued".
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
from partnerdesk.reports.styles import draw_demo_mark

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
    demo: bool = False  # made from the demo database: every page carries the DEMO mark


def _esc_key(c: ContactDTO):
    return (c.escalation_order if c.escalation_order is not None else 99, c.name.casefold())


def grouped(data: SheetData) -> list[tuple[AgencyDTO | None, str, list[tuple[str, list[ContactDTO]]]]]:
    """[(agency, agency name, [(role group, people in escalation order)])], home agency first; an agency's
    role groups in the order of the first person to call in each (the group holding #1 first)."""
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
        scan = [g for g, _ in ROLE_GROUPS] + ["Other"]  # among equals, the order a CTO scans for them
        names = sorted(groups, key=lambda g: (min(_esc_key(c) for c in groups[g])[0], scan.index(g)))
        out.append((agencies.get(aid), people[0].agency_name,
                    [(g, sorted(groups[g], key=_esc_key)) for g in names]))
    return out


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws the footer once the page count is known: "generated <date> · page X of Y"."""

    footer_left = ""
    footer_generated = ""
    demo = False  # every page carries the DEMO mark

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
            if self.demo:
                draw_demo_mark(self)
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


def _canvas_class(left: str, generated: str, demo: bool = False):
    return type("SheetCanvas", (_NumberedCanvas,), {"footer_left": left, "footer_generated": generated,
                                                    "demo": demo})


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


@dataclass(frozen=True)
class _AgencySpec:
    st: dict
    cols: list
    label: str
    main: str
    header: list[str]
    data: SheetData


class _AgencyTable(Table):
    """One agency's rows: its band and the column heads (repeated on every page it spans), then each role
    group's label and people. ``items`` are (group, contact) pairs, contact None for the group's label.

    Kept together: the band with the first person, and each label with its first person. Where the agency
    runs on to another page, that page's part is built afresh with the band and the role label marked
    "continued" (ReportLab's own split would repeat only the band and the heads). Built by ReportLab from
    rows (``spec`` None), it is a plain Table."""

    def __init__(self, *args, spec: _AgencySpec | None = None, items: list | None = None,
                 continued: bool = False, **kwargs):
        self.spec, self.items, self.continued = spec, items, continued
        if spec is None:
            super().__init__(*args, **kwargs)
            return
        rows, style, self.offset = _agency_rows(spec, items, continued)
        super().__init__(rows, colWidths=spec.cols, repeatRows=2)
        self.setStyle(TableStyle(style))

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if self.spec is None or len(parts) != 2:
            return parts
        shown = len(parts[0]._cellvalues) - self.offset  # the items on this page
        if shown <= 0 or shown >= len(self.items):
            return parts
        return [parts[0], _AgencyTable(spec=self.spec, items=self.items[shown:], continued=True)]


def _agency_rows(spec: _AgencySpec, items: list, continued: bool) -> tuple[list, list, int]:
    """(rows, style, rows before the first item) of an agency's table."""
    st, n = spec.st, len(spec.cols)
    label = spec.label + (" — continued" if continued else "")
    rows: list[list] = [[Paragraph(escape(label), st["agency"]), ""] + [""] * (n - 4)
                        + [Paragraph(escape(f"Main {spec.main}") if spec.main else "", st["agency_r"]), ""],
                        [Paragraph(h, st["head"]) for h in spec.header]]
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

    def group_label(text: str) -> None:
        r = len(rows)
        rows.append([Paragraph(escape(text), st["group"])] + [""] * (n - 1))
        style.extend([("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), GROUP_BG),
                      ("TOPPADDING", (0, r), (-1, r), 2), ("BOTTOMPADDING", (0, r), (-1, r), 2),
                      ("NOSPLIT", (0, r), (-1, r + 1))])  # a label stays with its first person

    if items and items[0][1] is not None:  # this page goes on with a role begun on the one before
        group_label(f"{items[0][0].upper()} — continued")
    offset = len(rows)
    if items:  # the band and heads stay with the first person
        first_person = offset + next((i for i, (_g, c) in enumerate(items) if c is not None), 0)
        style.append(("NOSPLIT", (0, 0), (-1, first_person)))
    k = 0
    for gname, c in items:
        if c is None:
            group_label(gname.upper())
            k = 0
            continue
        r = len(rows)
        row = [Paragraph(str(c.escalation_order) if c.escalation_order else "–", st["esc"]),
               _person_cell(c, st, spec.data), _num(c.work_phone, st["num"]), _num(c.mobile_phone, st["num"]),
               _num(c.after_hours_phone, st["ah"])]
        if spec.data.include_personal:
            row.append(_num(c.personal_phone, st["num"]))
        row.append(_verified_cell(c, st, spec.data.today))
        rows.append(row)
        if k % 2:
            style.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
        style.append(("BACKGROUND", (4, r), (4, r), AFTER_BG))
        style.append(("LINEBELOW", (0, r), (-1, r), 0.4, MID))
        k += 1
    return rows, style, offset


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
        main = national(agency.phone) if agency and agency.phone else ""
        label = f"{agency_name} ({agency.code})" if agency else agency_name
        spec = _AgencySpec(st, cols, label, main, header, data)
        items = [(g, c) for g, people in groups for c in [None, *people]]
        if isinstance(story[-1], _AgencyTable):  # space between agencies, none after the last (an empty page)
            story.append(Spacer(1, 14))
        story.append(_AgencyTable(spec=spec, items=items))
    if not data.contacts:
        story.append(Paragraph("No contacts yet: import or add your partners' staff first.", st["sub"]))
    doc.build(story, canvasmaker=_canvas_class(_title(data), _generated(data), data.demo))


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
    c = _canvas_class(_title(data), _generated(data), data.demo)(buf, pagesize=page)
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
    for page_panels in pages:
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
