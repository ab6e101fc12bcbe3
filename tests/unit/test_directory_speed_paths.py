"""The fast paths behind the directory speed budgets give the same answers as the plain ones: big vCard
files, bulk UUIDv7 and clock stamps, the bulk trail, the contact list in plain SQL."""

from __future__ import annotations

import uuid

import pytest

from partnerdesk.errors import ImportFormatError
from partnerdesk.services import contact_import as ci
from partnerdesk.services.bulk_capture import uuid7_many
from partnerdesk.domain.hlc import HybridClock


def _cards(samples, copies: int) -> str:
    one = (samples / "contacts-iphone.vcf").read_text(encoding="utf-8")
    return one * copies


def test_a_big_file_numbers_its_records_and_lines_in_file_order(samples, tmp_path):
    path = tmp_path / "many.vcf"
    path.write_text(_cards(samples, 3), encoding="utf-8")
    fmt, records = ci.read_file(path)
    assert fmt == "vcard" and len(records) == 60
    assert [r.record for r in records] == list(range(1, 61))
    assert [r.line for r in records] == sorted(r.line for r in records) and len({r.line for r in records}) == 60
    assert any(r.after_hours_phone for r in records[30:])


def test_a_damaged_card_late_in_a_big_file_is_named(samples, tmp_path):
    text = _cards(samples, 3)
    path = tmp_path / "cut.vcf"
    path.write_text(text[:text.rindex("END:VCARD")], encoding="utf-8")  # the last card never ends
    with pytest.raises(ImportFormatError, match=r"cut.vcf: record 60 \(starting line .*never closed"):
        ci.read_file(path)


def _outcome(services, result):
    actions = [(a.record, a.line, a.name, a.agency, a.action, a.changes, a.new_agency) for a in result.actions]
    people = sorted((c.name, c.agency_name, c.title, c.email, c.work_phone, c.mobile_phone, c.after_hours_phone,
                     c.notes, c.on_call_notes, c.skills, c.role_tags) for c in services.contacts.list())
    return actions, people


def test_the_same_cards_again_later_in_a_file_update_the_contacts_made_first(ctx, samples, tmp_path):
    """Each card is in the file three times: the later copies find the contact the first one created, and
    everyone is found by the search."""
    path = tmp_path / "three-times.vcf"
    path.write_text(_cards(samples, 3), encoding="utf-8")
    actions, people = _outcome(ctx.services, ctx.services.directory.import_file(path))
    assert [a[4] for a in actions] == ["create"] * 20 + ["unchanged"] * 40
    assert len(people) == 20 and all(("Regional IT",) == p[-1] for p in people)  # on every card: a role tag
    assert all(ctx.services.directory.search(p[0]) for p in people)


def test_a_category_missing_from_the_last_card_is_a_skill_not_the_files_group(ctx, samples, tmp_path):
    """Every card but the last carries "Regional IT": it is not the group of the whole file but a skill."""
    text = _cards(samples, 3)
    last = text.rindex("CATEGORIES:Regional IT,")
    path = tmp_path / "misleading.vcf"
    path.write_text(text[:last] + "CATEGORIES:" + text[last + len("CATEGORIES:Regional IT,"):], encoding="utf-8")
    _actions, people = _outcome(ctx.services, ctx.services.directory.import_file(path))
    assert sum("Regional IT" in p[-2] for p in people) == 20  # a skill of everyone


def test_damaged_card_late_in_a_big_file_imports_nothing(ctx, samples, tmp_path):
    text = _cards(samples, 3)
    path = tmp_path / "cut.vcf"
    path.write_text(text[:text.rindex("END:VCARD")], encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"cut.vcf: record 60 \(starting line .*never closed"):
        ctx.services.directory.import_file(path)
    assert ctx.services.contacts.list() == [] and ctx.services.agencies.list() == []


def test_an_error_while_writing_imports_nothing(ctx, samples, tmp_path, monkeypatch):
    """The disk fills up (say) while the new contacts are written: nothing is imported."""
    path = tmp_path / "forty-times.vcf"
    path.write_text(_cards(samples, 40), encoding="utf-8")

    def write_new(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ci.ContactImporter, "_write_new", write_new)
    with pytest.raises(OSError, match="No space left") as raised:
        ctx.services.directory.import_file(path)
    assert raised.value.errno == 28
    assert ctx.services.contacts.list() == [] and ctx.services.agencies.list() == []


def test_bulk_uuid7_are_version_7_and_unique():
    ids = uuid7_many(2000)
    assert len(set(ids)) == 2000
    assert all(uuid.UUID(u).version == 7 and uuid.UUID(u).variant == uuid.RFC_4122 for u in ids)


def test_bulk_stamps_continue_the_clock_and_carry_the_counter():
    clock = HybridClock(wall=lambda: 1000.0)
    clock.seed("0000000001000000-99990")
    stamps = clock.now_many(25)
    assert stamps[0] == "0000000001000000-99991"
    assert stamps[9] == "0000000001000001-00000"
    assert stamps == sorted(stamps) and len(set(stamps)) == 25
    assert clock.now() > stamps[-1]


