"""Frozen dataclasses handed from services to the GUI and CLI. No ORM object ever leaves a service."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


def to_json(obj: Any) -> Any:
    """A DTO (or list of DTOs) as JSON-ready data: dates ISO, tuples lists."""
    if isinstance(obj, (list, tuple)):
        return [to_json(x) for x in obj]
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_json(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, datetime):
        return obj.isoformat().replace("+00:00", "Z")
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, bytes):  # an image in a listing: what it is, not the bytes
        import hashlib

        return {"bytes": len(obj), "sha256": hashlib.sha256(obj).hexdigest()}
    return obj


@dataclass(frozen=True)
class AgencyDTO:
    id: str
    name: str
    code: str
    kind: str
    is_home: bool
    fy_start_month: int
    ubi: str | None = None
    ein: str | None = None
    remit_to: str | None = None
    bill_to: str | None = None
    ap_contact_name: str | None = None
    ap_contact_email: str | None = None
    ap_contact_phone: str | None = None
    phone: str | None = None
    website: str | None = None
    bars_revenue_code: str | None = None
    bars_expense_code: str | None = None
    billing_node: str | None = None
    notes: str | None = None
    address: str | None = None  # the letterhead's street address (remit_to is where payments go)
    billing_contact_name: str | None = None  # who answers questions about the statements this agency issues
    billing_contact_email: str | None = None
    billing_contact_phone: str | None = None
    eft_instructions: str | None = None
    logo_image: bytes | None = field(default=None, repr=False)  # PNG or JPEG (services/agencies.py checks)
    retired_on: date | None = None


@dataclass(frozen=True)
class PhoneDTO:
    kind: str  # work mobile after_hours personal
    number: str  # as typed

    @property
    def shown(self) -> str:
        """The number in the one format every screen and printout shows (domain/phones.py)."""
        from partnerdesk.domain.phones import national

        return national(self.number)

    @property
    def tel(self) -> str:
        """What a tel: link dials (E.164 when the number can be read)."""
        from partnerdesk.domain.phones import dial

        return dial(self.number)


@dataclass(frozen=True)
class ContactDTO:
    id: str
    name: str
    agency_id: str
    agency_code: str
    agency_name: str
    title: str | None
    email: str | None
    work_phone: str | None
    mobile_phone: str | None
    after_hours_phone: str | None
    personal_phone: str | None
    escalation_order: int | None
    on_call_notes: str | None
    notes: str | None
    role_tags: tuple[str, ...]
    skills: tuple[str, ...]
    last_verified: date | None
    emergency_responder_since: date | None

    def phones(self, include_personal: bool = False) -> tuple[PhoneDTO, ...]:
        out = []
        for kind, number in (("work", self.work_phone), ("mobile", self.mobile_phone),
                             ("after_hours", self.after_hours_phone), ("personal", self.personal_phone)):
            if number and (kind != "personal" or include_personal):
                out.append(PhoneDTO(kind, number))
        return tuple(out)


@dataclass(frozen=True)
class CategoryDTO:
    id: str
    code: str
    name: str
    bars_code: str | None


@dataclass(frozen=True)
class PartyDTO:
    agency_id: str
    agency_code: str
    agency_name: str
    role: str
    reference: str | None


@dataclass(frozen=True)
class RateDTO:
    id: str
    agreement_id: str
    provider_agency_id: str | None
    provider_code: str | None
    category_id: str | None
    category_code: str | None
    effective_from: date
    effective_to: date | None
    hourly_rate_cents: int
    after_hours_multiplier: str
    overtime_multiplier: str
    billing_increment_minutes: int
    minimum_callout_minutes: int
    travel_billable: bool
    mileage_rate_cents: str | None


@dataclass(frozen=True)
class AgreementDTO:
    id: str
    number: str
    title: str
    kind: str
    status: str  # draft active expiring expired unfiled
    is_draft: bool
    approval_resolution: str | None
    approval_date: date | None
    filing_reference: str | None
    effective_date: date
    expiry_date: date | None
    termination_notice_days: int
    billing_frequency: str
    payment_terms_days: int
    offset_allowed: bool
    cap_cents: int | None
    cap_minutes: int | None
    document_path: str | None
    notes: str | None
    mutual_aid_pricing: str | None = None  # a mutual-aid request: None/actual_cost or agreement_rates (issue 20)
    stack_multipliers: bool = False  # after-hours overtime priced with both multipliers (else the higher)
    parties: tuple[PartyDTO, ...] = field(default_factory=tuple)

    @property
    def party_codes(self) -> str:
        return ", ".join(p.agency_code for p in self.parties)


@dataclass(frozen=True)
class TimeEntryDTO:
    id: str
    work_date: date
    direction: str  # given (we helped them) | received (they helped us) | other
    partner_code: str
    partner_name: str
    provider_code: str
    recipient_code: str
    agreement_id: str | None
    agreement_number: str | None
    category_code: str | None
    staff_contact_id: str | None
    staff_name: str | None
    minutes: int
    after_hours: bool
    callout: bool
    travel_minutes: int
    miles: str
    incident_ref: str | None
    description: str | None
    status: str
    flags: tuple[str, ...]
    acknowledged_by: str | None
    acknowledged_on: date | None
    dispute_reason: str | None
    statement_number: str | None
    billable_minutes: int
    amount_cents: int | None  # None: not priced (no agreement or no rate)
    deleted_at: datetime | None = None
    deleted_reason: str | None = None
    overtime: bool = False


@dataclass(frozen=True)
class CapDTO:
    agreement_number: str
    fiscal_year: int
    cap_cents: int | None
    used_cents: int
    cap_minutes: int | None
    used_minutes: int
    percent: float | None
    level: int


@dataclass(frozen=True)
class LogResult:
    entry: TimeEntryDTO
    warnings: tuple[str, ...]
    cap: CapDTO | None


@dataclass(frozen=True)
class BalanceDTO:
    partner: str  # code
    partner_name: str
    fiscal_year: int
    hours_given: float
    hours_received: float
    minutes_given: int
    minutes_received: int
    value_given_cents: int
    value_received_cents: int
    net_cents: int  # positive: they owe us
    quarter: str
    quarter_minutes_given: int
    quarter_minutes_received: int
    quarter_value_given_cents: int
    quarter_value_received_cents: int
    cap_used_percent: float | None
    reciprocity: float | None  # received / given hours
    unpriced_entries: int


@dataclass(frozen=True)
class AuditDTO:
    id: str
    at: datetime
    os_user: str
    display_name: str
    action: str
    entity: str
    entity_id: str | None
    summary: str | None
    changes: dict


@dataclass(frozen=True)
class MileageRateDTO:
    id: str
    effective_from: date
    cents_per_mile: str  # decimal string, e.g. "72.5"
    source: str | None


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 1-based line number in the file (the header is line 1)
    message: str


@dataclass(frozen=True)
class ImportRowPreview:
    line: int
    work_date: date
    direction: str
    partner_code: str
    staff_name: str | None
    staff_matched: bool
    category_code: str | None
    minutes: int
    after_hours: bool
    callout: bool
    miles: str
    description: str | None
    agreement_number: str | None
    amount_cents: int | None
    warnings: tuple[str, ...] = ()
    overtime: bool = False
    # "exact": the same entry is already logged (skipped unless asked to keep it); "likely": the same partner,
    # direction, date, hours and staff are already logged with another description (imported, marked)
    duplicate: str | None = None
    duplicate_of: str | None = None  # the existing entry's id
    skipped: bool = False  # an exact duplicate left out of the import


@dataclass(frozen=True)
class HoursImportPreview:
    """What an hours import would do: the column mapping used, parsed rows and problems. Nothing is saved
    while ``problems`` is not empty (all-or-nothing)."""

    file: str
    columns: tuple[str, ...]  # the header of the file
    mapping: dict  # field -> column name
    rows: tuple[ImportRowPreview, ...]
    problems: tuple[ImportProblem, ...]
    imported: int = 0  # rows saved (0 on a dry run or when there are problems)

    @property
    def skipped(self) -> int:
        """Exact duplicates of entries already logged, left out (or to be left out, on a dry run)."""
        return sum(1 for r in self.rows if r.skipped)

    @property
    def to_import(self) -> int:
        return sum(1 for r in self.rows if not r.skipped)

    @property
    def ok(self) -> bool:
        return not self.problems
