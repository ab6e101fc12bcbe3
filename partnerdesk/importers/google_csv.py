"""Google Contacts CSV, the current export ("First Name", "Labels") and the older one ("Given Name")."""

from __future__ import annotations

import re
from pathlib import Path

from partnerdesk.importers.csv_rows import join_name, rows
from partnerdesk.importers.record import Record, phone_slot

FIXED = frozenset((
    "Name", "First Name", "Middle Name", "Last Name", "Given Name", "Additional Name", "Family Name",
    "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "Yomi Name", "Given Name Yomi",
    "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials", "Nickname",
    "Short Name", "Maiden Name", "File As", "Organization Name", "Organization Title", "Organization Department",
    "Birthday", "Gender", "Location", "Billing Information", "Directory Server", "Mileage", "Occupation",
    "Hobby", "Sensitivity", "Priority", "Subject", "Notes", "Language", "Photo", "Labels", "Group Membership"))
NUMBERED = re.compile(
    r"^(E-mail|Phone|Address|Organization|Website|Relation|Event|Custom Field|IM|External ID|Jot|Calendar Link"
    r"|Location|Hobby|Sensitivity|Priority|Subject|Interest|Language|Occupation) \d+ - "
    r"(Label|Type|Value|Formatted|Street|City|PO Box|Region|Postal Code|Country|Extended Address|Name|"
    r"Yomi Name|Title|Department|Symbol|Location|Job Description|Service)$")


def read(path: Path, text: str) -> list[Record]:
    out = []
    for n, line, r in rows(path, text, known):
        rec = Record(record=n, line=line)
        rec.name = (join_name(r.get("First Name", ""), r.get("Middle Name", ""), r.get("Last Name", ""))
                    or join_name(r.get("Given Name", ""), r.get("Additional Name", ""), r.get("Family Name", ""))
                    or r.get("Name", "") or r.get("File As", "") or r.get("Nickname", ""))
        if r.get("Name Suffix"):
            rec.name = join_name(rec.name, r["Name Suffix"])
        rec.agency = r.get("Organization Name") or r.get("Organization 1 - Name", "")
        rec.title = r.get("Organization Title") or r.get("Organization 1 - Title") or None
        if not rec.name:
            rec.name = rec.agency
        emails = []
        i = 1
        while f"E-mail {i} - Value" in r:
            label = r.get(f"E-mail {i} - Label") or r.get(f"E-mail {i} - Type") or ""
            for v in r[f"E-mail {i} - Value"].split(" ::: "):
                if "@" in v:
                    emails.append((0 if "work" in label.lower() else 1, v.strip()))
                elif v.strip():
                    rec.dropped.append(f"E-mail {i} '{v.strip()}' is not an e-mail address")
            i += 1
        if emails:
            rec.email = sorted(emails, key=lambda e: e[0])[0][1]
        i = 1
        while f"Phone {i} - Value" in r:
            label = r.get(f"Phone {i} - Label") or r.get(f"Phone {i} - Type") or ""
            for v in r[f"Phone {i} - Value"].split(" ::: "):
                if v.strip():
                    rec.put_phone(phone_slot(label) or ("work_phone" if not label else None), v, label.strip("* "))
            i += 1
        labels = r.get("Labels") or r.get("Group Membership") or ""
        rec.categories = [c.strip() for c in labels.split(" ::: ")
                          if c.strip() and not c.strip().startswith("*")]
        rec.add_notes(r.get("Notes"))
        out.append(rec)
    return out


def known(column: str) -> bool:
    """A column of either Google export."""
    return column in FIXED or bool(NUMBERED.match(column))
