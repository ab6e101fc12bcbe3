"""Importing contacts from the files people actually have: vCard (2.1/3.0/4.0, via vobject), Outlook CSV
and Google CSV.

Import is all-or-nothing: one write unit of work matches agencies and existing contacts and creates or
updates them, and a broken file raises ``ImportFormatError`` naming the file and the record or line,
which rolls all of it back. A small file is read and every record validated before anything is
matched; a big vCard file is read by a second process, piece by piece, while this one matches and
writes the pieces already read. ``dry_run`` computes the same plan and rolls it back, which is what the
GUI preview shows.

Matching: an existing live contact with the same e-mail address, else the same name (case- and
accent-insensitive) at the same agency — unless both carry different e-mail addresses, which makes
them two people — is updated, never duplicated. Updates only add information:
a non-empty value from the file replaces a different one (phone numbers compare by digits), notes and
skills are merged, nothing is blanked. Importing the same file twice leaves everything unchanged.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import multiprocessing
import os
import re
import warnings
from contextlib import closing, contextmanager
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Iterator

import vobject.base
from sqlalchemy import select
from sqlalchemy.orm import Session
from vobject.icalendar import stringToTextValues
from vobject.vcard import splitFields

from partnerdesk.db.capture import raw_insert
from partnerdesk.db.models import Agency, Contact, ContactSkill, Skill
from partnerdesk.db.types import iso_utc, session_now, uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain.directory import ImportAction, ImportResult
from partnerdesk.domain.text import fold
from partnerdesk.domain.wording import nouns
from partnerdesk.errors import ImportFormatError, UserError, ValidationError
from partnerdesk.services.bulk_capture import insert_captured, uuid7_many
from partnerdesk.services.contacts import (FIELDS, check_contact_dates, digits, fts_row, reindex, skill_key,
                                          validate_contact)
from partnerdesk.services.text_files import decode_text

FORMATS = ("auto", "vcard", "outlook-csv", "google-csv")
MAX_BYTES = 200 * 1024 * 1024
UNAFFILIATED = "Unaffiliated contacts"

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
_OUTLOOK_SET = frozenset(OUTLOOK_COLUMNS)

# Google Contacts CSV, both the current export ("First Name", "Labels", "Phone 1 - Label") and the
# older one ("Given Name", "Group Membership", "Phone 1 - Type").
_GOOGLE_FIXED = frozenset((
    "Name", "First Name", "Middle Name", "Last Name", "Given Name", "Additional Name", "Family Name",
    "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "Yomi Name", "Given Name Yomi",
    "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials", "Nickname",
    "Short Name", "Maiden Name", "File As", "Organization Name", "Organization Title", "Organization Department",
    "Birthday", "Gender", "Location", "Billing Information", "Directory Server", "Mileage", "Occupation",
    "Hobby", "Sensitivity", "Priority", "Subject", "Notes", "Language", "Photo", "Labels", "Group Membership"))
_GOOGLE_NUMBERED = re.compile(
    r"^(E-mail|Phone|Address|Organization|Website|Relation|Event|Custom Field|IM|External ID|Jot|Calendar Link"
    r"|Location|Hobby|Sensitivity|Priority|Subject|Interest|Language|Occupation) \d+ - "
    r"(Label|Type|Value|Formatted|Street|City|PO Box|Region|Postal Code|Country|Extended Address|Name|"
    r"Yomi Name|Title|Department|Symbol|Location|Job Description|Service)$")

_ON_CALL = re.compile(r"after[- ]?hours|on[- ]call|outage|escalat|pager|24/7|dispatch|text (me )?first|"
                      r"prefers text|call back|callback", re.I)
_SKILLS_SENTENCE = re.compile(r"^\s*(skills?|expertise)\s*:\s*(.+?)\s*\.?\s*$", re.I | re.S)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z])")
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass
class Record:
    """One contact as read from a file, before matching."""

    record: int
    line: int
    name: str = ""
    agency: str = ""
    title: str | None = None
    email: str | None = None
    work_phone: str | None = None
    mobile_phone: str | None = None
    after_hours_phone: str | None = None
    personal_phone: str | None = None
    notes: list[str] = field(default_factory=list)
    on_call_notes: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    role_tags: list[str] = field(default_factory=list)
    extra_numbers: list[tuple[str, str]] = field(default_factory=list)  # (label, number)
    escalation_order: int | None = None
    last_verified: str | None = None
    values: dict[str, Any] | None = None  # validated contact fields, set by _validate
    dropped: list[str] = field(default_factory=list)  # values left out, and why (shown in the preview)

    def put_phone(self, slot: str | None, number: str, label: str) -> None:
        number = " ".join(number.split())
        if not number:
            return
        if slot and getattr(self, slot) is None:
            setattr(self, slot, number)
            return
        known = {digits(getattr(self, k)) for k in ("work_phone", "mobile_phone", "after_hours_phone",
                                                    "personal_phone") if getattr(self, k)}
        if digits(number) not in known:
            self.extra_numbers.append((label or "Other", number))

    def add_notes(self, text: str | None) -> None:
        """Split free text: "Skills: …" becomes skills, on-call guidance goes to on-call notes."""
        if not text:
            return
        for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw_line.strip()
            if not line:
                continue
            for sentence in _SENTENCE.split(line):
                sentence = sentence.strip()
                if not sentence:
                    continue
                m = _SKILLS_SENTENCE.match(sentence)
                if m:
                    self.skills.extend(x.strip() for x in re.split(r"[,;]", m.group(2)) if x.strip())
                elif sentence.lower().startswith("on call:"):
                    self.on_call_notes.append(sentence[8:].strip())
                elif sentence.lower().startswith("other numbers:"):
                    self.notes.append(sentence)
                elif _ON_CALL.search(sentence):
                    self.on_call_notes.append(sentence)
                else:
                    self.notes.append(sentence)


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Case- and accent-insensitive key ("Zoë St. John" == "zoe st john")."""
    text = fold(text).replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _agency_keys(name: str) -> tuple[str, str]:
    key = _fold(name)
    short = re.sub(r"^(city|town|county|village|port) of ", "", key)
    short = re.sub(r"^the ", "", short)
    return key, short


