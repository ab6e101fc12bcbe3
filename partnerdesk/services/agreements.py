"""Interlocal agreements, their parties, service categories and effective-dated rate schedules."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import date, timedelta
from pathlib import Path
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerdesk import fsutil
from partnerdesk.db.models import Agreement, AgreementParty, MileageRate, RateSchedule, ServiceCategory
from partnerdesk.db.uow import Database
from partnerdesk.domain.billing import IRS_MILEAGE_CENTS, Rate
from partnerdesk.domain.dto import AgreementDTO, CategoryDTO, MileageRateDTO, PartyDTO, RateDTO
from partnerdesk.errors import ValidationError
from partnerdesk.services.base import as_date, clean_text, find_agency, get_live, soft_delete
from partnerdesk.services.pricing import RATE_FIELDS, mileage_table, reprice  # noqa: F401  (re-exported)

KINDS = ("service", "reciprocal", "mutual_aid")
ROLES = ("provider", "recipient", "both")
EXPIRING_DAYS = 90
REFERENCE_NAMESPACE = uuid.UUID("6f1d6a52-6b1e-4d55-9a3c-2f7d8b1c0e11")
AGREEMENT_FIELDS = ("number", "title", "kind", "is_draft", "approval_resolution", "approval_date",
                    "filing_reference", "effective_date", "expiry_date", "termination_notice_days",
                    "billing_frequency", "payment_terms_days", "offset_allowed", "cap_cents", "cap_minutes",
                    "document_path", "notes", "stack_multipliers", "mutual_aid_pricing")
DEFAULT_CATEGORIES = (
    ("NET", "Network", "528.80"), ("PBX", "Telephony/PBX", "528.80"), ("HELP", "Help desk", "518.81"),
    ("EMAIL", "Email", "518.81"), ("SEC", "Security", "518.81"), ("GIS", "GIS", "558.70"),
    ("OUT", "Outage response", "525.60"),
)


def reference_id(key: str) -> str:
    """A stable id for built-in reference rows (the same on every installation)."""
    return str(uuid.uuid5(REFERENCE_NAMESPACE, key))


def agreement_status(a: Agreement, today: date) -> str:
    if a.is_draft:
        return "draft"
    if a.expiry_date and a.expiry_date < today:
        return "expired"
    if a.effective_date > today:
        return "draft"
    if not a.filing_reference:
        return "unfiled"
    if a.expiry_date and a.expiry_date <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "active"


def agreement_dto(a: Agreement, today: date) -> AgreementDTO:
    parties = tuple(sorted((PartyDTO(p.agency_id, p.agency.code, p.agency.name, p.role, p.reference)
                            for p in a.parties), key=lambda p: p.agency_code))
    return AgreementDTO(status=agreement_status(a, today), parties=parties,
                        id=a.id, **{k: getattr(a, k) for k in AGREEMENT_FIELDS})


def rate_dto(r: RateSchedule, codes: dict[str, str], cats: dict[str, str]) -> RateDTO:
    return RateDTO(id=r.id, agreement_id=r.agreement_id, provider_agency_id=r.provider_agency_id,
                   provider_code=codes.get(r.provider_agency_id or ""), category_id=r.category_id,
                   category_code=cats.get(r.category_id or ""),
                   **{k: getattr(r, k) for k in RATE_FIELDS})


def rate_facts(r: RateSchedule, agreement: Agreement | None = None) -> Rate:
    return Rate(id=r.id, agreement_id=r.agreement_id, provider_agency_id=r.provider_agency_id,
                category_id=r.category_id, **{k: getattr(r, k) for k in RATE_FIELDS},
                stack_multipliers=bool(agreement and agreement.stack_multipliers))


def _decimal_str(value: Any, field: str, lo: str = "0", hi: str = "10") -> str:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{field}: '{value}' is not a number", field) from None
    if not d.is_finite() or not Decimal(lo) <= d <= Decimal(hi):
        raise ValidationError(f"{field}: {value} must be between {lo} and {hi}", field)
    # "70" stays "70" (Decimal.normalize alone would give "7E+1"); "72.50" becomes "72.5"
    return str(int(d)) if d == d.to_integral_value() else str(d.normalize())


def validate_agreement(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if k not in AGREEMENT_FIELDS:
            raise ValidationError(f"{k}: not an agreement field", k)
        if k in ("number", "title"):
            out[k] = clean_text(v, k, 300, required=True)
        elif k == "kind":
            if v not in KINDS:
                raise ValidationError(f"kind: '{v}' is not one of {', '.join(KINDS)}", k)
            out[k] = v
        elif k in ("approval_date", "effective_date", "expiry_date"):
            out[k] = as_date(v, k)
        elif k in ("termination_notice_days", "payment_terms_days", "cap_cents", "cap_minutes"):
            if v in (None, ""):
                if k in ("termination_notice_days", "payment_terms_days"):
                    raise ValidationError(f"{k}: required", k)
                out[k] = None
                continue
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValidationError(f"{k}: must be a whole number of zero or more", k)
            out[k] = v
        elif k in ("is_draft", "offset_allowed", "stack_multipliers"):
            out[k] = bool(v)
        elif k == "mutual_aid_pricing":  # issue 20: how a Mutual Aid Reimbursement Request is priced
            from partnerdesk.domain.incidents import parse_pricing

            try:
                out[k] = parse_pricing(v)
            except ValueError as exc:
                raise ValidationError(str(exc), k) from None
        else:
            out[k] = clean_text(v, k, 2000)
    if out.get("effective_date") and out.get("expiry_date") and out["expiry_date"] < out["effective_date"]:
        raise ValidationError("expiry_date: before the effective date", "expiry_date")
    return out


def validate_rate(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if k not in RATE_FIELDS:
            raise ValidationError(f"{k}: not a rate field", k)
        if k in ("effective_from", "effective_to"):
            out[k] = as_date(v, k)
        elif k in ("hourly_rate_cents", "billing_increment_minutes", "minimum_callout_minutes"):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValidationError(f"{k}: must be a whole number of zero or more", k)
            if k == "billing_increment_minutes" and not 1 <= v <= 240:
                raise ValidationError("billing_increment_minutes: must be 1..240", k)
            out[k] = v
        elif k in ("after_hours_multiplier", "overtime_multiplier"):
            out[k] = _decimal_str(v, k, "1", "5")
        elif k == "mileage_rate_cents":
            out[k] = None if v in (None, "") else _decimal_str(v, k, "0", "1000")
        else:
            out[k] = bool(v)
    if out.get("effective_to") and out.get("effective_from") and out["effective_to"] < out["effective_from"]:
        raise ValidationError("effective_to: before effective_from", "effective_to")
    return out


MAX_DOCUMENT_BYTES = 100 * 1024 * 1024


class AgreementService:
    def __init__(self, db: Database, attachments_dir: Path | None = None):
        self.db = db
        # Attachments live beside the database (with PARTNERDESK_HOME that is Paths.attachments_dir).
        self.attachments_dir = Path(attachments_dir) if attachments_dir else db.path.parent / "attachments"

    # -- agreements -------------------------------------------------------------------------------
    def _q(self):
        return select(Agreement).options(selectinload(Agreement.parties).selectinload(AgreementParty.agency))

    def list(self, partner: str | None = None, today: date | None = None) -> list[AgreementDTO]:
        with self.db.read() as s:
            q = self._q().where(Agreement.deleted_at.is_(None)).order_by(Agreement.number)
            if partner:
                ag = find_agency(s, partner)
                q = q.where(Agreement.id.in_(select(AgreementParty.agreement_id).where(
                    AgreementParty.agency_id == ag.id, AgreementParty.deleted_at.is_(None))))
            return [agreement_dto(a, today or self.db.clock.today()) for a in s.scalars(q)]

    def get(self, ref: str) -> AgreementDTO:
        with self.db.read() as s:
            return agreement_dto(self._find(s, ref), self.db.clock.today())

    def _find(self, s: Session, ref: str) -> Agreement:
        a = s.scalar(self._q().where(Agreement.deleted_at.is_(None),
                                     (Agreement.id == ref) | (Agreement.number == ref)))
        if a is None:
            raise ValidationError(f"no agreement '{ref}'")
        return a

    def create(self, *, parties: Iterable[tuple[str, str]] | Iterable[tuple[str, str, str | None]],
               **values: Any) -> AgreementDTO:
        values = validate_agreement(values)
        for req in ("number", "title", "effective_date"):
            if not values.get(req):
                raise ValidationError(f"{req}: required", req)
        with self.db.write() as s:
            if s.scalar(select(Agreement.id).where(Agreement.number == values["number"])):
                raise ValidationError(f"number: agreement {values['number']} already exists", "number")
            a = Agreement(**values)
            s.add(a)
            s.flush()
            self._set_parties(s, a, parties)
            s.expire(a, ["parties"])
            return agreement_dto(a, self.db.clock.today())

    def _set_parties(self, s: Session, a: Agreement, parties) -> None:
        seen = set()
        for p in parties:
            ref, role, reference = (tuple(p) + (None,))[:3]
            if role not in ROLES:
                raise ValidationError(f"party role '{role}' is not one of {', '.join(ROLES)}", "parties")
            ag = find_agency(s, ref)
            if ag.id in seen:
                raise ValidationError(f"{ag.code} is listed twice as a party", "parties")
            if ag.retired_on is not None:
                raise ValidationError(f"partner: {ag.code} was retired on {ag.retired_on}; new agreements cannot "
                                      f"name it ('partnerdesk agencies retire {ag.code} --undo' brings it back)",
                                      "parties")
            seen.add(ag.id)
            s.add(AgreementParty(agreement_id=a.id, agency_id=ag.id, role=role, reference=reference))
        if len(seen) < 2:
            raise ValidationError("an agreement needs at least two parties", "parties")
        s.flush()

    def update(self, ref: str, *, add_parties: Iterable[tuple[str, str]] = (), **changes: Any) -> AgreementDTO:
        """Change an agreement's fields; ``add_parties`` ((agency, role), ...) adds agencies to it."""
        changes = validate_agreement(changes)
        with self.db.write() as s:
            a = self._find(s, ref)
            if "number" in changes and changes["number"] != a.number:
                if s.scalar(select(Agreement.id).where(Agreement.number == changes["number"])):
                    raise ValidationError(f"number: agreement {changes['number']} already exists", "number")
            for k, v in changes.items():
                setattr(a, k, v)
            if a.expiry_date and a.expiry_date < a.effective_date:
                raise ValidationError("expiry_date: before the effective date", "expiry_date")
            add_parties = list(add_parties)
            if add_parties:
                have = {p.agency_id for p in a.parties}
                for ref_, role in add_parties:
                    ag = find_agency(s, ref_)
                    if ag.id in have:
                        raise ValidationError(f"partner: {ag.code} is already a party to {a.number}", "parties")
                    if ag.retired_on is not None:
                        raise ValidationError(f"partner: {ag.code} was retired on {ag.retired_on}", "parties")
                    if role not in ROLES:
                        raise ValidationError(f"party role '{role}' is not one of {', '.join(ROLES)}", "parties")
                    s.add(AgreementParty(agreement_id=a.id, agency_id=ag.id, role=role))
                    have.add(ag.id)
            s.flush()
            if changes.keys() & {"effective_date", "expiry_date", "stack_multipliers"} or add_parties:
                self._reprice(s, a.id)
            s.expire(a, ["parties"])
            return agreement_dto(a, self.db.clock.today())

    @staticmethod
    def _reprice(s: Session, agreement_id: str) -> None:
        reprice(s, agreement_ids=[agreement_id])

    def delete(self, ref: str) -> None:
        with self.db.write() as s:
            soft_delete(self._find(s, ref))

    # -- categories -------------------------------------------------------------------------------
    def categories(self) -> list[CategoryDTO]:
        with self.db.read() as s:
            rows = s.scalars(select(ServiceCategory).where(ServiceCategory.deleted_at.is_(None))
                             .order_by(ServiceCategory.name))
            return [CategoryDTO(c.id, c.code, c.name, c.bars_code) for c in rows]

    def ensure_default_categories(self) -> None:
        """Reference data every installation starts with. Their ids derive from their codes, so two
        installations that later sync (or exchange a JSON export) agree on them instead of colliding."""
        with self.db.read() as s:
            have = set(s.scalars(select(ServiceCategory.code)))
            have_mileage = bool(s.scalar(select(MileageRate.id)))
        if have_mileage and all(code in have for code, _n, _b in DEFAULT_CATEGORIES):
            return
        with self.db.write(summary="default reference data") as s:
            have = set(s.scalars(select(ServiceCategory.code)))
            for code, name, bars in DEFAULT_CATEGORIES:
                if code not in have:
                    s.add(ServiceCategory(id=reference_id(f"category:{code}"), code=code, name=name,
                                          bars_code=bars))
            if not s.scalar(select(MileageRate.id)):
                for start, cents in IRS_MILEAGE_CENTS:
                    s.add(MileageRate(id=reference_id(f"mileage:{start.isoformat()}"), effective_from=start,
                                      cents_per_mile=cents, source="IRS standard rate"))

    # -- rates ------------------------------------------------------------------------------------
    def rates(self, agreement: str) -> list[RateDTO]:
        with self.db.read() as s:
            a = self._find(s, agreement)
            return self._rates(s, [a.id])

    def _rates(self, s: Session, agreement_ids: list[str]) -> list[RateDTO]:
        from partnerdesk.db.models import Agency

        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        cats = dict(s.execute(select(ServiceCategory.id, ServiceCategory.code)).all())
        rows = s.scalars(select(RateSchedule).where(RateSchedule.agreement_id.in_(agreement_ids),
                                                    RateSchedule.deleted_at.is_(None))
                         .order_by(RateSchedule.effective_from))
        return [rate_dto(r, codes, cats) for r in rows]

    def add_rate(self, agreement: str, *, category: str | None = None, provider: str | None = None,
                 **values: Any) -> RateDTO:
        values = validate_rate(values)
        for req in ("effective_from", "hourly_rate_cents"):
            if values.get(req) is None:
                raise ValidationError(f"{req}: required", req)
        with self.db.write() as s:
            a = self._find(s, agreement)
            cat_id = self._category_id(s, category)
            prov_id = self._provider_id(s, a, provider)
            clash = s.scalar(select(RateSchedule.id).where(
                RateSchedule.agreement_id == a.id, RateSchedule.deleted_at.is_(None),
                RateSchedule.provider_agency_id.is_(prov_id) if prov_id is None
                else RateSchedule.provider_agency_id == prov_id,
                RateSchedule.category_id.is_(None) if cat_id is None else RateSchedule.category_id == cat_id,
                RateSchedule.effective_from == values["effective_from"]))
            if clash:
                raise ValidationError(f"effective_from: {a.number} already has a rate for {provider or 'any provider'}"
                                      f"{' / ' + category.upper() if category else ''} starting "
                                      f"{values['effective_from']}; end or change that one", "effective_from")
            r = RateSchedule(agreement_id=a.id, category_id=cat_id, provider_agency_id=prov_id, **values)
            s.add(r)
            s.flush()
            self._reprice(s, a.id)
            return next(x for x in self._rates(s, [a.id]) if x.id == r.id)

    @staticmethod
    def _category_id(s: Session, category: str | None) -> str | None:
        if not category:
            return None
        cat = s.scalar(select(ServiceCategory).where(ServiceCategory.code == category.strip().upper(),
                                                     ServiceCategory.deleted_at.is_(None)))
        if cat is None:
            codes = ", ".join(s.scalars(select(ServiceCategory.code).order_by(ServiceCategory.code)))
            raise ValidationError(f"category: unknown service category '{category}' (known: {codes})", "category")
        return cat.id

    @staticmethod
    def _provider_id(s: Session, a: Agreement, provider: str | None) -> str | None:
        if not provider:
            return None
        ag = find_agency(s, provider)
        if ag.id not in {p.agency_id for p in a.parties}:
            raise ValidationError(f"provider: {ag.code} is not a party to {a.number} (parties: "
                                  f"{', '.join(sorted(p.agency.code for p in a.parties))})", "provider")
        return ag.id

    def end_rate(self, agreement: str, *, provider: str | None, on: Any, category: str | None = None) -> RateDTO:
        """End the rate in force on ``on`` for this provider (and category): ``on`` is its last day."""
        last = as_date(on, "on")
        if last is None:
            raise ValidationError("on: required (the last day the rate applies)", "on")
        with self.db.write() as s:
            a = self._find(s, agreement)
            cat_id = self._category_id(s, category)
            prov_id = self._provider_id(s, a, provider)
            rows = s.scalars(select(RateSchedule).where(
                RateSchedule.agreement_id == a.id, RateSchedule.deleted_at.is_(None),
                RateSchedule.provider_agency_id.is_(None) if prov_id is None
                else RateSchedule.provider_agency_id == prov_id,
                RateSchedule.category_id.is_(None) if cat_id is None else RateSchedule.category_id == cat_id,
                RateSchedule.effective_from <= last,
                (RateSchedule.effective_to.is_(None)) | (RateSchedule.effective_to >= last))
                .order_by(RateSchedule.effective_from.desc())).all()
            if not rows:
                raise ValidationError(f"on: {a.number} has no rate for {provider or 'any provider'}"
                                      f"{' / ' + category.upper() if category else ' (the every-category rate)'} in force "
                                      f"on {last} (see 'partnerdesk agreements rates {a.number}')", "on")
            r = rows[0]
            r.effective_to = last
            s.flush()
            self._reprice(s, a.id)
            return next(x for x in self._rates(s, [a.id]) if x.id == r.id)

    def update_rate(self, rate_id: str, **changes: Any) -> None:
        changes = validate_rate(changes)
        with self.db.write() as s:
            r = get_live(s, RateSchedule, rate_id, "rate schedule")
            for k, v in changes.items():
                setattr(r, k, v)
            self._reprice(s, r.agreement_id)

    def delete_rate(self, rate_id: str) -> None:
        with self.db.write() as s:
            r = get_live(s, RateSchedule, rate_id, "rate schedule")
            soft_delete(r)
            self._reprice(s, r.agreement_id)

    # -- mileage rates (cents per mile by effective date; IRS defaults, the user's edits win) ---------------
    def mileage_rates(self) -> list[MileageRateDTO]:
        with self.db.read() as s:
            rows = s.scalars(select(MileageRate).where(MileageRate.deleted_at.is_(None))
                             .order_by(MileageRate.effective_from))
            return [MileageRateDTO(m.id, m.effective_from, m.cents_per_mile, m.source) for m in rows]

    def set_mileage_rate(self, effective_from: Any, cents_per_mile: Any,
                         source: str | None = "set by user") -> MileageRateDTO:
        """Set the mileage rate that takes effect on a date (replacing the one that starts that day)."""
        start = as_date(effective_from, "date")
        if start is None:
            raise ValidationError("date: required (the day the rate takes effect)", "date")
        cents = _decimal_str(cents_per_mile, "cents per mile", "0", "500")
        with self.db.write(summary=f"mileage rate from {start}: {cents}¢/mile") as s:
            m = s.scalar(select(MileageRate).where(MileageRate.effective_from == start))
            if m is None:
                m = MileageRate(effective_from=start, cents_per_mile=cents, source=clean_text(source, "source", 80))
                s.add(m)
            else:
                m.cents_per_mile, m.deleted_at = cents, None
                m.source = clean_text(source, "source", 80)
            s.flush()
            self._reprice_mileage(s)
            return MileageRateDTO(m.id, m.effective_from, m.cents_per_mile, m.source)

    def delete_mileage_rate(self, effective_from: Any) -> None:
        start = as_date(effective_from, "date")
        with self.db.write() as s:
            m = s.scalar(select(MileageRate).where(MileageRate.effective_from == start,
                                                   MileageRate.deleted_at.is_(None)))
            if m is None:
                raise ValidationError(f"no mileage rate starts on {start}", "date")
            soft_delete(m)
            self._reprice_mileage(s)

    @staticmethod
    def _reprice_mileage(s: Session) -> None:
        reprice(s, with_miles=True)

    # -- the signed document ---------------------------------------------------------------------------
    def attach_document(self, ref: str, source: str | os.PathLike) -> AgreementDTO:
        """Copy the signed agreement into the attachments folder under a safe, unique name and record
        its path (relative to that folder). The previous copy is kept (documents are records)."""
        src = Path(source).expanduser()
        if not src.is_file():
            raise ValidationError(f"document: '{src}' is not a file", "document_path")
        size = src.stat().st_size
        if size == 0 or size > MAX_DOCUMENT_BYTES:
            raise ValidationError(f"document: '{src.name}' is {'empty' if size == 0 else 'larger than 100 MB'}",
                                  "document_path")
        with self.db.read() as s:
            a = self._find(s, ref)
            number, agreement_id = a.number, a.id
        suffix = re.sub(r"[^A-Za-z0-9.]", "", src.suffix.lower())[:10]
        name = f"{fsutil.safe_file_stem(number)}-{agreement_id[-12:]}-{self.db.clock.now():%Y%m%dT%H%M%S%f}{suffix}"
        self.attachments_dir.mkdir(parents=True, exist_ok=True)
        target = self.attachments_dir / name
        tmp = target.with_name("." + name + ".part")
        try:
            shutil.copyfile(src, tmp)
            fsutil.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ValidationError(f"document: cannot copy '{src}': {exc.strerror or exc}", "document_path") from exc
        try:
            with self.db.write(summary=f"document attached: {name}") as s:
                a = self._find(s, agreement_id)
                a.document_path = name
                s.flush()
                return agreement_dto(a, self.db.clock.today())
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def document_file(self, ref: str) -> Path | None:
        """The absolute path of the attached document (to open with the system viewer), or None."""
        with self.db.read() as s:
            rel = self._find(s, ref).document_path
        if not rel:
            return None
        path = (self.attachments_dir / rel).resolve()
        if self.attachments_dir.resolve() not in path.parents:
            raise ValidationError(f"document: '{rel}' is outside the attachments folder", "document_path")
        if not path.is_file():
            raise ValidationError(f"document: {rel} is missing from {self.attachments_dir}", "document_path")
        return path

    # -- calendar -----------------------------------------------------------------------------------------
    def deadlines(self, today: date | None = None) -> list[dict[str, Any]]:
        """Renewal (expiry) and termination-notice deadlines of live, non-draft agreements with an end date."""
        today = today or self.db.clock.today()
        out = []
        for a in self.list(today=today):
            if a.is_draft or a.expiry_date is None:
                continue
            parties = a.party_codes
            out.append(dict(uid=f"{a.id}-expiry@partnerdesk", agreement=a.number, kind="expiry",
                            on=a.expiry_date, summary=f"{a.number} expires — renew or let lapse",
                            description=f"{a.title}\nParties: {parties}\nExpires {a.expiry_date}. "
                                        f"Filed: {a.filing_reference or 'not filed'}."))
            if a.termination_notice_days:
                notice = a.expiry_date - timedelta(days=a.termination_notice_days)
                out.append(dict(uid=f"{a.id}-notice@partnerdesk", agreement=a.number, kind="notice",
                                on=notice, summary=f"{a.number}: last day to give notice "
                                                   f"({a.termination_notice_days} days before expiry)",
                                description=f"{a.title}\nParties: {parties}\nWritten notice of "
                                            f"termination or non-renewal is due {a.termination_notice_days} "
                                            f"days before the agreement expires on {a.expiry_date}."))
        return sorted(out, key=lambda d: (d["on"], d["agreement"], d["kind"]))

    def write_calendar(self, path: str | os.PathLike, today: date | None = None) -> int:
        """Write the deadlines calendar to ``path`` (atomically, CRLF line ends kept). Returns the event count."""
        target = Path(path).expanduser()
        if target.is_dir() or not target.parent.is_dir():
            raise ValidationError(f"{target}: not a file in an existing folder")
        text = self.calendar_ics(today)
        fsutil.write_atomic(target, text.encode("utf-8"))
        return text.count("BEGIN:VEVENT")

    def calendar_ics(self, today: date | None = None) -> str:
        """The deadlines as an iCalendar (RFC 5545) document of all-day VEVENTs with a 14-day reminder."""
        import vobject
        from dateutil import tz

        cal = vobject.iCalendar()
        cal.add("prodid").value = "-//partnerdesk//agreement deadlines//EN"
        cal.add("x-wr-calname").value = "Interlocal agreement deadlines"
        stamp = self.db.clock.now().astimezone(tz.tzutc()).replace(microsecond=0)  # vobject names dateutil's UTC "Z"
        for d in self.deadlines(today):
            ev = cal.add("vevent")
            ev.add("uid").value = d["uid"]
            ev.add("dtstamp").value = stamp
            ev.add("dtstart").value = d["on"]
            ev.add("dtend").value = d["on"] + timedelta(days=1)
            ev.add("summary").value = d["summary"]
            ev.add("description").value = d["description"]
            ev.add("categories").value = ["Interlocal agreements"]
            ev.add("transp").value = "TRANSPARENT"
            alarm = ev.add("valarm")
            alarm.add("action").value = "DISPLAY"
            alarm.add("description").value = d["summary"]
            alarm.add("trigger").value = timedelta(days=-14)
        return cal.serialize()
