"""Contacts and skills, with the FTS5 directory index kept in the same transaction as each edit."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Iterable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from partnerdesk.db.models import Contact, ContactSkill, Skill, TimeEntry
from partnerdesk.db.uow import Database
from partnerdesk.domain import contact_search
from partnerdesk.domain.directory import MergeResult
from partnerdesk.domain.dto import ContactDTO
from partnerdesk.domain.phones import digits
from partnerdesk.errors import ValidationError
from partnerdesk.services.base import as_date, clean_text, find_agency, get_live, soft_delete

FIELDS = ("agency_id", "name", "title", "role_tags", "work_phone", "mobile_phone", "after_hours_phone",
          "personal_phone", "email", "escalation_order", "on_call_notes", "notes", "last_verified",
          "emergency_responder_since")
PHONE_FIELDS = ("work_phone", "mobile_phone", "after_hours_phone", "personal_phone")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")




def contact_dto(c: Contact) -> ContactDTO:
    return ContactDTO(
        id=c.id, name=c.name, agency_id=c.agency_id, agency_code=c.agency.code, agency_name=c.agency.name,
        title=c.title, email=c.email, work_phone=c.work_phone, mobile_phone=c.mobile_phone,
        after_hours_phone=c.after_hours_phone, personal_phone=c.personal_phone,
        escalation_order=c.escalation_order, on_call_notes=c.on_call_notes, notes=c.notes,
        role_tags=tuple(t.strip() for t in (c.role_tags or "").split(",") if t.strip()),
        skills=tuple(sorted((link.skill.name for link in c.skill_links), key=str.casefold)),
        last_verified=c.last_verified, emergency_responder_since=c.emergency_responder_since,
    )


def validate_contact(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if k not in FIELDS:
            raise ValidationError(f"{k}: not a contact field", k)
        if k == "name":
            out[k] = clean_text(v, "name", 200, required=True)
        elif k in PHONE_FIELDS:
            v = clean_text(v, k, 40)
            if v and len(digits(v)) < 3:
                raise ValidationError(f"{k}: '{v}' is not a phone number", k)
            out[k] = v
        elif k == "email":
            v = clean_text(v, "email", 200)
            if v and not _EMAIL.match(v):
                raise ValidationError(f"email: '{v}' is not an e-mail address", "email")
            out[k] = v.lower() if v else None
        elif k == "escalation_order":
            if v in (None, ""):
                out[k] = None
            else:
                try:
                    out[k] = int(v)
                except (TypeError, ValueError):
                    raise ValidationError(f"escalation_order: '{v}' is not a whole number", k) from None
                if not 0 < out[k] < 100:
                    raise ValidationError("escalation_order: must be 1..99", k)
        elif k in ("last_verified", "emergency_responder_since"):
            out[k] = as_date(v, k)
        elif k in ("on_call_notes", "notes"):
            out[k] = clean_text(v, k, 4000)
        elif k == "role_tags":
            if isinstance(v, (list, tuple)):
                v = ", ".join(str(t).strip() for t in v if str(t).strip())
            out[k] = clean_text(v, k, 400)
        else:
            out[k] = clean_text(v, k, 200)
    return out


def check_contact_dates(values: dict[str, Any], today: date) -> dict[str, Any]:
    """A verification or responder date cannot lie after ``today`` (checked where the contact is written)."""
    for k in ("last_verified", "emergency_responder_since"):
        if values.get(k) and values[k] > today:
            raise ValidationError(f"{k}: {values[k]} is in the future", k)
    return values


def skill_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def ensure_skills(s: Session, names: Iterable[str]) -> list[Skill]:
    out = []
    for name in names:
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > 80:
            raise ValidationError(f"skill: '{name[:20]}…' is longer than 80 characters", "skills")
        key = skill_key(name)
        sk = s.scalar(select(Skill).where(Skill.name_key == key))
        if sk is None:
            sk = Skill(name=name, name_key=key)
            s.add(sk)
            s.flush()
        elif sk.deleted_at is not None:
            sk.deleted_at = None
        out.append(sk)
    return out


def set_skills(s: Session, contact: Contact, names: Iterable[str]) -> None:
    wanted = {sk.id: sk for sk in ensure_skills(s, names)}
    links = s.scalars(select(ContactSkill).where(ContactSkill.contact_id == contact.id)).all()
    have = {link.skill_id: link for link in links}
    for skill_id, link in have.items():
        if skill_id in wanted and link.deleted_at is not None:
            link.deleted_at = None
        elif skill_id not in wanted:
            soft_delete(link)
    for skill_id in wanted.keys() - have.keys():
        s.add(ContactSkill(contact_id=contact.id, skill_id=skill_id))
    s.flush()
    s.expire(contact, ["skill_links"])


def reindex(s: Session, contact_ids: Iterable[str]) -> None:
    """Rewrite the FTS rows of these contacts (deleted ones drop out)."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return
    s.flush()
    conn = s.connection()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        conn.execute(text("DELETE FROM contact_fts WHERE contact_id IN (SELECT value FROM json_each(:ids))"),
                     {"ids": json.dumps(chunk)})
        rows = s.execute(
            select(Contact).where(Contact.id.in_(chunk), Contact.deleted_at.is_(None))
            .options(selectinload(Contact.agency), selectinload(Contact.skill_links).selectinload(ContactSkill.skill))
        ).scalars().all()
        if rows:
            conn.execute(text("INSERT INTO contact_fts (contact_id, name, agency, title, skills, notes, phones) "
                              "VALUES (:contact_id, :name, :agency, :title, :skills, :notes, :phones)"),
                         [fts_row(c) for c in rows])


