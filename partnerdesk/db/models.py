"""The data model (DESIGN §3). Every synced row has a UUIDv7 text id, created/updated/deleted stamps.

Money is integer cents (``*_cents``), durations integer minutes, rates cents per hour, multipliers and
mileage decimal strings. Timestamps are UTC ISO text, dates ISO text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from partnerdesk.db.types import ISODate, UTCDateTime, column_now, uuid7

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Entity(Base):
    """Columns every replicated row has."""

    __abstract__ = True
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now, onupdate=column_now)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Agency(Entity):
    __tablename__ = "agency"
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="city")  # city county town district tribe state
    ubi: Mapped[str | None] = mapped_column(String(20))
    ein: Mapped[str | None] = mapped_column(String(20))
    remit_to: Mapped[str | None] = mapped_column(Text)
    bill_to: Mapped[str | None] = mapped_column(Text)
    ap_contact_name: Mapped[str | None] = mapped_column(String(200))
    ap_contact_email: Mapped[str | None] = mapped_column(String(200))
    ap_contact_phone: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    fy_start_month: Mapped[int] = mapped_column(Integer, default=1)
    bars_revenue_code: Mapped[str | None] = mapped_column(String(40))
    bars_expense_code: Mapped[str | None] = mapped_column(String(40))
    is_home: Mapped[bool] = mapped_column(Boolean, default=False)
    billing_node: Mapped[str | None] = mapped_column(String(64))  # the sync node that issues its numbers
    notes: Mapped[str | None] = mapped_column(Text)
    # 0007_agency_setup: the letterhead's street address, who answers questions about our statements (the
    # ap_contact_* fields are who pays the bills we send them), EFT details for the remittance stub, the
    # logo itself (PNG or JPEG bytes, validated by services/agencies.py), and retirement of a partner
    address: Mapped[str | None] = mapped_column(Text)
    billing_contact_name: Mapped[str | None] = mapped_column(String(200))
    billing_contact_email: Mapped[str | None] = mapped_column(String(200))
    billing_contact_phone: Mapped[str | None] = mapped_column(String(40))
    eft_instructions: Mapped[str | None] = mapped_column(Text)
    logo_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    retired_on: Mapped[date | None] = mapped_column(ISODate)

    contacts: Mapped[list["Contact"]] = relationship(back_populates="agency")


class Skill(Entity):
    __tablename__ = "skill"
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), unique=True)  # casefolded name


class Contact(Entity):
    __tablename__ = "contact"
    # live contacts in escalation order, covering the "who can help with X" walk (0004_directory_speed)
    __table_args__ = (Index("ix_contact_live_escalation", "escalation_order", "name", "id",
                            sqlite_where=text("deleted_at IS NULL")),)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    role_tags: Mapped[str | None] = mapped_column(String(400))  # comma separated
    work_phone: Mapped[str | None] = mapped_column(String(40))
    mobile_phone: Mapped[str | None] = mapped_column(String(40))
    after_hours_phone: Mapped[str | None] = mapped_column(String(40))
    personal_phone: Mapped[str | None] = mapped_column(String(40))  # exempt from disclosure
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    escalation_order: Mapped[int | None] = mapped_column(Integer)
    on_call_notes: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    last_verified: Mapped[date | None] = mapped_column(ISODate)
    emergency_responder_since: Mapped[date | None] = mapped_column(ISODate)

    agency: Mapped[Agency] = relationship(back_populates="contacts")
    skill_links: Mapped[list["ContactSkill"]] = relationship(
        back_populates="contact", primaryjoin="and_(Contact.id == ContactSkill.contact_id, "
        "ContactSkill.deleted_at.is_(None))", viewonly=True)


class ContactSkill(Entity):
    __tablename__ = "contact_skill"
    # live links by person, answering "has this person skill X" from the index (0005_live_skill_links)
    __table_args__ = (UniqueConstraint("contact_id", "skill_id"),
                      Index("ix_contact_skill_live", "contact_id", "skill_id", sqlite_where=text("deleted_at IS NULL")))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id"), index=True)
    skill_id: Mapped[str] = mapped_column(ForeignKey("skill.id"), index=True)
    contact: Mapped[Contact] = relationship(back_populates="skill_links")
    skill: Mapped[Skill] = relationship()


class ServiceCategory(Entity):
    __tablename__ = "service_category"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    bars_code: Mapped[str | None] = mapped_column(String(40))


class Agreement(Entity):
    __tablename__ = "agreement"
    number: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="service")  # service reciprocal mutual_aid
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_resolution: Mapped[str | None] = mapped_column(String(80))
    approval_date: Mapped[date | None] = mapped_column(ISODate)
    filing_reference: Mapped[str | None] = mapped_column(String(200))  # auditor no. or web listing
    effective_date: Mapped[date] = mapped_column(ISODate)
    expiry_date: Mapped[date | None] = mapped_column(ISODate)
    termination_notice_days: Mapped[int] = mapped_column(Integer, default=90)
    billing_frequency: Mapped[str] = mapped_column(String(20), default="quarterly")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    offset_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    cap_cents: Mapped[int | None] = mapped_column(Integer)  # not-to-exceed dollars per fiscal year
    cap_minutes: Mapped[int | None] = mapped_column(Integer)  # not-to-exceed hours per fiscal year
    document_path: Mapped[str | None] = mapped_column(String(400))  # relative to attachments dir
    notes: Mapped[str | None] = mapped_column(Text)
    # after-hours overtime: both multipliers (their product) instead of the higher one; 0012 (issue 15)
    # 0013_incidents: how a mutual-aid reimbursement request under it is priced: None or "actual_cost" (pay
    # plus fringe), "agreement_rates" (the agreement's rate schedules)
    mutual_aid_pricing: Mapped[str | None] = mapped_column(String(20))
    stack_multipliers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))

    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", primaryjoin="and_(Agreement.id == AgreementParty.agreement_id, "
        "AgreementParty.deleted_at.is_(None))", viewonly=True)


class AgreementParty(Entity):
    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "agency_id"),)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="both")  # provider recipient both
    reference: Mapped[str | None] = mapped_column(String(80))  # the party's PO / contract reference
    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    agency: Mapped[Agency] = relationship()


class RateSchedule(Entity):
    __tablename__ = "rate_schedule"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"), index=True)
    provider_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agency.id"))  # None: any side
    category_id: Mapped[str | None] = mapped_column(ForeignKey("service_category.id"))  # None: any
    effective_from: Mapped[date] = mapped_column(ISODate)
    effective_to: Mapped[date | None] = mapped_column(ISODate)
    hourly_rate_cents: Mapped[int] = mapped_column(Integer)
    after_hours_multiplier: Mapped[str] = mapped_column(String(10), default="1.5")
    overtime_multiplier: Mapped[str] = mapped_column(String(10), default="1.5")
    billing_increment_minutes: Mapped[int] = mapped_column(Integer, default=15)
    minimum_callout_minutes: Mapped[int] = mapped_column(Integer, default=0)
    travel_billable: Mapped[bool] = mapped_column(Boolean, default=False)
    mileage_rate_cents: Mapped[str | None] = mapped_column(String(12))  # None: mileage table


class MileageRate(Entity):
    __tablename__ = "mileage_rate"
    effective_from: Mapped[date] = mapped_column(ISODate, unique=True)
    cents_per_mile: Mapped[str] = mapped_column(String(12))
    source: Mapped[str | None] = mapped_column(String(80))

class Incident(Entity):
    """A disaster or emergency hours are logged against (0013_incidents, docs/incidents.md)."""

    __tablename__ = "incident"
    ref: Mapped[str] = mapped_column(String(40), unique=True)  # as typed: "WS-2026-11"
    name: Mapped[str] = mapped_column(String(200))
    declaration: Mapped[str | None] = mapped_column(String(40))  # "DR-4999-WA", a state proclamation no.
    incident_type: Mapped[str | None] = mapped_column(String(60))  # severe storm, flood, cyber attack ...
    start_date: Mapped[date] = mapped_column(ISODate)
    end_date: Mapped[date | None] = mapped_column(ISODate)
    work: Mapped[str] = mapped_column(String(12), default="emergency")  # emergency | permanent
    applicant: Mapped[str | None] = mapped_column(String(200))  # FEMA applicant (default: the home agency)
    pa_id: Mapped[str | None] = mapped_column(String(40))  # FEMA Public Assistance applicant id
    project_number: Mapped[str | None] = mapped_column(String(40))
    site: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(4))  # FEMA work category A-G (B: protective measures)
    description: Mapped[str | None] = mapped_column(Text)



class TimeEntry(Entity):
    __tablename__ = "time_entry"
    __table_args__ = (
        Index("ix_time_entry_date", "work_date"),
        Index("ix_time_entry_parties", "provider_agency_id", "recipient_agency_id", "work_date"),
        Index("ix_time_entry_cap", "agreement_id", "provider_agency_id", "work_date"),  # cap use (0002b_hours)
        Index("ix_time_entry_ledger", "work_date", "provider_agency_id", "recipient_agency_id", "agreement_id",
              "minutes", "amount_cents", "billable_minutes", "deleted_at"),  # balances, covering (0002b_hours)
        Index("ix_time_entry_held", "agreement_id", "provider_agency_id", "work_date",  # cap use (0009_held_entries)
              sqlite_where=text("deleted_at IS NULL AND (status = 'disputed' OR amount_cents IS NULL)")),
    )
    provider_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    recipient_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    staff_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id"))
    staff_name: Mapped[str | None] = mapped_column(String(200))  # as typed or imported
    category_id: Mapped[str | None] = mapped_column(ForeignKey("service_category.id"))
    work_date: Mapped[date] = mapped_column(ISODate)
    minutes: Mapped[int] = mapped_column(Integer)
    after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    callout: Mapped[bool] = mapped_column(Boolean, default=False)
    overtime: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))  # 0010_overtime
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    miles: Mapped[str] = mapped_column(String(12), default="0")
    incident_ref: Mapped[str | None] = mapped_column(String(80))  # the incident's ref as logged (a copy)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incident.id"))  # 0013_incidents
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft acknowledged invoiced disputed
    flags: Mapped[str | None] = mapped_column(String(200))  # comma separated: no_agreement, outside_term ...
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_on: Mapped[date | None] = mapped_column(ISODate)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    statement_line_id: Mapped[str | None] = mapped_column(ForeignKey("statement_line.id"))
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual import demo sync
    deleted_reason: Mapped[str | None] = mapped_column(Text)  # why it was deleted (0007_agency_setup)
    # Derived, local-only price snapshot (services/pricing.reprice keeps it current; never synced):
    billable_minutes: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int | None] = mapped_column(Integer)  # None: not priced (no agreement or rate)


class Statement(Entity):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("issuer_agency_id", "number"),)
    number: Mapped[str | None] = mapped_column(String(40))  # assigned at issue
    kind: Mapped[str] = mapped_column(String(20), default="statement")  # statement credit_note
    issuer_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    bill_to_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreement.id"))
    period: Mapped[str] = mapped_column(String(12))  # "2026Q2"
    fiscal_year: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(ISODate)
    period_end: Mapped[date] = mapped_column(ISODate)
    issue_date: Mapped[date | None] = mapped_column(ISODate)
    due_date: Mapped[date | None] = mapped_column(ISODate)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft issued partially_paid paid void
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("statement.id"))
    original_id: Mapped[str | None] = mapped_column(ForeignKey("statement.id"))  # credit note -> original
    bill_to_reference: Mapped[str | None] = mapped_column(String(80))
    gross_cents: Mapped[int] = mapped_column(Integer, default=0)
    offset_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    amount_due_cents: Mapped[int] = mapped_column(Integer, default=0)
    cap_override_reason: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(200))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)  # free text only: a credit note's reason
    diagnostics: Mapped[str | None] = mapped_column(Text)  # JSON of a draft: held entries, warnings
    # the seal written at issue (0008_statement_seals, domain/sealing.py): the canonical content, its SHA-256,
    # and the statement's place in its issuer's chain (seq, the seal of the one sealed before it)
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    chain_prev_sha256: Mapped[str | None] = mapped_column(String(64))
    content_record: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))


class StatementDocument(Entity):
    """The frozen PDF bytes of an issued statement (kept with the data, so backups carry it)."""

    __tablename__ = "statement_document"
    statement_id: Mapped[str] = mapped_column(ForeignKey("statement.id"), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class StatementLine(Entity):
    __tablename__ = "statement_line"
    statement_id: Mapped[str] = mapped_column(ForeignKey("statement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # labor after_hours callout_minimum travel mileage offset adjustment
    side: Mapped[str] = mapped_column(String(10), default="provided")  # provided | offset
    work_date: Mapped[date | None] = mapped_column(ISODate)
    staff_name: Mapped[str | None] = mapped_column(String(200))
    staff_title: Mapped[str | None] = mapped_column(String(200))
    category_code: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[str] = mapped_column(String(20), default="0")  # minutes or miles, decimal string
    unit_rate: Mapped[str] = mapped_column(String(20), default="0")  # cents/hour or cents/mile snapshot
    multiplier: Mapped[str] = mapped_column(String(10), default="1")
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    source_entry_ids: Mapped[str | None] = mapped_column(Text)  # JSON list of time entry ids


class Payment(Entity):
    __tablename__ = "payment"
    statement_id: Mapped[str] = mapped_column(ForeignKey("statement.id"), index=True)
    paid_on: Mapped[date] = mapped_column(ISODate)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))  # warrant check eft offset
    reference: Mapped[str | None] = mapped_column(String(80))


class SyncMember(Entity):
    """An installation admitted to the sync space (issue 14): a synced row, so membership travels signed in the
    members' own segment streams. ``id`` is the node id. Written only through ops whose signer was an admitted
    member when it wrote them (the founder, pinned by the join code, is the root)."""

    __tablename__ = "sync_member"
    public_key: Mapped[str | None] = mapped_column(String(64))  # Ed25519, base64: signs its segments
    box_key: Mapped[str | None] = mapped_column(String(64))  # X25519, base64: the space key is sealed to it
    agency_id: Mapped[str | None] = mapped_column(String(36))  # the one agency it is admitted for
    display_name: Mapped[str | None] = mapped_column(String(200))
    machine: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(12))  # admitted revoked
    admitted_by: Mapped[str | None] = mapped_column(String(64))
    revoked_after: Mapped[int | None] = mapped_column(Integer)  # its segments after this seq are not applied

class StaffPayRate(Entity):
    """A home-agency employee's pay, effective-dated (0013_incidents). Private: local only, never synced, in
    ``export json`` only with --include-personal; shown only for the home agency's own staff."""

    __tablename__ = "staff_pay_rate"
    __table_args__ = (UniqueConstraint("contact_id", "effective_from"),)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id"), index=True)
    effective_from: Mapped[date] = mapped_column(ISODate)
    regular_cents: Mapped[int] = mapped_column(Integer)  # hourly pay
    overtime_cents: Mapped[int] = mapped_column(Integer)
    fringe_regular: Mapped[str] = mapped_column(String(12))  # percent of pay, decimal string "38.5"
    fringe_overtime: Mapped[str] = mapped_column(String(12))
    permanent: Mapped[bool] = mapped_column(Boolean, default=True)  # budgeted staff (FEMA: regular time on
    # emergency work usually not eligible); False: temporary or extra hires


