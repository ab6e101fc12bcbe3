"""Time entries (favours given and received): log, edit, acknowledge, dispute, list — priced on read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from dataclasses import astuple, dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from partnerdesk.db.models import (Agency, Agreement, AgreementParty, Contact, RateSchedule, ServiceCategory,
                                   Statement, StatementLine, TimeEntry)
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import CapDTO, LogResult, TimeEntryDTO
from partnerdesk.domain.durations import parse_minutes
from partnerdesk.domain.periods import Quarter, fiscal_year_of
from partnerdesk.errors import DuplicateError, FrozenError, ValidationError
from partnerdesk.services.base import (as_date, check_not_future, clean_text, find_agency, get_live, require_home,
                                       soft_delete)
from partnerdesk.services.caps import cap_use
from partnerdesk.services.pricing import EntryRow, Pricer, reprice

DIRECTIONS = {"given": "given", "we helped them": "given", "gave": "given", "out": "given",
              "received": "received", "they helped us": "received", "in": "received"}
STATUSES = ("draft", "acknowledged", "invoiced", "disputed")
PROGRESS_STEP = 2000  # entries read between two progress reports of a long listing
EDITABLE = ("work_date", "minutes", "category", "staff", "after_hours", "callout", "overtime", "travel_minutes",
            "miles", "incident_ref", "description", "agreement")


def parse_direction(text: str) -> str:
    d = DIRECTIONS.get((text or "").strip().lower())
    if d is None:
        raise ValidationError(f"direction: '{text}' must be 'given' (we helped them) or 'received' "
                              "(they helped us)", "direction")
    return d


def parse_miles(value: Any) -> str:
    if value in (None, ""):
        return "0"
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"miles: '{value}' is not a number", "miles") from None
    if not d.is_finite() or d < 0 or d > 2000:
        raise ValidationError(f"miles: {value} must be between 0 and 2,000", "miles")
    return str(d.quantize(Decimal("0.1")))


def _flags(text: str | None) -> tuple[str, ...]:
    return tuple(f for f in (text or "").split(",") if f)


def find_category(s: Session, ref: str) -> ServiceCategory:
    """A service category by code or name (any case); a ValidationError listing the codes when unknown."""
    cat = s.scalar(select(ServiceCategory).where(
        (func.upper(ServiceCategory.code) == ref.strip().upper())
        | (func.lower(ServiceCategory.name) == ref.strip().lower())))
    if cat is None:
        codes = ", ".join(s.scalars(select(ServiceCategory.code).order_by(ServiceCategory.code)))
        raise ValidationError(f"category: unknown '{ref}' (known: {codes})", "category")
    return cat


@dataclass(frozen=True)
class EntryInput:
    """A favour as typed (Quick log, the CLI, a row of an hours file, an edit), before ``HoursService`` checks
    and resolves it: partner and direction, date, hours, and what else the form holds."""

    partner: str
    direction: str
    work_date: Any
    hours: Any
    category: str | None = None
    staff: str | None = None
    after_hours: bool = False
    callout: bool = False
    overtime: bool = False
    miles: Any = None
    travel_minutes: int = 0
    description: str | None = None
    incident_ref: str | None = None
    agreement: str | None = None


def _entry_input(kwargs: dict[str, Any]) -> tuple[EntryInput, str, date | None]:
    """(the entry, its source, "today") of ``log``-style keyword arguments."""
    fields = dict(kwargs)
    source, today = fields.pop("source", "manual"), fields.pop("today", None)
    return EntryInput(**fields), source, today


class HoursService:
    def __init__(self, db: Database):
        self.db = db

    # -- queries ---------------------------------------------------------------------------------
    def _select(self):
        prov, rec = aliased(Agency), aliased(Agency)
        return (select(TimeEntry, prov.code, prov.name, rec.code, rec.name, Agreement.number,
                       ServiceCategory.code, Statement.number)
                .join(prov, prov.id == TimeEntry.provider_agency_id)
                .join(rec, rec.id == TimeEntry.recipient_agency_id)
                .outerjoin(Agreement, Agreement.id == TimeEntry.agreement_id)
                .outerjoin(ServiceCategory, ServiceCategory.id == TimeEntry.category_id)
                .outerjoin(StatementLine, StatementLine.id == TimeEntry.statement_line_id)
                .outerjoin(Statement, Statement.id == StatementLine.statement_id)), prov, rec

    def _dto(self, row, home_id: str | None, priced: tuple[int | None, int | None] | None = None) -> TimeEntryDTO:
        e, pcode, pname, rcode, rname, agr_no, cat_code, st_no = row
        if e.provider_agency_id == home_id:
            direction, partner_code, partner_name = "given", rcode, rname
        elif e.recipient_agency_id == home_id:
            direction, partner_code, partner_name = "received", pcode, pname
        else:
            direction, partner_code, partner_name = "other", pcode, pname
        billable, amount = priced if priced is not None else (e.billable_minutes, e.amount_cents)
        return TimeEntryDTO(
            id=e.id, work_date=e.work_date, direction=direction, partner_code=partner_code,
            partner_name=partner_name, provider_code=pcode, recipient_code=rcode, agreement_id=e.agreement_id,
            agreement_number=agr_no, category_code=cat_code, staff_contact_id=e.staff_contact_id,
            staff_name=e.staff_name, minutes=e.minutes, after_hours=e.after_hours, callout=e.callout,
            travel_minutes=e.travel_minutes, miles=e.miles, incident_ref=e.incident_ref,
            description=e.description, status=e.status, flags=_flags(e.flags),
            acknowledged_by=e.acknowledged_by, acknowledged_on=e.acknowledged_on,
            dispute_reason=e.dispute_reason, statement_number=st_no,
            billable_minutes=billable or 0, amount_cents=amount, deleted_at=e.deleted_at,
            deleted_reason=e.deleted_reason, overtime=bool(e.overtime),
        )

    def list(self, *, quarter: str | None = None, partner: str | None = None, category: str | None = None,
             status: str | None = None, direction: str | None = None, fiscal_year: int | None = None,
             limit: int | None = None, incident: str | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[TimeEntryDTO]:
        """The live entries that match, newest first. ``progress(done, total)`` is told how far the reading got
        (a large region holds hundreds of thousands of entries)."""
        with self.db.read() as s:
            home = require_home(s)
            q, prov, rec = self._select()
            q = q.where(TimeEntry.deleted_at.is_(None))
            if quarter:
                qq = Quarter.parse(quarter, home.fy_start_month)
                q = q.where(TimeEntry.work_date >= qq.start, TimeEntry.work_date <= qq.end)
            if fiscal_year:
                qs = Quarter(fiscal_year, 1, home.fy_start_month)
                q = q.where(TimeEntry.work_date >= qs.start,
                            TimeEntry.work_date <= Quarter(fiscal_year, 4, home.fy_start_month).end)
            if partner:
                ag = find_agency(s, partner)
                q = q.where(or_(TimeEntry.provider_agency_id == ag.id, TimeEntry.recipient_agency_id == ag.id))
            if category:  # an unknown one is a mistake, as an unknown partner is (not an empty list)
                q = q.where(TimeEntry.category_id == find_category(s, category).id)
            if status:
                if status not in STATUSES:
                    raise ValidationError(f"status: '{status}' is not one of {', '.join(STATUSES)}", "status")
                q = q.where(TimeEntry.status == status)
            if incident:  # an unknown one is refused, naming the known ones
                from partnerdesk.services.incidents import find_incident

                q = q.where(TimeEntry.incident_id == find_incident(s, incident).id)
            if direction:
                d = parse_direction(direction)
                col = TimeEntry.provider_agency_id if d == "given" else TimeEntry.recipient_agency_id
                q = q.where(col == home.id)
            q = q.order_by(TimeEntry.work_date.desc(), TimeEntry.created_at.desc())
            if limit:
                q = q.limit(limit)
            if progress is None:
                return [self._dto(row, home.id) for row in s.execute(q)]
            total = s.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
            out = []
            for row in s.execute(q.execution_options(yield_per=PROGRESS_STEP)):
                out.append(self._dto(row, home.id))
                if len(out) % PROGRESS_STEP == 0:
                    progress(len(out), total)
            progress(total, total)
            return out

    def get(self, entry_id: str, include_deleted: bool = False) -> TimeEntryDTO:
        with self.db.read() as s:
            home = require_home(s)
            q, _, _ = self._select()
            row = s.execute(q.where(TimeEntry.id == entry_id)).first()
            if row is None or (row[0].deleted_at is not None and not include_deleted):
                raise ValidationError(f"no time entry with id {entry_id}")
            return self._dto(row, home.id)

    # -- writes ----------------------------------------------------------------------------------
    def log(self, *, partner: str, direction: str, work_date: Any, hours: Any, category: str | None = None,
            staff: str | None = None, after_hours: bool = False, callout: bool = False, miles: Any = None,
            travel_minutes: int = 0, description: str | None = None, incident_ref: str | None = None,
            agreement: str | None = None, source: str = "manual", today: date | None = None,
            allow_duplicate: bool = False, overtime: bool = False) -> LogResult:
        """Log one favour. Returns the saved entry with its price, cap use and warnings. A likely duplicate
        of a live entry (same partner, direction, date, hours and staff) raises DuplicateError naming it,
        unless ``allow_duplicate``."""
        with self.db.write(summary="hours logged") as s:
            entry = EntryInput(partner, direction, work_date, hours, category, staff, after_hours, callout,
                               overtime, miles, travel_minutes, description, incident_ref, agreement)
            e, warnings = self._build(s, entry, source=source, today=today)
            if not allow_duplicate:
                twin = self._duplicate_of(s, e)
                if twin is not None:
                    raise DuplicateError(self._duplicate_text(s, twin), twin.id)
            s.add(e)
            s.flush()
            reprice(s, entry_ids=[e.id])
            s.refresh(e)
            return self._result(s, e, warnings)

    def preview(self, **kwargs: Any) -> LogResult:
        """What ``log`` would save (price, cap use, warnings) without saving anything."""
        with self.db.read() as s:
            entry, source, today = _entry_input(kwargs)
            e, warnings = self._build(s, entry, source=source, today=today)
            twin = self._duplicate_of(s, e)
            if twin is not None:  # quick log shows it before saving, and asks when Save is pressed
                warnings.insert(0, self._duplicate_text(s, twin))
            e.id = "preview"
            return self._result(s, e, warnings, saved=False)

    def _result(self, s: Session, e: TimeEntry, warnings: list[str], saved: bool = True) -> LogResult:
        home = require_home(s)
        if saved:
            priced = (e.billable_minutes, e.amount_cents)
        else:
            p = Pricer(s).price(EntryRow.of(e))
            priced = (p.billable_minutes, p.amount_cents) if p.priced else (None, None)
        cap = None
        if e.agreement_id:
            agr = s.get(Agreement, e.agreement_id)
            fy = fiscal_year_of(e.work_date, home.fy_start_month)
            held = e.status == "disputed" or priced[1] is None  # what cap use leaves out (services/caps.py)
            use = cap_use(s.connection(), agr.id, e.provider_agency_id, fy, home.fy_start_month,
                          cap_cents=agr.cap_cents, cap_minutes=agr.cap_minutes,
                          extra=None if saved or held else (priced[1], priced[0] or e.minutes))
            cap = CapDTO(agr.number, fy, use.cap_cents, use.used_cents, use.cap_minutes, use.used_minutes,
                         use.percent, use.level)
            if use.level:
                who = "our" if e.provider_agency_id == home.id else "their"
                warnings.append(f"{agr.number}: {who} FY{fy} cap is {use.percent:.0f}% used"
                                + (" — over the cap; issuing will need a recorded reason" if use.level >= 100
                                   else f" (past {use.level}%)"))
        prov, rec = s.get(Agency, e.provider_agency_id), s.get(Agency, e.recipient_agency_id)
        agr_no = s.get(Agreement, e.agreement_id).number if e.agreement_id else None
        cat = s.get(ServiceCategory, e.category_id).code if e.category_id else None
        row = (e, prov.code, prov.name, rec.code, rec.name, agr_no, cat, None)
        return LogResult(self._dto(row, home.id, priced), tuple(warnings), cap)

    def _build(self, s: Session, entry: EntryInput, *, source: str = "manual", today: date | None = None,
               exclude_id: str | None = None) -> tuple[TimeEntry, list[str]]:
        """The TimeEntry ``entry`` describes, checked and resolved (partner, agreement, staff, category), and
        its warnings; not added to the session."""
        (partner, direction, work_date, hours, category, staff, after_hours, callout, overtime, miles,
         travel_minutes, description, incident_ref, agreement) = astuple(entry)
        home = require_home(s)
        today = today or self.db.clock.today()
        ag = find_agency(s, partner)
        if ag.id == home.id:
            raise ValidationError("partner: that is your own agency; choose the neighbour", "partner")
        d = parse_direction(direction)
        wd = as_date(work_date, "date")
        if wd is None:
            raise ValidationError("date: required", "date")
        if ag.retired_on is not None and wd > ag.retired_on:
            raise ValidationError(f"partner: {ag.code} was retired on {ag.retired_on}; hours after that date "
                                  f"cannot be logged with it ('partnerdesk agencies retire {ag.code} --undo' "
                                  "brings it back)", "partner")
        check_not_future(wd, today)
        minutes = hours if isinstance(hours, int) and not isinstance(hours, bool) else parse_minutes(hours)
        if minutes <= 0:
            raise ValidationError("hours: must be more than zero", "hours")
        if minutes > 24 * 60:
            raise ValidationError(f"hours: {minutes / 60:g} h is more than 24 hours in one day", "hours")
        if travel_minutes is None or travel_minutes < 0 or travel_minutes > 24 * 60:
            raise ValidationError("travel: must be between 0 and 24 hours", "travel")
        provider, recipient = (home, ag) if d == "given" else (ag, home)
        warnings: list[str] = []
        flags: list[str] = []
        cat_id = None
        if category:
            cat_id = find_category(s, category).id
        staff_id, staff_name = self._staff(s, staff, provider.id)
        if staff_id or staff_name:
            q = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
                TimeEntry.deleted_at.is_(None), TimeEntry.work_date == wd, TimeEntry.id != (exclude_id or ""),
                TimeEntry.provider_agency_id == provider.id,
                (TimeEntry.staff_contact_id == staff_id) if staff_id
                else (func.lower(TimeEntry.staff_name) == staff_name.lower()))
            already = s.scalar(q)
            if already + minutes > 24 * 60:
                raise ValidationError(f"hours: {staff_name} would have {(already + minutes) / 60:g} hours on {wd}, "
                                      "more than 24 in one day", "hours")
        agr_id = self._choose_agreement(s, agreement, home.id, ag.id, wd, flags, warnings)
        if agr_id is not None:
            agr = s.get(Agreement, agr_id)
            if not agr.filing_reference:
                warnings.append(f"{agr.number} is not filed yet (RCW 39.34.040): it can be logged against "
                                "but not billed")
        e = TimeEntry(provider_agency_id=provider.id, recipient_agency_id=recipient.id, agreement_id=agr_id,
                      staff_contact_id=staff_id, staff_name=staff_name, category_id=cat_id, work_date=wd,
                      minutes=minutes, after_hours=bool(after_hours), callout=bool(callout), overtime=bool(overtime),
                      travel_minutes=int(travel_minutes or 0), miles=parse_miles(miles),
                      description=clean_text(description, "description", 2000), status="draft",
                      flags=",".join(flags) or None, source=source)
        if clean_text(incident_ref, "incident", 80):  # a real incident of the register; unknown: refused
            from partnerdesk.services.incidents import find_incident

            inc = find_incident(s, incident_ref)
            e.incident_id, e.incident_ref = inc.id, inc.ref
        if agr_id is not None and not s.scalar(select(RateSchedule.id).where(
                RateSchedule.agreement_id == agr_id, RateSchedule.deleted_at.is_(None)).limit(1)):
            warnings.append("the agreement has no rate schedule yet: the entry is not priced")
        return e, warnings

    @staticmethod
    def _staff(s: Session, staff: str | None, provider_id: str) -> tuple[str | None, str | None]:
        name = clean_text(staff, "staff", 200)
        if not name:
            return None, None
        c = s.scalar(select(Contact).where(Contact.deleted_at.is_(None), Contact.agency_id == provider_id,
                                           func.lower(Contact.name) == name.lower()))
        if c is None:
            c = s.scalar(select(Contact).where(Contact.deleted_at.is_(None), Contact.id == name))
        return (c.id, c.name) if c else (None, name)

    @staticmethod
    def _choose_agreement(s: Session, ref: str | None, home_id: str, partner_id: str, wd: date,
                          flags: list[str], warnings: list[str]) -> str | None:
        both = (select(AgreementParty.agreement_id).where(AgreementParty.deleted_at.is_(None),
                                                          AgreementParty.agency_id.in_([home_id, partner_id]))
                .group_by(AgreementParty.agreement_id).having(func.count(func.distinct(AgreementParty.agency_id)) == 2))
        candidates = s.scalars(select(Agreement).where(Agreement.deleted_at.is_(None), Agreement.id.in_(both))
                               .order_by(Agreement.number)).all()
        if ref:
            chosen = [a for a in candidates if ref in (a.id, a.number)]
            if not chosen:
                raise ValidationError(f"agreement: '{ref}' is not an agreement with this partner", "agreement")
            a = chosen[0]
            if not (a.effective_date <= wd and (a.expiry_date is None or wd <= a.expiry_date)):
                raise ValidationError(f"date: {wd} is outside the term of {a.number} "
                                      f"({a.effective_date} to {a.expiry_date or 'open'})", "date")
            return a.id
        in_term = [a for a in candidates
                   if a.effective_date <= wd and (a.expiry_date is None or wd <= a.expiry_date)]
        if len(in_term) == 1:
            return in_term[0].id
        if len(in_term) > 1:
            raise ValidationError("agreement: more than one agreement applies on that date ("
                                  + ", ".join(a.number for a in in_term) + "); choose one", "agreement")
        if candidates:
            flags.append("outside_term")
            warnings.append(f"{wd} is outside the term of every agreement with this partner: saved unbilled "
                            "and flagged")
        else:
            flags.append("no_agreement")
            warnings.append("no agreement with this partner: saved unbilled and flagged")
        return None

    def update(self, entry_id: str, **changes: Any) -> TimeEntryDTO:
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))} on a time entry")
        with self.db.write() as s:
            e = get_live(s, TimeEntry, entry_id, "time entry")
            self._check_editable(e)
            home = require_home(s)
            partner_id = e.recipient_agency_id if e.provider_agency_id == home.id else e.provider_agency_id
            direction = "given" if e.provider_agency_id == home.id else "received"
            current = dict(partner=partner_id, direction=direction, work_date=e.work_date, hours=e.minutes,
                           category=s.get(ServiceCategory, e.category_id).code if e.category_id else None,
                           staff=e.staff_name, after_hours=e.after_hours, callout=e.callout,
                           overtime=bool(e.overtime), miles=e.miles,
                           travel_minutes=e.travel_minutes, description=e.description,
                           incident_ref=None,  # kept as it is unless changed (below)
                           agreement=s.get(Agreement, e.agreement_id).number if e.agreement_id else None)
            if "minutes" in changes:
                changes["hours"] = changes.pop("minutes")
            if "work_date" in changes and "agreement" not in changes:
                current["agreement"] = None
            current.update(changes)
            fresh, _warn = self._build(s, EntryInput(**current), source=e.source, exclude_id=e.id)
            for col in ("agreement_id", "staff_contact_id", "staff_name", "category_id", "work_date", "minutes",
                        "after_hours", "callout", "overtime", "travel_minutes", "miles", "incident_ref",
                        "incident_id", "description", "flags"):
                if col not in ("incident_ref", "incident_id") or "incident_ref" in changes:
                    setattr(e, col, getattr(fresh, col))
            s.flush()
            reprice(s, entry_ids=[e.id])
        return self.get(entry_id)

    @staticmethod
    def _check_editable(e: TimeEntry) -> None:
        if e.status == "invoiced" or e.statement_line_id:
            raise FrozenError("this entry is on an issued statement and cannot be changed; void or credit "
                              "the statement instead")

    def delete(self, entry_id: str, reason: str | None = None) -> TimeEntryDTO:
        """Soft-delete an entry that is not billed, recording why (the audit trail keeps who and when);
        ``restore`` undoes it. A billed entry stays: the error says how to credit it."""
        with self.db.write() as s:
            e = s.get(TimeEntry, entry_id)
            if e is None:
                raise ValidationError(f"no time entry with id {entry_id} (see 'partnerdesk hours list')", "id")
            if e.deleted_at is not None:
                raise ValidationError(f"entry {entry_id} was already deleted on {e.deleted_at:%Y-%m-%d}"
                                      + (f" ({e.deleted_reason})" if e.deleted_reason else ""), "id")
            self._check_deletable(s, e)
            why = clean_text(reason, "reason", 2000, required=True)
            s.info["summary"] = f"hours deleted: {why}"
            e.deleted_reason = why
            soft_delete(e)
            s.flush()
        return self.get(entry_id, include_deleted=True)

    def restore(self, entry_id: str) -> TimeEntryDTO:
        """Undo ``delete``: the entry is live again, as it was."""
        with self.db.write(summary="hours restored") as s:
            e = s.get(TimeEntry, entry_id)
            if e is None:
                raise ValidationError(f"no time entry with id {entry_id}", "id")
            if e.deleted_at is None:
                raise ValidationError(f"entry {entry_id} is not deleted", "id")
            e.deleted_at, e.deleted_reason = None, None
            s.flush()
            reprice(s, entry_ids=[e.id])
        return self.get(entry_id)

    @staticmethod
    def _check_deletable(s: Session, e: TimeEntry) -> None:
        if not (e.status == "invoiced" or e.statement_line_id):
            return
        st = s.scalar(select(Statement).join(StatementLine, StatementLine.statement_id == Statement.id)
                      .where(StatementLine.id == e.statement_line_id)) if e.statement_line_id else None
        number = st.number if st is not None and st.number else "STATEMENT"
        where = f"statement {st.number}" if st is not None and st.number else "an issued statement"
        raise FrozenError(f"entry {e.id} is billed on {where} and cannot be deleted; to take it off the bill, "
                          f"issue a credit note: partnerdesk statements credit {number} --reason TEXT "
                          "--amount AMOUNT (or void the statement and issue a corrected one)")

    # -- likely duplicates -------------------------------------------------------------------------
    @staticmethod
    def _duplicate_query(e: TimeEntry):
        q = select(TimeEntry).where(
            TimeEntry.deleted_at.is_(None), TimeEntry.provider_agency_id == e.provider_agency_id,
            TimeEntry.recipient_agency_id == e.recipient_agency_id, TimeEntry.work_date == e.work_date,
            TimeEntry.minutes == e.minutes)
        if e.staff_contact_id:
            q = q.where(or_(TimeEntry.staff_contact_id == e.staff_contact_id,
                            func.lower(TimeEntry.staff_name) == (e.staff_name or "").lower()))
        elif e.staff_name:
            q = q.where(func.lower(TimeEntry.staff_name) == e.staff_name.lower())
        else:
            q = q.where(TimeEntry.staff_contact_id.is_(None), TimeEntry.staff_name.is_(None))
        if e.id:
            q = q.where(TimeEntry.id != e.id)
        return q.order_by(TimeEntry.created_at)

    def _duplicate_of(self, s: Session, e: TimeEntry) -> TimeEntry | None:
        """The first live entry with the same partner, direction, date, hours and staff, if any."""
        return s.scalars(self._duplicate_query(e).limit(1)).first()

    @staticmethod
    def _duplicate_text(s: Session, twin: TimeEntry) -> str:
        home = require_home(s)
        given = twin.provider_agency_id == home.id
        partner = s.get(Agency, twin.recipient_agency_id if given else twin.provider_agency_id)
        who = f" by {twin.staff_name}" if twin.staff_name else ""
        from partnerdesk.domain.durations import format_minutes

        return (f"likely duplicate of entry {twin.id}: {format_minutes(twin.minutes)} h "
                f"{'given to' if given else 'received from'} {partner.code} on {twin.work_date}{who} is already "
                "logged")

    def duplicate_of(self, **kwargs: Any) -> TimeEntryDTO | None:
        """The live entry that what ``log`` would save duplicates (for a warning before saving), or None."""
        with self.db.read() as s:
            entry, source, today = _entry_input(kwargs)
            e, _warnings = self._build(s, entry, source=source, today=today)
            twin = self._duplicate_of(s, e)
            twin_id = twin.id if twin is not None else None
        return self.get(twin_id) if twin_id else None

    def acknowledge(self, entry_ids: Iterable[str], by: str, on: Any = None) -> int:
        by = clean_text(by, "acknowledged by", 200, required=True)
        when = as_date(on, "acknowledged on") or self.db.clock.today()
        with self.db.write(action="acknowledge") as s:
            n = 0
            for entry_id in entry_ids:
                e = get_live(s, TimeEntry, entry_id, "time entry")
                self._check_editable(e)
                e.status, e.acknowledged_by, e.acknowledged_on, e.dispute_reason = "acknowledged", by, when, None
                n += 1
            return n

    def dispute(self, entry_ids: Iterable[str], reason: str) -> int:
        reason = clean_text(reason, "reason", 2000, required=True)
        with self.db.write(action="dispute") as s:
            n = 0
            for entry_id in entry_ids:
                e = get_live(s, TimeEntry, entry_id, "time entry")
                self._check_editable(e)
                e.status, e.dispute_reason = "disputed", reason
                n += 1
            return n

    def count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(TimeEntry).where(TimeEntry.deleted_at.is_(None)))