def fts_row(c: Contact) -> dict[str, str]:
    """The search index's row of a contact (domain/contact_search.py): its fields, and its numbers as written,
    as digits and as their last seven digits."""
    phones = contact_search.numbers((c.work_phone, c.mobile_phone, c.after_hours_phone, c.personal_phone),
                                    c.notes, c.on_call_notes)
    return {
        "contact_id": c.id,
        **contact_search.fields(name=c.name, agency_name=c.agency.name, agency_code=c.agency.code, title=c.title,
                                role_tags=c.role_tags, skills=[link.skill.name for link in c.skill_links],
                                notes=c.notes, on_call_notes=c.on_call_notes),
        "phones": " ".join(phones + [digits(p) for p in phones] + [digits(p)[-7:] for p in phones]),
    }


_LIST_SQL = """
SELECT c.id, c.name, c.agency_id, a.code, a.name, c.title, c.email, c.work_phone, c.mobile_phone,
       c.after_hours_phone, c.personal_phone, c.escalation_order, c.on_call_notes, c.notes, c.role_tags,
       c.last_verified, c.emergency_responder_since,
       (SELECT group_concat(sk.name, char(31)) FROM contact_skill cs JOIN skill sk ON sk.id = cs.skill_id
        WHERE cs.contact_id = c.id AND cs.deleted_at IS NULL)
FROM contact c JOIN agency a ON a.id = c.agency_id
WHERE (:deleted OR c.deleted_at IS NULL) AND (:agency IS NULL OR c.agency_id = :agency)
ORDER BY a.name, coalesce(c.escalation_order, 99), c.name
"""