class IncidentOverride(Entity):
    """Regular hours of permanent staff counted as claimable on an emergency incident, and why (local only,
    beside the pay rates). ``contact_id`` None: every employee."""

    __tablename__ = "incident_override"
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id"))
    reason: Mapped[str] = mapped_column(Text)



class NumberSequence(Base):
    """Gapless statement numbers per issuer, fiscal year and series; bumped inside the issuing transaction."""

    __tablename__ = "number_sequence"
    issuer_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(4), primary_key=True)  # "S" statements, "CN" credit notes
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Append-only public-records trail: who, when, what changed (field: old -> new)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity_id"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=uuid7)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now)
    os_user: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # create update delete restore issue void ...
    entity: Mapped[str] = mapped_column(String(40))  # table name
    entity_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[str | None] = mapped_column(Text)  # JSON {field: [old, new]}


class SyncOp(Base):
    """Field-level change log captured in the same transaction as each write (DESIGN §5)."""

    __tablename__ = "sync_op"
    __table_args__ = (Index("ix_sync_op_row", "tbl", "row_id", "field"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(80), unique=True)  # "{hlc}" unique per node
    hlc: Mapped[str] = mapped_column(String(40), index=True)  # sortable: ms(13)-counter(5)
    node: Mapped[str] = mapped_column(String(64))
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[str | None] = mapped_column(Text)  # JSON
    origin: Mapped[str] = mapped_column(String(10), default="local")  # local | remote
    segment: Mapped[str | None] = mapped_column(String(120))  # exported in / imported from


class SyncSegment(Base):
    """Every segment file this installation has seen on the share: published, applied, quarantined or held."""

    __tablename__ = "sync_segment"
    __table_args__ = (UniqueConstraint("node", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # published applied quarantined held newer_format
    reason: Mapped[str | None] = mapped_column(Text)
    seen: Mapped[str | None] = mapped_column(Text)  # JSON [[from_hlc, {node: seq}], ...] what each op's writer had applied
    op_count: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    applied_seq: Mapped[int | None] = mapped_column(Integer)  # sync_op.seq when it was applied here
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncHistory(Base):
    """Every value that lost a last-writer-wins merge, so nothing a colleague typed is ever thrown away."""

    __tablename__ = "sync_history"
    __table_args__ = (Index("ix_sync_history_row", "tbl", "row_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(80), unique=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[str | None] = mapped_column(Text)  # JSON
    hlc: Mapped[str] = mapped_column(String(40))
    node: Mapped[str] = mapped_column(String(64))
    replaced_by: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now)


class SyncConflict(Base):
    """Concurrent edits of one field (or an edit refused by a frozen record) for the user to review."""

    __tablename__ = "sync_conflict"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(20))  # concurrent frozen duplicate invalid unauthorised overpaid
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(60))
    kept_op: Mapped[str] = mapped_column(String(80))
    kept_value: Mapped[str | None] = mapped_column(Text)
    kept_node: Mapped[str] = mapped_column(String(64))
    other_op: Mapped[str] = mapped_column(String(80), unique=True)
    other_value: Mapped[str | None] = mapped_column(Text)
    other_node: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=column_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))  # kept other
    reason: Mapped[str | None] = mapped_column(Text)  # why an op was refused (0012_sync_integrity)


