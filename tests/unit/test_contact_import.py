"""Importing the sample contact files: every quirk of the README, dedupe, and all-or-nothing failures."""

from __future__ import annotations

import pytest

from partnerdesk.errors import ImportFormatError

FILES = ("contacts-outlook-ansi.csv", "contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf")


def by_name(ctx, name):
    found = [c for c in ctx.services.contacts.list() if c.name == name]
    assert len(found) == 1, f"{name}: {len(found)} contacts"
    return found[0]


def test_outlook_ansi_csv(ctx, samples):
    r = ctx.services.directory.import_file(samples / "contacts-outlook-ansi.csv")
    assert r.format == "outlook-csv" and r.created == 24 and not r.dry_run
    bjorn = by_name(ctx, "Björn Okafor")  # Windows-1252 ö decoded
    assert bjorn.agency_name == "City of Brier" and bjorn.title == "GIS Analyst"
    assert set(bjorn.skills) == {"GIS", "ArcGIS"}
    assert bjorn.role_tags == ("Regional IT",)  # the group every record carries is not a skill
    kwame = by_name(ctx, "Kwame Brooks")
    assert kwame.work_phone == "(425) 555-0100" and kwame.mobile_phone == "425-555-0180"
    assert kwame.after_hours_phone == "425.555.0120"
    assert kwame.personal_phone == "+1 206 555 0140"  # Outlook "Home Phone" is personal
    # the multi-line note is on-call guidance
    assert kwame.on_call_notes == "After hours: call 425.555.0120 first, then text mobile.\nOn call rotation: every 3rd week."
    assert {c.name for c in ctx.services.contacts.list()} >= {"Søren Lindqvist", "Zoë St. John", "Tomás Dubois"}


def test_google_csv_multivalues_and_labels(ctx, samples):
    r = ctx.services.directory.import_file(samples / "contacts-google.csv")
    assert r.format == "google-csv" and r.created == 20
    zoe = by_name(ctx, "Zoë St. John")
    assert (zoe.work_phone, zoe.mobile_phone, zoe.after_hours_phone) == ("(425) 555-0110", "425-555-0190",
                                                                         "425.555.0130")
    assert zoe.on_call_notes == "Prefers text during outages"
    assert zoe.skills == ("Security",) and "myContacts" not in " ".join(zoe.role_tags)
    grace = by_name(ctx, "Grace Thompson")  # "425-555-0191 ::: 425.555.0131" in one Mobile cell
    assert grace.mobile_phone == "425-555-0191"
    assert "425.555.0131" in grace.notes
    assert [h.name for h in ctx.services.directory.search("5550131")] == ["Grace Thompson"]


def test_iphone_vcard(ctx, samples):
    r = ctx.services.directory.import_file(samples / "contacts-iphone.vcf")
    assert r.format == "vcard" and r.created == 20
    lei = by_name(ctx, "Leilani García-Ruiz")
    assert lei.after_hours_phone == "425.555.0140"  # item1.TEL + item1.X-ABLabel:After hours
    assert lei.work_phone == "(425) 555-0120" and lei.mobile_phone == "425-555-0200"
    assert lei.title == "Systems Administrator (Exchange)"
    assert set(lei.skills) == {"Exchange", "Active Directory", "VMware"}  # NOTE "Skills: a, b, c" not cut at a comma
    # the folded NOTE line is joined again
    assert lei.on_call_notes == ("Escalate to the IT manager if no answer within 15 minutes; keep the PBX vendor "
                                 "ticket number handy.")
    assert by_name(ctx, "Nguyễn Thompson").agency_name == "City of Edmonds"


def test_outlook_vcard21_quoted_printable(ctx, samples):
    r = ctx.services.directory.import_file(samples / "contacts-outlook-21.vcf")
    assert r.created == 8
    bjorn = by_name(ctx, "Björn Okafor")  # =C3=B6
    assert bjorn.personal_phone == "+1 206 555 0142"  # TEL;HOME;VOICE
    assert bjorn.work_phone == "(425) 555-0102" and bjorn.mobile_phone == "425-555-0182"
    assert bjorn.email == "bokafor@brier.example.gov"


