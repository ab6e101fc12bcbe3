"""Directory search over the FTS5 index ``contact_fts`` (kept current by ``contacts.reindex``).

Every word of the query is a prefix that must match somewhere (name, agency, title and role tags,
skills, notes, phone numbers). A run of digits and phone punctuation ("555-0120", "5550120") is one
phone prefix matched against the phone column, which indexes every number in full, as digits, and as
its last seven digits. When a word names one of a person's skills ("pbx", "avaya", "cisco") the
query is read as "who can help with X": those people come first, in escalation order.
"""

from __future__ import annotations

import re

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from partnerdesk.db.models import Contact, ContactSkill
from partnerdesk.db.uow import Database
from partnerdesk.domain.directory import SearchHit
from partnerdesk.services.contacts import contact_dto

_PHONEISH = re.compile(r"^\+?[\d().\-/]*\d[\d().\-/]*$")
_WORD = re.compile(r"\w+")
# bm25 weights per column: contact_id, name, agency, title, skills, notes, phones
_WEIGHTS = "0, 10.0, 3.0, 4.0, 6.0, 1.0, 2.0"

_SQL = f"""
WITH hits AS (
    SELECT rowid AS rid, contact_id, bm25(contact_fts, {_WEIGHTS}) AS r
    FROM contact_fts WHERE contact_fts MATCH :q
)
SELECT h.contact_id, h.r, {{skill_expr}} AS skill, c.escalation_order
FROM hits h JOIN contact c ON c.id = h.contact_id
WHERE c.deleted_at IS NULL
ORDER BY skill DESC, CASE WHEN skill THEN coalesce(c.escalation_order, 99) ELSE 0 END, h.r, c.name
LIMIT :limit
"""
_SQL_SKILL = _SQL.format(skill_expr="(h.rid IN (SELECT rowid FROM contact_fts WHERE contact_fts MATCH :sq))")
_SQL_PLAIN = _SQL.format(skill_expr="0")


def build_query(raw: str) -> tuple[str | None, str | None]:
    """The FTS5 MATCH expression for what the user typed, and the skills-only expression (or None)."""
    terms: list[str] = []
    words: list[str] = []
    for chunk in (raw or "").split():
        if _PHONEISH.match(chunk):
            digits = re.sub(r"\D", "", chunk)
            terms.append(f'phones : "{digits}"*')
            continue
        for w in _WORD.findall(chunk):
            w = w.replace('"', "")
            terms.append(f'"{w}"*')
            words.append(f'"{w}"*')
    if not terms:
        return None, None
    skill_q = f"skills : ({' OR '.join(words)})" if words else None
    return " AND ".join(terms), skill_q


class SearchService:
    def __init__(self, db: Database):
        self.db = db

    def ids(self, raw: str, limit: int = 50) -> list[tuple[str, bool]]:
        """(contact id, matched a skill) for the best ``limit`` matches, best first."""
        q, sq = build_query(raw)
        if q is None:
            return []
        with self.db.read() as s:
            if sq:
                rows = s.execute(text(_SQL_SKILL), {"q": q, "sq": sq, "limit": limit}).all()
            else:
                rows = s.execute(text(_SQL_PLAIN), {"q": q, "limit": limit}).all()
        return [(r[0], bool(r[2])) for r in rows]

    def search(self, raw: str, limit: int = 50, include_personal: bool = False) -> list[SearchHit]:
        q, sq = build_query(raw)
        if q is None:
            return []
        with self.db.read() as s:
            if sq:
                rows = s.execute(text(_SQL_SKILL), {"q": q, "sq": sq, "limit": limit}).all()
            else:
                rows = s.execute(text(_SQL_PLAIN), {"q": q, "limit": limit}).all()
            if not rows:
                return []
            contacts = {c.id: c for c in s.scalars(
                select(Contact).where(Contact.id.in_([r[0] for r in rows])).options(
                    selectinload(Contact.agency),
                    selectinload(Contact.skill_links).selectinload(ContactSkill.skill)))}
            out = []
            for cid, rank, skill, _esc in rows:
                c = contacts.get(cid)
                if c is None:
                    continue
                dto = contact_dto(c)
                out.append(SearchHit(
                    contact_id=dto.id, name=dto.name, agency=dto.agency_name, agency_code=dto.agency_code,
                    title=dto.title, skills=dto.skills, phones=dto.phones(include_personal),
                    escalation_order=dto.escalation_order, matched_skill=bool(skill), rank=float(rank)))
            return out
