"""The Directory table: contacts as rows, searched across name, agency, title, skills, notes and phone digits."""

from __future__ import annotations

import re
import unicodedata

from partnerdesk.domain.dto import ContactDTO
from partnerdesk.gui.models.table_model import Column, DtoTableModel

CONTACT_COLUMNS = (
    Column("Name", lambda c: c.name),
    Column("Agency", lambda c: c.agency_code, tooltip="Agency code"),
    Column("Title", lambda c: c.title),
    Column("Work", lambda c: c.work_phone),
    Column("Mobile", lambda c: c.mobile_phone),
    Column("After hours", lambda c: c.after_hours_phone),
    Column("Esc.", lambda c: c.escalation_order, align_right=True, tooltip="Escalation order: call 1 first"),
    Column("Skills", lambda c: ", ".join(c.skills)),
)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def search_text(c: ContactDTO) -> str:
    """What search-as-you-type looks in: every word typed must occur here (accents optional)."""
    phones = [p for p in (c.work_phone, c.mobile_phone, c.after_hours_phone, c.personal_phone) if p]
    words = " ".join([c.name, c.agency_name, c.agency_code, c.title or "", " ".join(c.role_tags),
                      " ".join(c.skills), c.notes or "", c.on_call_notes or "", c.email or ""])
    digits = [re.sub(r"\D", "", p) for p in phones]
    return " ".join([words, _strip_accents(words), *phones, *digits])


class ContactTableModel(DtoTableModel):
    def __init__(self, parent=None):
        super().__init__(CONTACT_COLUMNS, parent)

    def set_contacts(self, contacts: list[ContactDTO]) -> None:
        self.set_rows(contacts, search_text)
