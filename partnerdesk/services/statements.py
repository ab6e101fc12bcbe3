"""Quarterly intergovernmental billing statements (DESIGN §4): draft, preview, issue, void, credit notes,
verify. One unit of work per statement; numbers are assigned only at issue, inside the same
``BEGIN IMMEDIATE`` transaction that freezes the lines, the PDF and its hash, so numbering is gapless.

Designed to be driven from a GUI worker thread: ``issue`` reports ``progress(done, total, label)`` and
checks ``should_cancel()`` between statements (a statement is either wholly issued or not at all).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partnerdesk import fsutil
from partnerdesk.db import seals
from partnerdesk.db.models import (Agency, Agreement, AgreementParty, Contact, NumberSequence, Payment,
                                   ServiceCategory, Statement, StatementDocument, StatementLine, TimeEntry)
from partnerdesk.db.types import session_now, uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain import sealing
from partnerdesk.domain.statement_rules import (OFFSET, PROVIDED, BillableEntry, LineDraft, build_statement,
                                        payment_status)
from partnerdesk.domain.issuing import can_issue_numbers
from partnerdesk.domain.periods import Quarter, fiscal_year_of, long_date, short_date
from partnerdesk.domain.statements import (AccountSummary, CapView, HeldEntry, IssueOutcome, IssuePlan,
                                           StatementDTO, StatementView, VerifyResult)
from partnerdesk.errors import FrozenError, NotFoundError, UserError, ValidationError
from partnerdesk.services.agencies import agency_dto
from partnerdesk.services.base import clean_text, demo_database, find_agency, require_home
from partnerdesk.services.bulk_capture import insert_captured, update_captured
from partnerdesk.services.caps import cap_use
from partnerdesk.services.pricing import Pricer, freeze_invoiced, reprice

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
LIVE_ISSUED = ("issued", "partially_paid", "paid", "overpaid")


@dataclass
class _Build:
    """A freshly computed draft for one partner × agreement × period (inside a unit of work)."""

    statement: Statement
    lines: tuple[LineDraft, ...]
    rows: tuple[tuple[str, LineDraft], ...]  # (statement line id, line) of the stored lines, in order
    held: tuple[HeldEntry, ...]
    unacknowledged: int
    warnings: list[str]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def statement_number(issuer_code: str, fiscal_year: int, seq: int, series: str = "S") -> str:
    if series == "CN":
        return f"{issuer_code}-{fiscal_year}-CN{seq:03d}"
    return f"{issuer_code}-{fiscal_year}-{seq:04d}"


def next_number(s: Session, issuer: Agency, fiscal_year: int, series: str = "S") -> str:
    """Bump the issuer's gapless sequence. Call only inside a write unit of work (BEGIN IMMEDIATE): the
    increment commits or rolls back with the statement that uses it."""
    row = s.get(NumberSequence, (issuer.id, fiscal_year, series))
    if row is None:
        row = NumberSequence(issuer_agency_id=issuer.id, fiscal_year=fiscal_year, series=series, last_value=0)
        s.add(row)
    row.last_value += 1
    s.flush()
    return statement_number(issuer.code, fiscal_year, row.last_value, series)


def check_billing_node(home: Agency, node_id: str) -> None:
    """Only the issuer's billing installation issues numbers (DESIGN §4 rule 7)."""
    if not can_issue_numbers(home, node_id):
        raise UserError(f"this installation (node {node_id[:12]}) is not {home.name}'s billing installation "
                        f"(node {home.billing_node[:12]}): issue, void and credit statements there")


