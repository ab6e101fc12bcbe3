"""Issue 16: your own region from an empty database. Agencies are added, edited and retired (never deleted
when referenced); agreements and rate schedules are added, edited and ended; a mistaken hours entry is deleted
with a reason (and restored); a likely duplicate is refused unless allowed."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from partnerdesk.errors import DuplicateError, FrozenError, ValidationError
from tests.conftest import TODAY


def png(width: int = 64, height: int = 32, fmt: str = "PNG") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (width, height), bytes((i * 7) % 251 for i in range(width * height * 3))).save(buf, fmt)
    return buf.getvalue()


HOME = dict(code="SPR", name="City of Springfield", is_home=True, kind="city", ubi="601 234 567", ein="911234567",
            address="100 Main St\nSpringfield, WA 98000", phone="(360) 555-0100",
            website="https://www.springfield.example.gov", fy_start_month=1, billing_contact_name="Dana Reyes",
            billing_contact_email="Dana.Reyes@springfield.example.gov", billing_contact_phone="(360) 555-0142",
            remit_to="City of Springfield\nFinance Department\nPO Box 100\nSpringfield, WA 98000",
            eft_instructions="ACH to Springfield Municipal Bank, routing 125000000, account 000123456",
            bars_revenue_code="338.18", bars_expense_code="518.81.41")


@pytest.fixture
def region(ctx):
    """An empty database set up as a new CTO would: home agency, two partners, a filed agreement with rates."""
    sv = ctx.services
    sv.agencies.create(**HOME, logo_image=png())
    sv.agencies.create(code="SHE", name="City of Shelbyville")
    sv.agencies.create(code="OGD", name="Town of Ogdenville", kind="town")
    sv.agreements.create(parties=[("SPR", "both"), ("SHE", "both")], number="ILA-1", title="IT support",
                         effective_date="2026-01-01", filing_reference="AFN 2026-0001", offset_allowed=True)
    sv.agreements.add_rate("ILA-1", provider="SPR", effective_from="2026-01-01", hourly_rate_cents=11800)
    sv.agreements.add_rate("ILA-1", provider="SHE", effective_from="2026-01-01", hourly_rate_cents=11000)
    return ctx


# -- agencies ----------------------------------------------------------------------------------------------
def test_home_agency_keeps_every_statement_field_normalised(region):
    home = region.services.agencies.home()
    assert (home.code, home.ubi, home.ein) == ("SPR", "601-234-567", "91-1234567")
    assert home.billing_contact_email == "dana.reyes@springfield.example.gov"
    assert home.address.splitlines() == ["100 Main St", "Springfield, WA 98000"]
    assert home.eft_instructions.startswith("ACH") and home.logo_image.startswith(b"\x89PNG")
    assert "logo_image" not in repr(home)  # a listing never prints image bytes


@pytest.mark.parametrize("field, value, message", [
    ("ubi", "12345", "ubi: '12345' is not a Washington UBI number"),
    ("ein", "91-12345678", "ein: '91-12345678' is not a federal EIN"),
    ("billing_contact_email", "dana at springfield", "billing_contact_email: 'dana at springfield' is not an e-mail"),
    ("billing_contact_phone", "call me", "billing_contact_phone: 'call me' is not a phone number"),
    ("website", "not a site", "website: 'not a site' is not a web address"),
    ("fy_start_month", "13", "fy_start_month: must be 1..12"),
    ("kind", "village", "kind: 'village' is not one of"),
    ("code", "S", "code: 'S' must be 2–12 letters or digits"),
])
def test_a_bad_agency_field_is_refused_naming_it(ctx, field, value, message):
    values = {"code": "SPR", "name": "City of Springfield", field: value}
    with pytest.raises(ValidationError) as err:
        ctx.services.agencies.create(**values)
    assert str(err.value).startswith(message) and err.value.field == field
    assert ctx.services.agencies.list() == []


@pytest.mark.parametrize("data, message", [
    (b"GIF89a" + b"\0" * 100, "not a PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "damaged or incomplete"),
    (png()[:len(png()) // 2], "damaged or incomplete"),
    (png(8, 8), "8×8 pixels"),
    (b"\xff\xd8\xff" + b"\0" * (1024 * 1024 + 1), "larger than the 1 MB"),
])
def test_a_logo_must_be_a_sound_png_or_jpeg_of_sensible_size(ctx, data, message):
    with pytest.raises(ValidationError, match=message):
        ctx.services.agencies.create(code="SPR", name="City of Springfield", logo_image=data)


def test_a_jpeg_logo_is_stored_in_the_database_and_can_be_removed(region, tmp_path):
    from partnerdesk.services.agencies import read_logo_file

    f = tmp_path / "seal.jpg"
    f.write_bytes(png(120, 120, "JPEG"))
    a = region.services.agencies.update("SPR", logo_image=read_logo_file(f))
    f.unlink()  # the file is not needed any more: the bytes are in the database
    assert region.services.agencies.get("SPR").logo_image == a.logo_image and a.logo_image[:3] == b"\xff\xd8\xff"
    assert region.services.agencies.update("SPR", logo_image=None).logo_image is None
    with pytest.raises(ValidationError, match="logo: '.*nope.png' is not a file"):
        read_logo_file(tmp_path / "nope.png")


def test_the_home_agency_moves_while_nothing_is_logged_yet(region):
    # a fresh database: the home agency was typed with the wrong code, nothing logged yet
    moved = region.services.agencies.create(code="SPFD", name="City of Springfield", is_home=True)
    assert moved.is_home and not region.services.agencies.get("SPR").is_home
    assert region.services.agencies.home().code == "SPFD"


def test_marking_another_agency_home_moves_the_flag_and_rewrites_nothing(demo_ctx):
    """A neighbour joining a shared region marks its own agency home: there is still one, and every entry keeps
    its provider and recipient (only what "given" means follows the new home)."""
    hours, agencies = demo_ctx.services.hours, demo_ctx.services.agencies
    lyn_view = {e.id: (e.provider_code, e.recipient_code, e.direction) for e in hours.list(partner="EDM")}
    agencies.update("EDM", is_home=True)
    assert [a.code for a in agencies.list() if a.is_home] == ["EDM"]
    edm_view = {e.id: (e.provider_code, e.recipient_code, e.direction) for e in hours.list(partner="LYN")}
    lyn_edm = {k: v for k, v in edm_view.items() if k in lyn_view}
    assert lyn_edm and all(v[:2] == lyn_view[k][:2] and v[2] != lyn_view[k][2] for k, v in lyn_edm.items())
    with pytest.raises(ValidationError, match="always has a home agency"):
        agencies.update("EDM", is_home=False)


def test_a_referenced_partner_is_retired_never_deleted(demo_ctx):
    agencies, hours = demo_ctx.services.agencies, demo_ctx.services.hours
    before = len(hours.list(partner="EDM"))
    a, outcome = agencies.retire("EDM")
    assert outcome == "retired" and a.retired_on == TODAY
    assert len(hours.list(partner="EDM")) == before  # its history stays
    assert "EDM" not in {x.code for x in agencies.list(include_retired=False)}
    assert "EDM" in {x.code for x in agencies.list()}
    with pytest.raises(ValidationError, match="EDM was retired on 2026-11-26; hours after that date"):
        hours.log(partner="EDM", direction="given", work_date="2026-11-27", hours="1", today=TODAY)
    hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours="1.25", today=TODAY)  # before: fine
    with pytest.raises(ValidationError, match="EDM was retired"):
        demo_ctx.services.agreements.create(parties=[("LYN", "both"), ("EDM", "both")], number="NEW-1",
                                            title="x", effective_date="2026-12-01")
    with pytest.raises(ValidationError, match="already retired"):
        agencies.retire("EDM")
    assert agencies.reinstate("EDM").retired_on is None
    with pytest.raises(ValidationError, match="home agency and cannot be retired"):
        agencies.retire("LYN")


def test_an_unreferenced_agency_is_soft_deleted_and_can_come_back(region):
    agencies = region.services.agencies
    a, outcome = agencies.retire("OGD")
    assert outcome == "deleted" and "OGD" not in {x.code for x in agencies.list()}
    with pytest.raises(ValidationError, match="OGD belonged to Town of Ogdenville, which was deleted"):
        agencies.create(code="OGD", name="Ogdenville")
    assert agencies.reinstate("OGD").code == "OGD" and agencies.get("OGD").name == "Town of Ogdenville"
    events = region.services.audit.list(entity_id=a.id)
    assert {"create", "delete", "restore"} <= {e.action for e in events}


def test_renaming_an_agency_renames_it_in_the_directory_search(region):
    region.services.contacts.create(agency="SHE", name="Homer Example", title="Network engineer")
    region.services.agencies.update("SHE", name="City of Capital City")
    assert [h.name for h in region.services.directory.search("Capital")] == ["Homer Example"]


# -- agreements and rates ----------------------------------------------------------------------------------
def test_an_agreement_is_edited_and_gains_a_party(region):
    agr = region.services.agreements
    a = agr.update("ILA-1", expiry_date="2028-12-31", cap_cents=2_500_000, payment_terms_days=45,
                   approval_resolution="Res. 2025-44", approval_date="2025-12-10", add_parties=[("OGD", "both")])
    assert (a.expiry_date, a.cap_cents, a.payment_terms_days) == (date(2028, 12, 31), 2_500_000, 45)
    assert a.party_codes == "OGD, SHE, SPR"
    with pytest.raises(ValidationError, match="OGD is already a party"):
        agr.update("ILA-1", add_parties=[("OGD", "both")])
    agr.create(parties=[("SPR", "both"), ("OGD", "both")], number="ILA-2", title="x", effective_date="2026-01-01")
    with pytest.raises(ValidationError, match="number: agreement ILA-2 already exists"):
        agr.update("ILA-1", number="ILA-2")


def test_a_rate_is_for_a_party_once_per_start_date(region):
    agr = region.services.agreements
    with pytest.raises(ValidationError, match="provider: OGD is not a party to ILA-1") as err:
        agr.add_rate("ILA-1", provider="OGD", effective_from="2026-01-01", hourly_rate_cents=100)
    assert err.value.field == "provider"
    with pytest.raises(ValidationError, match="already has a rate for SPR starting 2026-01-01"):
        agr.add_rate("ILA-1", provider="SPR", effective_from="2026-01-01", hourly_rate_cents=12000)
    with pytest.raises(ValidationError, match="category: unknown service category 'XYZ' \\(known: "):
        agr.add_rate("ILA-1", provider="SPR", category="XYZ", effective_from="2026-03-01", hourly_rate_cents=1)


def test_ending_a_rate_reprices_the_hours_after_its_last_day(region):
    sv = region.services
    before = sv.hours.log(partner="SHE", direction="given", work_date="2026-06-30", hours="1", today=TODAY).entry
    after = sv.hours.log(partner="SHE", direction="given", work_date="2026-07-01", hours="1", today=TODAY).entry
    assert (before.amount_cents, after.amount_cents) == (11800, 11800)
    r = sv.agreements.end_rate("ILA-1", provider="SPR", on="2026-06-30")
    assert r.effective_to == date(2026, 6, 30)
    assert sv.hours.get(before.id).amount_cents == 11800 and sv.hours.get(after.id).amount_cents is None
    sv.agreements.add_rate("ILA-1", provider="SPR", effective_from="2026-07-01", hourly_rate_cents=12500)
    assert sv.hours.get(after.id).amount_cents == 12500
    with pytest.raises(ValidationError, match="on: ILA-1 has no rate for SPR .* in force on 2026-06-30") as err:
        sv.agreements.end_rate("ILA-1", provider="SPR", on="2026-06-30", category="NET")
    assert err.value.field == "on"


# -- hours: delete with a reason, restore, billed entries, duplicates ------------------------------------
def test_an_unbilled_entry_is_deleted_with_its_reason_audited_and_restored(region):
    hours = region.services.hours
    e = hours.log(partner="SHE", direction="received", work_date="2026-11-02", hours="2", today=TODAY).entry
    with pytest.raises(ValidationError, match="reason: required"):
        hours.delete(e.id, reason="  ")
    gone = hours.delete(e.id, reason="logged against the wrong partner")
    assert gone.deleted_at is not None and gone.deleted_reason == "logged against the wrong partner"
    assert hours.list() == []
    with pytest.raises(ValidationError, match="already deleted .*wrong partner"):
        hours.delete(e.id, reason="again")
    [event] = [ev for ev in region.services.audit.list(entity_id=e.id) if ev.action == "delete"]
    assert "logged against the wrong partner" in (event.summary or "") + json.dumps(event.changes)
    assert hours.restore(e.id).deleted_reason is None and [x.id for x in hours.list()] == [e.id]
    with pytest.raises(ValidationError, match="no time entry with id nope"):
        hours.delete("nope", reason="x")


def test_a_billed_entry_cannot_be_deleted_and_the_error_says_how_to_credit_it(demo_ctx):
    sv = demo_ctx.services
    out = sv.statements.issue("2026Q3", partner="EDM", today=TODAY)
    number = out[0].statement.number
    billed = [e for e in sv.hours.list(partner="EDM", quarter="2026Q3") if e.statement_number == number][0]
    with pytest.raises(FrozenError) as err:
        sv.hours.delete(billed.id, reason="mistake")
    text = str(err.value)
    assert f"billed on statement {number}" in text and f"partnerdesk statements credit {number}" in text
    assert sv.hours.get(billed.id).deleted_at is None


def test_a_likely_duplicate_is_refused_naming_the_entry_unless_allowed(region):
    hours = region.services.hours
    kw = dict(partner="SHE", direction="given", work_date="2026-11-02", hours="1.5", staff="Pat Doe", today=TODAY)
    first = hours.log(**kw).entry
    with pytest.raises(DuplicateError) as err:
        hours.log(**{**kw, "hours": "1:30", "staff": "pat doe", "partner": "she"})
    assert err.value.existing_id == first.id and first.id in str(err.value)
    assert len(hours.list()) == 1
    assert hours.duplicate_of(**kw).id == first.id
    # not a duplicate: another direction, date, length, person, or a deleted twin
    for change in (dict(direction="received"), dict(work_date="2026-11-03"), dict(hours="2"),
                   dict(staff="Lee Roe"), dict(staff=None)):
        assert hours.duplicate_of(**{**kw, **change}) is None
    second = hours.log(**kw, allow_duplicate=True).entry
    hours.delete(second.id, reason="test")
    hours.delete(first.id, reason="test")
    assert hours.log(**kw).entry.id not in (first.id, second.id)


# -- the agencies CSV (the setup assistant's "import your partners") and the demo's own file ----------------
def test_agencies_import_from_csv_all_or_nothing(region, tmp_path):
    agencies = region.services.agencies
    good = tmp_path / "partners.csv"
    good.write_text("Code,Legal name,Type,Address,Phone,AP email\r\n"
                    "CAP,City of Capital City,city,\"1 Capitol Way\nCapital City, WA 98100\",(360) 555-0199,"
                    "ap@capital.example.gov\r\nNHV,North Haverbrook,town,,,\r\n", encoding="utf-8")
    assert [a.code for a in agencies.import_csv(good, dry_run=True)] == ["CAP", "NHV"]
    assert "CAP" not in {a.code for a in agencies.list()}  # a dry run saves nothing
    added = agencies.import_csv(good)
    assert [(a.code, a.kind) for a in added] == [("CAP", "city"), ("NHV", "town")]
    assert agencies.get("CAP").address == "1 Capitol Way\nCapital City, WA 98100"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,ubi\nSPF,Springfield Falls,\nCAP,Again,\nXX1,Bad UBI,12\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="line 3: code CAP is already in the database; line 4: ubi: "
                                              "'12' is not a Washington UBI.*nothing was imported"):
        agencies.import_csv(bad)
    assert "SPF" not in {a.code for a in agencies.list()}
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("agency;phone\nX;1\n", encoding="utf-8")
    from partnerdesk.errors import ImportFormatError

    with pytest.raises(ImportFormatError, match="needs a 'code' and a 'name' column"):
        agencies.import_csv(nohead)


def test_the_demo_region_marks_its_own_database(ctx, region):
    assert not region.services.demo.is_demo()
    assert ctx.paths.demo_db_path.name == "demo.sqlite3" and ctx.paths.demo_db_path != ctx.paths.db_path


def test_the_demo_seed_says_so(demo_ctx):
    assert demo_ctx.services.demo.is_demo()
