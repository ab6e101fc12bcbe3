"""Frozen data about statements handed to the GUI, the CLI and the PDF renderer (no ORM, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from partnerdesk.domain.dto import AgencyDTO
from partnerdesk.domain.statement_rules import Aging, LineDraft


@dataclass(frozen=True)
class StatementDTO:
    id: str
    number: str | None  # None while a draft
    kind: str  # statement | credit_note
    status: str  # draft issued partially_paid paid void
    partner: str  # bill-to agency code
    partner_name: str
    agreement_number: str | None
    period: str  # "2026Q2"
    period_start: date
    period_end: date
    fiscal_year: int
    issue_date: date | None
    due_date: date | None
    gross_cents: int
    offset_cents: int
    total_cents: int  # net of offsets (negative when the net favours the partner)
    amount_due_cents: int
    paid_cents: int  # payments and credit notes applied
    balance_cents: int
    line_count: int
    pdf_sha256: str | None
    supersedes: str | None = None  # number of the voided statement this one replaces
    original: str | None = None  # for a credit note: the statement it credits
    void_reason: str | None = None
    cap_override_reason: str | None = None
    held_back: int = 0  # disputed entries kept off this draft
    unacknowledged: int = 0
    warnings: tuple[str, ...] = ()
    seal_sha256: str | None = None  # the seal recorded at issue (domain/sealing.py)


@dataclass(frozen=True)
class PaymentDTO:
    id: str
    statement_number: str
    paid_on: date
    amount_cents: int
    method: str
    reference: str | None


@dataclass(frozen=True)
class HeldEntry:
    entry_id: str
    work_date: date
    staff_name: str | None
    reason: str


@dataclass(frozen=True)
class IssueOutcome:
    """One statement's fate in an issue run: issued (with its number) or skipped (with the reason)."""

    partner: str
    agreement_number: str | None
    statement: StatementDTO | None
    skipped_reason: str | None = None
    warnings: tuple[str, ...] = ()
    held_back: tuple[HeldEntry, ...] = ()
    pdf_path: str | None = None
    pdf_error: str | None = None  # issued, but its PDF file could not be written (the path and why)

    @property
    def issued(self) -> bool:
        return self.statement is not None and self.statement.number is not None


@dataclass(frozen=True)
class IssuePlan:
    """What issuing a quarter's statements would do, said before it is done: every draft, and those a
    guard will refuse (an unfiled or draft agreement, a cap passed without a reason) with the reason."""

    quarter: str
    drafts: tuple[StatementDTO, ...]
    refusals: tuple[tuple[StatementDTO, str], ...] = ()

    @property
    def to_issue(self) -> tuple[StatementDTO, ...]:
        refused = {d.id for d, _why in self.refusals}
        return tuple(d for d in self.drafts if d.id not in refused)

    @property
    def total_cents(self) -> int:
        """The amount due on the statements that will be issued."""
        return sum(d.amount_due_cents for d in self.to_issue)


@dataclass(frozen=True)
class VerifyResult:
    number: str
    ok: bool
    stored_sha256: str
    actual_sha256: str
    message: str
    first_difference: int | None = None  # byte offset, when a file was compared with the stored PDF
    problems: tuple[str, ...] = ()  # what differs from the seal recorded at issue, one phrase each


@dataclass(frozen=True)
class CapView:
    cap_cents: int | None
    cap_minutes: int | None
    used_cents: int  # cap use (services/caps.py) in the fiscal year through ``through``
    used_minutes: int
    through: date | None = None  # the end of the statement's service period

    @property
    def remaining_cents(self) -> int | None:
        return None if self.cap_cents is None else self.cap_cents - self.used_cents

    @property
    def remaining_minutes(self) -> int | None:
        return None if self.cap_minutes is None else self.cap_minutes - self.used_minutes


@dataclass(frozen=True)
class AccountSummary:
    prior_billed_cents: int
    prior_paid_cents: int  # payments and credits on earlier statements

    @property
    def prior_balance_cents(self) -> int:
        return self.prior_billed_cents - self.prior_paid_cents


@dataclass(frozen=True)
class StatementView:
    """Everything the statement PDF shows, frozen at issue (or at preview for a draft)."""

    number: str | None
    kind: str
    status: str
    issuer: AgencyDTO
    bill_to: AgencyDTO
    bill_to_reference: str | None
    agreement_number: str | None
    agreement_title: str | None
    agreement_kind: str | None
    agreement_filing: str | None
    agreement_approval: str | None
    offset_allowed: bool
    period: str
    period_start: date
    period_end: date
    fiscal_year: int
    issue_date: date
    due_date: date
    payment_terms_days: int
    lines: tuple[LineDraft, ...]
    gross_cents: int
    offset_cents: int
    total_cents: int
    amount_due_cents: int
    account: AccountSummary
    cap: CapView | None
    category_names: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code -> (name, BARS)
    certifier_name: str | None = None
    certifier_title: str | None = None
    place: str | None = None
    supersedes: str | None = None
    original: str | None = None
    notes: str | None = None
    cap_override_reason: str | None = None
    demo: bool = False  # made from the demo database: every page carries the DEMO mark
    incident: str | None = None  # a mutual-aid reimbursement request: the incident it cites
    pricing_basis: str | None = None  # ... and how it is priced (actual cost or agreement rates)


@dataclass(frozen=True)
class AccountLine:
    date: date
    kind: str  # statement credit_note payment void
    number: str
    description: str
    charge_cents: int
    credit_cents: int
    balance_cents: int  # running balance


@dataclass(frozen=True)
class AccountStatement:
    issuer: AgencyDTO
    partner: AgencyDTO
    as_of: date
    lines: tuple[AccountLine, ...]
    statements: tuple[StatementDTO, ...]
    balance_cents: int
    aging: Aging
    generated_at: datetime | None = None
    demo: bool = False  # made from the demo database: every page carries the DEMO mark
