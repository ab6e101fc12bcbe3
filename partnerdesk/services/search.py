"""Directory search over the FTS5 index ``contact_fts`` (kept current by ``contacts.reindex``).

Every word of the query is a prefix that must match somewhere (name, agency, title and role tags,
skills, notes, phone numbers). Commas and "or" give alternatives: "mlt cisco, pbx, firewall" finds who at
MLT has any of the three (``domain.directory.alternatives``); each alternative is searched as below and the
people found are merged. The results are listed as the Directory lists them: by agency, and within an
agency skill holders first, in escalation order (no order last), then the rest, each by escalation order
and name. A run of digits and phone punctuation ("555-0120", "5550120") is one
phone prefix matched against the phone column, which indexes every number in full, as digits, and as
its last seven digits. When a word names one of a person's skills ("pbx", "avaya", "cisco") the
query is read as "who can help with X": those people come first, in escalation order.

Speed (the search budget of docs/performance.md, at 100,000 contacts): ranking every match of a common
word ("cisco" matches a quarter of the region) costs more than the budget, so

* a one-word skill query walks live contacts in escalation order (covering partial index
  ``ix_contact_live_escalation``) and stops at the first ``limit`` people with the skill — or, for a
  rare skill, sorts its few holders;
* any other query reads at most ``CANDIDATES`` index matches per tier — people whose *name* matches
  first, then matches anywhere — and orders them: skill holders in escalation order, name matches,
  the rest, each by name. (bm25 over thousands of matches alone costs more than the budget.) A query
  that matches more people than that is narrowed by typing on;
* the FTS table has prefix indexes for one to three letters (the first keystrokes), and the statements
  run on a pooled DB-API connection in one read transaction: a Session and its result processing
  cost more than SQLite for these small queries. The hits, their agency and their skills come back
  in one statement;
* a word that is a whole word of a skill's name ("cisco") is asked of FTS5 as that word before it is
  asked as a prefix: FTS5 reads a term's doclist lazily but expands a prefix completely first.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from functools import lru_cache

from partnerdesk.db.uow import Database
from partnerdesk.domain.contact_search import is_phone_word
from partnerdesk.domain.directory import SearchHit, alternatives
from partnerdesk.domain.dto import PhoneDTO
from partnerdesk.domain.text import fold

CANDIDATES = 100
RARE_SKILL_LINKS = 3000
_WORD = re.compile(r"\w+")

_CANDIDATES_SQL = """
SELECT f.contact_id, c.escalation_order, c.name
FROM contact_fts f JOIN contact c ON c.id = f.contact_id
WHERE contact_fts MATCH :q AND c.deleted_at IS NULL
LIMIT :cap
"""
_SKILLS_SQL = "SELECT id, name FROM skill WHERE deleted_at IS NULL"
_HOLDER_LINKS_SQL = ("SELECT count(*) FROM (SELECT 1 FROM contact_skill WHERE skill_id IN "
                     "(SELECT value FROM json_each(:ids)) LIMIT :cap)")
_RARE_HOLDERS_SQL = (
    "SELECT DISTINCT c.id, c.escalation_order, c.name FROM contact_skill cs "
    "JOIN contact c ON c.id = cs.contact_id "
    "WHERE cs.skill_id IN (SELECT value FROM json_each(:ids)) AND cs.deleted_at IS NULL "
    "AND c.deleted_at IS NULL "
    "ORDER BY c.escalation_order IS NULL, c.escalation_order, c.name LIMIT :limit")
_HAS_SKILL = ("EXISTS (SELECT 1 FROM contact_skill cs WHERE cs.contact_id = c.id AND cs.deleted_at IS NULL "
              "AND cs.skill_id IN (SELECT value FROM json_each(:ids)))")
_WALK_ORDERED_SQL = (  # walks ix_contact_live_escalation; stops at ``limit``
    f"SELECT c.id FROM contact c WHERE c.escalation_order IS NOT NULL AND c.deleted_at IS NULL "
    f"AND {_HAS_SKILL} ORDER BY c.escalation_order, c.name LIMIT :limit")
_WALK_UNORDERED_SQL = (f"SELECT c.id FROM contact c WHERE c.escalation_order IS NULL AND c.deleted_at IS NULL "
                       f"AND {_HAS_SKILL} ORDER BY c.name LIMIT :limit")
_HOLDERS_AMONG_SQL = ("SELECT contact_id FROM contact_skill WHERE deleted_at IS NULL "
                      "AND contact_id IN (SELECT value FROM json_each(:ids)) "
                      "AND skill_id IN (SELECT value FROM json_each(:sids))")
_HITS_SQL = (
    "SELECT c.id, c.name, a.name, a.code, c.title, c.work_phone, c.mobile_phone, c.after_hours_phone, "
    "c.personal_phone, c.escalation_order, "
    "(SELECT group_concat(sk.name, char(31)) FROM contact_skill cs JOIN skill sk ON sk.id = cs.skill_id "
    " WHERE cs.contact_id = c.id AND cs.deleted_at IS NULL) "
    "FROM contact c JOIN agency a ON a.id = c.agency_id "
    "WHERE c.id IN (SELECT value FROM json_each(:ids))")


def directory_order(agency_name: str, skill_holder: bool, escalation: int | None, name: str) -> tuple:
    """How search results are listed, on the CLI and in the Directory alike: by agency, then who holds a
    skill asked for, then escalation order (none last), then name."""
    return (agency_name.casefold(), not skill_holder, escalation if escalation is not None else 99,
            name.casefold())


def parse(raw: str) -> tuple[list[str], list[str], list[str]]:
    """(FTS terms, text words, phone digit runs) of what the user typed."""
    terms: list[str] = []
    words: list[str] = []
    phones: list[str] = []
    for chunk in (raw or "").split():
        if is_phone_word(chunk):
            digits = re.sub(r"\D", "", chunk)
            terms.append(f'phones : "{digits}"*')
            phones.append(digits)
            continue
        for w in _WORD.findall(chunk):
            terms.append(f'"{w}"*')
            words.append(fold(w))
    return terms, words, phones


def build_query(raw: str) -> tuple[str | None, str | None]:
    """The FTS5 MATCH expression for what the user typed, and the skills-only expression (or None)."""
    terms, words, _phones = parse(raw)
    if not terms:
        return None, None
    skill_q = f"skills : ({' OR '.join(f'{chr(34)}{w}{chr(34)}*' for w in words)})" if words else None
    return " AND ".join(terms), skill_q


@lru_cache(maxsize=4096)
def _folded_words(text_: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text_)))  # (skill names: asked on every search)


def _prefix_of_a_word(word: str, text_: str) -> bool:
    return any(t.startswith(word) for t in _folded_words(text_))


class _Reader:
    """Statements in one read snapshot, rows as tuples; the live skills read once per search."""

    def __init__(self, conn):
        self.conn = conn
        self._skills: list[tuple[str, str]] | None = None

    def __call__(self, sql: str, params: dict) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    @property
    def skills(self) -> list[tuple[str, str]]:
        """(id, name) of every live skill."""
        if self._skills is None:
            self._skills = self(_SKILLS_SQL, {})
        return self._skills


class SearchService:
    def __init__(self, db: Database):
        self.db = db

    @contextmanager
    def _sql(self):
        """A read snapshot: runs statements on a pooled DB-API connection, rows as tuples."""
        with self.db.snapshot() as conn:
            yield _Reader(conn)

    # -- ranking ---------------------------------------------------------------------------------
    def ids(self, raw: str, limit: int = 50) -> list[tuple[str, bool]]:
        """(contact id, matched one of the person's skills) for the best ``limit`` matches, best first."""
        with self._sql() as sql:
            return self._found(sql, raw, limit)

    def _found(self, sql, raw: str, limit: int) -> list[tuple[str, bool]]:
        """The best ``limit`` matches of any alternative of ``raw``, best first."""
        queries = [p for p in (parse(q) for q in alternatives(raw)) if p[0]]
        if len(queries) == 1:
            return self._ids(sql, *queries[0], limit)
        found: dict[str, bool] = {}
        rank: dict[str, tuple] = {}
        for terms, words, phones in queries:
            for i, (cid, skill) in enumerate(self._ids(sql, terms, words, phones, limit)):
                found[cid] = found.get(cid, False) or skill
                rank[cid] = min(rank.get(cid, (True, i)), (not skill, i))
        return sorted(found.items(), key=lambda item: rank[item[0]])[:limit]

    @staticmethod
    def _skill_ids(sql, words: list[str]) -> list[str]:
        return [sid for sid, name in sql.skills if any(_prefix_of_a_word(w, name) for w in words)]

    def _ids(self, sql, terms: list[str], words: list[str], phones: list[str],
             limit: int) -> list[tuple[str, bool]]:
        if len(words) == 1 and not phones:
            skill_ids = self._skill_ids(sql, words)
            if skill_ids:
                first = self._by_escalation(sql, skill_ids, limit)
                out = [(cid, True) for cid in first]
                if len(out) < limit:
                    seen = set(first)
                    out += [(cid, False) for cid, _ in self._ranked(sql, terms, words, limit + len(seen), False, [])
                            if cid not in seen][:limit - len(out)]
                return out
        return self._ranked(sql, terms, words, limit, name_first=not phones)

    @staticmethod
    def _names_a_skill(sql, words: list[str]) -> bool:
        """Some word of the query begins a word of a skill's name (and could be nobody's name)."""
        names = [name for _sid, name in sql.skills]
        return any(len(w) >= 4 and any(_prefix_of_a_word(w, n) for n in names) for w in words)

    @staticmethod
    def _as_skill_words(sql, terms: list[str]) -> str:
        """The query with each word that is a whole word of a skill's name, and begins no longer word of
        one, as that word rather than a prefix: it finds every holder of those skills just the same."""
        skill_words = {w for _sid, name in sql.skills for w in _folded_words(name)}

        def whole(term: str) -> bool:
            w = fold(term[1:-2]) if term.endswith('"*') and term.startswith('"') else None
            return w in skill_words and not any(sw != w and sw.startswith(w) for sw in skill_words)

        return " AND ".join(t[:-1] if whole(t) else t for t in terms)

    @staticmethod
    def _by_escalation(sql, skill_ids: list[str], limit: int) -> list[str]:
        ids = json.dumps(skill_ids)
        links = sql(_HOLDER_LINKS_SQL, {"ids": ids, "cap": RARE_SKILL_LINKS + 1})[0][0]
        if links <= RARE_SKILL_LINKS:  # few holders: sort them all
            return [r[0] for r in sql(_RARE_HOLDERS_SQL, {"ids": ids, "limit": limit})]
        out = [r[0] for r in sql(_WALK_ORDERED_SQL, {"ids": ids, "limit": limit})]
        if len(out) < limit:
            out += [r[0] for r in sql(_WALK_UNORDERED_SQL, {"ids": ids, "limit": limit - len(out)})]
        return out

    def _ranked(self, sql, terms: list[str], words: list[str], limit: int, name_first: bool,
                skill_ids: list[str] | None = None) -> list[tuple[str, bool]]:
        """People whose name matches first, then everyone else matching; within each, skill holders in
        escalation order, then by name. Reads at most ``CANDIDATES`` index matches per tier."""
        cap = max(CANDIDATES, limit)
        q = " AND ".join(terms)
        rows: list = []
        if skill_ids is None and words:
            skill_ids = self._skill_ids(sql, words)
        # The name tier needs every word in the name. A word that begins a skill ("cisco" in "Burien cisco")
        # is not in names, and FTS5 would expand that prefix over a quarter of the region twice for nothing:
        # such a query ranks skill holders first anyway.
        if name_first and words and not (skill_ids and self._names_a_skill(sql, words)):
            rows = [(r, True) for r in sql(_CANDIDATES_SQL, {"q": f"name : ({q})", "cap": cap})]
        if len(rows) < limit:
            seen = {r[0] for r, _ in rows}
            # A word that is a whole skill word ("cisco") is asked for as that word first: FTS5 follows one
            # term's doclist lazily, but expands a prefix into all of its matches before the first row.
            exact = self._as_skill_words(sql, terms) if skill_ids else q
            for match in dict.fromkeys((exact, q)):
                found = sql(_CANDIDATES_SQL, {"q": match, "cap": cap})
                rows += [(r, False) for r in found if r[0] not in seen]
                seen.update(r[0] for r in found)
                if len(found) >= cap:
                    break
        if not rows:
            return []
        holders: set[str] = set()
        if skill_ids:
            holders = {r[0] for r in sql(_HOLDERS_AMONG_SQL, {"ids": json.dumps([r[0] for r, _ in rows]),
                                                              "sids": json.dumps(skill_ids)})}
        scored = []
        for (cid, esc, name), by_name in rows:
            skill = cid in holders
            scored.append(((not skill, (esc if esc is not None else 99) if skill else 0, not by_name, name), cid, skill))
        scored.sort(key=lambda x: x[0])
        return [(cid, skill) for _k, cid, skill in scored[:limit]]

    # -- results ---------------------------------------------------------------------------------
    def search(self, raw: str, limit: int = 50, include_personal: bool = False) -> list[SearchHit]:
        with self._sql() as sql:
            found = self._found(sql, raw, limit)
            if not found:
                return []
            rows = {r[0]: r for r in sql(_HITS_SQL, {"ids": json.dumps([cid for cid, _ in found])})}
        found = sorted(((cid, skill) for cid, skill in found if cid in rows),
                       key=lambda f: directory_order(rows[f[0]][2], f[1], rows[f[0]][9], rows[f[0]][1]))
        out = []
        for rank, (cid, skill) in enumerate(found):
            r = rows[cid]
            _id, name, agency, code, title, work, mobile, after, personal, esc, skills = r
            phones_ = [PhoneDTO(k, n) for k, n in (("work", work), ("mobile", mobile), ("after_hours", after),
                                                   ("personal", personal if include_personal else None)) if n]
            out.append(SearchHit(contact_id=cid, name=name, agency=agency, agency_code=code, title=title,
                                 skills=tuple(sorted(skills.split("\x1f") if skills else (), key=str.casefold)),
                                 phones=tuple(phones_), escalation_order=esc, matched_skill=skill,
                                 rank=float(rank)))
        return out
