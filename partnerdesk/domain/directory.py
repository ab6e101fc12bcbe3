"""Frozen results of the directory use cases (search, import, export, outage kit). Pure data, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from partnerdesk.domain.dto import ContactDTO, PhoneDTO
from partnerdesk.domain.wording import plural

PHONE_LABELS = {"work": "Work", "mobile": "Mobile", "after_hours": "After hours", "personal": "Personal"}


@dataclass(frozen=True)
class SearchHit:
    """One contact found by a directory search. ``phones`` leaves personal numbers out unless asked."""

    contact_id: str
    name: str
    agency: str
    agency_code: str
    title: str | None
    skills: tuple[str, ...]
    phones: tuple[PhoneDTO, ...]
    escalation_order: int | None
    matched_skill: bool  # the query named one of this person's skills ("who can help with X")
    rank: float

    def as_json(self) -> dict:
        return {"id": self.contact_id, "name": self.name, "agency": self.agency, "agency_code": self.agency_code,
                "title": self.title, "skills": list(self.skills),
                "phones": [{"kind": p.kind, "number": p.number} for p in self.phones],
                "escalation_order": self.escalation_order}


@dataclass(frozen=True)
class ImportAction:
    """What an import does (or would do) with one record of the file."""

    record: int  # 1-based record number in the file
    line: int  # first line of the record in the file
    name: str
    agency: str
    action: str  # create | update | unchanged
    contact_id: str | None
    changes: tuple[str, ...] = ()  # field names that change
    new_agency: bool = False
    dropped: tuple[str, ...] = ()  # values of the record that were left out, and why ("email: 'x' is not …")


@dataclass(frozen=True)
class ImportResult:
    file: str
    format: str
    dry_run: bool
    actions: tuple[ImportAction, ...]
    agencies_created: tuple[str, ...] = field(default_factory=tuple)

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def dropped(self) -> int:
        """How many values were left out (an invalid e-mail address, phone number or date)."""
        return sum(len(a.dropped) for a in self.actions)

    def summary(self, agencies_named: int | None = None) -> str:
        """One line; the new agencies all named, or the first ``agencies_named`` and how many more (a file
        from a whole region creates dozens: the GUI's list marks each one anyway)."""
        verb = "would import" if self.dry_run else "imported"
        text = (f"{self.file}: {verb} {plural(len(self.actions), 'contact')} as {self.format}: {self.created:,} new, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged")
        names = list(self.agencies_created)
        if agencies_named is not None and len(names) > agencies_named:
            names = names[:agencies_named] + [f"and {len(self.agencies_created) - agencies_named} more"]
        if names:
            text += f"; new agencies: {', '.join(names)}"
        if self.dropped:
            records = sum(1 for a in self.actions if a.dropped)
            text += (f"; {plural(self.dropped, 'invalid value')} in {plural(records, 'record')} left out "
                     "(e-mail addresses, phone numbers or dates; listed per record)")
        return text


@dataclass(frozen=True)
class MergeResult:
    contact: ContactDTO
    removed_id: str
    moved_time_entries: int
    fields_taken: tuple[str, ...]


@dataclass(frozen=True)
class OutageKit:
    directory: Path
    sheet_pdf: Path
    wallet_pdf: Path
    vcard: Path
    html: Path
    contacts: int


def is_stale(last_verified: date | None, today: date, months: int = 12) -> bool:
    """Not verified in the last ``months`` months (never verified counts as stale)."""
    if last_verified is None:
        return True
    y, m = today.year, today.month - months
    while m <= 0:
        y, m = y - 1, m + 12
    try:
        cutoff = today.replace(year=y, month=m)
    except ValueError:  # 29-31 in a shorter month
        cutoff = date(y, m, 28)
    return last_verified < cutoff


_SEPARATORS = re.compile(r"\s*,\s*|\s+or\s+", re.I)


def alternatives(text: str) -> list[str]:
    """What a search asks, as queries any one of which a person may match: "mlt cisco, pbx, firewall" (or
    "mlt cisco or pbx or firewall") is ["mlt cisco", "mlt pbx", "mlt firewall"] — who at MLT knows Cisco,
    PBX or a firewall. The words before the last one of the first part are asked of every alternative;
    a text without a comma or "or" is one query, as typed."""
    if (text or "").strip().casefold() == "or":  # the first letters of "Oregon", typed on
        return [text.strip()]
    parts = [p.split() for p in _SEPARATORS.split(f" {text or ''} ")]
    parts = [p for p in parts if p and p != ["or"]]
    if len(parts) <= 1:
        return [" ".join(p) for p in parts]
    common, first = parts[0][:-1], parts[0][-1:]
    out = []
    for p in [first, *parts[1:]]:
        q = " ".join(common + p)
        if q not in out:
            out.append(q)
    return out