def _unguard(value: str) -> str:
    """Undo the formula-injection guard our own CSV export adds (a leading apostrophe)."""
    return _FORMULA_GUARD.sub("", value)


def _phone_slot(label: str, types: Iterable[str] = ()) -> str | None:
    return _slot_of(label or "", frozenset(types))


@functools.lru_cache(maxsize=4096)
def _slot_of(label: str, types: frozenset[str]) -> str | None:  # (a file repeats a handful of labels)
    lab = label.lower()
    lab = re.sub(r"^_\$!<|>!\$_$", "", lab).strip(" *")
    types = {t.upper() for t in types}
    if re.search(r"after|on[- ]?call|emergency|24|night|duty|pager", lab) or "PAGER" in types:
        return "after_hours_phone"
    if "HOME" in types or re.search(r"home|personal|private", lab):
        return "personal_phone"
    if "CELL" in types or re.search(r"mobile|cell|iphone", lab):
        return "mobile_phone"
    if "WORK" in types or re.search(r"work|business|office|main|direct", lab):
        return "work_phone"
    return None


# ----------------------------------------------------------------------------------------------- reading


def _decode(path: Path, data: bytes) -> str:
    """The file's text; its encoding decided for the whole file (services/text_files.py)."""
    return decode_text(path.name, data, "a vCard or CSV contacts file")


_VCARD_START = re.compile(r"\s*BEGIN:VCARD", re.IGNORECASE)  # (matched in place: no copy of a big file)


def detect_format(path: Path, text: str) -> str:
    if _VCARD_START.match(text):
        return "vcard"
    if path.suffix.lower() in (".vcf", ".vcard"):
        raise ImportFormatError(f"{path.name}: line 1: a vCard file must start with BEGIN:VCARD")
    header = _csv_header(path, text)
    cols = set(header)
    if cols <= _OUTLOOK_SET and ({"First Name", "Last Name", "E-mail Address"} & cols):
        return "outlook-csv"
    if all(c in _GOOGLE_FIXED or _GOOGLE_NUMBERED.match(c) for c in header if c):
        return "google-csv"
    if {"E-mail Display Name", "Business Phone", "Mobile Phone", "Job Title"} & cols:
        return "outlook-csv"
    if any(c.startswith(("Phone 1 - ", "E-mail 1 - ")) for c in header):
        return "google-csv"
    raise ImportFormatError(f"{path.name}: line 1: not a vCard, Outlook CSV or Google CSV contacts file "
                            f"(columns: {', '.join(header[:5])}{'…' if len(header) > 5 else ''})")


