"""The Settlement Proposal PDF and CSV (issue 20): each agency's net position, the transfers, which statements
each agency's payment or receipt settles, the zero balances that result, each party's answer, and the same
kind of certification block as the statements. Letter size, embedded fonts, page X of Y, deterministic bytes."""

from __future__ import annotations

import csv
import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from partnerdesk import __version__
from partnerdesk.domain.money import Money
from partnerdesk.domain.periods import long_date
from partnerdesk.domain.settlement import BILATERAL, ProposalView
from partnerdesk.reports.statement import (BOTTOM_MARGIN, CERTIFICATION, MARGIN_X, PAGE_H, TOP_MARGIN,
                                           WIDTH, _callout, _grid_style, _Rule, footer_frame, money)
from partnerdesk.reports.styles import (ACCENT, ACCENT_LIGHT, FONT, FONT_BOLD, INK, RULE, StyledTable, esc,
                                        numbered_canvas, styles)

TITLE = "Regional Settlement Proposal"
NOT_FINAL = ("This plan is final only when every party has accepted it on its billing installation. Until "
             "then pay nothing: each statement stays due as issued.")
BILATERAL_NOTE = ("BILATERAL NETTING ONLY. Not every agency involved settles through PartnerDesk, so each pair of "
                  "agencies nets only the statements between the two of them; no balance is passed on to a third "
                  "agency.")


def _amount(cents: int) -> str:
    """Plain dollars for the CSV: 1234.50, -80.00 (no symbol, no thousands separator)."""
    return Money(cents).format(symbol=False).replace(",", "")