def test_agencies_matched_by_name_or_created(demo_ctx, samples):
    before = {a.code for a in demo_ctx.services.agencies.list()}
    r = demo_ctx.services.directory.import_file(samples / "contacts-outlook-ansi.csv")
    assert r.agencies_created == ()  # all eight agencies of the demo region matched by name
    assert {a.code for a in demo_ctx.services.agencies.list()} == before
    assert by_name(demo_ctx, "Kwame Brooks").agency_code == "SNO"


def test_new_agencies_get_codes(ctx, samples):
    r = ctx.services.directory.import_file(samples / "contacts-google.csv")
    codes = {a.name: a.code for a in ctx.services.agencies.list()}
    assert codes["Snohomish County"] == "SNO" and codes["Alderwood Water & Wastewater District"] == "AWW"
    assert len(r.agencies_created) == len(codes) == 8


def test_all_four_files_twice_no_duplicates(ctx, samples):
    for f in FILES:
        ctx.services.directory.import_file(samples / f)
    once = ctx.services.contacts.count()
    assert once == 40
    for f in FILES:
        r = ctx.services.directory.import_file(samples / f)
        assert r.created == 0 and r.updated == 0, r.summary()
    assert ctx.services.contacts.count() == once
    kwame = by_name(ctx, "Kwame Brooks")  # in the Outlook CSV and the vCard 2.1 file: one person
    assert kwame.personal_phone == "+1 206 555 0140" and set(kwame.skills) == {"Radio", "P25"}
    lei = by_name(ctx, "Leilani García-Ruiz")  # in three files; notes from all of them, once each
    assert lei.on_call_notes.count("Prefers text during outages") == 1
    assert "On call rotation" in lei.on_call_notes and "Escalate" in lei.on_call_notes


def test_dry_run_changes_nothing(ctx, samples):
    r = ctx.services.directory.preview_import(samples / "contacts-iphone.vcf")
    assert r.dry_run and r.created == 20 and len(r.actions) == 20
    assert r.actions[0].record == 1 and r.actions[0].line == 1 and r.actions[0].action == "create"
    assert ctx.services.contacts.count() == 0 and ctx.services.agencies.list() == []


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
])
def test_empty_or_binary_file(ctx, tmp_path, content, message):
    f = tmp_path / "contacts.vcf"
    f.write_bytes(content)
    with pytest.raises(ImportFormatError, match=message) as exc:
        ctx.services.directory.import_file(f)
    assert "contacts.vcf" in str(exc.value)


def test_truncated_vcard_imports_nothing(ctx, samples, tmp_path):
    text = (samples / "contacts-iphone.vcf").read_text(encoding="utf-8")
    cut = text[: text.index("END:VCARD", text.index("Darnell Okafor"))]
    f = tmp_path / "cut.vcf"
    f.write_text(cut, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"cut\.vcf: record 6 \(starting line 78\): Component VCARD was never closed") as exc:
        ctx.services.directory.import_file(f)
    assert "truncated" in str(exc.value)
    assert ctx.services.contacts.count() == 0 and ctx.services.agencies.list() == []


def test_csv_with_unknown_column_imports_nothing(ctx, samples, tmp_path):
    raw = (samples / "contacts-outlook-ansi.csv").read_bytes()
    f = tmp_path / "odd.csv"
    f.write_bytes(raw.replace(b'"Web Page"', b'"Favourite Colour"', 1))
    with pytest.raises(ImportFormatError, match=r"odd\.csv: line 1: unknown column 'Favourite Colour'"):
        ctx.services.directory.import_file(f, "outlook-csv")
    assert ctx.services.contacts.count() == 0


