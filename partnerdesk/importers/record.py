"""What every contacts file format reads into: one ``Record`` per person, with the rules all formats share
(which phone goes in which slot, what free-text notes hold)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from partnerdesk.domain.phones import digits

_ON_CALL = re.compile(r"after[- ]?hours|on[- ]call|outage|escalat|pager|24/7|dispatch|text (me )?first|"
                      r"prefers text|call back|callback", re.I)
_SKILLS_SENTENCE = re.compile(r"^\s*(skills?|expertise)\s*:\s*(.+?)\s*\.?\s*$", re.I | re.S)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z])")



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


def phone_slot(label: str, types: Iterable[str] = ()) -> str | None:
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
