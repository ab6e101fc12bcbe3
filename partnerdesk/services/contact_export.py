"""Exporting the directory: vCard 3.0 (through vobject) and Outlook-compatible CSV.

Personal numbers and on-call notes stay out unless the caller asks for them; asking is recorded in the
audit trail. CSV cells that a spreadsheet would run as a formula (= + - @, tab, CR) get a leading
apostrophe; our importer strips it again.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

from partnerdesk import fsutil
from partnerdesk.domain.dto import ContactDTO
from partnerdesk.errors import UserError
from partnerdesk.importers.outlook_csv import OUTLOOK_COLUMNS

EXPORT_FORMATS = ("vcard", "csv")
AFTER_HOURS_LABEL = "After hours"


def neutralise(value: str) -> str:
    """Make a CSV cell inert in Excel/LibreOffice (OWASP "CSV injection")."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def split_name(name: str) -> tuple[str, str]:
    """(given, family): the first word and the rest ("Zoë", "St. John")."""
    parts = name.split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name, "")


def _on_call_lines(c: ContactDTO) -> list[str]:
    return [f"On call: {ln.strip()}" for ln in (c.on_call_notes or "").split("\n") if ln.strip()]


def to_vcard(contacts: Iterable[ContactDTO], include_personal: bool = False) -> str:
    import vobject


    out = []
    for c in contacts:
        card = vobject.vCard()
        card.add("uid").value = c.id
        card.add("fn").value = c.name
        given, family = split_name(c.name)
        card.add("n").value = vobject.vcard.Name(family=family, given=given)
        card.add("org").value = [c.agency_name]
        if c.title:
            card.add("title").value = c.title
        if c.email:
            e = card.add("email")
            e.value = c.email
            e.type_param = ["INTERNET", "WORK"]
        for number, types in ((c.work_phone, ["WORK", "VOICE"]), (c.mobile_phone, ["CELL", "VOICE"]),
                              (c.personal_phone if include_personal else None, ["HOME", "VOICE"])):
            if number:
                t = card.add("tel")
                t.value = number
                t.type_param = types
        if c.after_hours_phone:
            t = card.add("tel")
            t.value = c.after_hours_phone
            t.type_param = ["VOICE"]
            t.group = "item1"
            label = card.add("x-ablabel")
            label.value = AFTER_HOURS_LABEL
            label.group = "item1"
        if c.skills:
            card.add("categories").value = list(c.skills)
        note = [ln for ln in (c.notes or "").split("\n") if ln.strip()]
        if include_personal:
            note += _on_call_lines(c)
        if note:
            card.add("note").value = "\n".join(note)
        if c.escalation_order:
            card.add("x-partnerdesk-escalation").value = str(c.escalation_order)
        if c.last_verified:
            card.add("x-partnerdesk-verified").value = c.last_verified.isoformat()
        out.append(card.serialize())
    return "".join(out)


def to_outlook_csv(contacts: Iterable[ContactDTO], include_personal: bool = False) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(OUTLOOK_COLUMNS)
    for c in contacts:
        given, family = split_name(c.name)
        notes = [ln for ln in (c.notes or "").split("\n") if ln.strip()]
        if include_personal:
            notes += _on_call_lines(c)
        row = {
            "First Name": given, "Last Name": family, "Company": c.agency_name, "Job Title": c.title or "",
            "Business Phone": c.work_phone or "", "Mobile Phone": c.mobile_phone or "",
            "Other Phone": c.after_hours_phone or "",
            "Home Phone": (c.personal_phone or "") if include_personal else "",
            "E-mail Address": c.email or "", "E-mail Type": "SMTP" if c.email else "",
            "E-mail Display Name": f"{c.name} ({c.email})" if c.email else "",
            "Categories": ";".join(c.skills), "Notes": "\r\n".join(notes),
            "Birthday": "0/0/00", "Anniversary": "0/0/00", "Priority": "Normal", "Private": "False",
            "Sensitivity": "Normal", "Gender": "Unspecified",
        }
        w.writerow([neutralise(row.get(col, "")) for col in OUTLOOK_COLUMNS])
    return "\ufeff" + buf.getvalue()  # UTF-8 with BOM: Outlook and Excel read the accents right


def write_atomic(path: Path, data: bytes) -> None:
    """``fsutil.write_atomic``, with a folder or a missing folder named as the user's to fix."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise UserError(f"{path.parent}: no such folder")
    fsutil.write_atomic(path, data)  # readable by all: a kit on a USB stick must open anywhere
