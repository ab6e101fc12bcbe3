"""The Intergovernmental Billing Statement PDF (DESIGN §4): Letter size, embedded fonts, page X of Y,
deterministic bytes for the same input (so the SHA-256 frozen at issue is meaningful)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (CondPageBreak, Flowable, Image, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)

from partnerdesk import __version__
from partnerdesk.domain.durations import format_minutes
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.statement_rules import OFFSET, PROVIDED, summary_by_category
from partnerdesk.domain.periods import long_date, short_date
from partnerdesk.reports.fonts import draw_text, has_rtl, text_width, wrapped_markup
from partnerdesk.domain.statements import StatementView
from partnerdesk.reports.detail_table import Column, DetailTable as Ledger
from partnerdesk.reports.styles import (StyledTable, ACCENT, ACCENT_LIGHT, CREDIT, FONT, FONT_BOLD, INK, MUTED, RULE, ZEBRA,
                                        esc, numbered_canvas, styles)

PAGE_W, PAGE_H = LETTER
MARGIN_X = 0.6 * inch
FRAME_PAD = 6  # platypus frames pad their content by 6 pt on every side
WIDTH = PAGE_W - 2 * MARGIN_X - 2 * FRAME_PAD
AUTHORITY = "Interlocal Cooperation Act, chapter 39.34 RCW"
CERTIFICATION = ("I certify under penalty of perjury under the laws of the State of Washington that the "
                 "foregoing is true and correct.")
TOP_MARGIN, BOTTOM_MARGIN = 0.6 * inch, 0.75 * inch
FRAME_H = PAGE_H - TOP_MARGIN - BOTTOM_MARGIN - 2 * FRAME_PAD  # the height a page's frame holds
PAD_Y = 2.2
KIND_TITLES = {"statement": "Intergovernmental Billing Statement", "credit_note": "Credit Note",
               "mutual_aid": "Mutual Aid Reimbursement Request"}  # mutual_aid: docs/incidents.md
AGREEMENT_KINDS = {"service": "Service interlocal agreement", "reciprocal": "Reciprocal interlocal agreement",
                   "mutual_aid": "Mutual aid agreement"}


_STYLES: dict | None = None
_FRAGS: dict[tuple[str, str], list] = {}  # (markup, style name) -> parsed fragments


def _styles() -> dict:
    """The statement's paragraph styles, made once per process (they never change)."""
    global _STYLES
    if _STYLES is None:
        _STYLES = styles()
        for name in (FONT, FONT_BOLD):
            _memoise_subsets(pdfmetrics.getFont(name).face)
    return _STYLES


def _memoise_subsets(face) -> None:
    """Statements of one run use nearly the same characters in the same order, and a font subset is a pure
    function of that list: build each distinct subset once (the bytes are the same as building it again)."""
    if getattr(face, "_partnerdesk_subsets", None) is not None:
        return
    build = face.makeSubset
    cache: dict[tuple[int, ...], bytes] = {}

    def make_subset(subset):
        key = tuple(subset)
        data = cache.get(key)
        if data is None:
            data = build(subset)
            if len(cache) < 64:
                cache[key] = data
        return data

    face._partnerdesk_subsets = cache
    face.makeSubset = make_subset


class _Para(Paragraph):
    """A Paragraph that parses each distinct (markup, style) once per process and remembers its last wrap:
    tables wrap each cell to measure it and again to draw it, KeepTogether and the frame wrap once more,
    and a paragraph's lines depend only on the width. Each paragraph gets its own copies of the parsed
    fragments, so nothing one paragraph does to them reaches another."""

    _wrapped_at: float | None = None

    def __init__(self, text: str | None, style, **kwargs):
        if kwargs:  # Paragraph.split makes its two parts with frags=… (a paragraph taller than the page)
            super().__init__(text, style, **kwargs)
            return
        key = (text, style.name)
        frags = _FRAGS.get(key)
        if frags is None:
            super().__init__(text, style)
            if len(_FRAGS) < 4096 and not self.bulletText:
                _FRAGS[key] = [f.clone() for f in self.frags]
            return
        super().__init__(text, style, frags=[f.clone() for f in frags])

    def wrap(self, availWidth, availHeight):
        if availWidth == self._wrapped_at and getattr(self, "blPara", None) is not None:  # split drops blPara
            return self.width, self.height
        self._wrapped_at = None
        w, h = super().wrap(availWidth, availHeight)
        if availWidth >= 1e-8 and getattr(self, "blPara", None) is not None:
            self._wrapped_at = availWidth
        return w, h


