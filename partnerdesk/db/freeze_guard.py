"""The freeze of issued statements, enforced on every write unit of work (rule: ``domain/freeze.py``).

Installed on the write sessionmaker next to change capture. Before each flush, every new or changed
statement, statement line and statement document is checked against the statement's status as committed
before this transaction; a refused change raises ``FrozenError`` and the whole unit of work rolls back.
The transaction that issues (or creates an already issued credit note) may still complete the statement it
freezes: its number, hashes, lines and PDF are written in that same transaction. Core writers that bypass
the ORM (``services/bulk_capture.py``, ``import json``) call ``check_rows`` with the same rule.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from partnerdesk.db.models import Base, Statement, StatementDocument, StatementLine
from partnerdesk.db.types import uuid7
from partnerdesk.domain.freeze import is_frozen, refusal_message, refused_fields
from partnerdesk.errors import FrozenError

_ISSUING = "_freezing_statements"  # session.info: ids of statements frozen by this transaction itself


def install(session_factory) -> None:
    event.listen(session_factory, "before_flush", _before_flush)


def freezing(session: Session) -> set[str]:
    """Ids of the statements this transaction issues: it may complete them (number, lines, PDF, hashes)."""
    return session.info.setdefault(_ISSUING, set())


def _statuses(session: Session, ids: Iterable[str]) -> dict[str, tuple[str | None, str]]:
    """{statement id: (number, status)} as stored now (in this transaction), for ids not in the session."""
    ids = sorted({i for i in ids if i})
    out: dict[str, tuple[str | None, str]] = {}
    for k in range(0, len(ids), 500):
        for sid, number, status in session.connection().execute(
                select(Statement.id, Statement.number, Statement.status).where(Statement.id.in_(ids[k:k + 500]))):
            out[sid] = (number, status)
    return out


def _changes(state) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old values, new values) of the attributes changed since the object was loaded or last flushed."""
    before, after = {}, {}
    for key in state.committed_state:
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        before[key] = hist.deleted[0] if hist.deleted else None
        after[key] = hist.added[0] if hist.added else None
    return before, after


def _committed(state, key: str, current: Any) -> Any:
    """An attribute's value as loaded (before changes not yet flushed), else its current value."""
    if key in state.committed_state:
        hist = state.attrs[key].history
        if hist.deleted:
            return hist.deleted[0]
    return current


def _statement_ids(obj, state) -> set[str]:
    """The statement a line or document belongs to, and the one it belonged to before a change."""
    return {obj.statement_id, _committed(state, "statement_id", None)} - {None}


def _before_flush(session: Session, _ctx, _instances) -> None:
    issuing = freezing(session)
    children = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Statement):
            _check_statement(session, obj, issuing)
        elif isinstance(obj, (StatementLine, StatementDocument)):
            children.append(obj)
    if not children:
        return
    ids = set()
    for obj in children:
        state = inspect(obj)
        ids |= _statement_ids(obj, state)
    known = {sid: obj for obj in session.identity_map.values() if isinstance(obj, Statement)
             for sid in (obj.id,) if sid in ids}
    stored = _statuses(session, ids - set(known))
    for obj in children:
        state = inspect(obj)
        table = obj.__table__.name
        for sid in _statement_ids(obj, state):
            if sid in issuing:
                continue
            if sid in known:
                st = known[sid]
                number, status = st.number, _committed(inspect(st), "status", st.status)
            else:
                number, status = stored.get(sid, (None, None))
            if not is_frozen(status):
                continue
            if obj in session.new:
                refused = refused_fields(table, None, {"statement_id": sid}, status)
            else:
                refused = refused_fields(table, *_changes(state), status)
            if refused:
                raise FrozenError(refusal_message(number, status, table, refused))


def _check_statement(session: Session, st: Statement, issuing: set[str]) -> None:
    state = inspect(st)
    if st in session.new:
        if is_frozen(st.status):  # a credit note is created issued: this transaction completes it
            if st.id is None:
                st.id = uuid7()
            issuing.add(st.id)
        return
    if st.id in issuing:
        return
    was = _committed(state, "status", st.status)
    if not is_frozen(was):
        if is_frozen(st.status):  # issued now: the rest of this transaction completes it
            issuing.add(st.id)
        return
    refused = refused_fields("statement", *_changes(state), was)
    if refused:
        raise FrozenError(refusal_message(_committed(state, "number", st.number), was, "statement", refused))


def check_rows(session: Session, table: str,
               rows: Iterable[tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]],
               where: str | None = None) -> None:
    """The freeze for writes that bypass the ORM: ``rows`` are (row id, before, after) of one table's rows,
    ``before`` the stored values of the fields written (None for a new row), ``after`` the values to write.
    A child row's statement is its ``statement_id`` (new or stored). Raises FrozenError naming the statement."""
    if table not in ("statement", "statement_line", "statement_document"):
        return
    rows = list(rows)
    if not rows:
        return
    issuing = freezing(session)
    if table == "statement":
        sids = [rid for rid, _b, _a in rows]
    else:
        child = Base.metadata.tables[table]
        missing = [rid for rid, b, a in rows if not (a.get("statement_id") or (b or {}).get("statement_id"))]
        parent_of: dict[str, str] = {}
        for k in range(0, len(missing), 500):
            parent_of.update(session.connection().execute(
                select(child.c.id, child.c.statement_id).where(child.c.id.in_(missing[k:k + 500]))).all())
        sids = [a.get("statement_id") or (b or {}).get("statement_id") or parent_of.get(rid) for rid, b, a in rows]
    stored = _statuses(session, [i for i in sids if i not in issuing])
    for (_rid, before, after), sid in zip(rows, sids):
        if sid in issuing or sid not in stored:
            continue
        number, status = stored[sid]
        refused = refused_fields(table, before, after, status)
        if table != "statement" and before is not None and before.get("statement_id") not in (None, sid):
            old = stored.get(before["statement_id"]) or _statuses(session, [before["statement_id"]]).get(
                before["statement_id"], (None, None))
            refused = refused or refused_fields(table, before, after, old[1])
        if refused:
            raise FrozenError(refusal_message(number, status, table, refused, where))
