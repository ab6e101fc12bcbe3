"""Payments against issued statements, and the statement of account per partner (with aging)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerdesk.db.models import Payment, Statement
from partnerdesk.db.uow import Database
from partnerdesk.domain.money import Money
from partnerdesk.domain.statement_rules import age_balances
from partnerdesk.domain.statements import AccountLine, AccountStatement, PaymentDTO
from partnerdesk.errors import FrozenError, ValidationError
from partnerdesk.services.agencies import agency_dto
from partnerdesk.services.base import (as_date, check_not_future, clean_text, demo_database, find_agency,
                                       require_home)
from partnerdesk.services.statements import StatementService, _refresh_status, _settled, write_file

METHODS = ("warrant", "check", "eft", "offset", "settlement")
SETTLEMENT = "settlement"  # written only by a regional settlement (services/settlement.py), never typed


class PaymentService:
    def __init__(self, db: Database):
        self.db = db
        self._statements = StatementService(db)

    def record(self, number: str, amount: Any, paid_on: Any, method: str, reference: str | None = None,
               today: date | None = None) -> PaymentDTO:
        """Record a (possibly partial) payment; the statement's status follows (issued → partially paid → paid).
        Its date follows the same rule as hours: at most a week ahead of ``today``."""
        cents = amount if isinstance(amount, int) and not isinstance(amount, bool) else Money.parse(str(amount)).cents
        if cents <= 0:
            raise ValidationError("amount: must be more than zero", "amount")
        when = as_date(paid_on, "date")
        if when is None:
            raise ValidationError("date: required", "date")
        check_not_future(when, today or self.db.clock.today())
        method = (method or "").strip().lower()
        if method not in METHODS or method == SETTLEMENT:
            typed = tuple(m for m in METHODS if m != SETTLEMENT)
            raise ValidationError(f"method: '{method}' is not one of {', '.join(typed)}"
                                  + (" (settlement payments are recorded by 'partnerdesk settlement pay')"
                                     if method == SETTLEMENT else ""), "method")
        ref = clean_text(reference, "reference", 80)
        with self.db.write(action="payment", summary=f"payment of {Money(cents)} recorded on {number}") as s:
            st = self._statements._find(s, number)
            p = apply_payment(s, st, cents, when, method, ref)
            return PaymentDTO(p.id, st.number, when, cents, method, ref)

    def list(self, number: str | None = None, partner: str | None = None) -> list[PaymentDTO]:
        with self.db.read() as s:
            q = (select(Payment, Statement.number).join(Statement, Statement.id == Payment.statement_id)
                 .where(Payment.deleted_at.is_(None)).order_by(Payment.paid_on, Payment.created_at))
            if number:
                q = q.where(Statement.id == self._statements._find(s, number).id)
            if partner:
                q = q.where(Statement.bill_to_agency_id == find_agency(s, partner).id)
            return [PaymentDTO(p.id, n, p.paid_on, p.amount_cents, p.method, p.reference) for p, n in s.execute(q)]

    # -- statement of account ---------------------------------------------------------------------
    def account(self, partner: str, as_of: date | None = None) -> AccountStatement:
        as_of = as_of or self.db.clock.today()
        with self.db.read() as s:
            home = require_home(s)
            ag = find_agency(s, partner)
            rows = s.scalars(select(Statement).where(
                Statement.deleted_at.is_(None), Statement.issuer_agency_id == home.id,
                Statement.bill_to_agency_id == ag.id, Statement.status != "draft",
                Statement.issue_date <= as_of)).all()
            dtos = {d.id: d for d in self._statements._dtos(s, rows)}
            numbers = {r.id: r.number for r in rows}
            events: list[tuple[date, int, str, str, str, int, int]] = []
            open_by_id: dict[str, int] = {}
            for r in rows:
                if r.kind != "credit_note":
                    if r.status == "void":
                        events.append((r.issue_date, 0, "void", r.number,
                                       f"{r.period} statement, VOID: {r.void_reason}", 0, 0))
                    else:
                        sup = f" (replaces {numbers.get(r.supersedes_id)})" if r.supersedes_id else ""
                        events.append((r.issue_date, 0, "statement", r.number, f"{r.period} statement{sup}",
                                       r.amount_due_cents, 0))
                        open_by_id[r.id] = r.amount_due_cents
                elif r.status != "void":
                    events.append((r.issue_date, 1, "credit_note", r.number,
                                   f"Credit note against {numbers.get(r.original_id)}", 0, -r.total_cents))
                    open_by_id[r.original_id] = open_by_id.get(r.original_id, 0) + r.total_cents
            for p, num, sid in s.execute(
                    select(Payment, Statement.number, Statement.id).join(Statement, Statement.id == Payment.statement_id)
                    .where(Payment.deleted_at.is_(None), Statement.id.in_([r.id for r in rows]),
                           Payment.paid_on <= as_of)):
                events.append((p.paid_on, 2, "payment", num,
                               f"Payment by {p.method}{' ' + p.reference if p.reference else ''}", 0, p.amount_cents))
                open_by_id[sid] = open_by_id.get(sid, 0) - p.amount_cents
            events.sort(key=lambda e: (e[0], e[1], e[3]))
            running = 0
            lines = []
            for d, _o, kind, num, desc, charge, credit in events:
                running += charge - credit
                lines.append(AccountLine(d, kind, num, desc, charge, credit, running))
            issued_on = {r.id: r.issue_date for r in rows}
            open_items = [(issued_on[sid], bal) for sid, bal in open_by_id.items() if sid in issued_on]
            stmts = tuple(sorted(dtos.values(), key=lambda d: (d.issue_date, d.number or "")))
            return AccountStatement(agency_dto(home), agency_dto(ag), as_of, tuple(lines), stmts, running,
                                    age_balances(open_items, as_of), demo=demo_database(s))

    def write_account(self, partner: str, path: Path | str, as_of: date | None = None) -> Path:
        """The statement of account as PDF or CSV, chosen by the file's extension."""
        path = Path(path)
        ext = path.suffix.lower()
        if ext not in (".pdf", ".csv"):
            raise ValidationError(f"{path.name}: the file name must end in .pdf or .csv")
        acct = self.account(partner, as_of)
        if ext == ".csv":
            data = account_csv(acct).encode("utf-8-sig")
        else:
            from partnerdesk.reports.account import render_account

            data = render_account(acct)
        write_file(path, data)
        return path