class StatementService:
    def __init__(self, db: Database):
        self.db = db

    # -- reading ----------------------------------------------------------------------------------
    def list(self, quarter: str | None = None, partner: str | None = None, status: str | None = None,
             include_drafts: bool = True) -> list[StatementDTO]:
        with self.db.read() as s:
            home = require_home(s)
            q = select(Statement).where(Statement.deleted_at.is_(None), Statement.issuer_agency_id == home.id)
            if quarter:
                q = q.where(Statement.period == str(Quarter.parse(quarter, home.fy_start_month)))
            if partner:
                q = q.where(Statement.bill_to_agency_id == find_agency(s, partner).id)
            if status:
                q = q.where(Statement.status == status)
            if not include_drafts:
                q = q.where(Statement.status != "draft")
            rows = s.scalars(q).all()
            dtos = self._dtos(s, rows)
            return sorted(dtos, key=lambda d: (d.number is None, d.number or "", d.partner, d.agreement_number or ""))

    def get(self, ref: str) -> StatementDTO:
        with self.db.read() as s:
            return self._dtos(s, [self._find(s, ref)])[0]

    def lines(self, ref: str) -> list[LineDraft]:
        with self.db.read() as s:
            return list(_stored_lines(s, self._find(s, ref).id))

    @staticmethod
    def _find(s: Session, ref: str) -> Statement:
        ref = (ref or "").strip()
        if not ref:
            raise ValidationError("statement: give a number such as LYN-2026-0001")
        st = s.scalar(select(Statement).where(Statement.deleted_at.is_(None),
                                              (Statement.number == ref.upper()) | (Statement.id == ref)))
        if st is None:
            raise NotFoundError(f"no statement '{ref}' (see 'partnerdesk statements list')")
        return st

    def _dtos(self, s: Session, rows: Iterable[Statement]) -> list[StatementDTO]:
        rows = list(rows)
        if not rows:
            return []
        ids = [r.id for r in rows]
        few = len(rows) <= 200  # a few statements (one just issued): look up only what they name
        q_agency, q_agr, q_num = select(Agency), select(Agreement.id, Agreement.number), \
            select(Statement.id, Statement.number)
        if few:
            q_agency = q_agency.where(Agency.id.in_({r.bill_to_agency_id for r in rows}))
            q_agr = q_agr.where(Agreement.id.in_({r.agreement_id for r in rows if r.agreement_id}))
            q_num = q_num.where(Statement.id.in_({x for r in rows for x in (r.supersedes_id, r.original_id) if x}))
        codes = {a.id: a for a in s.scalars(q_agency)}
        agr = dict(s.execute(q_agr).all())
        numbers = dict(s.execute(q_num).all())
        counts = dict(s.execute(select(StatementLine.statement_id, func.count())
                                .where(StatementLine.statement_id.in_(ids), StatementLine.deleted_at.is_(None))
                                .group_by(StatementLine.statement_id)).all())
        settled = _settled(s, ids)
        out = []
        for r in rows:
            a = codes[r.bill_to_agency_id]
            paid = settled.get(r.id, 0)
            diag = json.loads(r.diagnostics) if r.diagnostics else {}
            balance = 0 if r.status in ("void", "draft") or r.kind == "credit_note" else r.amount_due_cents - paid
            out.append(StatementDTO(
                id=r.id, number=r.number, kind=r.kind, status=r.status, partner=a.code, partner_name=a.name,
                agreement_number=agr.get(r.agreement_id), period=r.period, period_start=r.period_start,
                period_end=r.period_end, fiscal_year=r.fiscal_year, issue_date=r.issue_date, due_date=r.due_date,
                gross_cents=r.gross_cents, offset_cents=r.offset_cents, total_cents=r.total_cents,
                amount_due_cents=r.amount_due_cents, paid_cents=paid, balance_cents=balance,
                line_count=counts.get(r.id, 0), pdf_sha256=r.pdf_sha256,
                supersedes=numbers.get(r.supersedes_id) if r.supersedes_id else None,
                original=numbers.get(r.original_id) if r.original_id else None, void_reason=r.void_reason,
                cap_override_reason=r.cap_override_reason, held_back=len(diag.get("held", [])),
                unacknowledged=diag.get("unacknowledged", 0), warnings=tuple(diag.get("warnings", [])),
                seal_sha256=r.content_sha256))
        return out

    # -- drafting ---------------------------------------------------------------------------------
    def draft(self, quarter: str, partner: str | None = None, all_partners: bool = False,
              today: date | None = None, progress: Callable[[int, int], None] | None = None) -> list[StatementDTO]:
        """Create or refresh the draft statements for a quarter (one per partner per agreement);
        ``progress(done, total)`` after each."""
        _check_scope(partner, all_partners)
        with self.db.write(summary=f"statements drafted for {quarter}") as s:
            home = require_home(s)
            q = Quarter.parse(quarter, home.fy_start_month)
            keys = self._candidates(s, home, q, partner)
            pricer = Pricer(s)
            out = []
            for n, (partner_id, agreement_id) in enumerate(keys, 1):
                b = self._build(s, home, q, partner_id, agreement_id, pricer, today or self.db.clock.today())
                if b is not None:
                    out.append(b.statement)
                if progress is not None:
                    progress(n, len(keys))
            s.flush()
            return sorted(self._dtos(s, out), key=lambda d: (d.partner, d.agreement_number or ""))

    def _candidates(self, s: Session, home: Agency, q: Quarter, partner: str | None) -> list[tuple[str, str]]:
        """(partner id, agreement id) pairs with unbilled hours we gave in the quarter — unless the quarter is
        already billed for that pair — or late hours for a quarter already billed (prior-period services),
        plus open drafts."""
        cond = [TimeEntry.deleted_at.is_(None), TimeEntry.provider_agency_id == home.id,
                TimeEntry.agreement_id.is_not(None), TimeEntry.statement_line_id.is_(None),
                TimeEntry.status != "invoiced"]
        draft_cond = [Statement.deleted_at.is_(None), Statement.status == "draft", Statement.period == str(q),
                      Statement.issuer_agency_id == home.id, Statement.kind == "statement"]
        pid = None
        if partner:
            pid = find_agency(s, partner).id
            if pid == home.id:
                raise ValidationError("partner: that is your own agency; choose the neighbour", "partner")
            cond.append(TimeEntry.recipient_agency_id == pid)
            draft_cond.append(Statement.bill_to_agency_id == pid)
        billed = _billed_periods(s, home.id, pid)
        keys = {k for k in s.execute(select(TimeEntry.recipient_agency_id, TimeEntry.agreement_id).where(
            *cond, TimeEntry.work_date >= q.start, TimeEntry.work_date <= q.end).distinct()).all()
            if not _billing_of(billed, tuple(k), q)}
        for k in s.execute(select(TimeEntry.recipient_agency_id, TimeEntry.agreement_id, TimeEntry.work_date).where(
                *cond, TimeEntry.work_date < q.start, TimeEntry.status != "disputed")):
            if _late(billed, (k[0], k[1]), k[2]):
                keys.add((k[0], k[1]))
        keys |= set(s.execute(select(Statement.bill_to_agency_id, Statement.agreement_id).where(*draft_cond)).all())
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        numbers = dict(s.execute(select(Agreement.id, Agreement.number)).all())
        return sorted(keys, key=lambda k: (codes.get(k[0], ""), numbers.get(k[1], "")))

    def _build(self, s: Session, home: Agency, q: Quarter, partner_id: str, agreement_id: str, pricer: Pricer,
               today: date) -> _Build | None:
        agr = s.get(Agreement, agreement_id)
        partner = s.get(Agency, partner_id)
        billed = _billed_periods(s, home.id, partner_id, agreement_id)
        # the quarter's own entries, unless it is billed already (one statement per partner, agreement and
        # quarter): then they wait for the next one; and entries logged late (or settled after a dispute) for a
        # quarter already billed: prior-period services on this statement
        period = (TimeEntry.work_date >= q.start) & (TimeEntry.work_date <= q.end)
        late = [(TimeEntry.work_date >= b.start) & (TimeEntry.work_date <= b.end)
                for b in billed.get((partner_id, agreement_id), []) if b.end < q.start]
        base = [TimeEntry.deleted_at.is_(None), TimeEntry.agreement_id == agreement_id,
                TimeEntry.statement_line_id.is_(None), TimeEntry.status != "invoiced", or_(period, *late)]
        if _billing_of(billed, (partner_id, agreement_id), q):
            base.append(TimeEntry.id.is_(None))  # billed already: no second statement (a stale draft goes)
        # plain rows of the columns billing reads, not ORM objects: drafting only reads the entries
        # (issuing marks them with Core)
        entries = _ENTRY_COLUMNS
        ours = s.execute(select(*entries).where(*base, TimeEntry.provider_agency_id == home.id,
                                               TimeEntry.recipient_agency_id == partner_id)).all()
        theirs = []
        if agr.offset_allowed:
            theirs = s.execute(select(*entries).where(*base, TimeEntry.provider_agency_id == partner_id,
                                                     TimeEntry.recipient_agency_id == home.id)).all()
        cats = {c.id: c.code for c in s.scalars(select(ServiceCategory))}
        staff_ids = {e.staff_contact_id for e in (*ours, *theirs) if e.staff_contact_id}
        titles = dict(s.execute(select(Contact.id, Contact.title).where(Contact.id.in_(staff_ids))).all()) \
            if staff_ids else {}
        held: list[HeldEntry] = []
        unack = 0

        def billable(entries):
            nonlocal unack
            out = []
            for e in sorted(entries, key=lambda e: (e.work_date, e.id)):
                if e.status == "disputed":
                    held.append(HeldEntry(e.id, e.work_date, e.staff_name,
                                          f"disputed: {e.dispute_reason or 'no reason given'}"))
                    continue
                if e.status != "acknowledged":
                    unack += 1
                be = BillableEntry(id=e.id, work_date=e.work_date, minutes=e.minutes, staff_name=e.staff_name,
                                   staff_title=titles.get(e.staff_contact_id), category_id=e.category_id,
                                   category_code=cats.get(e.category_id), description=e.description,
                                   incident_ref=e.incident_ref, after_hours=e.after_hours, callout=e.callout,
                                   overtime=bool(e.overtime),
                                   travel_minutes=e.travel_minutes, miles=e.miles,
                                   provider_agency_id=e.provider_agency_id)
                out.append((be, pricer.rate_for(agreement_id, e.provider_agency_id, e.category_id, e.work_date)))
            return out

        draft = build_statement(billable(ours), billable(theirs), offset_allowed=agr.offset_allowed,
                                mileage_table=pricer.mileage)
        for u in draft.unpriced:
            held.append(HeldEntry(u.entry.id, u.entry.work_date, u.entry.staff_name, u.reason))
        st = s.scalar(select(Statement).where(
            Statement.deleted_at.is_(None), Statement.status == "draft", Statement.kind == "statement",
            Statement.issuer_agency_id == home.id, Statement.bill_to_agency_id == partner_id,
            Statement.agreement_id == agreement_id, Statement.period == str(q)))
        if not draft.provided:
            if st is not None:  # nothing left to bill: the old draft goes
                for ln in s.scalars(select(StatementLine).where(StatementLine.statement_id == st.id,
                                                                StatementLine.deleted_at.is_(None))):
                    ln.deleted_at = session_now(s)
                st.deleted_at = session_now(s)
            return None
        warnings: list[str] = []
        if not agr.filing_reference:
            warnings.append(f"{agr.number} is not filed (RCW 39.34.040): it cannot be billed until it is "
                            "filed with the county auditor or listed on the web site")
        if agr.is_draft:
            warnings.append(f"{agr.number} is still a draft agreement: it cannot be billed")
        if unack:
            warnings.append(f"{unack} entr{'y has' if unack == 1 else 'ies have'} not been acknowledged by "
                            f"{partner.code}")
        if held:
            warnings.append(f"{len(held)} entr{'y is' if len(held) == 1 else 'ies are'} held back "
                            "(disputed or not priced)")
        party = s.scalar(select(AgreementParty).where(AgreementParty.agreement_id == agreement_id,
                                                      AgreementParty.agency_id == partner_id,
                                                      AgreementParty.deleted_at.is_(None)))
        if st is None:
            st = Statement(kind="statement", issuer_agency_id=home.id, bill_to_agency_id=partner_id,
                           agreement_id=agreement_id, period=str(q), fiscal_year=q.fiscal_year,
                           period_start=q.start, period_end=q.end, status="draft")
            s.add(st)
            s.flush()
            existing: list = []
        else:
            existing = s.execute(select(*_LINE_COLUMNS).where(StatementLine.statement_id == st.id,
                                                              StatementLine.deleted_at.is_(None))
                                 .order_by(StatementLine.position)).all()
        s.flush()
        cap = _cap_view(s, home, agr, q.fiscal_year, q.end)
        if cap is not None and _over_cap(cap):
            warnings.append(f"{agr.number}: billing this statement takes FY{q.fiscal_year} past the agreement's "
                            "cap; issuing needs a recorded override reason")
        t = draft.totals
        st.bill_to_reference = party.reference if party else None
        st.gross_cents, st.offset_cents = t.gross_provided_cents, t.gross_offset_cents
        st.total_cents, st.amount_due_cents = t.net_cents, t.amount_due_cents
        diag = json.dumps({"held": [[h.entry_id, h.work_date.isoformat(), h.staff_name, h.reason] for h in held],
                           "unacknowledged": unack, "warnings": warnings}, ensure_ascii=False, sort_keys=True)
        if st.diagnostics != diag:
            st.diagnostics = diag
        # the stored lines stay when every column matches the fresh draft (LineDraft.key() is every field;
        # compared as stored, source ids as the JSON text they are stored as)
        if [tuple(r)[1:] for r in existing] == [_stored_form(ln) for ln in draft.lines]:
            stored = [(r.id, ln) for r, ln in zip(existing, draft.lines)]
        else:
            # a statement has hundreds of lines: written with Core, with the same audit and sync trail
            now = session_now(s)
            update_captured(s, self.db, StatementLine.__tablename__,
                            [(r.id, {"deleted_at": (None, now)}) for r in existing])
            new_rows = [_line_values(st.id, i, ln, now) for i, ln in enumerate(draft.lines, 1)]
            insert_captured(s, self.db, StatementLine.__tablename__, new_rows)
            stored = [(r["id"], ln) for r, ln in zip(new_rows, draft.lines)]
        return _Build(st, draft.lines, tuple(stored), tuple(held), unack, warnings)

    # -- preview ----------------------------------------------------------------------------------
    def preview(self, ref: str, today: date | None = None) -> bytes:
        """PDF bytes: the frozen PDF of an issued statement, or a draft rendered with a DRAFT mark."""
        from partnerdesk.reports.statement import render_statement

        with self.db.read() as s:
            st = self._find(s, ref)
            doc = s.scalar(select(StatementDocument).where(StatementDocument.statement_id == st.id))
            if doc is not None:
                return doc.pdf
            home = s.get(Agency, st.issuer_agency_id)
            view = self._view(s, home, st, today or self.db.clock.today(), _stored_lines(s, st.id))
            return render_statement(view)

    def _view(self, s: Session, home: Agency, st: Statement, issue_date: date,
              lines: tuple[LineDraft, ...]) -> StatementView:
        agr = s.get(Agreement, st.agreement_id) if st.agreement_id else None
        bill_to = s.get(Agency, st.bill_to_agency_id)
        terms = agr.payment_terms_days if agr else 30
        cats = {c.code: (c.name, c.bars_code) for c in s.scalars(select(ServiceCategory))}
        account = _account_summary(s, st, issue_date)
        cap = _cap_view(s, home, agr, st.fiscal_year, st.period_end) if agr else None  # a credit note's too
        linked = [x for x in (st.supersedes_id, st.original_id) if x]
        numbers = dict(s.execute(select(Statement.id, Statement.number).where(Statement.id.in_(linked))).all()) \
            if linked else {}
        place = None
        where = home.address or home.remit_to  # the street address when set up; remit-to may be a PO box
        if where:
            place = where.strip().splitlines()[-1].split(" WA ")[0].rstrip(",") + ", Washington"
        approval = None
        if agr and (agr.approval_resolution or agr.approval_date):
            approval = " of ".join(x for x in (agr.approval_resolution,
                                               long_date(agr.approval_date) if agr.approval_date
                                               else None) if x)
        return StatementView(
            number=st.number, kind=st.kind, status=st.status, issuer=agency_dto(home), bill_to=agency_dto(bill_to),
            bill_to_reference=st.bill_to_reference, agreement_number=agr.number if agr else None,
            agreement_title=agr.title if agr else None, agreement_kind=agr.kind if agr else None,
            agreement_filing=agr.filing_reference if agr else None, agreement_approval=approval,
            offset_allowed=bool(agr and agr.offset_allowed), period=st.period, period_start=st.period_start,
            period_end=st.period_end, fiscal_year=st.fiscal_year, issue_date=st.issue_date or issue_date,
            due_date=st.due_date or issue_date + timedelta(days=terms), payment_terms_days=terms,
            lines=tuple(lines), gross_cents=st.gross_cents, offset_cents=st.offset_cents,
            total_cents=st.total_cents, amount_due_cents=st.amount_due_cents, account=account, cap=cap,
            category_names=cats, place=place,
            supersedes=numbers.get(st.supersedes_id) if st.supersedes_id else None,
            original=numbers.get(st.original_id) if st.original_id else None,
            notes=st.notes,
            cap_override_reason=st.cap_override_reason, demo=demo_database(s))

    # -- issuing ----------------------------------------------------------------------------------
    def plan_issue(self, quarter: str, today: date | None = None) -> IssuePlan:
        """What ``issue(quarter, all_partners=True)`` would do, before anything is numbered: the quarter's
        drafts (refreshed, as issuing refreshes them) and those the issue guards would refuse, with why."""
        today = today or self.db.clock.today()
        with self.db.read() as s:
            home = require_home(s)
            check_billing_node(home, self.db.node_id)
            q = Quarter.parse(quarter, home.fy_start_month)
            check_quarter_ended(q, today)
        drafts = self.draft(str(q), all_partners=True, today=today)
        refusals = []
        with self.db.read() as s:
            home = require_home(s)
            for d in drafts:
                agr = s.get(Agreement, s.get(Statement, d.id).agreement_id)
                why = _agreement_refusal(agr) or _cap_refusal(s, home, agr, q)
                if why:
                    refusals.append((d, why))
        return IssuePlan(str(q), tuple(drafts), tuple(refusals))

    def issue(self, quarter: str, partner: str | None = None, all_partners: bool = False,
              out_dir: Path | str | None = None, cap_override_reason: str | None = None,
              today: date | None = None, progress: Progress | None = None,
              should_cancel: Cancel | None = None) -> list[IssueOutcome]:
        """Issue the quarter's statements for one partner or all. Each statement is its own transaction:
        a guard that stops one (unfiled agreement, cap without a reason, nothing to bill) skips it with the
        reason and the run goes on. Cancelling stops between statements."""
        _check_scope(partner, all_partners)
        reason = clean_text(cap_override_reason, "cap override reason", 2000)
        out = Path(out_dir) if out_dir is not None else None
        if out is not None and out.exists() and not out.is_dir():
            raise ValidationError(f"--out {out} is a file, not a folder")
        today = today or self.db.clock.today()
        with self.db.read() as s:
            home = require_home(s)
            check_billing_node(home, self.db.node_id)
            q = Quarter.parse(quarter, home.fy_start_month)
            check_quarter_ended(q, today)
            keys = self._candidates(s, home, q, partner)
            already = sorted(b.number for bs in _billed_periods(s, home.id, find_agency(s, partner).id).values()
                             for b in bs if b.period == str(q)) if partner and not keys else []
        if not keys and partner:
            if already:
                raise UserError(f"nothing to bill {partner.upper()} for {q}: {', '.join(already)} already bills it "
                                "(one statement per partner, agreement and quarter); hours logged late for "
                                f"{q} go on {partner.upper()}'s next statement as prior-period services")
            raise UserError(f"nothing to bill {partner.upper()} for {q}: no unbilled hours given in "
                            f"{short_date(q.start, year=False)} – {short_date(q.end)}")
        if out is not None and keys:
            check_writable_folder(out)  # before anything is numbered
        results: list[IssueOutcome] = []  # the output folder is created with the first PDF, not before
        for i, (pid, aid) in enumerate(keys):
            if should_cancel is not None and should_cancel():
                break
            if progress:
                progress(i, len(keys), f"statement {i + 1} of {len(keys)}")
            results.append(self._issue_key(q, pid, aid, reason, today, out))
        if progress:
            progress(len(results), len(keys), "done")
        if partner and len(results) == 1 and not results[0].issued:
            raise UserError(results[0].skipped_reason or "not issued")
        return results

    def issue_statement(self, ref: str, cap_override_reason: str | None = None, today: date | None = None,
                        out_dir: Path | str | None = None) -> IssueOutcome:
        """Issue one draft (the GUI's "Issue" on a selected row)."""
        with self.db.read() as s:
            st = self._find(s, ref)
            if st.status != "draft":
                raise FrozenError(f"{st.number or 'this statement'} is already {st.status}")
            home = require_home(s)
            check_billing_node(home, self.db.node_id)
            q = Quarter.parse(st.period, home.fy_start_month)
            check_quarter_ended(q, today or self.db.clock.today())
            key = (st.bill_to_agency_id, st.agreement_id)
        out = Path(out_dir) if out_dir is not None else None
        if out is not None:
            check_writable_folder(out)
        result = self._issue_key(q, *key, clean_text(cap_override_reason, "cap override reason", 2000),
                                 today or self.db.clock.today(), out)
        if not result.issued:
            raise UserError(result.skipped_reason or "not issued")
        return result

    def _issue_key(self, q: Quarter, partner_id: str, agreement_id: str, reason: str | None, today: date,
                   out: Path | None) -> IssueOutcome:
        from partnerdesk.reports.statement import render_statement

        class _Skip(Exception):
            pass

        with self.db.read() as s:
            pcode = s.get(Agency, partner_id).code
            anum = s.get(Agreement, agreement_id).number
        held: tuple[HeldEntry, ...] = ()
        warnings: list[str] = []
        try:
            with self.db.write(action="issue", summary=f"statement issued to {pcode} for {q} ({anum})") as s:
                home = require_home(s)
                check_billing_node(home, self.db.node_id)
                agr = s.get(Agreement, agreement_id)
                refused = _agreement_refusal(agr)
                if refused:
                    raise _Skip(refused)
                b = self._build(s, home, q, partner_id, agreement_id, Pricer(s, {agreement_id}), today)
                if b is None:
                    raise _Skip(f"nothing to bill {pcode} under {anum} for {q}")
                st, held, warnings = b.statement, b.held, [w for w in b.warnings if "held back" not in w
                                                           and "cap" not in w]
                if _cap_refusal(s, home, agr, q):
                    if not reason:
                        raise _Skip(_cap_refusal(s, home, agr, q))
                    st.cap_override_reason = reason
                s.flush()
                fy = fiscal_year_of(today, home.fy_start_month)
                st.number = next_number(s, home, fy, "S")
                st.issue_date, st.due_date = today, today + timedelta(days=agr.payment_terms_days)
                st.status = "issued"
                st.issued_by = self.db.actor.display_name
                st.supersedes_id = s.scalar(select(Statement.id).where(
                    Statement.deleted_at.is_(None), Statement.status == "void", Statement.kind == "statement",
                    Statement.issuer_agency_id == home.id, Statement.bill_to_agency_id == partner_id,
                    Statement.agreement_id == agreement_id, Statement.period == str(q),
                    Statement.id.not_in(select(Statement.supersedes_id).where(
                        Statement.supersedes_id.is_not(None), Statement.deleted_at.is_(None))))
                    .order_by(Statement.issue_date.desc()).limit(1))
                st.diagnostics = None
                s.flush()
                _mark_invoiced(s, self.db, b.rows)
                lines = tuple(ln for _id, ln in b.rows)
                pdf = render_statement(self._view(s, home, st, today, lines))
                st.pdf_sha256 = _sha256(pdf)
                s.add(StatementDocument(statement_id=st.id, pdf=pdf, sha256=st.pdf_sha256))
                _seal(s, st)
                dto = self._dtos(s, [st])[0]
        except _Skip as skip:
            log.info("not issued: %s", skip)
            return IssueOutcome(pcode, anum, None, str(skip), tuple(warnings), held)
        path = pdf_error = None
        if out is not None:  # after the commit: the statement stays issued, its PDF is in the database
            p = out / pdf_file_name(dto)
            try:
                _write_atomic(p, pdf)
                path = str(p)
            except OSError as exc:
                pdf_error = f"{p}: {exc.strerror or exc}"
                log.warning("issued %s but could not write its PDF: %s", dto.number, pdf_error)
        log.info("issued %s to %s for %s: %s", dto.number, pcode, q, dto.amount_due_cents)
        return IssueOutcome(pcode, anum, dto, None, tuple(warnings), held, path, pdf_error)

    # -- corrections ------------------------------------------------------------------------------
    def void(self, ref: str, reason: str) -> StatementDTO:
        """Void an issued statement: it keeps its number (never reused) and its PDF; its entries are
        released so a replacement statement can bill them (and will supersede this one)."""
        reason = clean_text(reason, "reason", 2000, required=True)
        with self.db.write(action="void", summary=f"statement voided: {reason}") as s:
            st = self._find(s, ref)
            check_billing_node(s.get(Agency, st.issuer_agency_id), self.db.node_id)
            if st.status == "draft":
                raise ValidationError("a draft has no number to void; it is simply not issued")
            if st.status == "void":
                raise FrozenError(f"{st.number} is already void")
            if st.kind != "credit_note" and _settled(s, [st.id]).get(st.id, 0):
                raise FrozenError(f"{st.number} has payments or credits applied; issue a credit note "
                                  "instead of voiding it")
            st.status, st.void_reason, st.voided_at = "void", reason, session_now(s)
            line_ids = select(StatementLine.id).where(StatementLine.statement_id == st.id)
            released = []
            for e in s.scalars(select(TimeEntry).where(TimeEntry.statement_line_id.in_(line_ids))):
                e.statement_line_id = None
                e.status = "acknowledged" if e.acknowledged_on else "draft"
                released.append(e.id)
            if released:  # their stored price snapshot follows today's rates again
                reprice(s, entry_ids=released)
            if st.kind == "credit_note" and st.original_id:
                orig = s.get(Statement, st.original_id)
                s.flush()
                _refresh_status(s, orig)
            s.flush()
            return self._dtos(s, [st])[0]

    def credit_note(self, ref: str, reason: str, amount_cents: int | None = None,
                    today: date | None = None) -> StatementDTO:
        """A credit note in its own series (``LYN-2026-CN001``), linked to the statement it credits. The
        default amount is the statement's open balance."""
        from partnerdesk.reports.statement import render_statement

        reason = clean_text(reason, "reason", 2000, required=True)
        today = today or self.db.clock.today()
        with self.db.write(action="issue", summary=f"credit note issued: {reason}") as s:
            orig = self._find(s, ref)
            home = s.get(Agency, orig.issuer_agency_id)
            check_billing_node(home, self.db.node_id)
            if orig.kind == "credit_note" or orig.status not in LIVE_ISSUED:
                raise ValidationError(f"{orig.number or 'a draft'} is {orig.status}; only an issued statement can "
                                      "be credited")
            balance = orig.amount_due_cents - _settled(s, [orig.id]).get(orig.id, 0)
            amount = balance if amount_cents is None else amount_cents
            if amount <= 0:
                raise ValidationError(f"{orig.number} has no open balance to credit")
            if amount > balance:
                raise ValidationError(f"credit of {amount / 100:,.2f} is more than the open balance of "
                                      f"{balance / 100:,.2f} on {orig.number}")
            fy = fiscal_year_of(today, home.fy_start_month)
            cn = Statement(kind="credit_note", issuer_agency_id=home.id, bill_to_agency_id=orig.bill_to_agency_id,
                           agreement_id=orig.agreement_id, period=orig.period, fiscal_year=orig.fiscal_year,
                           period_start=orig.period_start, period_end=orig.period_end, issue_date=today,
                           due_date=today, status="issued", original_id=orig.id,
                           bill_to_reference=orig.bill_to_reference, gross_cents=-amount, offset_cents=0,
                           total_cents=-amount, amount_due_cents=0, issued_by=self.db.actor.display_name,
                           notes=reason)
            cn.number = next_number(s, home, fy, "CN")
            s.add(cn)
            s.flush()
            line = LineDraft(kind="adjustment", side=PROVIDED, work_date=today, staff_name=None, staff_title=None,
                             category_code=None, description=f"Credit against {orig.number}: {reason}",
                             quantity="1", unit_rate=str(-amount), multiplier="1", amount_cents=-amount)
            s.add(_line_row(cn.id, 1, line))
            s.flush()
            pdf = render_statement(self._view(s, home, cn, today, (line,)))
            cn.pdf_sha256 = _sha256(pdf)
            s.add(StatementDocument(statement_id=cn.id, pdf=pdf, sha256=cn.pdf_sha256))
            _seal(s, cn)
            _refresh_status(s, orig)
            return self._dtos(s, [cn])[0]

    # -- documents --------------------------------------------------------------------------------
    def pdf(self, ref: str) -> bytes:
        with self.db.read() as s:
            st = self._find(s, ref)
            doc = s.scalar(select(StatementDocument).where(StatementDocument.statement_id == st.id))
            if doc is None:
                raise ValidationError(f"{st.number or 'this draft'} has no frozen PDF; issue it first (a draft can "
                                      "be previewed)")
            return doc.pdf

    def documents(self, refs: Iterable[str], today: date | None = None,
                  should_cancel: Cancel | None = None) -> list[tuple[StatementDTO, bytes]]:
        """The PDF of each statement named: an issued one's frozen PDF, a draft's preview (marked DRAFT)."""
        out = []
        for ref in refs:
            if should_cancel is not None and should_cancel():
                break
            out.append((self.get(ref), self.preview(ref, today)))
        return out

    def save_pdfs(self, refs: Iterable[str], folder: Path | str, today: date | None = None,
                  progress: Progress | None = None) -> list[Path]:
        """Write each statement's PDF into ``folder`` (issued: ``{number}.pdf``, the frozen file; a draft:
        ``DRAFT-….pdf``, rendered for review with the DRAFT mark), all in one step."""
        folder = Path(folder)
        refs = list(refs)
        if not refs:
            raise ValidationError("select one or more statements to save")
        check_writable_folder(folder)
        paths = []
        for i, ref in enumerate(refs):
            if progress:
                progress(i, len(refs), "")
            st = self.get(ref)
            path = folder / pdf_file_name(st)
            write_file(path, self.preview(ref, today))
            paths.append(path)
        if progress:
            progress(len(refs), len(refs), "done")
        return paths

    def save_pdf(self, ref: str, path: Path | str, today: date | None = None) -> Path:
        """One statement's PDF, issued or draft (``write_pdf`` writes issued ones only)."""
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            raise ValidationError(f"{path.name}: the file name must end in .pdf")
        write_file(path, self.preview(ref, today))
        return path

    def write_pdf(self, ref: str, path: Path | str) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            raise ValidationError(f"{path.name}: the file name must end in .pdf")
        data = self.pdf(ref)
        write_file(path, data)
        return path

    def verify(self, ref: str, file: Path | str | None = None) -> VerifyResult:
        """Check an issued statement against its seal: its content (number, dates, parties, totals, every
        line) as stored now, its stored PDF against the hash recorded at issue, and its link to the
        statement its issuer sealed before it. With ``file``, also whether that file is the issued PDF
        (the first differing byte is named). Whatever differs is named in ``problems``."""
        with self.db.read() as s:
            st = self._find(s, ref)
            if st.number is None:
                raise ValidationError("this draft has not been issued; nothing to verify")
            result = check_statement(s.connection(), st.id)
            stored = s.scalar(select(StatementDocument.pdf).where(StatementDocument.statement_id == st.id))
        if file is None or not result.ok:
            return result
        number, recorded = result.number, result.stored_sha256
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise ValidationError(f"cannot read {file}: {exc.strerror}") from exc
        h = _sha256(data)
        if h == recorded:
            return VerifyResult(number, True, recorded, h, f"{number}: {Path(file).name} is the issued PDF "
                                                           f"(SHA-256 {h}); content and chain intact")
        diff = next((i for i, (a, b) in enumerate(zip(data, stored)) if a != b), min(len(data), len(stored)))
        why = (f"{Path(file).name} differs from the issued PDF at byte {diff} ({len(data):,} bytes vs "
               f"{len(stored):,}); it is not the document that was issued")
        return VerifyResult(number, False, recorded, h, f"{number}: {why}", first_difference=diff,
                            problems=(why,))

    def verify_all(self) -> list[VerifyResult]:
        """``verify`` for every numbered statement and credit note (void and deleted ones too), in chain
        order per issuer, plus each issuer's chain and numbering as a whole: no seal may be missing or
        repeated, and no number below a sequence's last value may be missing."""
        with self.db.read() as s:
            conn = s.connection()
            rows = s.execute(select(Statement.id, Statement.issuer_agency_id, Statement.chain_seq,
                                    Statement.number).where(Statement.number.is_not(None))
                             .order_by(Statement.issuer_agency_id, Statement.chain_seq, Statement.number)).all()
            out = [check_statement(conn, r.id) for r in rows]
            codes = dict(s.execute(select(Agency.id, Agency.code)).all())
            numbers = {r.number for r in rows}
            gaps: list[str] = []
            for seq_row in s.scalars(select(NumberSequence)):
                code = codes.get(seq_row.issuer_agency_id, "?")
                for n in range(1, seq_row.last_value + 1):
                    number = statement_number(code, seq_row.fiscal_year, n, seq_row.series)
                    if number not in numbers:
                        gaps.append(number)
            by_issuer: dict[str, list[int]] = {}
            for r in rows:
                if r.chain_seq is not None:
                    by_issuer.setdefault(r.issuer_agency_id, []).append(r.chain_seq)
            for issuer, seqs in by_issuer.items():
                if sorted(seqs) != list(range(1, len(seqs) + 1)):
                    missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
                    repeated = sorted({x for x in seqs if seqs.count(x) > 1})
                    what = "; ".join(x for x in (f"links {', '.join(map(str, missing))} missing" if missing else "",
                                                 f"links {', '.join(map(str, repeated))} repeated" if repeated
                                                 else "") if x)
                    out.append(VerifyResult(f"{codes.get(issuer, '?')} chain", False, "", "",
                                            f"{codes.get(issuer, '?')} chain: {what}", problems=(what,)))
        for number in gaps:
            out.append(VerifyResult(number, False, "", "", f"{number}: MISSING — the number was issued but no "
                                    "statement holds it", problems=("the statement is missing",)))
        return out


