"""Importing contacts: a file read by its format's importer (partnerdesk/importers/) is matched against the
directory and written.

Import is all-or-nothing: the file is read and every record checked first, then one write unit of work
matches agencies and existing contacts and creates or updates them; a broken file raises
``ImportFormatError`` naming the file and the record or line, and nothing is written. ``dry_run`` computes
the same plan and rolls it back, which is what the GUI preview shows.

Matching: an existing live contact with the same e-mail address, else the same name (case- and
accent-insensitive) at the same agency — unless both carry different e-mail addresses, which makes
them two people — is updated, never duplicated. Updates only add information:
a non-empty value from the file replaces a different one (phone numbers compare by digits), notes and
skills are merged, nothing is blanked. Importing the same file twice leaves everything unchanged.
"""

from __future__ import annotations

import functools
import gc
import re
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerdesk.db.capture import raw_insert
from partnerdesk.db.models import Agency, Contact, ContactSkill, Skill
from partnerdesk.db.types import iso_utc, session_now, uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain.directory import ImportAction, ImportResult
from partnerdesk.domain.phones import digits
from partnerdesk.domain.text import fold
from partnerdesk.errors import ImportFormatError, UserError, ValidationError
from partnerdesk.importers import FORMATS, Record, read_text
from partnerdesk.services.bulk_capture import insert_captured, uuid7_many
from partnerdesk.services.contacts import FIELDS, check_contact_dates, fts_row, reindex, skill_key, validate_contact
from partnerdesk.services.text_files import decode_text

MAX_BYTES = 200 * 1024 * 1024
UNAFFILIATED = "Unaffiliated contacts"

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


# ----------------------------------------------------------------------------------------------- reading


def _decode(path: Path, data: bytes) -> str:
    """The file's text; its encoding decided for the whole file (services/text_files.py)."""
    return decode_text(path.name, data, "a vCard or CSV contacts file")


def read_file(path: Path | str, fmt: str = "auto") -> tuple[str, list[Record]]:
    """Read and check a whole contacts file. Returns (format, records); raises ImportFormatError."""
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
    fmt, records = read_text(path, _decode(path, data), fmt)
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
    the whole heap several times over (docs/performance.md). It is off for the import and on again after,
    as it was."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


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
        """``progress(done, total)``, when given, is called as the records are matched and written: total is
        the number of records plus one for the commit. The file is read and checked whole first."""
        path = Path(path)
        with _without_cycle_collection():
            fmt, records = read_file(path, fmt)
            total = len(records) + 1
            report = progress or (lambda _done, _total: None)
            report(0, total)
            result: list[ImportResult] = []
            try:
                with self.db.write(action="import", summary=f"contacts imported from {path.name}") as s:
                    result.append(self._apply(s, path, fmt, records, dry_run,
                                              lambda n: report(min(n, total - 1), total)))
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
            report(total, total)
            return result[0]

    def preview(self, path: Path | str, fmt: str = "auto") -> ImportResult:
        return self.import_file(path, fmt, dry_run=True)

    def _apply(self, s: Session, path: Path, fmt: str, records: list[Record], dry_run: bool,
               matched: Callable[[int], None] = lambda _n: None) -> ImportResult:
        """Match every record (a later record of the same person updates the contact an earlier one made),
        then insert the new contacts and skill links in bulk."""
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
        new_ids = iter(uuid7_many(len(records)))
        for rec in records:
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
                loaded[cid] = c
            changes = self._update(s, c, values, rec, ag, skill, pending_links, queued_by, cid in new_contacts)
            if changes and cid not in new_contacts:
                touched.append(c.id)
            if values.get("email"):
                by_email[values["email"]] = c.id
            actions.append(ImportAction(rec.record, rec.line, c.name, ag.name,
                                        "update" if changes else "unchanged", c.id, tuple(changes), ag_new,
                                        tuple(rec.dropped)))
        for c in list(new_contacts.values()) + list(loaded.values()):
            _tidy_other_numbers(c)
        agency_by_id = {a.id: a for a in list(by_key.values()) + list(by_short.values())}
        self._write_new(s, new_contacts, pending_links, agency_by_id, fts=not dry_run)
        matched(n)
        if not dry_run:
            reindex(s, touched)
        return ImportResult(file=path.name, format=fmt, dry_run=dry_run, actions=tuple(actions),
                            agencies_created=tuple(created_agencies))

    def _write_new(self, s: Session, new_contacts: dict[str, SimpleNamespace], pending_links: list,
                     agency_by_id: dict[str, Agency], fts: bool) -> None:
        """The new contacts and every new skill link, in bulk, with their audit entries, sync ops and
        (``fts``) search rows."""
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