def apply_payment(s: Session, st: Statement, cents: int, when: date, method: str, ref: str | None) -> Payment:
    """Write one payment on ``st`` in the caller's unit of work and move its status (issued → partially paid
    → paid). The one place a payment row is written: ``record`` above, and a regional settlement
    (services/settlement.py), which pays several statements in one transaction."""
    if st.kind == "credit_note":  # a statement or a mutual-aid reimbursement request takes payments
        raise ValidationError(f"{st.number} is a credit note; payments go against statements")
    if st.status not in ("issued", "partially_paid"):
        raise FrozenError(f"{st.number or 'a draft'} is {st.status.replace('_', ' ')}; it takes no payments")
    if st.issue_date and when < st.issue_date:
        raise ValidationError(f"date: {when} is before {st.number} was issued ({st.issue_date})", "date")
    balance = st.amount_due_cents - _settled(s, [st.id]).get(st.id, 0)
    if cents > balance:
        raise ValidationError(f"amount: {Money(cents)} is more than the balance of {Money(balance)} on "
                              f"{st.number}", "amount")
    p = Payment(statement_id=st.id, paid_on=when, amount_cents=cents, method=method, reference=ref)
    s.add(p)
    s.flush()
    _refresh_status(s, st)
    s.flush()
    return p


def account_csv(a: AccountStatement) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Statement of account", a.partner.name, a.partner.code, f"as of {a.as_of.isoformat()}"])
    w.writerow(["date", "type", "number", "description", "charge", "credit", "balance"])
    for ln in a.lines:
        w.writerow([ln.date.isoformat(), ln.kind, ln.number, ln.description, _amt(ln.charge_cents),
                    _amt(ln.credit_cents), _amt(ln.balance_cents)])
    w.writerow([])
    w.writerow(["aging", "0-30 days", "31-60 days", "61-90 days", "over 90 days", "total"])
    g = a.aging
    w.writerow(["", _amt(g.current), _amt(g.d31_60), _amt(g.d61_90), _amt(g.over_90), _amt(g.total)])
    w.writerow(["balance due", _amt(a.balance_cents)])
    return buf.getvalue()


def _amt(cents: int) -> str:
    return Money(cents).format(symbol=False).replace(",", "")
