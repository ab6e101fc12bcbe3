"""Contacts files by format: each module reads one format's text into ``Record``s (importers/record.py);
services/contact_import.py matches them against the directory and writes them.

    vcard.py        vCard 2.1, 3.0 and 4.0 (Apple, Outlook, Android, Google)
    outlook_csv.py  Outlook's contacts CSV
    google_csv.py   Google Contacts CSV (current and older export)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from partnerdesk.errors import ImportFormatError
from partnerdesk.importers import google_csv, outlook_csv, vcard
from partnerdesk.importers.csv_rows import header as csv_header
from partnerdesk.importers.record import Record

FORMATS = ("auto", "vcard", "outlook-csv", "google-csv")
READERS: dict[str, Callable[[Path, str], list[Record]]] = {
    "vcard": vcard.read, "outlook-csv": outlook_csv.read, "google-csv": google_csv.read}
_VCARD_START = re.compile(r"\s*BEGIN:VCARD", re.IGNORECASE)  # (matched in place: no copy of a big file)


def detect_format(path: Path, text: str) -> str:
    """The format of a contacts file from its first line (and, for CSV, its columns)."""
    if _VCARD_START.match(text):
        return "vcard"
    if path.suffix.lower() in (".vcf", ".vcard"):
        raise ImportFormatError(f"{path.name}: line 1: a vCard file must start with BEGIN:VCARD")
    header = csv_header(path, text)
    cols = set(header)
    if cols <= outlook_csv.COLUMN_SET and ({"First Name", "Last Name", "E-mail Address"} & cols):
        return "outlook-csv"
    if all(google_csv.known(c) for c in header if c):
        return "google-csv"
    if {"E-mail Display Name", "Business Phone", "Mobile Phone", "Job Title"} & cols:
        return "outlook-csv"
    if any(c.startswith(("Phone 1 - ", "E-mail 1 - ")) for c in header):
        return "google-csv"
    raise ImportFormatError(f"{path.name}: line 1: not a vCard, Outlook CSV or Google CSV contacts file "
                            f"(columns: {', '.join(header[:5])}{'…' if len(header) > 5 else ''})")


def read_text(path: Path, text: str, fmt: str = "auto") -> tuple[str, list[Record]]:
    """(format, records) of a contacts file's text; ``fmt`` "auto" detects it. Raises ImportFormatError."""
    if fmt == "auto":
        fmt = detect_format(path, text)
    elif fmt == "vcard" and not _VCARD_START.match(text):
        raise ImportFormatError(f"{path.name}: line 1: a vCard file must start with BEGIN:VCARD")
    return fmt, READERS[fmt](path, text)


__all__ = ["FORMATS", "READERS", "Record", "detect_format", "read_text"]
