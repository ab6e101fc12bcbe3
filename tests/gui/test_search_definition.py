"""The Directory page's filter and the search index look in the same fields (domain/contact_search.py)."""

from __future__ import annotations

from partnerdesk.gui.models.contacts_model import search_text, search_words


def _page_finds(contact, typed: str) -> bool:
    text = search_text(contact).casefold()
    return all(any(form in text for form in forms) for forms in search_words(typed))


def test_a_number_written_in_the_notes_is_found_on_the_page_and_by_search(demo_ctx):
    svc = demo_ctx.services
    pat = svc.contacts.create(agency="MUK", name="Pat Kim", work_phone="425-555-0101",
                              notes="Other numbers: Desk 425.555.0199", role_tags="Radio, On call")
    for typed in ("4255550199", "555-0199", "Radio", "Mukilteo"):
        assert _page_finds(pat, typed), typed
        assert pat.id in {h.contact_id for h in svc.directory.search(typed, limit=500)}, typed
    assert not _page_finds(pat, "4255550177")
    assert pat.id not in {h.contact_id for h in svc.directory.search("4255550177")}
