"""The Mutual Aid Reimbursement Request (issue 20, docs/incidents.md): a statement of kind ``mutual_aid`` for the
hours our staff gave another agency under an incident. It is issued by the statement machinery of
services/statements.py — the same number series, the same frozen PDF and seal, the same ``statements verify``,
void, credit notes and payments — and differs only in what it bills and how it is priced:

* **actual cost** (the default): pay plus fringe benefits, overtime at the overtime pay rate, by the rounding rule
  of domain/incidents.py (one line per employee, regular or overtime, and pay rate in force);
* **agreement rates**, when the agreement says so (``agreements edit NUMBER --mutual-aid-pricing
  agreement-rates``): the agreement's rate schedules, priced as a statement prices them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from partnerdesk.db.models import (Agreement, AgreementParty, Contact, ServiceCategory, Statement,
                                   StatementDocument, TimeEntry)
from partnerdesk.db.uow import Database
from partnerdesk.domain import incidents as rules
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.statement_rules import PROVIDED, BillableEntry, LineDraft, build_statement
from partnerdesk.domain.periods import Quarter, fiscal_year_of, long_date
from partnerdesk.domain.statements import StatementDTO
from partnerdesk.errors import UserError, ValidationError
from partnerdesk.reports.labor_summary import days_text
from partnerdesk.services.base import find_agency, require_home
from partnerdesk.services.incidents import find_incident, labor_days, summarize
from partnerdesk.services.pricing import Pricer
from partnerdesk.services.statements import (StatementService, _agreement_refusal, _line_row, _mark_invoiced, _seal,
                                             _sha256, _write_atomic, check_billing_node, check_writable_folder,
                                             next_number, pdf_file_name)

KIND = "mutual_aid"
def _actual_cost_lines(days, rates) -> list[LineDraft]:
    summary = summarize(days, rates, False, None)  # the requester is billed every hour at what it cost us
    out = []
    for r in summary.rows:
        label = "Overtime" if r.kind == rules.OVERTIME else "Regular time"
        desc = (f"{label} {days_text(r, ', ')} (hours each day); pay {format_cents(r.hourly_cents)}/h + benefits "
                f"{r.fringe_percent}% ({format_cents(r.benefit_cents)}/h)")
        out.append(LineDraft(kind="overtime" if r.kind == rules.OVERTIME else "labor", side=PROVIDED,
                             work_date=r.days[0][0], staff_name=r.name, staff_title=r.title, category_code=None,
                             description=desc, quantity=str(r.minutes), unit_rate=str(r.total_hourly_cents),
                             multiplier="1", amount_cents=r.cost_cents, source_entry_ids=r.entry_ids))
    return out


def _agreement_rate_lines(s, agreement_id: str, entry_ids: list[str]) -> list[LineDraft]:
    pricer = Pricer(s, {agreement_id})
    cats = {c.id: c.code for c in s.scalars(select(ServiceCategory))}
    rows = s.execute(select(TimeEntry, Contact.title).outerjoin(Contact, Contact.id == TimeEntry.staff_contact_id)
                     .where(TimeEntry.id.in_(entry_ids))).all()
    billable = []
    for e, title in sorted(rows, key=lambda r: (r[0].work_date, r[0].id)):
        be = BillableEntry(id=e.id, work_date=e.work_date, minutes=e.minutes, staff_name=e.staff_name,
                           staff_title=title, category_id=e.category_id, category_code=cats.get(e.category_id),
                           description=e.description, incident_ref=e.incident_ref, after_hours=e.after_hours,
                           callout=e.callout, overtime=bool(e.overtime), travel_minutes=e.travel_minutes,
                           miles=e.miles, provider_agency_id=e.provider_agency_id)
        billable.append((be, pricer.rate_for(agreement_id, e.provider_agency_id, e.category_id, e.work_date)))
    draft = build_statement(billable, [], offset_allowed=False, mileage_table=pricer.mileage)
    if draft.unpriced:
        u = draft.unpriced[0]
        raise UserError(f"the hours of {u.entry.work_date} cannot be priced at the agreement's rates ({u.reason}); "
                        "nothing was issued")
    return list(draft.lines)


class MutualAidService:
    """Mutual Aid Reimbursement Requests for the GUI (the CLI calls ``issue_mutual_aid`` itself)."""

    def __init__(self, db: Database):
        self.db = db

    def invoice(self, ref: str, partner: str, agreement: str | None = None, out: Path | str | None = None):
        """Issue one request to ``partner`` for incident ``ref``: (statement, PDF path)."""
        return issue_mutual_aid(self.db, ref, partner, agreement=agreement, out=out)


def issue_mutual_aid(db: Database, incident: str, partner: str, agreement: str | None = None,
                     today: date | None = None, out: Path | str | None = None) -> tuple[StatementDTO, str | None]:
    """Issue one Mutual Aid Reimbursement Request to ``partner`` for the unbilled hours our staff gave it under
    ``incident``. Returns the statement and the path its PDF was written to (``out``: a folder)."""
    from partnerdesk.reports.statement import render_statement

    today = today or db.clock.today()
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_writable_folder(out_dir)
    service = StatementService(db)
    with db.write(action="issue", summary=f"mutual aid reimbursement request for {incident} to {partner}") as s:
        home = require_home(s)
        check_billing_node(home, db.node_id)
        inc = find_incident(s, incident)
        bill_to = find_agency(s, partner)
        if bill_to.id == home.id:
            raise ValidationError("--partner: that is your own agency; choose the agency you helped", "partner")
        days, rates = labor_days(s, home, inc, recipient_id=bill_to.id, unbilled=True)
        if not days:
            raise UserError(f"nothing to bill {bill_to.code} for {inc.ref}: no unbilled hours {home.code} staff "
                            f"gave {bill_to.code} under it")
        agreements = set(s.scalars(select(TimeEntry.agreement_id).where(
            TimeEntry.id.in_([d.entry_id for d in days]))))
        if agreement:
            agr = s.scalar(select(Agreement).where(Agreement.number == agreement, Agreement.deleted_at.is_(None)))
            if agr is None or agr.id not in agreements:
                raise ValidationError(f"--agreement: the hours under {inc.ref} are not logged under '{agreement}'",
                                      "agreement")
            days = [d for d in days if s.get(TimeEntry, d.entry_id).agreement_id == agr.id]
        elif None in agreements or len(agreements) != 1:
            numbers = sorted(n for n in s.scalars(select(Agreement.number).where(Agreement.id.in_(
                [a for a in agreements if a]))))
            raise UserError(f"the hours given to {bill_to.code} under {inc.ref} are logged under "
                            + (f"{len(agreements)} agreements ({', '.join(numbers) or 'none'})" if numbers else
                               "no agreement") + ": choose the mutual-aid agreement with --agreement NUMBER "
                            "(hours without one get it in the Hours table)")
        else:
            agr = s.get(Agreement, agreements.pop())
        refused = _agreement_refusal(agr)
        if refused:
            raise UserError(refused)
        pricing = agr.mutual_aid_pricing or "actual_cost"
        if pricing == "agreement_rates":
            lines = _agreement_rate_lines(s, agr.id, [d.entry_id for d in days])
            basis = (f"Priced at the rates of agreement {agr.number}, as its terms provide for reimbursement "
                     "under mutual aid.")
        else:
            lines = _actual_cost_lines(days, rates)
            basis = ("Priced at actual cost: each employee's hourly pay plus fringe benefits (regular time at the "
                     "regular rate, overtime at the overtime rate), from payroll records; hours × total hourly "
                     "rate, rounded to the cent per line.")
        total = sum(ln.amount_cents for ln in lines)
        first, last = min(d.work_date for d in days), max(d.work_date for d in days)
        q = Quarter.of(last, home.fy_start_month)
        party = s.scalar(select(AgreementParty).where(AgreementParty.agreement_id == agr.id,
                                                      AgreementParty.agency_id == bill_to.id,
                                                      AgreementParty.deleted_at.is_(None)))
        cited = f"{inc.ref} — {inc.name}" + (f", declaration {inc.declaration}" if inc.declaration else "") + \
            f" (incident period from {long_date(inc.start_date)}" + \
            (f" to {long_date(inc.end_date)})" if inc.end_date else ")")
        st = Statement(kind=KIND, issuer_agency_id=home.id, bill_to_agency_id=bill_to.id, agreement_id=agr.id,
                       period=str(q), fiscal_year=q.fiscal_year, period_start=first, period_end=last,
                       issue_date=today, due_date=today + timedelta(days=agr.payment_terms_days), status="issued",
                       bill_to_reference=party.reference if party else None, gross_cents=total, offset_cents=0,
                       total_cents=total, amount_due_cents=total, issued_by=db.actor.display_name,
                       notes=f"Mutual aid reimbursement for incident {cited}. {basis}")
        st.number = next_number(s, home, fiscal_year_of(today, home.fy_start_month), "S")
        s.add(st)
        s.flush()
        rows = []
        for i, ln in enumerate(lines, 1):
            row = _line_row(st.id, i, ln)
            s.add(row)
            rows.append((row, ln))
        s.flush()
        _mark_invoiced(s, db, [(row.id, ln) for row, ln in rows])
        view = replace(service._view(s, home, st, today, tuple(lines)), offset_allowed=False, cap=None,
                       incident=cited, pricing_basis=basis)
        pdf = render_statement(view)
        st.pdf_sha256 = _sha256(pdf)
        s.add(StatementDocument(statement_id=st.id, pdf=pdf, sha256=st.pdf_sha256))
        _seal(s, st)
        dto = service._dtos(s, [st])[0]
    path = None
    if out_dir is not None:  # after the commit, as statements do: the PDF is in the database either way
        p = out_dir / pdf_file_name(dto)
        _write_atomic(p, pdf)
        path = str(p)
    return dto, path


__all__ = ["issue_mutual_aid", "KIND"]
