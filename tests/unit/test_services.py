import json

import pytest
from sqlalchemy import func, select

from partnerdesk.db.models import AuditEvent, SyncOp, TimeEntry
from partnerdesk.errors import FrozenError, NotFoundError, ValidationError
from tests.conftest import TODAY



def _count(ctx, model):
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_agencies_validate_and_keep_one_home(ctx):
    svc = ctx.services.agencies
    a = svc.create(name="City of Lynnwood", code="lyn", is_home=True)
    assert a.code == "LYN" and a.is_home
    b = svc.create(name="City of Edmonds", code="EDM")
    svc.update(b.id, is_home=True)
    assert svc.home().code == "EDM"
    assert [x.code for x in svc.list() if x.is_home] == ["EDM"]
    with pytest.raises(ValidationError, match="already used"):
        svc.create(name="Other", code="EDM")
    with pytest.raises(ValidationError, match="2–12 letters"):
        svc.create(name="Bad", code="!")
    with pytest.raises(ValidationError, match="home agency cannot be deleted"):
        svc.delete(b.id)


def test_contact_create_update_delete_writes_the_audit_trail(ctx):
    ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    c = ctx.services.contacts.create(agency="EDM", name="Tomás Dubois", title="Radio Systems Technician",
                                     work_phone="(425) 555-0122", email="TDubois@Edmonds.example.gov",
                                     skills=["PBX", "Avaya", "pbx"])
    assert c.email == "tdubois@edmonds.example.gov"
    assert c.skills == ("Avaya", "PBX")
    c2 = ctx.services.contacts.update(c.id, title="Telecom Lead", skills=["Avaya"])
    assert c2.title == "Telecom Lead" and c2.skills == ("Avaya",)
    ctx.services.contacts.delete(c.id)
    assert ctx.services.contacts.list() == []
    with pytest.raises(NotFoundError):
        ctx.services.contacts.get(c.id)
    events = ctx.services.audit.list(entity_id=c.id)
    assert [e.action for e in reversed(events)] == ["create", "update", "delete"]
    upd = events[1]
    assert upd.changes["title"] == ["Radio Systems Technician", "Telecom Lead"]
    assert upd.os_user and upd.display_name


def test_contact_validation_names_the_field(ctx):
    ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    with pytest.raises(ValidationError, match="email"):
        ctx.services.contacts.create(agency="EDM", name="X", email="not-an-email")
    with pytest.raises(ValidationError, match="name: required"):
        ctx.services.contacts.create(agency="EDM", name="  ")
    with pytest.raises(NotFoundError, match="unknown partner 'ZZZ'"):
        ctx.services.contacts.create(agency="ZZZ", name="X")


def test_every_service_write_captures_field_level_sync_ops(ctx):
    a = ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    ops_before = _count(ctx, SyncOp)
    ctx.services.agencies.update(a.id, phone="(425) 555-0100")
    with ctx.db.read() as s:
        ops = s.scalars(select(SyncOp).order_by(SyncOp.seq.desc()).limit(1)).all()
    assert _count(ctx, SyncOp) == ops_before + 1
    assert (ops[0].tbl, ops[0].row_id, ops[0].field, json.loads(ops[0].value)) == \
        ("agency", a.id, "phone", "(425) 555-0100")


def test_a_failed_write_leaves_nothing_behind(ctx):
    ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    audits, ops = _count(ctx, AuditEvent), _count(ctx, SyncOp)
    with pytest.raises(ValidationError):
        ctx.services.contacts.create(agency="EDM", name="Ok Name", skills=["x" * 200])
    assert ctx.services.contacts.list() == []
    assert (_count(ctx, AuditEvent), _count(ctx, SyncOp)) == (audits, ops)


def test_hours_log_chooses_the_agreement_prices_and_warns_on_caps(demo_ctx):
    hours = demo_ctx.services.hours
    r = hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="2:30", category="NET",
                  after_hours=True, today=TODAY)
    e = r.entry
    assert e.agreement_number == "ILA-2024-001"
    assert e.billable_minutes == 150
    # Edmonds agreement: our rate $124/h from 2026-07-01, after-hours x1.5 -> 2.5 h * 186.00
    assert e.amount_cents == 46500
    assert r.cap is not None and r.cap.cap_cents == 60_000_00
    assert e in [x for x in hours.list(partner="EDM", quarter="2026Q4") if x.id == e.id]