class ContactService:
    def __init__(self, db: Database):
        self.db = db

    def _query(self):
        return select(Contact).options(
            selectinload(Contact.agency),
            selectinload(Contact.skill_links).selectinload(ContactSkill.skill),
        )

    def list(self, agency: str | None = None, include_deleted: bool = False) -> list[ContactDTO]:
        """By agency name, then escalation order (none last), then name. One plain statement: the ORM with its
        relationships is many times slower for a whole region (the Directory page loads them all)."""
        with self.db.read() as s:
            agency_id = find_agency(s, agency).id if agency else None
            raw = s.connection().connection.driver_connection
            rows = raw.execute(_LIST_SQL, {"deleted": include_deleted, "agency": agency_id}).fetchall()
        iso = date.fromisoformat
        return [ContactDTO(id=r[0], name=r[1], agency_id=r[2], agency_code=r[3], agency_name=r[4], title=r[5],
                           email=r[6], work_phone=r[7], mobile_phone=r[8], after_hours_phone=r[9],
                           personal_phone=r[10], escalation_order=r[11], on_call_notes=r[12], notes=r[13],
                           role_tags=tuple(t.strip() for t in r[14].split(",") if t.strip()) if r[14] else (),
                           skills=tuple(sorted(r[17].split("\x1f"), key=str.casefold)) if r[17] else (),
                           last_verified=iso(r[15]) if r[15] else None,
                           emergency_responder_since=iso(r[16]) if r[16] else None)
                for r in rows]

    def get(self, contact_id: str) -> ContactDTO:
        with self.db.read() as s:
            return contact_dto(get_live(s, Contact, contact_id, "contact"))

    def create(self, *, agency: str, skills: Iterable[str] = (), **values: Any) -> ContactDTO:
        values = check_contact_dates(validate_contact(values), self.db.clock.today())
        if not values.get("name"):
            raise ValidationError("name: required", "name")
        with self.db.write() as s:
            ag = find_agency(s, agency)
            c = Contact(agency_id=ag.id, **values)
            s.add(c)
            s.flush()
            set_skills(s, c, skills)
            reindex(s, [c.id])
            s.refresh(c)
            return contact_dto(c)

    def update(self, contact_id: str, *, skills: Iterable[str] | None = None, agency: str | None = None,
               **changes: Any) -> ContactDTO:
        changes = check_contact_dates(validate_contact(changes), self.db.clock.today())
        with self.db.write() as s:
            c = get_live(s, Contact, contact_id, "contact")
            if agency is not None:
                c.agency_id = find_agency(s, agency).id
            for k, v in changes.items():
                setattr(c, k, v)
            if skills is not None:
                set_skills(s, c, skills)
            reindex(s, [c.id])
            s.refresh(c)
            return contact_dto(c)

    def delete(self, contact_id: str) -> None:
        with self.db.write() as s:
            c = get_live(s, Contact, contact_id, "contact")
            soft_delete(c)
            reindex(s, [c.id])

    def merge(self, keep_id: str, other_id: str) -> MergeResult:
        """Fold ``other`` into ``keep``: empty fields of ``keep`` take ``other``'s values, notes are joined,
        numbers that would be lost are kept in the notes, skills are united, the other person's time
        entries move to ``keep``, and ``other`` is soft-deleted. One transaction."""
        if keep_id == other_id:
            raise ValidationError("pick two different contacts to merge")
        with self.db.write(action="merge", summary="contacts merged") as s:
            keep = get_live(s, Contact, keep_id, "contact")
            other = get_live(s, Contact, other_id, "contact")
            taken: list[str] = []
            for key in ("title", "email", "work_phone", "mobile_phone", "after_hours_phone", "personal_phone",
                        "escalation_order", "emergency_responder_since"):
                mine, theirs = getattr(keep, key), getattr(other, key)
                if mine in (None, "") and theirs not in (None, ""):
                    setattr(keep, key, theirs)
                    taken.append(key)
                elif key == "emergency_responder_since" and mine and theirs and theirs < mine:
                    keep.emergency_responder_since = theirs
                    taken.append(key)
            if other.last_verified and (keep.last_verified is None or other.last_verified > keep.last_verified):
                keep.last_verified = other.last_verified
                taken.append("last_verified")
            mine_numbers = {digits(getattr(keep, k)) for k in PHONE_FIELDS if getattr(keep, k)}
            lost = [f"{k.replace('_phone', '').replace('_', ' ').capitalize()} {getattr(other, k)}"
                    for k in PHONE_FIELDS if getattr(other, k) and digits(getattr(other, k)) not in mine_numbers]
            for key, extra in (("notes", other.notes), ("on_call_notes", other.on_call_notes),
                               ("notes", f"Other numbers: {'; '.join(lost)}" if lost else None)):
                if extra and extra not in (getattr(keep, key) or ""):
                    setattr(keep, key, f"{getattr(keep, key)}\n{extra}" if getattr(keep, key) else extra)
                    taken.append(key)
            tags = [t.strip() for t in f"{keep.role_tags or ''},{other.role_tags or ''}".split(",") if t.strip()]
            tags = list(dict.fromkeys(tags))
            if ", ".join(tags) != (keep.role_tags or ""):
                keep.role_tags = ", ".join(tags) or None
                taken.append("role_tags")
            names = [link.skill.name for link in keep.skill_links] + [link.skill.name for link in other.skill_links]
            if len({skill_key(n) for n in names}) > len(keep.skill_links):
                taken.append("skills")
            set_skills(s, keep, names)
            set_skills(s, other, [])
            entries = s.scalars(select(TimeEntry).where(TimeEntry.staff_contact_id == other.id)).all()
            for e in entries:
                e.staff_contact_id = keep.id
            soft_delete(other)
            reindex(s, [keep.id, other.id])
            s.refresh(keep)
            return MergeResult(contact_dto(keep), other.id, len(entries), tuple(dict.fromkeys(taken)))

    def skills(self) -> list[str]:
        with self.db.read() as s:
            q = (select(Skill.name).join(ContactSkill, ContactSkill.skill_id == Skill.id)
                 .where(Skill.deleted_at.is_(None), ContactSkill.deleted_at.is_(None)).distinct())
            return sorted(s.scalars(q).all(), key=str.casefold)

    def count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))