def check_statement(conn, statement_id: str) -> VerifyResult:
    """Check one numbered statement against its seal, its PDF hash and its chain link (see ``verify``)."""
    row = conn.exec_driver_sql(
        "SELECT number, issuer_agency_id, pdf_sha256, chain_seq, chain_prev_sha256, content_record, "
        "content_sha256 FROM statement WHERE id = ?", (statement_id,)).mappings().first()
    number, recorded_pdf = row["number"], row["pdf_sha256"] or ""
    problems: list[str] = []
    doc = conn.exec_driver_sql("SELECT pdf, sha256 FROM statement_document WHERE statement_id = ? AND deleted_at "
                               "IS NULL", (statement_id,)).first()
    actual_pdf = _sha256(doc[0]) if doc is not None else ""
    rec, seal_ = row["content_record"], row["content_sha256"]
    if not rec or not seal_:
        problems.append("no seal was recorded for it")
    else:
        if sealing.seal(rec) != seal_:
            problems.append("its recorded content does not match its seal: the record itself was altered")
        recd = json.loads(rec)
        seq, previous = recd.get("seq"), recd.get("previous")
        now = seals.rebuild(conn, statement_id, seq, previous)
        if now != rec:
            problems += sealing.differences(rec, now)
        if row["chain_seq"] != seq or row["chain_prev_sha256"] != previous:
            problems.append(f"its chain position was changed (link {row['chain_seq']} now, {seq} when sealed)")
        if seq and seq > 1:
            before = conn.exec_driver_sql(
                "SELECT number, content_sha256 FROM statement WHERE issuer_agency_id = ? AND chain_seq = ?",
                (row["issuer_agency_id"], seq - 1)).all()
            if not before:
                problems.append(f"chain broken: link {seq - 1}, the statement sealed before it, is missing")
            elif all(b[1] != previous for b in before):
                problems.append(f"chain broken: the seal of {before[0][0]}, sealed before it, is not the one it "
                                "recorded")
    if doc is None:
        problems.append("its PDF is missing")
    elif actual_pdf != recorded_pdf or doc[1] != recorded_pdf:
        problems.append(f"the stored PDF does NOT match the hash recorded at issue ({recorded_pdf[:16]}… recorded, "
                        f"{actual_pdf[:16]}… now): it has been altered")
    if problems:
        return VerifyResult(number, False, recorded_pdf, actual_pdf,
                            f"{number}: ALTERED — " + "; ".join(problems), problems=tuple(problems))
    return VerifyResult(number, True, recorded_pdf, actual_pdf,
                        f"{number}: intact — content, PDF and chain match the seal recorded at issue "
                        f"(seal {seal_[:16]}…, PDF SHA-256 {actual_pdf})")


