"""Outlook's contacts CSV ("Export to a file → Comma Separated Values", English column names)."""

from __future__ import annotations

import re
from pathlib import Path

from partnerdesk.importers.csv_rows import join_name, rows
from partnerdesk.importers.record import Record

# Every column Outlook's "Export to a file → Comma Separated Values" writes (English).
OUTLOOK_COLUMNS = (
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3",
    "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
    "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
    "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
    "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children",
    "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address",
    "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
    "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location",
    "Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By",
    "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page")
COLUMN_SET = frozenset(OUTLOOK_COLUMNS)


def read(path: Path, text: str) -> list[Record]:
    out = []
    for n, line, r in rows(path, text, lambda c: c in COLUMN_SET):
        rec = Record(record=n, line=line)
        rec.name = join_name(r.get("First Name", ""), r.get("Middle Name", ""), r.get("Last Name", ""),
                               r.get("Suffix", ""))
        if not rec.name:
            disp = re.sub(r"\s*\(.*\)\s*$", "", r.get("E-mail Display Name", ""))
            rec.name = disp or r.get("Company", "")
        rec.agency = r.get("Company", "")
        rec.title = r.get("Job Title") or None
        for key, _type in (("E-mail Address", "E-mail Type"), ("E-mail 2 Address", "E-mail 2 Type"),
                         ("E-mail 3 Address", "E-mail 3 Type")):
            value = r.get(key, "").strip()
            if "@" in value:
                rec.email = rec.email or value
            elif value:
                rec.dropped.append(f"{key} '{value}' is not an e-mail address")
        for col, slot in (("Business Phone", "work_phone"), ("Mobile Phone", "mobile_phone"),
                          ("Other Phone", "after_hours_phone"), ("Home Phone", "personal_phone"),
                          ("Company Main Phone", "work_phone"), ("Primary Phone", "work_phone"),
                          ("Business Phone 2", None), ("Callback", "after_hours_phone"),
                          ("Pager", "after_hours_phone"), ("Car Phone", "mobile_phone"),
                          ("Radio Phone", None), ("Home Phone 2", None), ("Assistant's Phone", None)):
            if r.get(col):
                rec.put_phone(slot, r[col], col)
        rec.categories = [c.strip() for c in r.get("Categories", "").split(";") if c.strip()]
        rec.add_notes(r.get("Notes"))
        out.append(rec)
    return out
