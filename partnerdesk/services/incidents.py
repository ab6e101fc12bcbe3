"""Disaster cost recovery (issue 20, docs/incidents.md): the incident register, the home agency's staff pay
rates (private, local only), eligibility overrides and the Force Account Labor Summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerdesk.db.models import Agency, Contact, Incident, IncidentOverride, StaffPayRate, TimeEntry
from partnerdesk.db.uow import Database
from partnerdesk.domain import incidents as rules
from partnerdesk.domain.incidents import IncidentDTO, LaborDocument, PayRate, WorkDay
from partnerdesk.domain.money import Money
from partnerdesk.errors import NotFoundError, UserError, ValidationError
from partnerdesk.services.base import as_date, clean_text, demo_database, require_home

INCIDENT_FIELDS = ("name", "declaration", "incident_type", "start_date", "end_date", "work", "applicant", "pa_id",
                   "project_number", "site", "category", "description")


def find_incident(s: Session, ref: str | None) -> Incident:
    """A live incident by its ref (any case) or id; a NotFoundError listing the known refs when unknown."""
    text = (ref or "").strip()
    q = select(Incident).where(Incident.deleted_at.is_(None))
    inc = s.scalar(q.where(func.lower(Incident.ref) == text.lower())) or s.scalar(q.where(Incident.id == text))
    if inc is None:
        known = ", ".join(s.scalars(select(Incident.ref).where(Incident.deleted_at.is_(None))
                                    .order_by(Incident.start_date.desc()).limit(8)))
        raise NotFoundError(f"incident: unknown '{text}' (known: {known or 'none yet'}; add one with "
                            "'partnerdesk incidents add REF --name TEXT --start YYYY-MM-DD')")
    return inc


def incident_dto(i: Incident, minutes: int = 0) -> IncidentDTO:
    return IncidentDTO(i.id, i.ref, i.name, i.declaration, i.incident_type, i.start_date, i.end_date, i.work,
                       i.applicant, i.pa_id, i.project_number, i.site, i.category, i.description, minutes)


def home_staff(s: Session, home: Agency, name: str) -> Contact:
    """One of the home agency's own staff by name (any case) or id. Pay rates are kept for them only."""
    text = clean_text(name, "name", 200, required=True)
    c = s.scalar(select(Contact).where(Contact.deleted_at.is_(None), Contact.agency_id == home.id,
                                       (func.lower(Contact.name) == text.lower()) | (Contact.id == text)))
    if c is None:
        other = s.scalar(select(Agency.code).join(Contact, Contact.agency_id == Agency.id).where(
            Contact.deleted_at.is_(None), func.lower(Contact.name) == text.lower()))
        if other:
            raise ValidationError(f"name: {text} works for {other}; pay rates are kept for {home.code}'s own "
                                  "staff only", "name")
        raise NotFoundError(f"name: no one called '{text}' on {home.code}'s staff (add them to the directory "
                            "first)")
    return c


def _cents(value: Any, what: str) -> int:
    try:
        cents = Money.parse(value).cents
    except (UserError, ValueError, ArithmeticError) as exc:  # name the option: "--regular: 'abc' is not ..."
        raise ValidationError(f"{what}: {exc}", what) from None
    if cents <= 0 or cents > 100_000_00:
        raise ValidationError(f"{what}: {value} must be more than zero and at most 100,000.00 an hour", what)
    return cents


def _percent(value: Any, what: str) -> str:
    try:
        return rules.parse_percent(value, what)
    except ValueError as exc:
        raise ValidationError(str(exc), what) from None