# -- helpers ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Billed:
    """A quarter already billed for a partner and agreement: its live statement."""

    period: str
    start: date
    end: date
    number: str


def _billed_periods(s: Session, issuer_id: str, partner_id: str | None = None,
                    agreement_id: str | None = None) -> dict[tuple[str, str], list[_Billed]]:
    """The quarters billed so far per (partner id, agreement id): those with a live issued statement."""
    q = select(Statement.bill_to_agency_id, Statement.agreement_id, Statement.period, Statement.period_start,
               Statement.period_end, Statement.number).where(
        Statement.deleted_at.is_(None), Statement.kind == "statement", Statement.status.in_(LIVE_ISSUED),
        Statement.issuer_agency_id == issuer_id)
    if partner_id:
        q = q.where(Statement.bill_to_agency_id == partner_id)
    if agreement_id:
        q = q.where(Statement.agreement_id == agreement_id)
    out: dict[tuple[str, str], list[_Billed]] = {}
    for pid, aid, period, start, end, number in s.execute(q):
        out.setdefault((pid, aid), []).append(_Billed(period, start, end, number))
    return out


def _billing_of(billed: dict[tuple[str, str], list[_Billed]], key: tuple[str, str], q: Quarter) -> _Billed | None:
    """The live statement that already bills ``q`` for ``key``, if any."""
    return next((b for b in billed.get(key, ()) if b.period == str(q)), None)


