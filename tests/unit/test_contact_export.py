"""Export: vCard 3.0 read back by vobject with every number and label, Outlook CSV, formula injection,
personal numbers only when asked (and audited)."""

from __future__ import annotations

import csv

import vobject

from partnerdesk.services.contact_export import neutralise, to_outlook_csv
from partnerdesk.importers.outlook_csv import OUTLOOK_COLUMNS

FILES = ("contacts-outlook-ansi.csv", "contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf")


def _load(ctx, samples):
    for f in FILES:
        ctx.services.directory.import_file(samples / f)


def test_vcard_read_back_by_vobject(ctx, samples, tmp_path):
    _load(ctx, samples)
    out = tmp_path / "all.vcf"
    n = ctx.services.directory.export(out, "vcard", include_personal=True)
    assert n == 40
    cards = {c.fn.value: c for c in vobject.readComponents(out.read_text(encoding="utf-8"))}
    assert len(cards) == 40
    kwame = cards["Kwame Brooks"]
    assert kwame.version.value == "3.0"
    tels = {}
    for t in kwame.contents["tel"]:
        label = next((x.value for x in kwame.contents.get("x-ablabel", []) if t.group and x.group == t.group), None)
        tels[label or ",".join(t.params["TYPE"])] = t.value
    assert tels == {"WORK,VOICE": "(425) 555-0100", "CELL,VOICE": "425-555-0180", "HOME,VOICE": "+1 206 555 0140",
                    "After hours": "425.555.0120"}
    assert kwame.org.value == ["Snohomish County"] and "On call: After hours" in kwame.note.value
    assert cards["Nguyễn Thompson"].n.value.given == "Nguyễn"


def test_vcard_round_trip(ctx, samples, tmp_path, home):
    _load(ctx, samples)
    before = {c.name: c for c in ctx.services.contacts.list()}
    out = tmp_path / "rt.vcf"
    ctx.services.directory.export(out, "vcard", include_personal=True)
    ctx.close()
    from partnerdesk.app import open_context

    other = open_context(str(tmp_path / "fresh.sqlite3"))
    try:
        r = other.services.directory.import_file(out)
        assert r.created == 40
        after = {c.name: c for c in other.services.contacts.list()}
        assert after.keys() == before.keys()
        for name, b in before.items():
            a = after[name]
            assert (a.work_phone, a.mobile_phone, a.after_hours_phone, a.personal_phone, a.email, a.title,
                    a.agency_name, set(a.skills), a.on_call_notes) == \
                (b.work_phone, b.mobile_phone, b.after_hours_phone, b.personal_phone, b.email, b.title,
                 b.agency_name, set(b.skills), b.on_call_notes), name
        assert other.services.directory.import_file(out).unchanged == 40
    finally:
        other.close()


def test_default_export_leaves_personal_out_and_is_not_audited(ctx, samples, tmp_path):
    _load(ctx, samples)
    out = tmp_path / "public.vcf"
    ctx.services.directory.export(out, "vcard")
    text = out.read_text(encoding="utf-8")
    assert "206 555 0140" not in text and "HOME" not in text and "On call" not in text
    assert "425.555.0120" in text  # the after-hours number is operational, not personal
    assert not [e for e in ctx.services.audit.list() if e.action == "export_personal"]
    ctx.services.directory.export(tmp_path / "private.csv", "csv", include_personal=True)
    events = [e for e in ctx.services.audit.list() if e.action == "export_personal"]
    assert len(events) == 1 and events[0].changes["contacts"] == 40 and "private.csv" in events[0].summary


def test_outlook_csv_columns_and_round_trip(ctx, samples, tmp_path):
    _load(ctx, samples)
    out = tmp_path / "o.csv"
    ctx.services.directory.export(out, "csv", include_personal=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(True)))
    assert tuple(rows[0].keys()) == OUTLOOK_COLUMNS
    kwame = next(r for r in rows if r["First Name"] == "Kwame")
    assert kwame["Home Phone"] == "'+1 206 555 0140"  # neutralised: '+' would start a formula
    assert kwame["Other Phone"] == "425.555.0120" and kwame["Company"] == "Snohomish County"
    from partnerdesk.app import open_context

    other = open_context(str(tmp_path / "fresh.sqlite3"))
    try:
        assert other.services.directory.import_file(out).created == 40
        k = next(c for c in other.services.contacts.list() if c.name == "Kwame Brooks")
        assert k.personal_phone == "+1 206 555 0140" and k.after_hours_phone == "425.555.0120"
    finally:
        other.close()


def test_formula_injection_neutralised(ctx, tmp_path):
    ctx.services.agencies.create(name="=HYPERLINK(\"http://evil\")", code="EVL")
    ctx.services.contacts.create(agency="EVL", name="@SUM(A1:A9)", title="-2+3", notes="=cmd|' /C calc'!A0",
                                 email="x@y.example.gov", skills=["+danger"])
    text = to_outlook_csv(ctx.services.contacts.list())
    row = list(csv.DictReader(text.lstrip("\ufeff").splitlines(True)))[0]
    for col in ("First Name", "Company", "Job Title", "Notes", "Categories"):
        assert row[col][0] == "'", col
    assert neutralise("plain") == "plain" and neutralise("\tx") == "'\tx" and neutralise("") == ""