class _Proposal:
    def __init__(self, view: ProposalView):
        self.v = view
        self.st = styles()
        self.names = {pv.code: pv.name for pv in view.parties}

    def p(self, text: str, style: str = "base") -> Paragraph:
        return Paragraph(text, self.st[style])

    def grid(self, header: list[str], rows: list[list[str]], widths: list[float], right: set[int],
             total: bool = False) -> StyledTable:
        data = [[self.p(esc(h).upper(), "label") for h in header]]
        for r in rows:
            data.append([self.p(c, "cell_right" if i in right else "cell") for i, c in enumerate(r)])
        t = StyledTable(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
        t.setStyle(_grid_style(len(data), total_row=total))
        return t

    # -- sections ----------------------------------------------------------------------------------
    def header(self) -> list:
        v = self.v
        left = [self.p(esc(TITLE), "h1"), Spacer(1, 2),
                self.p(f"Statements between agencies for fiscal quarter <b>{esc(v.quarter)}</b>", "base"),
                self.p(f"Proposed by {esc(v.proposed_by_name)} ({esc(v.proposed_by)})"
                       + (f", {esc(v.proposed_by_person)}" if v.proposed_by_person else ""), "muted")]
        facts = [["Proposal ID", esc(v.code)], ["Quarter", esc(v.quarter)], ["Proposed on", long_date(v.proposed_on)],
                 ["Status", esc(v.status_label)], ["Netting", "Bilateral only" if v.mode == BILATERAL else
                                                   "Multilateral"]]
        box = StyledTable([[self.p(esc(k), "label"), self.p(val, "right_bold" if i == 0 else "right")]
                           for i, (k, val) in enumerate(facts)], colWidths=[1.0 * inch, 1.6 * inch])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT),
            ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        t = StyledTable([[left, box]], colWidths=[WIDTH - 2.6 * inch, 2.6 * inch])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        out = [t, Spacer(1, 8), _Rule(WIDTH, ACCENT, 1.2), Spacer(1, 8)]
        if v.mode == BILATERAL:
            out += [_callout(self.p(f"<b>{esc(BILATERAL_NOTE)}</b>", "note")), Spacer(1, 6)]
        n = len(v.parties)
        out.append(self.p(
            f"{len(v.items)} issued, unpaid statement{'s' if len(v.items) != 1 else ''} between {n} agencies, "
            f"{money(v.total_cents)} in all, are settled by <b>{len(v.transfers)} payment"
            f"{'s' if len(v.transfers) != 1 else ''}</b> instead of {len(v.items)}"
            + (f" (at most {n - 1} for {n} agencies)" if v.mode != BILATERAL else "")
            + ". Each payment is recorded with the reference shown; recording it marks every statement it settles "
              "as paid. After the last payment every balance below is zero.", "note"))
        if v.status_reason:
            out += [Spacer(1, 4), self.p(f"<b>{esc(v.status_label.capitalize())}:</b> {esc(v.status_reason)}", "note")]
        return out

    def positions(self) -> list:
        v = self.v
        rows = []
        for pv in v.parties:
            pays = sum(t.cents for t in v.transfers if t.payer == pv.code)
            gets = sum(t.cents for t in v.transfers if t.payee == pv.code)
            rows.append([f"<b>{esc(pv.code)}</b> {esc(pv.name)}", money(pv.owed_cents), money(pv.owes_cents),
                         money(pv.position_cents), money(pays) if pays else "—", money(gets) if gets else "—",
                         money(pv.position_cents - gets + pays)])
        return [self.p("1. Net position of each agency", "h2"),
                self.grid(["Agency", "Owed to it", "It owes", "Net position", "It pays", "It receives",
                           "Balance after"], rows, [0.3, 0.11, 0.11, 0.12, 0.12, 0.12, 0.12], {1, 2, 3, 4, 5, 6})]

    def transfers(self) -> list:
        v = self.v
        if not v.transfers:
            return [self.p("2. Payments", "h2"),
                    self.p("No payment is needed: every agency's statements net out to zero. The statements are "
                           f"settled when the last party accepts (reference {esc(v.net_reference)}).", "note")]
        rows = [[str(t.seq), f"<b>{esc(t.payer)}</b> {esc(t.payer_name)}", f"<b>{esc(t.payee)}</b> {esc(t.payee_name)}",
                 money(t.cents), esc(t.reference), esc(", ".join(t.statements)) or "—",
                 long_date(t.paid_on) if t.paid_on else "not yet"] for t in v.transfers]
        return [self.p("2. Payments", "h2"),
                self.grid(["No.", "Payer", "Payee", "Amount", "Reference", "Settles statements", "Paid"],
                          rows, [0.04, 0.17, 0.17, 0.1, 0.24, 0.18, 0.1], {3})]

    def per_agency(self) -> list:
        v = self.v
        out = [CondPageBreak(1.5 * inch), self.p("3. What each agency's payment or receipt settles", "h2")]
        refs = {t.seq: t.reference for t in v.transfers}
        for pv in v.parties:
            rows = []
            for it in v.items:
                if pv.code not in (it.creditor, it.debtor):
                    continue
                owes = it.debtor == pv.code
                other = it.creditor if owes else it.debtor
                how = refs.get(it.transfer_seq, v.net_reference) if it.transfer_seq else \
                    f"{v.net_reference} (netting, when final)"
                rows.append([esc(it.number), "it owes" if owes else "owed to it", esc(other),
                             money(-it.balance_cents if owes else it.balance_cents), esc(how),
                             "settled" if it.settled else "open"])
            own = [t for t in v.transfers if pv.code in (t.payer, t.payee)]
            moves = "; ".join(f"pays {money(t.cents)} to {esc(t.payee)} ({esc(t.reference)})" if t.payer == pv.code
                              else f"receives {money(t.cents)} from {esc(t.payer)} ({esc(t.reference)})"
                              for t in own) or "no payment either way"
            rows.append([f"<b>Net {money(pv.position_cents)}</b>", "", "", "", f"<b>{moves}</b>",
                         f"<b>balance {money(0)}</b>"])
            out.append(KeepTogether([
                self.p(f"<b>{esc(pv.code)}</b> — {esc(pv.name)}", "bold"), Spacer(1, 2),
                self.grid(["Statement", "Direction", "With", "Amount", "Settled by", "Now"], rows,
                          [0.16, 0.1, 0.07, 0.12, 0.43, 0.12], {3}, total=True), Spacer(1, 8)]))
        return out

    def answers(self) -> list:
        v = self.v
        rows = []
        for pv in v.parties:
            if pv.decision:
                what = pv.decision + (" (recorded on its behalf)" if pv.on_behalf else "")
                if pv.reason:
                    what += f": {pv.reason}"
                rows.append([f"<b>{esc(pv.code)}</b> {esc(pv.name)}", esc(what), long_date(pv.decided_on),
                             esc(pv.decided_by or "")])
            else:
                rows.append([f"<b>{esc(pv.code)}</b> {esc(pv.name)}", "awaiting answer", "—", ""])
        return [self.p("4. Acceptance by each party", "h2"),
                self.p(esc(NOT_FINAL), "muted"), Spacer(1, 3),
                self.grid(["Party", "Answer", "Date", "By"], rows, [0.34, 0.36, 0.15, 0.15], set())]

    def certification(self) -> list:
        v = self.v
        sig = StyledTable([
            [Spacer(1, 24), ""],
            [_Rule(3.1 * inch, INK, 0.6), _Rule(2.1 * inch, INK, 0.6)],
            [self.p("Signature", "muted"), self.p("Date", "muted")],
            [Spacer(1, 16), ""],
            [_Rule(3.1 * inch, INK, 0.6), _Rule(2.1 * inch, INK, 0.6)],
            [self.p("Printed name", "muted"), self.p("Title", "muted")],
        ], colWidths=[3.4 * inch, 2.4 * inch], hAlign="LEFT")
        sig.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        cert = [self.p(f"PROPOSER'S CERTIFICATION — {esc(v.proposed_by_name.upper())}", "label"), Spacer(1, 3),
                self.p(f"{CERTIFICATION} The statements listed are every issued, unpaid statement between the "
                       f"agencies named for {esc(v.quarter)} held in our records on {long_date(v.proposed_on)}, at "
                       "the balances shown, and the payments above settle them exactly, to the cent.", "note"),
                Spacer(1, 3),
                self.p(f"Plan fingerprint (SHA-256): <font name='{FONT}'>{esc(v.plan_sha256)}</font>", "small"),
                Spacer(1, 6), sig]
        box_rows = [[self.p("FOR EACH PARTY — AUDITING OFFICER (RCW 42.24.080)", "label")],
                    [self.p("I certify under penalty of perjury that the statements listed for my agency are due and "
                            "unpaid obligations at the balances shown, and that my agency's payment or receipt above "
                            "settles them.", "small")],
                    [Spacer(1, 30)],
                    [self.p("Agency  ·  Auditing officer signature  ·  Date  ·  Warrant or EFT no.", "muted")]]
        box = StyledTable(box_rows, colWidths=[WIDTH])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, INK), ("TOPPADDING", (0, 0), (-1, -1), 4),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                 ("LINEABOVE", (0, 3), (-1, 3), 0.4, RULE)]))
        return [KeepTogether([Spacer(1, 14), *cert, Spacer(1, 10), box])]

    def footer(self, canv, page: int, total: int) -> None:
        v = self.v
        canv.saveState()
        x0, x1 = footer_frame(canv, page, total)
        mode = "bilateral netting only" if v.mode == BILATERAL else "multilateral netting"
        canv.drawString(x0, 0.4 * inch, f"{TITLE} {v.code} · {v.quarter} · {mode}")
        if page > 1:
            canv.setFont(FONT_BOLD, 8)
            canv.setFillColor(ACCENT)
            canv.drawString(x0, PAGE_H - 0.42 * inch, f"{TITLE} — {v.quarter}")
            canv.drawRightString(x1, PAGE_H - 0.42 * inch, v.code)
        canv.restoreState()

    def build(self) -> bytes:
        v = self.v
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP_MARGIN,
            bottomMargin=BOTTOM_MARGIN, invariant=1, title=f"{TITLE} {v.code}", author=v.proposed_by_name,
            subject=f"Settlement of {v.quarter} statements between {', '.join(pv.code for pv in v.parties)}",
            creator=f"partnerdesk {__version__}", producer=f"partnerdesk {__version__} (ReportLab)",
            keywords=f"{v.code}, {v.quarter}, settlement, {v.mode}", lang="en-US")
        story = (self.header() + self.positions() + self.transfers() + self.per_agency() + self.answers()
                 + self.certification())
        doc.build(story, canvasmaker=numbered_canvas(self.footer, v.proposed_on, demo=v.demo))
        return buf.getvalue()