def _late(billed: dict[tuple[str, str], list[_Billed]], key: tuple[str, str], work_date: date) -> bool:
    """Whether an unbilled entry dated ``work_date`` falls in a quarter already billed for ``key``."""
    return any(b.start <= work_date <= b.end for b in billed.get(key, ()))


def check_quarter_ended(q: Quarter, today: date) -> None:
    """A quarter is issued only once it has ended (drafts and previews any time)."""
    if today <= q.end:
        raise UserError(f"{q} ends on {q.end.isoformat()}: it can be issued from "
                        f"{(q.end + timedelta(days=1)).isoformat()} (a draft can be made and previewed any time)")


# what drafting reads of a time entry, and of a stored line (``_line_of``)
_ENTRY_COLUMNS = (TimeEntry.id, TimeEntry.work_date, TimeEntry.minutes, TimeEntry.staff_name,
                  TimeEntry.staff_contact_id, TimeEntry.category_id, TimeEntry.description, TimeEntry.incident_ref,
                  TimeEntry.after_hours, TimeEntry.callout, TimeEntry.overtime, TimeEntry.travel_minutes,
                  TimeEntry.miles, TimeEntry.provider_agency_id, TimeEntry.status, TimeEntry.dispute_reason)
_LINE_COLUMNS = (StatementLine.id, StatementLine.kind, StatementLine.side, StatementLine.work_date,
                 StatementLine.staff_name, StatementLine.staff_title, StatementLine.category_code,
                 StatementLine.description, StatementLine.quantity, StatementLine.unit_rate, StatementLine.multiplier,
                 StatementLine.amount_cents, StatementLine.source_entry_ids)