class NameMark(Flowable):
    """The issuer's mark when no logo file is configured: its code in a rounded square."""

    def __init__(self, code: str, size: float = 0.72 * inch):
        super().__init__()
        self.code, self.size = code, size
        self.width = self.height = size

    def draw(self):
        c, s = self.canv, self.size
        c.setFillColor(ACCENT)
        c.roundRect(0, 0, s, s, 6, stroke=0, fill=1)
        c.setFillColor(colors.HexColor("#8fb3d9"))
        c.rect(0.14 * s, 0.2 * s, 0.72 * s, 0.035 * s, stroke=0, fill=1)
        c.setFillColor(colors.white)
        size = 0.36 * s if len(self.code) <= 3 else 0.27 * s
        c.setFont(FONT_BOLD, size)
        c.drawCentredString(s / 2, 0.36 * s, self.code[:4])


def _logo(view: StatementView):
    data = view.issuer.logo_image  # the image kept in the database, never a file: a path would be one PC's
    if data:
        try:
            img = Image(io.BytesIO(data))
            ratio = img.imageHeight / float(img.imageWidth or 1)
            img.drawWidth, img.drawHeight = 0.72 * inch / max(ratio, 1), 0.72 * inch * min(ratio, 1) / max(ratio, 1)
            return img
        except Exception:  # a broken logo file must not stop billing: fall back to the name mark
            pass
    return NameMark(view.issuer.code)


# an account number as agencies type it after its label: "Account 1234 5678 9012", "acct #: 000123456", "A/C 98-7654"
_ACCOUNT = re.compile(r"(?i)\b(account|acct|a/c)(\b[^0-9\n]{0,24}?)(\d(?:[ -]?\d){4,})")


def mask_account_numbers(text: str) -> str:
    """Remittance instructions as printed: every account number masked to its last four digits ("account
    ****9012"); routing (ABA) numbers, which are public, and anything else stay as typed."""
    def mask(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(3))
        return f"{m.group(1)}{m.group(2)}{'*' * 4}{digits[-4:]}"

    return _ACCOUNT.sub(mask, text)


def money(cents: int, parens: bool = False) -> str:
    if parens and cents < 0:
        return f"({format_cents(-cents)})"
    return format_cents(cents)


def _rate_text(kind: str, unit_rate: str, multiplier: str) -> str:
    if kind == "mileage":
        return f"${Decimal(unit_rate) / 100:.3f}/mi".replace("0/mi", "/mi") if "." in unit_rate else \
            f"${Decimal(unit_rate) / 100:.2f}/mi"
    if kind == "adjustment":
        return ""
    base = format_cents(int(Decimal(unit_rate)))
    return base if Decimal(multiplier) == 1 else f"{base} ×{Decimal(multiplier).normalize()}"


def _qty_text(kind: str, quantity: str) -> str:
    """A line's quantity with its unit: hours ("2.25 h") for time, miles ("23.5 mi") for mileage."""
    if kind == "mileage":
        return f"{Decimal(quantity).normalize():f} mi"
    if kind == "adjustment":
        return ""
    return f"{format_minutes(int(quantity))} h"