@pytest.mark.parametrize("batch", [1, 7, 99_999, 100_000, 250_001])
def test_the_clock_carries_past_counter_99999_at_any_count(batch):
    """Stamps issued one by one or many at once within one millisecond stay fixed-width, unique and in
    issuing order: the counter never grows a sixth digit."""
    one, many = HybridClock(wall=lambda: 1000.0), HybridClock(wall=lambda: 1000.0)
    singles = [one.now() for _ in range(batch)]
    batched = many.now_many(batch)
    assert batched == singles == sorted(singles) and len(set(batched)) == batch
    assert all(len(s) == 22 for s in batched)
    assert one.now() == many.now() > batched[-1]


def test_import_reports_progress(ctx, samples):
    seen = []
    result = ctx.services.directory.import_file(samples / "contacts-iphone.vcf",
                                                progress=lambda done, total: seen.append((done, total)))
    assert result.created == 20
    assert seen[0] == (0, 21) and seen[-1] == (21, 21)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_bulk_insert_leaves_the_trail_an_orm_insert_leaves(ctx):
    """The same contact created through the ORM (capture hook) and through insert_captured: the same
    audit changes, byte for byte apart from the id and time, and the same sync ops per field."""
    import json
    from datetime import date

    from sqlalchemy import select

    from partnerdesk.db.models import AuditEvent, Contact, SyncOp
    from partnerdesk.db.types import iso_utc, uuid7
    from partnerdesk.services.bulk_capture import insert_captured

    ag = ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    values = dict(name='Zoë "Z" O\'Neill', title="Telecom Lead", work_phone="(425) 555-0122", email=None,
                  escalation_order=2, last_verified=date(2026, 3, 1), notes="Line one\nÅse — second")
    now = ctx.clock.utcnow()
    with ctx.db.write() as s:
        orm = Contact(agency_id=ag.id, created_at=now, **values)
        s.add(orm)
        s.flush()
        orm_id = orm.id
    bulk_id = uuid7()
    with ctx.db.write() as s:
        row = {c.key: None for c in Contact.__table__.columns}
        row.update(values, id=bulk_id, agency_id=ag.id, created_at=iso_utc(now), updated_at=iso_utc(now))
        insert_captured(s, ctx.db, "contact", [row])

    def trail(cid):
        with ctx.db.read() as s:
            changes = s.scalars(select(AuditEvent.changes).where(AuditEvent.entity_id == cid)).one()
            ops = {o.field: o.value for o in s.scalars(select(SyncOp).where(SyncOp.row_id == cid))}
        return changes, ops

    (orm_changes, orm_ops), (bulk_changes, bulk_ops) = trail(orm_id), trail(bulk_id)
    assert bulk_changes == orm_changes
    assert json.loads(bulk_changes)["last_verified"] == [None, "2026-03-01"]
    assert bulk_ops == orm_ops and "email" not in bulk_ops and bulk_ops["escalation_order"] == "2"


def test_contact_list_in_plain_sql_equals_the_orm_objects(demo_ctx, samples):
    """The Directory's list (one SQL statement) gives exactly the DTOs the ORM objects give: labels, skills
    (not a removed one), dates, role tags, order; deleted contacts only when asked; one agency."""
    from datetime import date

    from sqlalchemy import func, select

    from partnerdesk.db.models import Agency, Contact, ContactSkill
    from partnerdesk.services.contacts import ContactService, contact_dto

    svc = demo_ctx.services.contacts
    for name in ("contacts-iphone.vcf", "contacts-google.csv", "contacts-outlook-ansi.csv"):
        demo_ctx.services.directory.import_file(samples / name)
    people = svc.list()
    gone = people[3]
    svc.delete(gone.id)
    kept = next(c for c in people if len(c.skills) >= 2 and c.id != gone.id)
    svc.update(kept.id, skills=kept.skills[1:], last_verified=date(2026, 2, 3), role_tags="On call, Radio")

    def orm(include_deleted=False, agency_id=None):
        with demo_ctx.db.read() as s:
            q = ContactService(demo_ctx.db)._query().join(Agency).order_by(
                Agency.name, func.coalesce(Contact.escalation_order, 99), Contact.name)
            if not include_deleted:
                q = q.where(Contact.deleted_at.is_(None))
            if agency_id:
                q = q.where(Contact.agency_id == agency_id)
            return [contact_dto(c) for c in s.scalars(q)]

    assert svc.list() == orm() and gone.id not in [c.id for c in svc.list()]
    assert svc.list(include_deleted=True) == orm(include_deleted=True)
    assert svc.list(agency="LYN") == orm(agency_id=demo_ctx.services.agencies.get("LYN").id)
    mine = next(c for c in svc.list() if c.id == kept.id)
    assert mine.skills == tuple(sorted(kept.skills[1:], key=str.casefold))
    assert mine.last_verified == date(2026, 2, 3) and mine.role_tags == ("On call", "Radio")
    with demo_ctx.db.read() as s:  # the removed skill is still linked, as deleted
        assert s.scalar(select(func.count()).select_from(ContactSkill).where(
            ContactSkill.contact_id == kept.id, ContactSkill.deleted_at.is_not(None))) == 1