def _seal(s: Session, st: Statement) -> None:
    """Seal a statement being issued (its lines, totals and PDF hash written): the SHA-256 of its canonical
    content, chained to the seal of its issuer's previous statement (domain/sealing.py)."""
    s.flush()
    for k, v in seals.seal_values(s.connection(), st.id).items():
        setattr(st, k, v)
    s.flush()


def _check_scope(partner: str | None, all_partners: bool) -> None:
    if bool(partner) == bool(all_partners):
        raise ValidationError("choose one partner (--partner CODE) or all of them (--all)")


def _line_row(statement_id: str, position: int, ln: LineDraft) -> StatementLine:
    return StatementLine(statement_id=statement_id, position=position, kind=ln.kind, side=ln.side,
                         work_date=ln.work_date, staff_name=ln.staff_name, staff_title=ln.staff_title,
                         category_code=ln.category_code, description=ln.description, quantity=ln.quantity,
                         unit_rate=ln.unit_rate, multiplier=ln.multiplier, amount_cents=ln.amount_cents,
                         source_entry_ids=json.dumps(list(ln.source_entry_ids)))


def _line_values(statement_id: str, position: int, ln: LineDraft, now) -> dict:
    """A statement line as column values for ``insert_captured`` (the columns ``_line_row`` sets)."""
    return dict(id=uuid7(), created_at=now, updated_at=now, deleted_at=None, statement_id=statement_id,
                position=position, kind=ln.kind, side=ln.side, work_date=ln.work_date, staff_name=ln.staff_name,
                staff_title=ln.staff_title, category_code=ln.category_code, description=ln.description,
                quantity=ln.quantity, unit_rate=ln.unit_rate, multiplier=ln.multiplier,
                amount_cents=ln.amount_cents, source_entry_ids=json.dumps(list(ln.source_entry_ids)))