class _Builder:
    def __init__(self, view: StatementView):
        self.v = view
        self.st = _styles()
        self.draft = view.number is None

    # -- small helpers -----------------------------------------------------------------------------
    def p(self, text: str, style: str = "base") -> Paragraph:
        return _Para(text, self.st[style])

    def long_text(self, text: str, style: str, width: float, lead: str = "") -> Paragraph:
        """A free text typed by a user (a reason), after ``lead`` markup: right-to-left text is wrapped here, on
        lines of its own, so that each line is in reading order."""
        if not has_rtl(text):
            return self.p(f"{lead} {esc(text)}" if lead else esc(text), style)
        st = self.st[style]
        body = wrapped_markup(text, st.fontName, st.fontSize, width - 2)
        return self.p(f"{lead}<br/>{body}" if lead else body, style)

    def labelled(self, label: str, value: str, style: str = "base") -> list:
        return [self.p(esc(label.upper()), "label"), self.p(value, style)]

    def address(self, text: str | None, skip_first: bool = False, name: str | None = None) -> str:
        """Address lines; ``skip_first`` drops a first line that repeats the agency's name (printed above
        it) — only when it does, given ``name``, so "PO Box 100" typed first is kept."""
        lines = [ln for ln in (text or "").splitlines() if ln.strip()]
        if skip_first and lines and (name is None or lines[0].strip().casefold() == name.strip().casefold()):
            lines = lines[1:]
        return "<br/>".join(esc(ln) for ln in lines)

    # -- sections ----------------------------------------------------------------------------------
    def header(self) -> list:
        v, iss = self.v, self.v.issuer
        contact = " · ".join(esc(x) for x in (iss.phone, iss.website) if x)
        ids = " · ".join(x for x in (f"UBI {esc(iss.ubi)}" if iss.ubi else "",
                                     f"EIN {esc(iss.ein)}" if iss.ein else "") if x)
        street = self.address(iss.address) if iss.address else self.address(iss.remit_to, True, iss.name)
        left = [self.p(esc(iss.name), "issuer"), self.p(street, "small"), self.p(contact, "muted"),
                self.p(ids, "muted")]
        asks = " · ".join(esc(x) for x in (iss.billing_contact_name, iss.billing_contact_phone,
                                           iss.billing_contact_email) if x)
        if asks:
            left.append(self.p(f"Questions about this statement: {asks}", "muted"))
        title = KIND_TITLES.get(v.kind, KIND_TITLES["statement"])
        number = esc(v.number) if v.number else "DRAFT — not issued"
        facts = [
            ["Statement no." if v.kind != "credit_note" else "Credit note no.", number],
            ["Issue date", long_date(v.issue_date)],
            ["Due date", long_date(v.due_date) if v.kind != "credit_note" else "—"],
            ["Service period", f"{long_date(v.period_start)} –<br/>{long_date(v.period_end)}"],
        ]
        rows = [[self.p(esc(k), "label"), self.p(val, "right_bold" if i == 0 else "right")]
                for i, (k, val) in enumerate(facts)]
        box = StyledTable(rows, colWidths=[1.05 * inch, 1.55 * inch])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT),
            ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        right = [self.p(esc(title.upper()), "title"), Spacer(1, 4), box]
        t = StyledTable([[_logo(v), left, right]], colWidths=[0.9 * inch, WIDTH - 0.9 * inch - 2.65 * inch, 2.65 * inch])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (2, 0), (2, 0), "RIGHT")]))
        out = [t, Spacer(1, 8), _Rule(WIDTH, ACCENT, 1.2), Spacer(1, 8)]
        if self.draft:
            out.insert(0, self.p("<font color='#b42318'><b>DRAFT — FOR REVIEW ONLY. Not a bill; no number has been "
                                 "assigned.</b></font>", "note"))
        return out

    def parties(self) -> list:
        v, b = self.v, self.v.bill_to
        bill = [self.p("BILL TO", "label"), self.p(f"<b>{esc(b.name)}</b>"),
                self.p(self.address(b.bill_to, True, b.name) if b.bill_to else self.address(b.address))]
        attn = b.ap_contact_name or "Accounts Payable"
        if "attn" not in (b.bill_to or "").lower():
            bill.append(self.p(f"Attn: {esc(attn)}"))
        if b.ap_contact_email:
            bill.append(self.p(esc(b.ap_contact_email), "small"))
        if v.bill_to_reference:
            bill.append(self.p(f"Your reference: <b>{esc(v.bill_to_reference)}</b>"))
        agr = [self.p("AGREEMENT", "label")]
        if v.agreement_number:
            agr.append(self.p(f"<b>{esc(v.agreement_number)}</b> — {esc(v.agreement_title)}"))
            agr.append(self.p(f"{esc(AGREEMENT_KINDS.get(v.agreement_kind or '', 'Interlocal agreement'))} under the "
                              f"{AUTHORITY}", "small"))
            if v.agreement_approval:
                agr.append(self.p(f"Approved by {esc(v.agreement_approval)}", "small"))
            agr.append(self.p(f"Filed: {esc(v.agreement_filing)} (RCW 39.34.040)" if v.agreement_filing
                              else "<font color='#b42318'>Not filed under RCW 39.34.040</font>", "small"))
        if v.incident:  # a mutual-aid reimbursement request cites the incident and the hours' dates
            agr.append(self.p(f"Incident: <b>{esc(v.incident)}</b>", "small"))
            agr.append(self.p(f"Hours worked {long_date(v.period_start)} – {long_date(v.period_end)}", "small"))
        else:
            agr.append(self.p(f"Service period: <b>FY{v.fiscal_year} Q{v.period[-1]}</b>, "
                              f"{long_date(v.period_start)} – {long_date(v.period_end)}", "small"))
        t = StyledTable([[bill, agr]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                               ("LINEBEFORE", (1, 0), (1, 0), 0.6, RULE), ("LEFTPADDING", (1, 0), (1, 0), 10)]))
        out = [t]
        if v.supersedes:
            out += [Spacer(1, 6), self.p(f"This statement replaces statement <b>{esc(v.supersedes)}</b>, which was "
                                         "voided.", "note")]
        if v.original:
            out += [Spacer(1, 6), self.p(f"This credit note is issued against statement <b>{esc(v.original)}</b> "
                                         f"and reduces its balance.", "note")]
        return out

    def summary(self) -> list:
        v = self.v
        rows = [[self.p("Category", "label"), self.p("BARS", "label"), self.p("Hours", "label"),
                 self.p("Amount", "label")]]
        travel = 0
        for side, cat, minutes, travel_minutes, cents in summary_by_category(v.lines):
            name, bars = v.category_names.get(cat, (cat, None))
            prefix = "Offset — " if side == OFFSET else ""
            travel += travel_minutes if side == PROVIDED else 0
            rows.append([self.p(f"{prefix}{esc(name)}", "cell"), self.p(esc(bars or "—"), "cell"),
                         self.p(format_minutes(minutes) if minutes else "—", "cell_right"),
                         self.p(money(cents, parens=True), "cell_right")])
        t = StyledTable(rows, colWidths=[1.55 * inch, 0.65 * inch, 0.6 * inch, 0.85 * inch], repeatRows=1)
        t.setStyle(_grid_style(len(rows)))
        totals = self.totals_table()
        # the hours are the detail lines' hours added up, travel included: say so, and how much was travel
        note = self.p("Hours are the detail lines' hours: labor, call-out minimums and travel time"
                      + (f" ({format_minutes(travel)} h of travel)" if travel else "")
                      + "; mileage counts in the amounts only.", "muted")
        if v.pricing_basis:  # a mutual-aid request: how it is priced, in place of the categories
            t, note = self.p(esc(v.pricing_basis), "note"), self.p(
                f"Reimbursement requested under {esc(v.agreement_number or 'the mutual-aid agreement')} for "
                f"{esc(v.issuer.name)} staff's hours on the incident, as recorded in its payroll records.", "muted")
        left = [self.p("BASIS OF THIS REQUEST" if v.pricing_basis else "SUMMARY BY CATEGORY", "label"),
                Spacer(1, 3), t, Spacer(1, 2), note] \
            if v.kind != "credit_note" else [self.p("REASON", "label"), Spacer(1, 3),
                                              self.long_text(v.notes or "", "note", 3.75 * inch)]
        outer = StyledTable([[left,
                        [self.p("TOTALS", "label"), Spacer(1, 3), totals]]],
                      colWidths=[3.75 * inch, WIDTH - 3.75 * inch])
        outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        out = [Spacer(1, 10), outer]
        if v.kind != "credit_note" and v.total_cents < 0:
            out += [Spacer(1, 6), _callout(self.p(
                f"<b>The net favours {esc(v.bill_to.name)} by {money(-v.total_cents)}.</b> No amount is due on this "
                f"statement. The offset shown below nets both sides' services for the period; "
                f"{esc(v.bill_to.name)} may bill the difference on its own statement.", "note"))]
        elif v.offset_cents:
            out += [Spacer(1, 6), self.p(
                f"Under {esc(v.agreement_number)}, services {esc(v.bill_to.name)} provided to {esc(v.issuer.name)} "
                "in the same period are offset at their own rates (detail below); both gross amounts and the net "
                "are shown.", "muted")]
        return out

    def totals_table(self) -> Table:
        v = self.v
        rows: list[list] = []
        if v.kind == "credit_note":
            rows.append(["Credit amount", money(v.total_cents, parens=True)])
            rows.append(["Amount due", money(0)])
        else:
            rows.append([f"Services provided by {v.issuer.code} (gross)", money(v.gross_cents)])
            if v.offset_allowed:
                rows.append([f"Less: services received from {v.bill_to.code} (gross)",
                             money(-v.offset_cents, parens=True)])
                rows.append(["Net for the period", money(v.total_cents, parens=True)])
            rows.append(["AMOUNT DUE", money(v.amount_due_cents)])
        data = [[self.p(esc(a), "cell" if i < len(rows) - 1 else "bold"),
                 self.p(b, "cell_right" if i < len(rows) - 1 else "right_bold")] for i, (a, b) in enumerate(rows)]
        t = StyledTable(data, colWidths=[(WIDTH - 3.75 * inch) * 0.62, (WIDTH - 3.75 * inch) * 0.38])
        t.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("LINEBELOW", (0, 0), (-1, -3), 0.3, RULE),
            ("BACKGROUND", (0, -1), (-1, -1), ACCENT_LIGHT), ("LINEABOVE", (0, -1), (-1, -1), 1, ACCENT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        return t

    def account_and_cap(self) -> list:
        v = self.v
        a = v.account
        this = v.amount_due_cents if v.kind != "credit_note" else v.total_cents
        acct = [["Prior statements billed", money(a.prior_billed_cents)],
                ["Payments and credits received", money(-a.prior_paid_cents, parens=True)],
                ["Prior balance", money(a.prior_balance_cents)],
                ["This " + ("statement" if v.kind != "credit_note" else "credit note"), money(this, parens=True)],
                ["Total balance", money(a.prior_balance_cents + this, parens=True)]]
        acct_t = self.kv_table(acct, bold_last=True)
        cap_rows: list[list[str]] = []
        if v.cap is not None:
            c = v.cap
            through = short_date(c.through) if c.through else "this period"
            net = "net of credits" if v.kind != "credit_note" else "net of this credit"
            if c.cap_cents is not None:
                cap_rows += [["Not-to-exceed (FY{})".format(v.fiscal_year), money(c.cap_cents)],
                             [f"Used through {through}, {net}", money(c.used_cents)],
                             ["Remaining", money(c.remaining_cents, parens=True)]]
            if c.cap_minutes is not None:
                cap_rows += [["Hour cap (FY{})".format(v.fiscal_year), f"{format_minutes(c.cap_minutes)} h"],
                             [f"Hours used through {through}", f"{format_minutes(c.used_minutes)} h"],
                             ["Hours remaining", f"{format_minutes(c.remaining_minutes)} h"]]
            if v.cap_override_reason:  # the reason itself goes below, full width (it may be long)
                cap_rows.append(["Cap override", "reason below"])
        else:
            cap_rows = [["Agreement cap", "none"]]
        cap_t = self.kv_table(cap_rows)
        bars = self.bars_block()
        t = StyledTable([[[self.p("ACCOUNT SUMMARY", "label"), Spacer(1, 3), acct_t],
                          [self.p("AGREEMENT CAP", "label"), Spacer(1, 3), cap_t]]], colWidths=[WIDTH / 2] * 2)
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                               ("RIGHTPADDING", (0, 0), (0, 0), 6), ("LEFTPADDING", (1, 0), (1, 0), 6),
                               ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
        out = [Spacer(1, 10), t, Spacer(1, 8), bars]
        if v.cap is not None:
            out += [Spacer(1, 3), self.p(
                "<b>Cap use</b> is the value provided under the agreement in its fiscal year (by work date), net of "
                "credit notes; disputed and unpriced entries are left out"
                + (", and this credit note is taken off." if v.kind == "credit_note" else "."), "muted")]
        if v.cap is not None and v.cap_override_reason:
            out += [Spacer(1, 4), self.long_text(v.cap_override_reason, "muted", WIDTH, "<b>Cap override reason.</b>")]
        return out

    def kv_table(self, rows: list[list[str]], bold_last: bool = False) -> Table:
        half = WIDTH / 2 - 6
        data = []
        for i, (k, val) in enumerate(rows):
            last = bold_last and i == len(rows) - 1
            data.append([self.p(esc(k), "bold" if last else "cell"),
                         self.p(val, "right_bold" if last else "cell_right")])
        t = StyledTable(data, colWidths=[half * 0.64, half * 0.36])
        style = [("BOX", (0, 0), (-1, -1), 0.6, RULE), ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                 ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if bold_last:
            style.append(("BACKGROUND", (0, -1), (-1, -1), ACCENT_LIGHT))
        t.setStyle(TableStyle(style))
        return t

    def bars_block(self) -> Paragraph:
        v = self.v
        cats = sorted({ln.category_code for ln in v.lines if ln.category_code})
        exp = "; ".join(f"{esc(v.category_names.get(c, (c, None))[0])} {esc(v.category_names.get(c, (c, None))[1] or '—')}"
                        for c in cats)
        parts = [f"<b>BARS coding.</b> {esc(v.issuer.name)} revenue: "
                 f"{esc(v.issuer.bars_revenue_code or '—')} (intergovernmental services)."]
        parts.append(f"Suggested {esc(v.bill_to.name)} expenditure: {esc(v.bill_to.bars_expense_code or '—')}"
                     + (f"; by service category: {exp}." if exp else "."))
        return self.p(" ".join(parts), "muted")

    def detail(self) -> list:
        v = self.v
        out: list = []
        provided = [ln for ln in v.lines if ln.side == PROVIDED]
        offsets = [ln for ln in v.lines if ln.side == OFFSET]
        prior = [ln for ln in provided if v.kind != "credit_note" and ln.work_date and ln.work_date < v.period_start]
        current = [ln for ln in provided if ln not in prior]
        title = "Detail of services provided" if v.kind != "credit_note" else "Credit"
        if current or not prior:
            out += [CondPageBreak(1.2 * inch), self.p(f"{title} by {esc(v.issuer.name)}", "h2"),
                    self.detail_table(current, v.gross_cents - sum(ln.amount_cents for ln in prior)
                                      if v.kind != "credit_note" else v.total_cents)]
        if prior:
            first = min(ln.work_date for ln in prior)
            out += [CondPageBreak(1.2 * inch), self.p("Prior-period services", "h2"),
                    self.p(f"Services {esc(v.issuer.name)} provided before this service period (from "
                           f"{long_date(first)}) that were not on the statement for their own quarter: logged late "
                           "or settled after a dispute. Each line shows its date.", "muted"), Spacer(1, 3),
                    self.detail_table(prior, sum(ln.amount_cents for ln in prior), label="Total prior-period")]
        if offsets:
            out += [CondPageBreak(1.2 * inch),
                    self.p(f"Offset: services received from {esc(v.bill_to.name)}", "h2"),
                    self.p(f"Valued at {esc(v.bill_to.name)}'s rate schedule under {esc(v.agreement_number)}; "
                           "credited against the amount above ("
                           f"{format_minutes(sum(int(ln.quantity) for ln in offsets if ln.is_time))} hours, travel "
                           "included).", "muted"), Spacer(1, 3),
                    self.detail_table(offsets, -v.offset_cents, credit=True)]
        return out

    def detail_table(self, lines, total: int, credit: bool = False, label: str | None = None) -> Ledger:
        """The detail rows, drawn by the fast ledger flowable: a statement may have hundreds of lines."""
        widths = [0.74, 1.25, 0.46, 2.33, 0.62, 0.82, 0.83]
        scale = WIDTH / (sum(widths) * inch)
        w = [x * inch * scale for x in widths]
        cols = [Column("Date", w[0]), Column("Staff", w[1], wrap=True), Column("Cat.", w[2]),
                Column("Description", w[3], wrap=True), Column("Qty", w[4], "right"), Column("Rate", w[5], "right"),
                Column("Amount", w[6], "right")]
        rows = [(ln.work_date.strftime("%m/%d/%Y") if ln.work_date else "", (ln.staff_name or "—", ln.staff_title),
                 ln.category_code or "", ln.description or "", _qty_text(ln.kind, ln.quantity),
                 _rate_text(ln.kind, ln.unit_rate, ln.multiplier), money(ln.amount_cents, parens=True))
                for ln in lines]
        rows.append(("", "", "", label or ("Total offset credit" if credit else "Total"), "", "",
                     money(total, parens=True)))
        return Ledger(cols, rows, total_row=True, color=CREDIT if credit else INK)

    def certification(self) -> list:
        v = self.v
        if v.kind == "credit_note":
            return []
        sig = StyledTable([
            [self.p(f"Signed at <b>{esc(v.place or '____________________')}</b> on "
                    f"<b>{long_date(v.issue_date)}</b>", "base"), ""],
            [Spacer(1, 26), ""],
            [_Rule(3.1 * inch, INK, 0.6), _Rule(2.1 * inch, INK, 0.6)],
            [self.p("Signature", "muted"), self.p("Date", "muted")],
            [Spacer(1, 16), ""],
            [_Rule(3.1 * inch, INK, 0.6), _Rule(2.1 * inch, INK, 0.6)],
            [self.p("Printed name", "muted"), self.p("Title", "muted")],
        ], colWidths=[3.4 * inch, 2.4 * inch], hAlign="LEFT")
        sig.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1), ("SPAN", (0, 0), (1, 0))]))
        cert = [self.p(f"PROVIDER'S CERTIFICATION — {esc(v.issuer.name.upper())}", "label"), Spacer(1, 3),
                self.p(f"{CERTIFICATION} The services billed were provided under the agreement named above, "
                       + ("at the rates it sets" if not v.pricing_basis or "rates of agreement" in v.pricing_basis
                          else "at their actual cost from payroll records available for audit")
                       + ", and have not been billed before.", "note"), Spacer(1, 8), sig]
        payer = v.bill_to.name
        box_rows = [[self.p(f"FOR {esc(payer.upper())} — AUDITING OFFICER (RCW 42.24.080)", "label")],
                    [self.p("I, the undersigned, do hereby certify under penalty of perjury that the materials "
                            "have been furnished, the services rendered or the labor performed as described "
                            "herein, and that the claim is a due and unpaid obligation.", "small")],
                    [Spacer(1, 46)],
                    [self.p("Auditing officer signature  ·  Date  ·  Account / BARS code  ·  Warrant or EFT no.",
                            "muted")]]
        box = StyledTable(box_rows, colWidths=[WIDTH])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, INK), ("TOPPADDING", (0, 0), (-1, -1), 4),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                 ("LINEABOVE", (0, 3), (-1, 3), 0.4, RULE)]))
        return [Spacer(1, 14), *cert, Spacer(1, 12), box]

    def stub(self) -> list:
        v = self.v
        if v.kind == "credit_note":
            return []
        iss = v.issuer
        left = [self.p("REMITTANCE — please return this part with your payment", "label"), Spacer(1, 3),
                self.p(f"Make payable and remit to:<br/><b>{esc(iss.name)}</b><br/>"
                       f"{self.address(iss.remit_to, True, iss.name) if iss.remit_to else self.address(iss.address)}",
                       "small")]
        if iss.eft_instructions:
            left.append(self.p(f"<b>EFT:</b> {self.address(mask_account_numbers(iss.eft_instructions))}", "small"))
        facts = [["Statement no.", esc(v.number or "DRAFT")], ["From", f"{esc(v.bill_to.name)} ({esc(v.bill_to.code)})"],
                 ["Due date", long_date(v.due_date)], ["Amount due", f"<b>{money(v.amount_due_cents)}</b>"],
                 ["Amount enclosed", "$ ______________"]]
        ft = StyledTable([[self.p(esc(k), "cell"), self.p(val, "right")] for k, val in facts],
                   colWidths=[1.1 * inch, 2.0 * inch])
        ft.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE), ("TOPPADDING", (0, 0), (-1, -1), 2),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
        t = StyledTable([[left, ft]], colWidths=[WIDTH - 3.2 * inch, 3.2 * inch])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
        return [Spacer(1, 16), _CutLine(WIDTH), Spacer(1, 6), t]

    # -- page decoration ---------------------------------------------------------------------------
    def footer(self, canv, page: int, total: int) -> None:
        v = self.v
        canv.saveState()
        x0, x1 = footer_frame(canv, page, total)
        middle = f" · {KIND_TITLES.get(v.kind, '')} {v.number or 'DRAFT'} · "
        room = x1 - x0 - stringWidth(f"Page {total} of {total}", FONT_BOLD, 7) - 12 - stringWidth(middle, FONT, 7)
        draw_text(canv, x0, 0.4 * inch, _fit(v.issuer.name, FONT, 7, room / 2) + middle
                  + _fit(v.bill_to.name, FONT, 7, room / 2), FONT, 7)
        if page > 1:
            canv.setFont(FONT_BOLD, 8)
            canv.setFillColor(ACCENT)
            room = x1 - x0 - stringWidth(v.number or "DRAFT", FONT_BOLD, 8) - 12
            draw_text(canv, x0, PAGE_H - 0.42 * inch,
                      _fit(f"{v.issuer.name} — {KIND_TITLES.get(v.kind, '')}", FONT_BOLD, 8, room), FONT_BOLD, 8)
            canv.drawRightString(x1, PAGE_H - 0.42 * inch, v.number or "DRAFT")
        if self.draft:
            canv.setFont(FONT_BOLD, 90)
            canv.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.08))
            canv.translate(PAGE_W / 2, PAGE_H / 2)
            canv.rotate(40)
            canv.drawCentredString(0, 0, "DRAFT")
        canv.restoreState()

    def build(self) -> bytes:
        v = self.v
        buf = io.BytesIO()
        title = f"{KIND_TITLES.get(v.kind, 'Statement')} {v.number or 'DRAFT'}"
        doc = SimpleDocTemplate(
            buf, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP_MARGIN,
            bottomMargin=BOTTOM_MARGIN, invariant=1, title=title, author=v.issuer.name,
            subject=f"{v.issuer.name} to {v.bill_to.name}: {v.agreement_number or ''}, service period "
                    f"{short_date(v.period_start)} – {short_date(v.period_end)}",
            creator=f"partnerdesk {__version__}", producer=f"partnerdesk {__version__} (ReportLab)",
            keywords=f"{v.number or 'DRAFT'}, {v.bill_to.code}, {v.period}, RCW 39.34", lang="en-US")
        detail = self.detail()
        closing: list = []
        if v.kind != "credit_note":  # the last detail table, the signatures and the stub end the statement together
            lead, head = None, []
            if detail and isinstance(detail[-1], Ledger):
                cut = max(i for i, f in enumerate(detail) if isinstance(f, CondPageBreak))
                *head, lead = detail[cut + 1:]
                detail = detail[:cut + 1]
            closing = [_Closing(self.certification(), self.stub(), lead, head)]
        story = self.header() + self.parties() + self.summary() + self.account_and_cap() + detail + closing
        doc.build(story, canvasmaker=numbered_canvas(self.footer, v.issue_date, demo=v.demo))
        return buf.getvalue()