def test_csv_damaged_record_names_the_record(ctx, samples, tmp_path):
    lines = (samples / "contacts-google.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].rsplit(",", 3)[0]  # record 5 loses fields
    f = tmp_path / "g.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"g\.csv: record 5 \(line 6\)"):
        ctx.services.directory.import_file(f)
    assert ctx.services.contacts.count() == 0


def test_invalid_values_are_left_out_and_reported_never_dropped_silently(ctx, tmp_path):
    """An invalid e-mail address, phone number or date costs that value, not the record or the file: each is
    named in the preview (per record) and counted in the summary."""
    f = tmp_path / "bad.vcf"
    f.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok Person\r\nORG:City of X\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Mail\r\nORG:City of X\r\nEMAIL:bad@address\r\n"
                 "EMAIL:pat.example.gov\r\nTEL;TYPE=WORK:12\r\nTEL;TYPE=CELL:425-555-0107\r\n"
                 "X-PARTNERDESK-VERIFIED:last spring\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Future Check\r\nORG:City of X\r\n"
                 "X-PARTNERDESK-VERIFIED:2099-01-01\r\nEND:VCARD\r\n", encoding="utf-8")
    preview = ctx.services.directory.import_file(f, dry_run=True)
    bad = preview.actions[1]
    assert bad.name == "Bad Mail" and preview.actions[0].dropped == ()
    assert any("bad@address" in d for d in bad.dropped) and any("pat.example.gov" in d for d in bad.dropped)
    assert any("'12' is not a phone number" in d for d in bad.dropped)
    assert any("last spring" in d for d in bad.dropped)
    assert any("2099-01-01 is in the future" in d for d in preview.actions[2].dropped)
    assert preview.dropped == 5 and "5 invalid values in 2 records left out" in preview.summary()
    result = ctx.services.directory.import_file(f)
    assert result.created == 3 and result.dropped == 5
    c = by_name(ctx, "Bad Mail")
    assert c.email is None and c.work_phone is None and c.mobile_phone == "425-555-0107" and c.last_verified is None


def test_cli_lists_what_was_left_out(ctx, tmp_path):
    import contextlib
    import io

    from partnerdesk.cli import main

    ctx.close()
    f = tmp_path / "bad.csv"
    f.write_text("Name,Organization Name,E-mail 1 - Value\nPat Example,City of X,pat(at)x.example.gov\n",
                 encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["contacts", "import", str(f)]) == 0
    text = out.getvalue()
    assert "left out: E-mail 1 'pat(at)x.example.gov' is not an e-mail address" in text
    assert "1 invalid value in 1 record left out" in text


def test_not_a_contacts_file(ctx, samples):
    with pytest.raises(ImportFormatError, match="hours-2026.csv: line 1: not a vCard, Outlook CSV or Google CSV"):
        ctx.services.directory.import_file(samples / "hours-2026.csv")


def test_import_is_audited_and_indexed(ctx, samples):
    ctx.services.directory.import_file(samples / "contacts-outlook-21.vcf")
    assert any(e.action == "import" and e.entity == "contact" for e in ctx.services.audit.list(limit=50))
    assert [h.name for h in ctx.services.directory.search("bjorn")] == ["Björn Okafor"]


def test_summary_names_a_few_new_agencies_and_counts_the_rest():
    from partnerdesk.domain.directory import ImportAction, ImportResult

    actions = tuple(ImportAction(i, i, f"P{i}", "A", "create", None) for i in range(1, 1201))
    made = tuple(f"C{i:03d} City {i}" for i in range(5))
    r = ImportResult(file="big.vcf", format="vcard", dry_run=True, actions=actions, agencies_created=made)
    assert r.summary(agencies_named=3) == ("big.vcf: would import 1,200 contacts as vcard: 1,200 new, 0 updated, "
                                           "0 unchanged; new agencies: C000 City 0, C001 City 1, C002 City 2, "
                                           "and 2 more")
    assert r.summary().endswith("C003 City 3, C004 City 4")