def _stored_form(ln: LineDraft) -> tuple:
    """A line as the ``_LINE_COLUMNS`` after ``id`` hold it."""
    return (ln.kind, ln.side, ln.work_date, ln.staff_name, ln.staff_title, ln.category_code, ln.description,
            ln.quantity, ln.unit_rate, ln.multiplier, ln.amount_cents, json.dumps(list(ln.source_entry_ids)))


def _line_of(r) -> LineDraft:
    """A stored line (an ORM object or a Core row of ``statement_line``) as a LineDraft."""
    return LineDraft(kind=r.kind, side=r.side, work_date=r.work_date, staff_name=r.staff_name,
                     staff_title=r.staff_title, category_code=r.category_code, description=r.description,
                     quantity=r.quantity, unit_rate=r.unit_rate, multiplier=r.multiplier,
                     amount_cents=r.amount_cents,
                     source_entry_ids=tuple(json.loads(r.source_entry_ids or "[]")))


def _stored_lines(s: Session, statement_id: str) -> tuple[LineDraft, ...]:
    rows = s.execute(select(*_LINE_COLUMNS).where(StatementLine.statement_id == statement_id,
                                                  StatementLine.deleted_at.is_(None))
                     .order_by(StatementLine.position))
    return tuple(_line_of(r) for r in rows)