class _Rule(Flowable):
    def __init__(self, width: float, color, thickness: float = 0.5):
        super().__init__()
        self.width, self.color, self.thickness = width, color, thickness
        self.height = thickness

    def draw(self):
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, 0, self.width, 0)


class _Closing(Flowable):
    """The end of a statement on one page: the last detail table (``lead``, after its heading ``head``), the
    certification and the auditing officer's box below it, and the remittance stub at the foot of the page.
    When they do not all fit where they start, the table splits so that its last rows (at least ``CARRY``, its
    total among them) go on with the rest to the next page: the last page never holds the stub alone, nor the
    signatures without the bill above them (issue 15: "the last page is nearly blank"); a table too short to
    split moves with its heading."""

    CARRY = 4

    def __init__(self, top: list, bottom: list, lead: Ledger | None = None, head: list | None = None,
                 carried: bool = False):
        super().__init__()
        self.top, self.bottom, self.lead, self.head = top, bottom, lead, head or []
        self.carried = carried  # the rows carried over: they start the next page, never split again here

    def wrap(self, avail_width, avail_height):
        self._head = [f.wrap(avail_width, avail_height) for f in self.head]
        self._lead = self.lead.wrap(avail_width, avail_height)[1] if self.lead is not None else 0.0
        self._top = [f.wrap(avail_width, avail_height) for f in self.top]
        self._bottom = [f.wrap(avail_width, avail_height) for f in self.bottom]
        self._closing = sum(h for _w, h in self._top) + sum(h for _w, h in self._bottom)
        need = sum(h for _w, h in self._head) + self._lead + self._closing
        self.width = avail_width
        self.height = avail_height if need <= avail_height else need
        return self.width, self.height

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        lead = self.lead
        if self.carried and avail_height < FRAME_H - 1:
            return []
        room = avail_height - sum(h for _w, h in self._head)  # for the table, under its heading
        if lead is not None and len(lead.rows) > self.CARRY:
            heights = [r.height for r in lead.rows]
            fit = 0  # rows that fit here
            while fit < len(heights) and lead.head_height + sum(heights[:fit + 1]) <= room:
                fit += 1
            rest = lead.head_height + sum(heights[fit:]) + self._closing
            if fit == 0:
                parts = lead.split(avail_width, room)  # a first row taller than the room: cut it
            elif rest > FRAME_H:  # more rows than the next page holds with the closing: fill this page
                parts = lead.split(avail_width, lead.head_height + sum(heights[:fit]) + 0.01)
            else:  # leave the last CARRY rows to go on with the closing
                stay = min(fit, len(heights) - self.CARRY)
                parts = lead.split(avail_width, lead.head_height + sum(heights[:stay]) + 0.01)
            if len(parts) == 2:
                return [*self.head, parts[0], _Closing(self.top, self.bottom, parts[1], carried=True)]
        if avail_height < FRAME_H - 1:  # not a fresh page: move to the next one whole
            return []
        # taller than a page (a table of a few enormous rows): let it flow, the stub at the foot of the last page
        return [*self.head, *([lead] if lead is not None else []), *self.top, _AtBottom(self.bottom)]

    def draw(self):
        y = self.height
        for f, (_w, h) in zip(self.head, self._head):
            y -= h
            f.drawOn(self.canv, 0, y)
        if self.lead is not None:
            y -= self._lead
            self.lead.drawOn(self.canv, 0, y)
        for f, (_w, h) in zip(self.top, self._top):
            y -= h
            f.drawOn(self.canv, 0, y)
        y = sum(h for _w, h in self._bottom)
        for f, (_w, h) in zip(self.bottom, self._bottom):
            y -= h
            f.drawOn(self.canv, 0, y)