class Meta(Base):
    """Key/value facts about this database: node id, app version that last opened it."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class SettlementProposal(Entity):
    """A regional settlement plan for one quarter (issue 20, 0014_settlement, domain/settlement.py). Its status
    (awaiting acceptance, final, declined, stale, settled) is read from its acceptances, transfers and the
    statements it includes, never stored, so every node derives the same."""

    __tablename__ = "settlement_proposal"
    code: Mapped[str] = mapped_column(String(12), index=True)  # "7F3A2C": what people type
    quarter: Mapped[str] = mapped_column(String(12))  # "2026Q3"
    mode: Mapped[str] = mapped_column(String(20))  # multilateral bilateral
    proposed_by_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    proposed_node: Mapped[str | None] = mapped_column(String(64))
    proposed_by: Mapped[str | None] = mapped_column(String(200))  # display name
    proposed_on: Mapped[date] = mapped_column(ISODate)
    total_cents: Mapped[int] = mapped_column(Integer)  # the included balances
    plan_sha256: Mapped[str] = mapped_column(String(64))


class SettlementItem(Entity):
    """One statement a proposal settles, with the open balance it had when proposed."""

    __tablename__ = "settlement_item"
    proposal_id: Mapped[str] = mapped_column(ForeignKey("settlement_proposal.id"), index=True)
    statement_id: Mapped[str] = mapped_column(ForeignKey("statement.id"), index=True)
    statement_number: Mapped[str] = mapped_column(String(40))
    creditor_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))  # the issuer
    debtor_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))  # the bill-to
    balance_cents: Mapped[int] = mapped_column(Integer)
    transfer_seq: Mapped[int | None] = mapped_column(Integer)  # the transfer that settles it; None: when final


class SettlementTransfer(Entity):
    """One payment of a plan; ``paid_on`` set when it is recorded as paid."""

    __tablename__ = "settlement_transfer"
    proposal_id: Mapped[str] = mapped_column(ForeignKey("settlement_proposal.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    payer_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    payee_agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(80))  # SETTLE-2026Q3-7F3A2C-1
    paid_on: Mapped[date | None] = mapped_column(ISODate)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_node: Mapped[str | None] = mapped_column(String(64))


class SettlementAcceptance(Entity):
    """A party's answer to a proposal, written by its billing installation (signed with its segments)."""

    __tablename__ = "settlement_acceptance"
    proposal_id: Mapped[str] = mapped_column(ForeignKey("settlement_proposal.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    decision: Mapped[str] = mapped_column(String(10))  # accepted declined
    reason: Mapped[str | None] = mapped_column(Text)
    plan_sha256: Mapped[str] = mapped_column(String(64))  # the plan answered
    decided_on: Mapped[date] = mapped_column(ISODate)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    node: Mapped[str | None] = mapped_column(String(64))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # recorded for an agency without PartnerDesk


SETTLEMENT_TABLES = ("settlement_proposal", "settlement_item", "settlement_transfer", "settlement_acceptance")


# Columns computed locally from other data: neither audited nor replicated.
DERIVED_COLUMNS = {("time_entry", "billable_minutes"), ("time_entry", "amount_cents")}
# Per-installation fields: never sent, never applied (each installation has its own home agency).
LOCAL_ONLY = {("agency", "is_home")}

SYNCED_TABLES = ("agency", "skill", "contact", "contact_skill", "service_category", "agreement",
                 "agreement_party", "rate_schedule", "mileage_rate", "time_entry", "statement",
                 "statement_line", "statement_document", "payment", "incident", "sync_member")

# issue 20: every node sees the settlement proposals, acceptances and transfers
SYNCED_TABLES += SETTLEMENT_TABLES
