"""What a directory search looks in and how typed text is read: one definition for the search index
(``services/contacts.fts_row``, queried by ``services/search.py``) and the Directory page's filter as you type
(``gui/models/contacts_model.py``)."""

from __future__ import annotations

import re
from typing import Iterable

from partnerdesk.domain.phones import digits

# A typed word of digits and phone punctuation ("555-0120", "(425)", "+1.425"): looked for as a number.
_PHONE_WORD = re.compile(r"\+?[\d().\-/]*\d[\d().\-/]*")
# A number written into free text ("Other numbers: …", "call 425.555.0120 first").
_NUMBER_IN_TEXT = re.compile(r"\+?\(?\d[\d ().\-]{5,}\d")


def is_phone_word(word: str) -> bool:
    """Whether a typed word is a phone number (or the start of one), looked for by its digits."""
    return _PHONE_WORD.fullmatch(word) is not None


def numbers(phones: Iterable[str | None], notes: str | None, on_call_notes: str | None) -> list[str]:
    """The numbers a person is found by, as written: the phone numbers, and those written into the notes
    (seven digits or more)."""
    found = [p for p in phones if p]
    found += [m.group(0) for text in (notes, on_call_notes) if text for m in _NUMBER_IN_TEXT.finditer(text)
              if len(digits(m.group(0))) >= 7]
    return found


def fields(*, name: str, agency_name: str, agency_code: str, title: str | None, role_tags: str | None,
           skills: Iterable[str], notes: str | None, on_call_notes: str | None) -> dict[str, str]:
    """The text fields searched, named as the index's columns: name, agency (name and code), title (with the
    role tags), skills, notes (with the on-call notes). Numbers are searched apart (``numbers``)."""
    return {
        "name": name,
        "agency": f"{agency_name} {agency_code}",
        "title": " ".join(filter(None, [title, role_tags])),
        "skills": " ".join(skills),
        "notes": " ".join(filter(None, [notes, on_call_notes])),
    }