def render_proposal(view: ProposalView) -> bytes:
    return _Proposal(view).build()


def proposal_csv(v: ProposalView) -> str:
    """Blocks a spreadsheet reads: the proposal, net positions, payments, and per agency the statements its
    payment or receipt settles with the zero balance that results."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([TITLE, v.code, v.quarter, v.mode_label, v.status_label, f"proposed {v.proposed_on.isoformat()}",
                f"by {v.proposed_by}", f"plan sha256 {v.plan_sha256}"])
    if v.mode == BILATERAL:
        w.writerow([BILATERAL_NOTE])
    w.writerow([])
    w.writerow(["agency", "name", "owed to it", "it owes", "net position", "it pays", "it receives",
                "balance after settlement", "answer", "answered on"])
    for pv in v.parties:
        pays = sum(t.cents for t in v.transfers if t.payer == pv.code)
        gets = sum(t.cents for t in v.transfers if t.payee == pv.code)
        w.writerow([pv.code, pv.name, _amount(pv.owed_cents), _amount(pv.owes_cents), _amount(pv.position_cents),
                    _amount(pays), _amount(gets), _amount(pv.position_cents - gets + pays), pv.decision or "awaiting",
                    pv.decided_on.isoformat() if pv.decided_on else ""])
    w.writerow([])
    w.writerow(["payment", "payer", "payee", "amount", "reference", "settles statements", "paid on"])
    for t in v.transfers:
        w.writerow([t.seq, t.payer, t.payee, _amount(t.cents), t.reference, " ".join(t.statements),
                    t.paid_on.isoformat() if t.paid_on else ""])
    w.writerow([])
    w.writerow(["agency", "statement", "direction", "with", "amount", "settled by", "balance after settlement"])
    refs = {t.seq: t.reference for t in v.transfers}
    for pv in v.parties:
        for it in v.items:
            if pv.code not in (it.creditor, it.debtor):
                continue
            owes = it.debtor == pv.code
            w.writerow([pv.code, it.number, "it owes" if owes else "owed to it", it.creditor if owes else it.debtor,
                        _amount(-it.balance_cents if owes else it.balance_cents),
                        refs.get(it.transfer_seq) or f"{v.net_reference} (netting, when final)", _amount(0)])
    return buf.getvalue()


__all__ = ["render_proposal", "proposal_csv", "TITLE", "BILATERAL_NOTE"]
