"""vCard 2.1, 3.0 and 4.0 through vobject's tokenizer: one Record per card, all or nothing.

vobject's full object tree is not built: it costs about as much again per card, and its text behaviour cuts
NOTE/TITLE values at unescaped commas as Apple and Outlook write them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import vobject.base
from vobject.icalendar import stringToTextValues
from vobject.vcard import splitFields

from partnerdesk.errors import ImportFormatError
from partnerdesk.importers.csv_rows import join_name
from partnerdesk.importers.record import Record, phone_slot

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


def read(path: Path, text: str) -> list[Record]:
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
        rec.name = join_name(prefix, given, additional, family, suffix)
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
        slot = phone_slot(label, p.types)
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
