"""Directory search: prefixes, phone digits, skills answered in escalation order, index kept current."""

from __future__ import annotations

from partnerdesk.services.search import build_query


def names(ctx, q, **kw):
    return [h.name for h in ctx.services.directory.search(q, **kw)]


def test_build_query():
    assert build_query("") == (None, None)
    assert build_query("555-0120") == ('phones : "5550120"*', None)
    assert build_query('zo" pbx') == ('"zo"* AND "pbx"*', 'skills : ("zo"* OR "pbx"*)')


def test_phone_digits_find_formatted_number(ctx):
    ctx.services.agencies.create(name="City of Mukilteo", code="MUK")
    ctx.services.contacts.create(agency="MUK", name="Pat Kim", work_phone="(425) 555-0120")
    ctx.services.contacts.create(agency="MUK", name="Lee Park", work_phone="(425) 555-0199")
    for q in ("5550120", "555-0120", "(425) 555-0120", "4255550120", "0120"):
        assert names(ctx, q) == ["Pat Kim"], q


def test_prefix_accent_and_agency(ctx):
    ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    ctx.services.contacts.create(agency="EDM", name="Zoë St. John", title="Network Engineer")
    assert names(ctx, "zoe") == ["Zoë St. John"]
    assert names(ctx, "st jo") == ["Zoë St. John"]
    assert names(ctx, "edmonds netw") == ["Zoë St. John"]
    assert names(ctx, "edm") == ["Zoë St. John"]
    assert names(ctx, "nobody") == []


def test_skill_search_answers_who_can_help_in_escalation_order(ctx):
    ctx.services.agencies.create(name="City of Mukilteo", code="MUK")
    c = ctx.services.contacts
    c.create(agency="MUK", name="Third Tech", skills=["Avaya", "PBX"], escalation_order=3)
    c.create(agency="MUK", name="First Tech", skills=["PBX"], escalation_order=1)
    c.create(agency="MUK", name="Mentions Only", notes="Knows where the PBX room key is", escalation_order=1)
    c.create(agency="MUK", name="Unordered Tech", skills=["PBX"])
    hits = ctx.services.directory.search("pbx")
    assert [h.name for h in hits] == ["First Tech", "Third Tech", "Unordered Tech", "Mentions Only"]
    assert [h.matched_skill for h in hits] == [True, True, True, False]
    assert names(ctx, "avaya") == ["Third Tech"]
    assert names(ctx, "mukilteo pbx")[:2] == ["First Tech", "Third Tech"]


def test_demo_region_skills(demo_ctx):
    hits = demo_ctx.services.directory.search("cisco")
    assert hits and all("Cisco" in h.skills for h in hits if h.matched_skill)
    _assert_directory_order(hits)


def _assert_directory_order(hits):
    """By agency; within one, skill holders first, each in escalation order (none last), as the Directory."""
    keys = [(h.agency.casefold(), not h.matched_skill, h.escalation_order or 99) for h in hits]
    assert keys == sorted(keys), keys


def test_commas_and_or_ask_for_any_of_several(demo_ctx):
    """Who at Mountlake Terrace knows Cisco, PBX or firewalls: one search, not three."""
    search = demo_ctx.services.directory.search
    hits = search("mlt cisco, pbx, firewall")
    assert hits and {h.agency_code for h in hits} == {"MLT"}
    expected = {h.contact_id for q in ("mlt cisco", "mlt pbx", "mlt firewall") for h in search(q)}
    assert {h.contact_id for h in hits} == expected and len(expected) > len(search("mlt cisco"))
    assert [h.contact_id for h in search("mlt cisco or pbx or firewall")] == [h.contact_id for h in hits]
    assert all({"Cisco", "PBX", "Firewall"} & set(h.skills) for h in hits if h.matched_skill)
    _assert_directory_order(hits)
    across = search("pbx, firewall")  # the whole region: grouped by agency, escalation order within each
    assert len({h.agency_code for h in across}) > 1
    _assert_directory_order(across)


def test_personal_numbers_hidden_unless_asked(ctx):
    ctx.services.agencies.create(name="Town of Woodway", code="WDY")
    ctx.services.contacts.create(agency="WDY", name="Kim Lee", work_phone="206-555-0101",
                                 personal_phone="206-555-0177")
    hit = ctx.services.directory.search("kim")[0]
    assert [p.kind for p in hit.phones] == ["work"]
    hit = ctx.services.directory.search("kim", include_personal=True)[0]
    assert [p.kind for p in hit.phones] == ["work", "personal"]
    assert hit.as_json()["phones"][1] == {"kind": "personal", "number": "206-555-0177"}


def test_index_follows_edits_merge_and_delete(ctx):
    ctx.services.agencies.create(name="City of Brier", code="BRI")
    a = ctx.services.contacts.create(agency="BRI", name="Ana Moreno", work_phone="360-555-0110")
    assert names(ctx, "moreno") == ["Ana Moreno"]
    ctx.services.contacts.update(a.id, name="Ana Castillo")
    assert names(ctx, "moreno") == [] and names(ctx, "castillo") == ["Ana Castillo"]
    ctx.services.contacts.delete(a.id)
    assert names(ctx, "castillo") == [] and names(ctx, "5550110") == []


def test_town_and_skill_finds_every_match_that_fits(ctx):
    """ "cisco" is a whole skill word: it is looked for as that word first, then as a prefix, so a note
    mentioning a longer word ("ciscoworks") is still found."""
    ctx.services.agencies.create(name="City of Burien", code="BUR")
    c = ctx.services.contacts
    c.create(agency="BUR", name="Notes Only", notes="runs the ciscoworks console")
    for i in range(3):
        c.create(agency="BUR", name=f"Cisco Tech {i}", skills=["Cisco"], escalation_order=5 + i)
    c.create(agency="BUR", name="Firewall Only", skills=["Firewall"], escalation_order=1)
    assert names(ctx, "burien cisco") == ["Cisco Tech 0", "Cisco Tech 1", "Cisco Tech 2", "Notes Only"]
    assert names(ctx, "burien ciscow") == ["Notes Only"]


def test_skill_word_that_begins_a_longer_skill_is_a_prefix(ctx, monkeypatch):
    """With more matches than are ranked, "cisco" still reaches the holders of "CiscoWorks"."""
    from partnerdesk.services import search

    monkeypatch.setattr(search, "CANDIDATES", 3)
    ctx.services.agencies.create(name="City of Burien", code="BUR")
    c = ctx.services.contacts
    c.create(agency="BUR", name="Works Lead", skills=["CiscoWorks"], escalation_order=1)
    for i in range(3):
        c.create(agency="BUR", name=f"Cisco Tech {i}", skills=["Cisco"], escalation_order=5 + i)
    assert names(ctx, "burien cisco", limit=2) == ["Works Lead", "Cisco Tech 0"]