def _csv_header(path: Path, text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        raise ImportFormatError(f"{path.name}: line 1: {exc}") from None
    if not first or len(first) < 2:
        raise ImportFormatError(f"{path.name}: line 1: not a contacts file (no CSV header row, no BEGIN:VCARD)")
    return [c.strip() for c in first]


def _csv_rows(path: Path, text: str, known) -> Iterable[tuple[int, int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [c.strip() for c in next(reader)]
        unknown = [c for c in header if not known(c)]
        if unknown:
            raise ImportFormatError(f"{path.name}: line 1: unknown {nouns(len(unknown), 'column')} {', '.join(repr(c) for c in unknown)}"
                                    " — export again with the standard column set, or pick the right --format")
        dupes = {c for c in header if header.count(c) > 1 and c}
        if dupes:
            raise ImportFormatError(f"{path.name}: line 1: {nouns(len(dupes), 'column')} {', '.join(sorted(dupes))} "
                                  f"{'appears' if len(dupes) == 1 else 'appear'} twice")
        n = 0
        last_line = reader.line_num
        for row in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            n += 1
            if len(row) != len(header):
                raise ImportFormatError(f"{path.name}: record {n} (line {start}): {len(row)} fields where the "
                                        f"header has {len(header)} — the file is damaged or truncated")
            yield n, start, {h: _unguard(v.strip()) for h, v in zip(header, row)}
    except csv.Error as exc:
        raise ImportFormatError(f"{path.name}: line {reader.line_num}: {exc}") from None


def _split_name(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def read_outlook_csv(path: Path, text: str) -> list[Record]:
    out = []
    for n, line, r in _csv_rows(path, text, lambda c: c in _OUTLOOK_SET):
        rec = Record(record=n, line=line)
        rec.name = _split_name(r.get("First Name", ""), r.get("Middle Name", ""), r.get("Last Name", ""),
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


def read_google_csv(path: Path, text: str) -> list[Record]:
    def known(c: str) -> bool:
        return c in _GOOGLE_FIXED or bool(_GOOGLE_NUMBERED.match(c))

    out = []
    for n, line, r in _csv_rows(path, text, known):
        rec = Record(record=n, line=line)
        rec.name = (_split_name(r.get("First Name", ""), r.get("Middle Name", ""), r.get("Last Name", ""))
                    or _split_name(r.get("Given Name", ""), r.get("Additional Name", ""), r.get("Family Name", ""))
                    or r.get("Name", "") or r.get("File As", "") or r.get("Nickname", ""))
        if r.get("Name Suffix"):
            rec.name = _split_name(rec.name, r["Name Suffix"])
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
                    rec.put_phone(_phone_slot(label) or ("work_phone" if not label else None), v, label.strip("* "))
            i += 1
        labels = r.get("Labels") or r.get("Group Membership") or ""
        rec.categories = [c.strip() for c in labels.split(" ::: ")
                          if c.strip() and not c.strip().startswith("*")]
        rec.add_notes(r.get("Notes"))
        out.append(rec)
    return out


def _card_starts(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().upper() == "BEGIN:VCARD"]


@dataclass
class _Prop:
    """One vCard property as vobject's tokenizer returns it (name, group, parameters, raw value)."""

    name: str
    group: str | None
    types: set[str]
    value: str  # still backslash-escaped (quoted-printable already decoded)


def _unescape(value: str) -> str:
    # vobject's own unescaping, skipped when there is nothing to unescape (it is slow per character)
    return stringToTextValues(value, listSeparator=None)[0] if "\\" in value else value


def _fields(value: str) -> list[str]:
    return [_unescape(v) for v in splitFields(value)] if "\\" in value else value.split(";")


def _list(value: str) -> list[str]:
    return stringToTextValues(value) if "\\" in value else value.split(",")


def _tokens(text: str):
    """(line number, name, group, params, value) for each logical line: vobject unfolds the lines, splits
    names, groups and parameters, and decodes quoted-printable values in the declared charset."""
    for line, num in vobject.base.getLogicalLines(io.StringIO(text), True):
        name, params, value, group = vobject.base.parseLine(line, num)
        if any(p[0].upper() == "ENCODING" for p in params if len(p) > 1):
            cl = vobject.base.textLineToContentLine(line, num)  # vobject decodes QP / base64 + charset
            value = cl.value if isinstance(cl.value, str) else ""
            params = [p for p in params if p[0].upper() not in ("ENCODING", "CHARSET")]
        yield max(num, 1), name.upper(), group, params, value


PARALLEL_MIN_CARDS = 2000  # below this, starting a second process costs more than it saves


def read_vcard(path: Path, text: str) -> list[Record]:
    """vCard 2.1, 3.0 and 4.0 through vobject's tokenizer; one Record per card, all or nothing.

    We do not build vobject's full object tree: it costs about a millisecond per card, which a
    10,000-card file cannot afford, and its text behaviour cuts NOTE/TITLE values at unescaped commas
    as Apple and Outlook write them. A big file is read by a second process while this one imports
    what it has read so far (see ``_read_streamed``)."""
    return [rec for piece in _vcard_pieces(path, text) for rec in piece]


def _vcard_pieces(path: Path, text: str) -> Iterator[list[Record]]:
    if text.count("BEGIN:VCARD") >= PARALLEL_MIN_CARDS:
        yield from _read_streamed(path, text)
    else:
        yield _read_cards(path, text)


def _fork_context():
    """Worker processes by fork (they inherit the loaded modules: a fresh interpreter importing
    partnerdesk takes longer than reading thousands of cards), where there is fork and a second core."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


PARALLEL_CHUNKS = 16  # a big vCard file is read in this many pieces (see _read_streamed)
PIECE_TIMEOUT = 120  # seconds to wait for the reading process's next piece (one takes well under a second)


def _read_streamed(path: Path, text: str) -> Iterator[list[Record]]:
    """The records of a big vCard file in ``PARALLEL_CHUNKS`` pieces, in file order, while they are read:
    the file is cut at BEGIN:VCARD lines; this process reads the first piece and a forked process reads
    the others one after the other, sending each as soon as it is read, so the importer matches and
    writes one piece while the next is being read (reading and writing each take one core). Records and
    lines are numbered as in one file. A damaged piece, or the other process dying: the file is read
    again here in one piece and the records not yet given are given, so a damaged file gets exactly
    the message (record, line) a serial read gives."""
    ctx = _fork_context()
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln.strip().upper() == "BEGIN:VCARD"]
    k = min(PARALLEL_CHUNKS, len(starts))
    cuts = [0] + [starts[len(starts) * i // k] for i in range(1, k)] + [len(lines)]
    if ctx is None or k < 2 or any(lines[c - 1].strip().upper() != "END:VCARD" for c in cuts[1:-1]):
        yield _read_cards(path, text)
        return
    pieces = [("".join(lines[a:b]), a) for a, b in zip(cuts, cuts[1:])]
    del lines
    receive, send = ctx.Pipe(duplex=False)

    def other_process() -> None:
        for i in range(1, k):
            part = _read_chunk(path.name, *pieces[i])
            try:
                send.send(part)
            except OSError:  # the importer stopped (an error, or it gave up on a damaged piece)
                return
            if part is None:
                return

    with warnings.catch_warnings():
        # Python 3.12+ warns about fork in a process with threads (the GUI runs imports in a worker
        # thread); the child only runs this pure-Python reader and exits.
        warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
        helper = ctx.Process(target=other_process, daemon=True)
        helper.start()
    given, complete = 0, False
    try:
        send.close()  # (this end belongs to the other process now)
        for i in range(k):
            try:
                if i == 0:
                    part = _read_chunk(path.name, *pieces[0])
                elif receive.poll(PIECE_TIMEOUT):
                    part = receive.recv()
                else:  # the other process is stuck: read the rest here
                    part = None
            except (EOFError, OSError):  # the other process died
                part = None
            if part is None:
                break
            for rec in part:
                rec.record += given
            given += len(part)
            yield part
        else:
            complete = True
            return
    finally:  # also when the importer stops early (an error): the other process is not waited for
        receive.close()
        if complete:
            helper.join(timeout=5)
        if helper.is_alive():
            helper.kill()
            helper.join()
    rest = _read_cards(path, text)[given:]  # raises on a damaged file
    if rest:
        yield rest


def _read_chunk(name: str, text: str, line_offset: int) -> list[Record] | None:
    """One part of a vCard file, read and validated (contact fields) as if at ``line_offset``."""
    path = Path(name)
    try:
        records = _read_cards(path, text)
        for rec in records:
            rec.line += line_offset
            rec.values = validate_contact(_values(rec))
    except (ImportFormatError, ValidationError):
        return None
    return records


def _read_cards(path: Path, text: str) -> list[Record]:
    starts = _card_starts(text)
    out: list[Record] = []
    props: list[_Prop] | None = None
    depth = 0

    def where() -> str:
        n = len(out) + 1
        return f"{path.name}: record {n} (starting line {starts[n - 1] if n <= len(starts) else '?'})"

    try:
        for num, name, group, params, value in _tokens(text):
            if name == "BEGIN":
                if props is None:
                    if value.strip().upper() != "VCARD":
                        raise ImportFormatError(f"{path.name}: line {num}: BEGIN:{value} where a vCard should start")
                    props, depth = [], 1
                else:
                    depth += 1  # a nested component (AGENT): skipped
                continue
            if name == "END":
                if props is None:
                    raise ImportFormatError(f"{path.name}: line {num}: END:{value} without BEGIN:VCARD")
                depth -= 1
                if depth == 0:
                    n = len(out) + 1
                    out.append(_card_record(path, props, n, starts[n - 1] if n <= len(starts) else num))
                    props = None
                continue
            if props is None:
                raise ImportFormatError(f"{path.name}: line {num}: {name} outside BEGIN:VCARD … END:VCARD")
            if depth == 1:
                types: set[str] = set()
                for p in params:
                    if len(p) == 1:
                        types.add(p[0].upper())
                    elif p[0].upper() == "TYPE":
                        types.update(t.strip().upper() for v in p[1:] for t in str(v).split(","))
                props.append(_Prop(name, group.lower() if group else None, types, value))
    except vobject.base.ParseError as exc:
        detail = re.sub(r"^At line \d+:\s*", "", str(exc).strip())
        raise ImportFormatError(f"{where()}: {detail} — the file is damaged; nothing was imported") from None
    if props is not None:
        raise ImportFormatError(f"{where()}: Component VCARD was never closed (no END:VCARD) — the file is "
                                "damaged or truncated; nothing was imported")
    if not out:
        raise ImportFormatError(f"{path.name}: no vCards found")
    return out


def _card_record(path: Path, props: list[_Prop], n: int, line: int) -> Record:
    rec = Record(record=n, line=line)
    by: dict[str, list[_Prop]] = {}
    for p in props:
        by.setdefault(p.name, []).append(p)
    labels = {p.group: _unescape(p.value).strip() for p in by.get("X-ABLABEL", []) if p.group}
    if "FN" in by:
        rec.name = _unescape(by["FN"][0].value).strip()
    if not rec.name and "N" in by:
        parts = _fields(by["N"][0].value) + [""] * 5
        family, given, additional, prefix, suffix = parts[:5]
        rec.name = _split_name(prefix, given, additional, family, suffix)
    if "ORG" in by:
        rec.agency = next((f.strip() for f in _fields(by["ORG"][0].value) if f.strip()), "")
    if not rec.name:
        rec.name = rec.agency
    if "TITLE" in by:
        rec.title = _unescape(by["TITLE"][0].value).strip() or None
    for p in by.get("ROLE", []):
        if _unescape(p.value).strip():
            rec.role_tags.append(_unescape(p.value).strip())
    for p in sorted(by.get("EMAIL", []), key=lambda p: 0 if {"PREF", "WORK"} & p.types else 1):
        value = _unescape(p.value).strip()
        if value.lower().startswith("mailto:"):
            value = value[7:]
        if "@" in value:
            rec.email = rec.email or value
        elif value:
            rec.dropped.append(f"EMAIL '{value}' is not an e-mail address")
    for p in sorted(by.get("TEL", []), key=lambda p: 0 if "PREF" in p.types else 1):
        number = _unescape(p.value).strip()
        if number.lower().startswith("tel:"):
            number = number[4:]
        label = labels.get(p.group or "", "")
        slot = _phone_slot(label, p.types)
        if slot is None and not label and not p.types - {"VOICE", "PREF", "MSG"}:
            slot = "work_phone"
        rec.put_phone(slot, number, label or ", ".join(sorted(p.types - {"VOICE", "PREF"})).title())
    for p in by.get("NOTE", []):
        rec.add_notes(_unescape(p.value))
    for p in by.get("CATEGORIES", []):
        rec.categories.extend(c.strip() for c in _list(p.value) if c.strip())
    for p in by.get("X-PARTNERDESK-ESCALATION", []):
        try:
            rec.escalation_order = int(_unescape(p.value).strip())
        except ValueError:
            raise ImportFormatError(f"{path.name}: record {n} (line {line}): X-PARTNERDESK-ESCALATION "
                                    f"'{p.value}' is not a whole number") from None
    for p in by.get("X-PARTNERDESK-VERIFIED", []):
        rec.last_verified = _unescape(p.value).strip() or None
    return rec


READERS = {"vcard": read_vcard, "outlook-csv": read_outlook_csv, "google-csv": read_google_csv}


def open_file(path: Path | str, fmt: str = "auto") -> tuple[str, int, Iterator[list[Record]]]:
    """(format, number of records expected, the records in pieces in file order). A big vCard file is
    still being read while the pieces are taken (errors in it are raised then); others are read here.
    The records are not classified (categories) or checked yet: see ``finish_records``."""
    path = Path(path)
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportFormatError(f"{path.name}: larger than {MAX_BYTES // 1024 // 1024} MB; not a contacts file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, not a contacts file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    text = _decode(path, data)
    if fmt == "auto":
        fmt = detect_format(path, text)
    elif fmt == "vcard" and not _VCARD_START.match(text):
        raise ImportFormatError(f"{path.name}: line 1: a vCard file must start with BEGIN:VCARD")
    if fmt == "vcard":
        return fmt, text.count("BEGIN:VCARD"), _vcard_pieces(path, text)
    records = READERS[fmt](path, text)
    return fmt, len(records), (piece for piece in [records])


def read_file(path: Path | str, fmt: str = "auto") -> tuple[str, list[Record]]:
    """Read and validate a whole file. Returns (format, records); raises ImportFormatError."""
    path = Path(path)
    fmt, _n, pieces = open_file(path, fmt)
    records = [rec for piece in pieces for rec in piece]
    finish_records(path, records, common_categories(records))
    return fmt, records


def common_categories(records: list[Record]) -> frozenset[str]:
    """The categories (folded) every record carries, when there are three records or more."""
    if len(records) < 3:
        return frozenset()
    return frozenset(set.intersection(*_category_keys(records)))


def _category_keys(records: list[Record]) -> Iterator[set[str]]:
    return ({_fold(c) for c in r.categories} for r in records)


def finish_records(path: Path, records: list[Record], common: frozenset[str]) -> None:
    """Categories become skills, except a group every record of the file carries (``common``, e.g.
    "Regional IT"): that is how the person filed these contacts, kept as a role tag. Then each record is
    checked (ImportFormatError naming the record)."""
    for r in records:
        for cat in r.categories:
            if _fold(cat) in common or _fold(cat) in ("mycontacts", "starred", "other contacts"):
                r.role_tags.append(cat)
            else:
                r.skills.append(cat)
        seen: dict[str, str] = {}
        for s in r.skills:
            s = " ".join(s.split())
            if s and skill_key(s) not in seen:
                seen[skill_key(s)] = s
        r.skills = list(seen.values())
        r.role_tags = list(dict.fromkeys(r.role_tags))
        _validate(path, r)


def _validate(path: Path, rec: Record) -> None:
    where = f"{path.name}: record {rec.record} (line {rec.line})"
    if not rec.name.strip():
        raise ImportFormatError(f"{where}: no name, no organisation — cannot tell who this is")
    try:
        if rec.values is None:
            values = _values(rec)
            for k in _DROPPABLE:  # a bad number, address or date is left out and reported, not fatal
                if values.get(k) not in (None, ""):
                    try:
                        validate_contact({k: values[k]})
                    except ValidationError as exc:
                        values[k] = None
                        rec.dropped.append(str(exc))
            rec.values = validate_contact(values)
        for s in rec.skills:
            if len(s) > 80:
                raise ValidationError(f"skill '{s[:20]}…' is longer than 80 characters")
    except ValidationError as exc:
        raise ImportFormatError(f"{where} ({rec.name}): {exc}") from None


_DROPPABLE = ("email", "work_phone", "mobile_phone", "after_hours_phone", "personal_phone", "last_verified")


def _values(rec: Record) -> dict[str, Any]:
    notes = list(rec.notes)
    if rec.extra_numbers:
        notes.append("Other numbers: " + "; ".join(f"{lab} {num}" for lab, num in rec.extra_numbers))
    return {
        "name": " ".join(rec.name.split()), "title": rec.title, "email": rec.email,
        "work_phone": rec.work_phone, "mobile_phone": rec.mobile_phone,
        "after_hours_phone": rec.after_hours_phone, "personal_phone": rec.personal_phone,
        "notes": "\n".join(notes) or None, "on_call_notes": "\n".join(rec.on_call_notes) or None,
        "escalation_order": rec.escalation_order, "last_verified": rec.last_verified,
    }


# ----------------------------------------------------------------------------------------------- writing


PHONES = ("work_phone", "mobile_phone", "after_hours_phone", "personal_phone")


def _strip_known_numbers(text: str | None, slots: set[str]) -> str | None:
    """Drop "Other numbers:" entries whose number is already in a labelled slot."""
    if not text or "Other numbers:" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        if line.startswith("Other numbers: "):
            keep = [e for e in line[len("Other numbers: "):].split("; ") if digits(e) not in slots]
            if not keep:
                continue
            line = "Other numbers: " + "; ".join(keep)
        lines.append(line)
    return "\n".join(lines) or None


def _tidy_other_numbers(c: Contact) -> None:
    """Another file may have known the label of a number first filed under "Other numbers"."""
    tidy = _strip_known_numbers(c.notes, {digits(getattr(c, k)) for k in PHONES if getattr(c, k)})
    if tidy != c.notes:
        c.notes = tidy


class _DryRun(Exception):
    pass


@contextmanager
def _without_cycle_collection():
    """An import makes about a million short-lived objects (records, rows, JSON text) and no garbage
    cycles worth collecting meanwhile; the cyclic collector, triggered by the allocations, would walk
    the whole heap several times over (0.6 s of a 10,000-card import). It is off for the import and on
    again after, as it was."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class _Regroup(Exception):
    """The group every record carries was guessed wrong from the first piece of a big file."""


def _classified(path: Path, pieces: Iterator[list[Record]]) -> Iterator[list[Record]]:
    """Each piece with its categories sorted out and its records checked (``finish_records``). A big file
    comes in pieces while it is read, so the group every record carries is taken from the first piece;
    if the whole file's turns out different, ``_Regroup`` at the end, and the importer starts again
    (its transaction rolled back) with the file read whole."""
    common: frozenset[str] | None = None
    every: frozenset[str] = frozenset()
    with closing(pieces):
        for piece in pieces:
            if common is None:
                common = every = common_categories(piece)
            else:
                every = every.intersection(*_category_keys(piece))
            finish_records(path, piece, common)
            yield piece
    if every != common:
        raise _Regroup


def _merge_text(old: str | None, new: str | None) -> str | None:
    if not new:
        return old
    if not old:
        return new
    missing = [ln for ln in new.split("\n") if ln.strip() and _fold(ln) not in _fold(old)]
    return old if not missing else old + "\n" + "\n".join(missing)


def generate_code(name: str, taken: set[str]) -> str:
    words = [w for w in re.findall(r"[A-Za-z0-9]+", _fold(name).upper())
             if w not in {"CITY", "TOWN", "COUNTY", "OF", "THE", "AND", "VILLAGE", "PORT", "DISTRICT", "DEPARTMENT",
                          "DEPT", "INC", "LLC"}]
    if not words:
        words = re.findall(r"[A-Za-z0-9]+", _fold(name).upper()) or ["AG"]
    base = words[0][:3] if len(words) == 1 else "".join(w[0] for w in words[:4])
    if len(base) < 2 or not base[0].isalpha():
        base = ("A" + base)[:3] if base else "AG"
    code, i = base, 2
    while code in taken:
        code = f"{base}{i}"
        i += 1
    taken.add(code)
    return code


def _kind(name: str) -> str:
    low = name.lower()
    for k in ("county", "town", "district", "tribe", "state"):
        if k in low:
            return k
    return "city"


class ContactImporter:
    """Imports one file per call in one unit of work."""

    def __init__(self, db: Database):
        self.db = db

    def import_file(self, path: Path | str, fmt: str = "auto", dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
        """``progress(done, total)``, when given, is called as the records are matched and written:
        total is the number of records plus one for the commit. A big vCard file is still being read
        (by a second process) while its first records are matched and written."""
        path = Path(path)
        with _without_cycle_collection():
            fmt, expected, pieces = open_file(path, fmt)
            try:
                with closing(_classified(path, pieces)) as classified:  # (an error while writing stops the reader)
                    return self._import(path, fmt, expected, classified, dry_run, progress)
            except _Regroup:  # the first piece's common categories were not the whole file's: read it whole
                fmt, records = read_file(path, fmt)
                return self._import(path, fmt, len(records), (piece for piece in [records]), dry_run, progress)

    def preview(self, path: Path | str, fmt: str = "auto") -> ImportResult:
        return self.import_file(path, fmt, dry_run=True)

    def _import(self, path: Path, fmt: str, expected: int, pieces: Iterator[list[Record]], dry_run: bool,
                progress: Callable[[int, int], None] | None) -> ImportResult:
        total = expected + 1
        report = progress or (lambda _done, _total: None)
        report(0, total)
        first = next(pieces, [])  # read (and the reading process started) before the write lock is taken
        pieces = chain([first], pieces)
        result: list[ImportResult] = []
        try:
            with self.db.write(action="import", summary=f"contacts imported from {path.name}") as s:
                result.append(self._apply(s, path, fmt, pieces, dry_run, lambda n: report(min(n, total - 1), total)))
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        report(total, total)
        return result[0]

    def _apply(self, s: Session, path: Path, fmt: str, pieces: Iterable[list[Record]], dry_run: bool,
               matched: Callable[[int], None] = lambda _n: None) -> ImportResult:
        """Match and write the records piece by piece: each piece's new contacts are inserted in bulk
        before the next piece is matched (a later record of the same person then updates that contact
        like any other already in the database)."""
        agencies = s.scalars(select(Agency).where(Agency.deleted_at.is_(None))).all()
        by_key: dict[str, Agency] = {}
        by_short: dict[str, Agency] = {}
        for a in agencies:
            k, short = _agency_keys(a.name)
            by_key.setdefault(k, a)
            by_short.setdefault(short, a)
        taken_codes = set(s.scalars(select(Agency.code)).all())
        created_agencies: list[str] = []

        seen_agency: dict[str, Agency] = {}  # as written in the file -> matched (most files name a few)

        def agency_for(raw: str) -> tuple[Agency, bool]:
            a = seen_agency.get(raw)
            if a is not None:
                return a, False
            a, is_new = _find_or_create(raw)
            seen_agency[raw] = a
            return a, is_new

        def _find_or_create(name: str) -> tuple[Agency, bool]:
            name = " ".join(name.split()) or UNAFFILIATED
            k, short = _agency_keys(name)
            a = by_key.get(k) or by_short.get(short)
            if a is not None:
                return a, False
            a = Agency(name=name, code=generate_code(name, taken_codes), kind="other" if name == UNAFFILIATED
                       else _kind(name))
            s.add(a)
            s.flush()
            by_key[k] = a
            by_short.setdefault(short, a)
            created_agencies.append(f"{a.code} {a.name}")
            return a, True

        rows = s.execute(select(Contact.id, Contact.email, Contact.name, Contact.agency_id)
                         .where(Contact.deleted_at.is_(None))).all()
        by_email = {e.lower(): cid for cid, e, _n, _a in rows if e}
        by_name = {(_fold(n), a): cid for cid, _e, n, a in rows}
        email_of = {cid: e for cid, e, _n, _a in rows if e}
        skills = {sk.name_key: sk for sk in s.scalars(select(Skill))}
        loaded: dict[str, Contact] = {}
        new_contacts: dict[str, SimpleNamespace] = {}  # inserted in bulk below, not through the ORM
        touched: list[str] = []
        actions: list[ImportAction] = []

        seen_skill: dict[str, Skill] = {}  # as written -> the skill (live again if it was deleted)

        def skill(name: str) -> Skill:
            sk = seen_skill.get(name)
            if sk is None:
                sk = seen_skill[name] = _skill(name)
            return sk

        def _skill(name: str) -> Skill:
            key = skill_key(name)
            sk = skills.get(key)
            if sk is None:
                sk = Skill(id=uuid7(), name=name, name_key=key)
                s.add(sk)
                skills[key] = sk
            elif sk.deleted_at is not None:
                sk.deleted_at = None
            return sk

        pending_links: list[tuple[Any, Skill]] = []
        queued_by: dict[str, set[str]] = {}  # contact id -> skill keys already queued as new links
        today = self.db.clock.today()
        n = 0
        for piece in pieces:
            new_ids = iter(uuid7_many(len(piece)))
            loaded_now: dict[str, Contact] = {}
            for rec in piece:
                if n % 500 == 0:
                    matched(n)
                n += 1
                ag, ag_new = agency_for(rec.agency)
                values = rec.values if rec.values is not None else validate_contact(_values(rec))
                for _ in range(2):  # a date after today is left out and reported, as a bad value is
                    try:
                        check_contact_dates(values, today)
                        break
                    except ValidationError as exc:
                        if exc.field not in values:
                            raise ImportFormatError(f"{path.name}: record {rec.record} (line {rec.line}) "
                                                    f"({rec.name}): {exc}") from None
                        values = {**values, exc.field: None}
                        rec.dropped.append(str(exc))
                cid = by_email.get(values["email"]) if values.get("email") else None
                if cid is None:  # same name at the same agency, unless both have (different) e-mail addresses
                    cid = by_name.get((_fold(values["name"]), ag.id))
                    if cid is not None and values.get("email") and email_of.get(cid):
                        cid = None
                if cid is None:
                    c = SimpleNamespace(id=next(new_ids), agency_id=ag.id,
                                        role_tags=", ".join(rec.role_tags) or None,
                                        **{k: values.get(k) for k in FIELDS if k not in ("agency_id", "role_tags")})
                    new_contacts[c.id] = c
                    queued = queued_by[c.id] = set()
                    for name in rec.skills:
                        sk = skill(name)
                        pending_links.append((c, sk))
                        queued.add(sk.name_key)
                    if values.get("email"):
                        by_email[values["email"]] = c.id
                        email_of[c.id] = values["email"]
                    by_name[(_fold(values["name"]), ag.id)] = c.id
                    actions.append(ImportAction(rec.record, rec.line, values["name"], ag.name, "create", c.id,
                                                tuple(k for k, v in values.items() if v is not None), ag_new,
                                                tuple(rec.dropped)))
                    continue
                c = new_contacts.get(cid) or loaded.get(cid) or s.get(Contact, cid)
                if cid not in new_contacts:
                    loaded[cid] = loaded_now[cid] = c
                changes = self._update(s, c, values, rec, ag, skill, pending_links, queued_by, cid in new_contacts)
                if changes and cid not in new_contacts:
                    touched.append(c.id)
                if values.get("email"):
                    by_email[values["email"]] = c.id
                actions.append(ImportAction(rec.record, rec.line, c.name, ag.name,
                                            "update" if changes else "unchanged", c.id, tuple(changes), ag_new,
                                            tuple(rec.dropped)))
            for c in list(new_contacts.values()) + list(loaded_now.values()):
                _tidy_other_numbers(c)
            agency_by_id = {a.id: a for a in list(by_key.values()) + list(by_short.values())}
            self._write_piece(s, new_contacts, pending_links, agency_by_id, fts=not dry_run)
            new_contacts.clear()  # in the database now: a later record of the same person updates it
            pending_links.clear()
        matched(n)
        if not dry_run:
            reindex(s, touched)
        return ImportResult(file=path.name, format=fmt, dry_run=dry_run, actions=tuple(actions),
                            agencies_created=tuple(created_agencies))

    def _write_piece(self, s: Session, new_contacts: dict[str, SimpleNamespace], pending_links: list,
                     agency_by_id: dict[str, Agency], fts: bool) -> None:
        """A piece's new contacts and every skill link queued so far, in bulk, with their audit entries,
        sync ops and (``fts``) search rows."""
        s.flush()  # agencies, skills and updates first: the bulk rows refer to them
        now = iso_utc(session_now(s))  # as the column stores it
        contact_rows = [dict(id=c.id, created_at=now, updated_at=now, deleted_at=None,
                             **{k: getattr(c, k) for k in FIELDS}) for c in new_contacts.values()]
        insert_captured(s, self.db, "contact", contact_rows)
        pairs = sorted({(c.id, sk.id) for c, sk in pending_links})
        link_rows = [dict(id=lid, created_at=now, updated_at=now, deleted_at=None, contact_id=cid, skill_id=sid)
                     for lid, (cid, sid) in zip(uuid7_many(len(pairs)), pairs)]
        insert_captured(s, self.db, "contact_skill", link_rows)
        if not fts or not new_contacts:
            return
        agencies = {aid: SimpleNamespace(name=a.name, code=a.code) for aid, a in agency_by_id.items()}  # plain
        names: dict[str, list[str]] = {}
        for c, sk in pending_links:
            if c.id in new_contacts and sk.name not in names.setdefault(c.id, []):
                names[c.id].append(sk.name)
        raw_insert(s.connection(), "contact_fts", [
            fts_row(SimpleNamespace(**vars(c), agency=agencies[c.agency_id],
                                    skill_links=[SimpleNamespace(skill=SimpleNamespace(name=n))
                                                 for n in names.get(c.id, [])]))
            for c in new_contacts.values()])

    @staticmethod
    def _update(s: Session, c, values: dict[str, Any], rec: Record, ag: Agency, skill, pending,
                queued_by: dict[str, set[str]], is_new: bool = False) -> list[str]:
        changes: list[str] = []
        if c.agency_id != ag.id and rec.agency.strip() and values.get("email") and c.email == values["email"]:
            c.agency_id = ag.id
            changes.append("agency")
        slots = {digits(v) for v in [getattr(c, k) for k in PHONES] + [values.get(k) for k in PHONES] if v}
        values = dict(values, notes=_strip_known_numbers(values.get("notes"), slots))
        for key, new in values.items():
            if new is None or key == "name":
                continue
            old = getattr(c, key)
            if key in ("notes", "on_call_notes"):
                merged = _merge_text(old, new)
                if merged != old:
                    setattr(c, key, merged)
                    changes.append(key)
            elif key.endswith("_phone"):
                if digits(old) != digits(new):
                    setattr(c, key, new)
                    changes.append(key)
            elif old != new:
                setattr(c, key, new)
                changes.append(key)
        if rec.role_tags:
            tags = [t.strip() for t in (c.role_tags or "").split(",") if t.strip()]
            more = [t for t in rec.role_tags if _fold(t) not in {_fold(x) for x in tags}]
            if more:
                c.role_tags = ", ".join(tags + more)
                changes.append("role_tags")
        if rec.skills:
            have_links = {} if is_new else {link.skill_id: link for link in s.scalars(
                select(ContactSkill).where(ContactSkill.contact_id == c.id))}
            queued = queued_by.setdefault(c.id, set())
            added = False
            for name in rec.skills:
                sk = skill(name)
                link = have_links.get(sk.id) if have_links else None
                if link is not None and link.deleted_at is None:
                    continue
                if link is not None:
                    link.deleted_at = None
                    added = True
                elif sk.name_key not in queued:
                    pending.append((c, sk))
                    queued.add(sk.name_key)
                    added = True
            if added:
                changes.append("skills")
        return changes