def validate_incident(values: dict[str, Any]) -> dict[str, Any]:
    """An incident's fields as typed, checked and cleaned (the CLI, and incidents arriving through sync)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("start_date", "end_date"):
            out[key] = as_date(value, "--start" if key == "start_date" else "--end")
        elif key == "work":
            work = (value or "emergency").strip().lower()
            if work not in rules.WORK_KINDS:
                raise ValidationError(f"--work: '{value}' must be emergency or permanent", "work")
            out[key] = work
        elif key == "category":
            cat = (value or "").strip().upper() or None
            if cat is not None and cat not in rules.FEMA_CATEGORIES:
                raise ValidationError(f"--category: '{value}' is not a FEMA work category (A to G, or Z)",
                                      "category")
            out[key] = cat
        else:
            limit = {"name": 200, "declaration": 40, "incident_type": 60, "applicant": 200, "pa_id": 40,
                     "project_number": 40, "site": 200, "description": 4000}[key]
            out[key] = clean_text(value, key.replace("_", " "), limit, required=key == "name")
    return out


class IncidentService:
    def __init__(self, db: Database):
        self.db = db

    # -- the register ------------------------------------------------------------------------------
    def add(self, ref: str, *, name: str, start_date: Any, **values: Any) -> IncidentDTO:
        ref = clean_text(ref, "ref", 40, required=True)
        if any(ch.isspace() for ch in ref):
            raise ValidationError(f"ref: '{ref}' has a space; use a short code like WS-2026-11", "ref")
        fields = validate_incident({"name": name, "start_date": start_date, "work": values.pop("work", None),
                              **{k: v for k, v in values.items() if v is not None}})
        if fields.get("start_date") is None:
            raise ValidationError("--start: required", "start")
        self._check_period(fields["start_date"], fields.get("end_date"))
        with self.db.write(summary=f"incident {ref} added") as s:
            if s.scalar(select(Incident.id).where(func.lower(Incident.ref) == ref.lower(),
                                                  Incident.deleted_at.is_(None))):
                raise ValidationError(f"ref: {ref} is already in the incident register", "ref")
            inc = Incident(ref=ref, **fields)
            s.add(inc)
            s.flush()
            return incident_dto(inc)

    def edit(self, ref: str, **values: Any) -> IncidentDTO:
        fields = validate_incident({k: v for k, v in values.items() if v is not None})
        with self.db.write(summary=f"incident {ref} changed") as s:
            inc = find_incident(s, ref)
            for k, v in fields.items():
                setattr(inc, k, v)
            self._check_period(inc.start_date, inc.end_date)
            s.flush()
            return incident_dto(inc)

    @staticmethod
    def _check_period(start: date, end: date | None) -> None:
        if end is not None and end < start:
            raise ValidationError(f"--end: {end} is before the start, {start}", "end")

    def list(self) -> list[IncidentDTO]:
        with self.db.read() as s:
            minutes = dict(s.execute(select(TimeEntry.incident_id, func.sum(TimeEntry.minutes)).where(
                TimeEntry.deleted_at.is_(None), TimeEntry.incident_id.is_not(None))
                .group_by(TimeEntry.incident_id)).all())
            return [incident_dto(i, minutes.get(i.id, 0)) for i in s.scalars(
                select(Incident).where(Incident.deleted_at.is_(None))
                .order_by(Incident.start_date.desc(), Incident.ref))]

    def get(self, ref: str) -> IncidentDTO:
        with self.db.read() as s:
            return incident_dto(find_incident(s, ref))

    # -- pay rates (home agency only, local only) ----------------------------------------------------
    def set_rate(self, name: str, *, regular: Any, overtime: Any, fringe_regular: Any, fringe_overtime: Any,
                 effective_from: Any, permanent: bool = True) -> dict[str, Any]:
        start = as_date(effective_from, "--from")
        if start is None:
            raise ValidationError("--from: required", "from")
        values = dict(regular_cents=_cents(regular, "--regular"), overtime_cents=_cents(overtime, "--overtime"),
                      fringe_regular=_percent(fringe_regular, "--fringe-regular"),
                      fringe_overtime=_percent(fringe_overtime, "--fringe-overtime"), permanent=permanent)
        with self.db.write(summary="staff pay rate set") as s:
            home = require_home(s)
            person = home_staff(s, home, name)
            row = s.scalar(select(StaffPayRate).where(StaffPayRate.contact_id == person.id,
                                                      StaffPayRate.effective_from == start))
            if row is None:
                row = StaffPayRate(contact_id=person.id, effective_from=start, **values)
                s.add(row)
            else:  # the same day again: a correction of that rate
                row.deleted_at = None
                for k, v in values.items():
                    setattr(row, k, v)
            s.flush()
            return {"name": person.name, "from": start.isoformat(), **values}

    def rates(self, name: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as s:
            home = require_home(s)
            q = select(StaffPayRate, Contact.name).join(Contact, Contact.id == StaffPayRate.contact_id).where(
                StaffPayRate.deleted_at.is_(None), Contact.agency_id == home.id)
            if name:
                q = q.where(StaffPayRate.contact_id == home_staff(s, home, name).id)
            return [{"name": n, "from": r.effective_from.isoformat(), "regular_cents": r.regular_cents,
                     "overtime_cents": r.overtime_cents, "fringe_regular": r.fringe_regular,
                     "fringe_overtime": r.fringe_overtime, "permanent": r.permanent}
                    for r, n in s.execute(q.order_by(Contact.name, StaffPayRate.effective_from))]

    # -- eligibility overrides ----------------------------------------------------------------------
    def override(self, ref: str, reason: str, staff: str | None = None) -> None:
        """Count the regular hours of permanent staff on this emergency incident as claimable (one person, or
        everyone), recording why."""
        reason = clean_text(reason, "--reason", 2000, required=True)
        with self.db.write(summary=f"incident {ref}: regular time counted") as s:
            home = require_home(s)
            inc = find_incident(s, ref)
            who = home_staff(s, home, staff).id if staff else None
            old = s.scalar(select(IncidentOverride).where(
                IncidentOverride.incident_id == inc.id, IncidentOverride.deleted_at.is_(None),
                IncidentOverride.contact_id.is_(None) if who is None else IncidentOverride.contact_id == who))
            if old is None:
                s.add(IncidentOverride(incident_id=inc.id, contact_id=who, reason=reason))
            else:
                old.reason = reason

    # -- the labor summary ---------------------------------------------------------------------------
    def labor_document(self, ref: str, certifier_name: str | None = None, certifier_title: str | None = None,
                       today: date | None = None) -> LaborDocument:
        today = today or self.db.clock.today()
        with self.db.read() as s:
            home = require_home(s)
            inc = find_incident(s, ref)
            days, rates = labor_days(s, home, inc)
            overrides = {c: r for c, r in s.execute(select(IncidentOverride.contact_id, IncidentOverride.reason)
                                                    .where(IncidentOverride.incident_id == inc.id,
                                                           IncidentOverride.deleted_at.is_(None)))}
            summary = summarize(days, rates, inc.work == "emergency", overrides)
            names = dict(s.execute(select(Contact.id, Contact.name).where(
                Contact.id.in_([k for k in overrides if k]))).all()) if overrides else {}
            who = clean_text(certifier_name, "--certify-name", 200) or home.billing_contact_name \
                or self.db.actor.display_name
            title = clean_text(certifier_title, "--certify-title", 200)
            if title is None:
                title = s.scalar(select(Contact.title).where(Contact.agency_id == home.id,
                                                             Contact.deleted_at.is_(None),
                                                             func.lower(Contact.name) == who.lower()))
            dates = [d.work_date for d in days]
            return LaborDocument(
                incident=incident_dto(inc), applicant=inc.applicant or home.name, summary=summary,
                benefits=rules.benefit_worksheet(summary, rates),
                period_start=min(dates, default=inc.start_date), period_end=max(dates, default=inc.start_date),
                certifier_name=who, certifier_title=title, prepared_on=today,
                overrides=tuple((names.get(k, "every employee") if k else "every employee", r)
                                for k, r in overrides.items()), demo=demo_database(s))

    def write_labor_summary(self, ref: str, path: Path | str, **kwargs: Any) -> Path:
        from partnerdesk.reports.labor_summary import render_csv, render_pdf
        from partnerdesk.services.statements import write_file

        path = Path(path)
        kind = path.suffix.lower()
        if kind not in (".pdf", ".csv"):
            raise UserError(f"--out {path}: give a file ending in .pdf or .csv")
        doc = self.labor_document(ref, **kwargs)
        write_file(path, render_pdf(doc) if kind == ".pdf" else render_csv(doc).encode("utf-8"))
        return path


def summarize(days, rates, emergency, overrides):
    try:
        return rules.summarize(days, rates, emergency, overrides)
    except rules.NoPayRate as exc:
        raise ValidationError(f"{exc}: set it with 'partnerdesk staff rate set \"{exc.missing[0].name}\" --regular "
                              "AMOUNT --overtime AMOUNT --fringe-regular PCT --fringe-overtime PCT --from "
                              "YYYY-MM-DD'") from None


def labor_days(s: Session, home: Agency, inc: Incident, recipient_id: str | None = None,
               unbilled: bool = False) -> tuple[list[WorkDay], dict[str, list[PayRate]]]:
    """The home agency's own hours on an incident (to one recipient, and only those not yet billed, when
    asked) and the pay rates of the people who worked them."""
    q = select(TimeEntry, Contact.name, Contact.title).outerjoin(
        Contact, Contact.id == TimeEntry.staff_contact_id).where(
        TimeEntry.deleted_at.is_(None), TimeEntry.incident_id == inc.id, TimeEntry.provider_agency_id == home.id)
    if recipient_id:
        q = q.where(TimeEntry.recipient_agency_id == recipient_id)
    if unbilled:
        q = q.where(TimeEntry.statement_line_id.is_(None), TimeEntry.status.not_in(("invoiced", "disputed")))
    days = []
    for e, name, title in s.execute(q):
        if e.staff_contact_id is None:
            raise ValidationError(f"hours on {e.work_date} under {inc.ref} name no one on {home.code}'s staff "
                                  f"('{e.staff_name or 'no staff'}'): pick the person in the Hours table first",
                                  "staff")
        days.append(WorkDay(e.id, e.staff_contact_id, name or e.staff_name or "?", title, e.work_date, e.minutes,
                            bool(e.overtime)))
    people = {d.person for d in days}
    rates: dict[str, list[PayRate]] = {}
    if people:
        for r in s.scalars(select(StaffPayRate).where(StaffPayRate.contact_id.in_(people),
                                                      StaffPayRate.deleted_at.is_(None))):
            rates.setdefault(r.contact_id, []).append(PayRate(r.effective_from, r.regular_cents, r.overtime_cents,
                                                              r.fringe_regular, r.fringe_overtime, r.permanent))
    return days, rates
