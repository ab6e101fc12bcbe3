"""Agreement status, the attached signed document and the deadline calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import vobject

from partnerdesk.db.models import Agreement
from partnerdesk.errors import ValidationError
from partnerdesk.services.agreements import agreement_status
from tests.conftest import TODAY



def _agr(**kw) -> Agreement:
    base = dict(is_draft=False, effective_date=date(2025, 1, 1), expiry_date=date(2028, 12, 31),
                filing_reference="Auditor No. 1")
    return Agreement(**{**base, **kw})


@pytest.mark.parametrize("fields, status", [
    (dict(), "active"),
    (dict(expiry_date=None), "active"),
    (dict(is_draft=True), "draft"),
    (dict(effective_date=TODAY + timedelta(days=1)), "draft"),  # signed but not yet in effect
    (dict(expiry_date=TODAY - timedelta(days=1)), "expired"),
    (dict(expiry_date=TODAY), "expiring"),  # last day: still in force
    (dict(expiry_date=TODAY + timedelta(days=90)), "expiring"),
    (dict(expiry_date=TODAY + timedelta(days=91)), "active"),
    (dict(filing_reference=None), "unfiled"),
    (dict(filing_reference=None, expiry_date=TODAY + timedelta(days=10)), "unfiled"),  # cannot bill: says so
    (dict(filing_reference=None, expiry_date=TODAY - timedelta(days=10)), "expired"),
])
def test_status(fields, status):
    assert agreement_status(_agr(**fields), TODAY) == status


def test_list_carries_status(demo_ctx):
    statuses = {a.number: a.status for a in demo_ctx.services.agreements.list(today=TODAY)}
    assert set(statuses.values()) <= {"draft", "active", "expiring", "expired", "unfiled"}
    aww = next(a for a in demo_ctx.services.agreements.list(partner="AWW", today=TODAY))
    assert statuses[aww.number] == "unfiled"  # the demo's mutual-aid agreement is not filed yet
    muk = next(a for a in demo_ctx.services.agreements.list(partner="MUK", today=TODAY))
    assert statuses[muk.number] == "expiring"  # ends 2027-01-31, within 90 days


def test_attach_copies_into_attachments_with_a_safe_unique_name(demo_ctx, tmp_path):
    svc = demo_ctx.services.agreements
    number = svc.list(partner="EDM")[0].number
    src = tmp_path / "Signed ILA (final) ü.PDF"
    src.write_bytes(b"%PDF-1.4 signed")
    first = svc.attach_document(number, src)
    second = svc.attach_document(number, src)
    assert first.document_path != second.document_path
    for rel in (first.document_path, second.document_path):
        assert "/" not in rel and "\\" not in rel and " " not in rel and rel.endswith(".pdf")
        assert (demo_ctx.paths.attachments_dir / rel).read_bytes() == b"%PDF-1.4 signed"
    assert svc.get(number).document_path == second.document_path
    assert svc.document_file(number) == (demo_ctx.paths.attachments_dir / second.document_path).resolve()
    src.unlink()  # the copy does not depend on the original
    assert svc.document_file(number).read_bytes() == b"%PDF-1.4 signed"


def test_attach_refuses_missing_or_empty_files(demo_ctx, tmp_path):
    svc = demo_ctx.services.agreements
    number = svc.list(partner="EDM")[0].number
    with pytest.raises(ValidationError, match="is not a file"):
        svc.attach_document(number, tmp_path / "nope.pdf")
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        svc.attach_document(number, tmp_path / "empty.pdf")
    assert svc.get(number).document_path is None
    assert svc.document_file(number) is None
    assert not demo_ctx.paths.attachments_dir.exists() or not any(demo_ctx.paths.attachments_dir.iterdir())


def test_calendar_reads_back_as_icalendar(demo_ctx):
    svc = demo_ctx.services.agreements
    text = svc.calendar_ics(TODAY)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "\r\n" in text
    cal = vobject.readOne(text)
    events = cal.vevent_list
    agreements = [a for a in svc.list(today=TODAY) if a.expiry_date and not a.is_draft]
    assert len(events) == 2 * len(agreements)
    uids = [e.uid.value for e in events]
    assert len(set(uids)) == len(uids)
    by_uid = {e.uid.value: e for e in events}
    for a in agreements:
        expiry = by_uid[f"{a.id}-expiry@partnerdesk"]
        notice = by_uid[f"{a.id}-notice@partnerdesk"]
        assert expiry.dtstart.value == a.expiry_date and expiry.dtend.value == a.expiry_date + timedelta(days=1)
        assert notice.dtstart.value == a.expiry_date - timedelta(days=a.termination_notice_days)
        assert a.number in expiry.summary.value and a.number in notice.summary.value
        assert notice.valarm.trigger.value == timedelta(days=-14)


def test_rate_schedules_are_effective_dated(demo_ctx):
    rates = demo_ctx.services.agreements.rates(demo_ctx.services.agreements.list(partner="EDM")[0].number)
    froms = sorted({r.effective_from for r in rates})
    assert len(froms) == 2  # the demo's mid-year rate change on July 1