def _mark_invoiced(s: Session, db: Database, rows: Iterable[tuple[str, LineDraft]]) -> None:
    """Point each source entry at the first line that bills it; an entry is billed once only. Written
    with Core (hundreds of entries per statement), audited and captured for sync like an ORM update."""
    first: dict[str, str] = {}
    for line_id, ln in rows:
        for eid in ln.source_entry_ids:
            first.setdefault(eid, line_id)
    if not first:
        return
    ids = list(first)
    updates = []
    for k in range(0, len(ids), 500):
        for eid, work_date, line_id, status in s.execute(
                select(TimeEntry.id, TimeEntry.work_date, TimeEntry.statement_line_id, TimeEntry.status)
                .where(TimeEntry.id.in_(ids[k:k + 500]))):
            if line_id is not None or status == "invoiced":
                raise FrozenError(f"time entry {eid} on {work_date} is already billed")
            updates.append((eid, {"statement_line_id": (None, first[eid]), "status": (status, "invoiced")}))
    update_captured(s, db, TimeEntry.__tablename__, updates)
    freeze_invoiced(s, ids)  # the entries' prices are now the statement's, here and on every replica


def _settled(s: Session, ids: list[str], exclude_credit_id: str | None = None) -> dict[str, int]:
    """Payments plus live credit notes applied, per statement id."""
    out: dict[str, int] = {}
    for sid, amount in s.execute(select(Payment.statement_id, func.sum(Payment.amount_cents))
                                 .where(Payment.statement_id.in_(ids), Payment.deleted_at.is_(None))
                                 .group_by(Payment.statement_id)):
        out[sid] = out.get(sid, 0) + amount
    for sid, amount in s.execute(select(Statement.original_id, func.sum(Statement.total_cents))
                                 .where(Statement.original_id.in_(ids), Statement.kind == "credit_note",
                                        Statement.status != "void", Statement.deleted_at.is_(None),
                                        Statement.id != (exclude_credit_id or ""))
                                 .group_by(Statement.original_id)):
        out[sid] = out.get(sid, 0) - amount
    return out


def _refresh_status(s: Session, st: Statement) -> None:
    if st.kind == "credit_note" or st.status in ("void", "draft"):
        return
    new = payment_status(st.amount_due_cents, _settled(s, [st.id]).get(st.id, 0))
    if st.status != new:
        st.status = new


def _account_summary(s: Session, st: Statement, as_of: date) -> AccountSummary:
    """What the partner owed before this statement: earlier live statements and what was paid on them."""
    q = select(Statement.id, Statement.amount_due_cents).where(
        Statement.deleted_at.is_(None), Statement.kind == "statement", Statement.status.in_(LIVE_ISSUED),
        Statement.issuer_agency_id == st.issuer_agency_id, Statement.bill_to_agency_id == st.bill_to_agency_id,
        Statement.id != st.id, Statement.issue_date <= as_of)
    rows = s.execute(q).all()
    billed = sum(r[1] for r in rows)
    settled = _settled(s, [r[0] for r in rows], exclude_credit_id=st.id) if rows else {}
    return AccountSummary(billed, sum(settled.values()))


def _cap_view(s: Session, home: Agency, agr: Agreement, fiscal_year: int, through: date) -> CapView | None:
    """The agreement's cap use by us in the fiscal year through ``through`` (a statement's period end), as
    everywhere else (services/caps.py): the value we provided, net of credit notes, held entries left out."""
    if not agr.cap_cents and not agr.cap_minutes:
        return None
    use = cap_use(s.connection(), agr.id, home.id, fiscal_year, home.fy_start_month, cap_cents=agr.cap_cents,
                  cap_minutes=agr.cap_minutes, through=through)
    return CapView(agr.cap_cents, agr.cap_minutes, use.used_cents, use.used_minutes, through)


def _over_cap(cap: CapView) -> bool:
    return bool((cap.cap_cents and cap.used_cents > cap.cap_cents)
                or (cap.cap_minutes and cap.used_minutes > cap.cap_minutes))


def _agreement_refusal(agr: Agreement) -> str | None:
    """Why nothing can be billed under ``agr`` (a draft, or not filed), or None."""
    if agr.is_draft:
        return f"{agr.number} is a draft agreement and cannot be billed"
    if not agr.filing_reference:
        return (f"{agr.number} is not filed (RCW 39.34.040) and cannot be billed: add its filing reference "
                "(county auditor number or web listing) first")
    return None


def _cap_refusal(s: Session, home: Agency, agr: Agreement, q: Quarter) -> str | None:
    """Why the quarter's statement under ``agr`` needs a cap override reason, or None."""
    cap = _cap_view(s, home, agr, q.fiscal_year, q.end)
    if cap is not None and _over_cap(cap):
        return (f"{agr.number}: this statement takes FY{q.fiscal_year} billing past the agreement's cap; issuing "
                "it needs a recorded reason (Issue past cap… on the Statements page, --cap-override-reason on the "
                "command line)")
    return None


def pdf_file_name(st: StatementDTO) -> str:
    """``LYN-2026-0002.pdf`` for an issued statement; ``DRAFT-2026Q2-MUK-ILA-2025-003.pdf`` for a draft."""
    raw = st.number or f"DRAFT-{st.period}-{st.partner}-{st.agreement_number or 'no-agreement'}"
    return fsutil.safe_file_stem(raw, 120) + ".pdf"  # a number or code from another PC stays a plain name


def check_writable_folder(out: Path) -> None:
    """Refuse an output folder that PDFs cannot be written to. Nothing is left behind: a probe file is made
    and removed, in the folder or, when it does not exist yet, in the nearest folder above it (the folder
    itself is made with the first PDF)."""
    probe = out
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise ValidationError(f"--out {out}: {probe} is a file, not a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".partnerdesk-probe-", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ValidationError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


def write_file(path: Path, data: bytes) -> None:
    """``_write_atomic``, with a file that cannot be written reported as the user's to fix (one line)."""
    try:
        _write_atomic(path, data)
    except OSError as exc:
        raise ValidationError(f"cannot write {path} ({exc.strerror or exc})") from None


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fsutil.write_atomic(path, data)


__all__ = ["StatementService", "statement_number", "next_number", "check_billing_node", "OFFSET"]
