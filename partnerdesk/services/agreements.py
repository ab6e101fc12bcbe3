"""Interlocal agreements, their parties, service categories and effective-dated rate schedules."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerdesk.db.models import Agreement, AgreementParty, MileageRate, RateSchedule, ServiceCategory
from partnerdesk.db.uow import Database
from partnerdesk.domain.billing import IRS_MILEAGE_CENTS, Rate
from partnerdesk.domain.dto import AgreementDTO, CategoryDTO, PartyDTO, RateDTO
from partnerdesk.errors import ValidationError
from partnerdesk.services.base import as_date, clean_text, find_agency, get_live, soft_delete

KINDS = ("service", "reciprocal", "mutual_aid")
ROLES = ("provider", "recipient", "both")
EXPIRING_DAYS = 90
REFERENCE_NAMESPACE = uuid.UUID("6f1d6a52-6b1e-4d55-9a3c-2f7d8b1c0e11")
AGREEMENT_FIELDS = ("number", "title", "kind", "is_draft", "approval_resolution", "approval_date",
                    "filing_reference", "effective_date", "expiry_date", "termination_notice_days",
                    "billing_frequency", "payment_terms_days", "offset_allowed", "cap_cents", "cap_minutes",
                    "document_path", "notes")
RATE_FIELDS = ("effective_from", "effective_to", "hourly_rate_cents", "after_hours_multiplier",
               "overtime_multiplier", "billing_increment_minutes", "minimum_callout_minutes",
               "travel_billable", "mileage_rate_cents")
DEFAULT_CATEGORIES = (
    ("NET", "Network", "528.80"), ("PBX", "Telephony/PBX", "528.80"), ("HELP", "Help desk", "518.81"),
    ("EMAIL", "Email", "518.81"), ("SEC", "Security", "518.81"), ("GIS", "GIS", "558.70"),
    ("OUT", "Outage response", "525.60"),
)


def reference_id(key: str) -> str:
    """A stable id for built-in reference rows (the same on every installation)."""
    return str(uuid.uuid5(REFERENCE_NAMESPACE, key))


def agreement_status(a: Agreement, today: date | None = None) -> str:
    today = today or date.today()
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


def agreement_dto(a: Agreement, today: date | None = None) -> AgreementDTO:
    parties = tuple(sorted((PartyDTO(p.agency_id, p.agency.code, p.agency.name, p.role, p.reference)
                            for p in a.parties), key=lambda p: p.agency_code))
    return AgreementDTO(status=agreement_status(a, today), parties=parties,
                        id=a.id, **{k: getattr(a, k) for k in AGREEMENT_FIELDS})


def rate_dto(r: RateSchedule, codes: dict[str, str], cats: dict[str, str]) -> RateDTO:
    return RateDTO(id=r.id, agreement_id=r.agreement_id, provider_agency_id=r.provider_agency_id,
                   provider_code=codes.get(r.provider_agency_id or ""), category_id=r.category_id,
                   category_code=cats.get(r.category_id or ""),
                   **{k: getattr(r, k) for k in RATE_FIELDS})


def rate_facts(r: RateSchedule) -> Rate:
    return Rate(id=r.id, agreement_id=r.agreement_id, provider_agency_id=r.provider_agency_id,
                category_id=r.category_id, **{k: getattr(r, k) for k in RATE_FIELDS})


def mileage_table(s: Session) -> tuple[tuple[date, str], ...]:
    rows = s.execute(select(MileageRate.effective_from, MileageRate.cents_per_mile)
                     .where(MileageRate.deleted_at.is_(None))).all()
    return tuple((d, c) for d, c in rows) or IRS_MILEAGE_CENTS


def _decimal_str(value: Any, field: str, lo: str = "0", hi: str = "10") -> str:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{field}: '{value}' is not a number", field) from None
    if not Decimal(lo) <= d <= Decimal(hi):
        raise ValidationError(f"{field}: {value} must be between {lo} and {hi}", field)
    return str(d.normalize()) if d == d.to_integral() else str(d)


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
        elif k in ("is_draft", "offset_allowed"):
            out[k] = bool(v)
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


class AgreementService:
    def __init__(self, db: Database):
        self.db = db

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
            return [agreement_dto(a, today) for a in s.scalars(q)]

    def get(self, ref: str) -> AgreementDTO:
        with self.db.read() as s:
            return agreement_dto(self._find(s, ref))

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
            return agreement_dto(a)

    def _set_parties(self, s: Session, a: Agreement, parties) -> None:
        seen = set()
        for p in parties:
            ref, role, reference = (tuple(p) + (None,))[:3]
            if role not in ROLES:
                raise ValidationError(f"party role '{role}' is not one of {', '.join(ROLES)}", "parties")
            ag = find_agency(s, ref)
            if ag.id in seen:
                raise ValidationError(f"{ag.code} is listed twice as a party", "parties")
            seen.add(ag.id)
            s.add(AgreementParty(agreement_id=a.id, agency_id=ag.id, role=role, reference=reference))
        if len(seen) < 2:
            raise ValidationError("an agreement needs at least two parties", "parties")
        s.flush()

    def update(self, ref: str, **changes: Any) -> AgreementDTO:
        changes = validate_agreement(changes)
        with self.db.write() as s:
            a = self._find(s, ref)
            for k, v in changes.items():
                setattr(a, k, v)
            if a.expiry_date and a.expiry_date < a.effective_date:
                raise ValidationError("expiry_date: before the effective date", "expiry_date")
            s.flush()
            return agreement_dto(a)

    @staticmethod
    def _reprice(s: Session, agreement_id: str) -> None:
        from partnerdesk.services.pricing import reprice

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
            cat_id = None
            if category:
                cat = s.scalar(select(ServiceCategory).where(ServiceCategory.code == category.upper()))
                if cat is None:
                    raise ValidationError(f"category: unknown service category '{category}'", "category")
                cat_id = cat.id
            prov_id = find_agency(s, provider).id if provider else None
            r = RateSchedule(agreement_id=a.id, category_id=cat_id, provider_agency_id=prov_id, **values)
            s.add(r)
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