def test_hours_bad_input_is_refused_or_flagged(demo_ctx):
    hours = demo_ctx.services.hours
    with pytest.raises(ValidationError, match="negative"):
        hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="-2", today=TODAY)
    with pytest.raises(ValidationError, match="more than 24 hours"):
        hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="25", today=TODAY)
    with pytest.raises(ValidationError, match="not a real date"):
        hours.log(partner="EDM", direction="given", work_date="2026-13-01", hours="1", today=TODAY)
    with pytest.raises(NotFoundError, match="unknown partner"):
        hours.log(partner="XYZ", direction="given", work_date="2026-11-20", hours="1", today=TODAY)
    hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="20", staff="Pat Doe", today=TODAY)
    with pytest.raises(ValidationError, match="more than 24 in one day"):
        hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="5", staff="Pat Doe",
                  today=TODAY)
    # AWW's agreement starts 2026-03-01: a February favour is kept but flagged and not priced
    r = hours.log(partner="AWW", direction="received", work_date="2026-02-10", hours="3", today=TODAY)
    assert r.entry.amount_cents is None and "outside_term" in r.entry.flags
    assert any("outside the term" in w for w in r.warnings)


def test_invoiced_entries_are_frozen(demo_ctx):
    e = demo_ctx.services.hours.list(partner="EDM", limit=1)[0]
    with demo_ctx.db.write() as s:
        s.get(TimeEntry, e.id).status = "invoiced"
    with pytest.raises(FrozenError):
        demo_ctx.services.hours.update(e.id, description="changed")
    with pytest.raises(FrozenError):
        demo_ctx.services.hours.delete(e.id)


def test_update_and_acknowledge_and_dispute(demo_ctx):
    hours = demo_ctx.services.hours
    r = hours.log(partner="MLT", direction="received", work_date="2026-11-02", hours="1.5", today=TODAY)
    e = hours.update(r.entry.id, minutes=120, description="Core switch")
    assert (e.minutes, e.description) == (120, "Core switch")
    assert hours.acknowledge([e.id], by="J. Smith, MLT Finance", on="2026-11-10") == 1
    assert hours.get(e.id).status == "acknowledged"
    assert hours.dispute([e.id], reason="Only 1 hour on our ticket") == 1
    assert hours.get(e.id).dispute_reason == "Only 1 hour on our ticket"


def test_balances_sum_the_entries(demo_ctx):
    balances = {b.partner: b for b in demo_ctx.services.balances.balances(2026, today=TODAY)}
    assert set(balances) == {"EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"}
    entries = demo_ctx.services.hours.list(fiscal_year=2026)
    edm = [e for e in entries if e.partner_code == "EDM"]
    assert balances["EDM"].minutes_given == sum(e.minutes for e in edm if e.direction == "given")
    assert balances["EDM"].value_received_cents == sum(e.amount_cents or 0 for e in edm if e.direction == "received")
    assert balances["EDM"].net_cents == balances["EDM"].value_given_cents - balances["EDM"].value_received_cents


def test_agreements_have_statuses(demo_ctx):
    agreements = {a.number: a for a in demo_ctx.services.agreements.list(today=TODAY)}
    assert agreements["ILA-2025-003"].status == "expiring"
    assert agreements["ILA-2026-007"].status == "unfiled"
    assert agreements["ILA-2024-001"].status == "active"
    assert len(agreements) >= 6


def test_demo_region_is_plausible(demo_ctx):
    s = demo_ctx.services
    assert {a.code for a in s.agencies.list()} == {"LYN", "EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"}
    assert s.agencies.home().name == "City of Lynnwood"
    assert s.contacts.count() >= 40
    entries = s.hours.list(fiscal_year=2026)
    assert len(entries) >= 300
    assert {e.direction for e in entries} == {"given", "received"}
    assert all(r.hourly_rate_cents > 0 for a in s.agreements.list() for r in s.agreements.rates(a.number))
    with pytest.raises(Exception, match="empty database only"):
        s.demo.seed("small")


def test_stored_prices_match_the_pricing_engine_and_follow_rate_changes(demo_ctx):
    from partnerdesk.services.pricing import ENTRY_COLUMNS, EntryRow, Pricer

    with demo_ctx.db.read() as s:
        pricer = Pricer(s)
        rows = s.execute(select(TimeEntry.amount_cents, *ENTRY_COLUMNS).where(TimeEntry.deleted_at.is_(None))).all()
        for row in rows:
            p = pricer.price(EntryRow(*row[1:]))
            assert row[0] == (p.amount_cents if p.priced else None)
    agreements = demo_ctx.services.agreements
    before = {e.id: e.amount_cents for e in demo_ctx.services.hours.list(partner="WDY", quarter="2026Q4")}
    rate = agreements.rates("ILA-2025-005")[0]
    agreements.update_rate(rate.id, hourly_rate_cents=rate.hourly_rate_cents * 2)
    after = {e.id: e.amount_cents for e in demo_ctx.services.hours.list(partner="WDY", quarter="2026Q4")}
    assert any(after[k] > before[k] for k in before)
    assert all(after[k] >= before[k] for k in before)
