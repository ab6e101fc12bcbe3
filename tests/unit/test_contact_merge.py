"""Merging two contacts into one."""

from __future__ import annotations

import pytest

from partnerdesk.errors import ValidationError


def test_merge_keeps_richer_fields_and_moves_everything(demo_ctx):
    svc = demo_ctx.services.contacts
    keep = svc.create(agency="MUK", name="Pat Kim", work_phone="425-555-0101", skills=["PBX"], title=None)
    dup = svc.create(agency="MUK", name="Patricia Kim", title="Telecom Technician", work_phone="425-555-0102",
                     mobile_phone="425-555-0103", after_hours_phone="425-555-0104", skills=["Avaya", "PBX"],
                     on_call_notes="Text first.", last_verified="2026-10-01", escalation_order=2)
    entry = demo_ctx.services.hours.log(partner="MUK", direction="received", work_date="2026-11-02", hours="2",
                                        staff=dup.name).entry
    with demo_ctx.db.write() as s:  # make sure the entry points at the duplicate
        from partnerdesk.db.models import TimeEntry
        s.get(TimeEntry, entry.id).staff_contact_id = dup.id
    result = svc.merge(keep.id, dup.id)
    c = result.contact
    assert c.id == keep.id and c.name == "Pat Kim"
    assert c.title == "Telecom Technician" and c.mobile_phone == "425-555-0103"
    assert c.after_hours_phone == "425-555-0104" and c.escalation_order == 2
    assert c.work_phone == "425-555-0101" and "425-555-0102" in c.notes  # the other work number is kept
    assert set(c.skills) == {"Avaya", "PBX"} and c.on_call_notes == "Text first."
    assert str(c.last_verified) == "2026-10-01"
    assert result.moved_time_entries == 1 and result.removed_id == dup.id
    with demo_ctx.db.read() as s:
        from partnerdesk.db.models import Contact, TimeEntry
        assert s.get(TimeEntry, entry.id).staff_contact_id == keep.id
        assert s.get(Contact, dup.id).deleted_at is not None
    assert [h.name for h in demo_ctx.services.directory.search("patricia")] == []
    assert "Pat Kim" in [h.name for h in demo_ctx.services.directory.search("5550104")]


def test_merge_same_contact_refused(demo_ctx):
    c = demo_ctx.services.contacts.list()[0]
    with pytest.raises(ValidationError):
        demo_ctx.services.contacts.merge(c.id, c.id)