class _AtBottom(Flowable):
    """Draws its content at the bottom of the page's remaining space (the remittance stub), or moves to the
    next page when it does not fit."""

    def __init__(self, content: list):
        super().__init__()
        self.content = content

    def wrap(self, avail_width, avail_height):
        self._sizes = [f.wrap(avail_width, avail_height) for f in self.content]
        need = sum(h for _w, h in self._sizes)
        self.width = avail_width
        self.height = avail_height if need <= avail_height else need
        return self.width, self.height

    def draw(self):
        y = sum(h for _w, h in self._sizes)
        for f, (_w, h) in zip(self.content, self._sizes):
            y -= h
            f.drawOn(self.canv, 0, y)


class _CutLine(Flowable):
    def __init__(self, width: float):
        super().__init__()
        self.width, self.height = width, 8

    def draw(self):
        c = self.canv
        c.setStrokeColor(MUTED)
        c.setDash(3, 3)
        c.setLineWidth(0.6)
        c.line(0, 4, self.width, 4)
        c.setDash()
        c.setFont(FONT, 8)
        c.setFillColor(MUTED)
        c.drawString(0, -5, "✂  detach here")


def footer_frame(canv, page: int, total: int) -> tuple[float, float]:
    """What every statement-style document's page foot carries: the rule and "Page n of m". Returns the text
    span (x0, x1), with the muted 7-point font set for the caller's own left-hand line."""
    x0, x1 = MARGIN_X + FRAME_PAD, PAGE_W - MARGIN_X - FRAME_PAD
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(x0, 0.55 * inch, x1, 0.55 * inch)
    canv.setFillColor(MUTED)
    canv.setFont(FONT_BOLD, 7)
    canv.drawRightString(x1, 0.4 * inch, f"Page {page} of {total}")
    canv.setFont(FONT, 7)
    return x0, x1


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line of at most ``width``, cut short with "…" when it is wider (a long agency name
    must not run into the page number)."""
    text = " ".join(text.split())
    if text_width(text, font, size) <= width:
        return text
    n = len(text)
    while n > 1 and text_width(text[:n] + "…", font, size) > width:
        n -= 1
    return text[:n].rstrip() + "…"


def _callout(par: Paragraph) -> Table:
    t = StyledTable([[par]], colWidths=[WIDTH])
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, ACCENT), ("BACKGROUND", (0, 0), (-1, -1), ACCENT_LIGHT),
                           ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 5),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return t


def _grid_style(n_rows: int, total_row: bool = False) -> TableStyle:
    st = TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ])
    if n_rows > 2:
        st.add("ROWBACKGROUNDS", (0, 1), (-1, -2 if total_row else -1), [colors.white, ZEBRA])
    if total_row:
        st.add("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)
    else:
        st.add("LINEBELOW", (0, -1), (-1, -1), 0.4, RULE)
    return st


def render_statement(view: StatementView) -> bytes:
    """The statement (or credit note) as PDF bytes; the same view always gives the same bytes."""
    return _Builder(view).build()
