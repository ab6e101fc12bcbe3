"""Reading a statement's sealed content and sealing statements (the rule: ``domain/sealing.py``).

Plain SQL on the unit of work's connection, reading the columns as stored (dates as their ISO text), so the
record rebuilt by ``statements verify`` is byte for byte the one written at issue — and so migration 0008 can
seal the statements an older database already holds with the very same code.
"""

from __future__ import annotations

from typing import Any

from partnerdesk.domain.sealing import LINE_FIELDS, STATEMENT_FIELDS, record, seal


def _one(conn, sql: str, params: tuple) -> dict[str, Any] | None:
    row = conn.exec_driver_sql(sql, params).mappings().first()
    return dict(row) if row is not None else None


def content(conn, statement_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A statement's sealed fields and its live lines, as stored now."""
    st = _one(conn, f"SELECT {', '.join(STATEMENT_FIELDS)} FROM statement WHERE id = ?", (statement_id,))
    if st is None:
        raise LookupError(statement_id)
    lines = [dict(r) for r in conn.exec_driver_sql(
        f"SELECT {', '.join(LINE_FIELDS)} FROM statement_line WHERE statement_id = ? AND deleted_at IS NULL",
        (statement_id,)).mappings()]
    return st, lines


def rebuild(conn, statement_id: str, seq: int, previous: str | None) -> str:
    """The record of a statement as its rows are now, at the given place in its issuer's chain."""
    st, lines = content(conn, statement_id)
    return record(st, lines, seq, previous)


def next_link(conn, issuer_agency_id: str) -> tuple[int, str | None]:
    """(seq, previous seal) for the next statement the issuer seals."""
    last = _one(conn, "SELECT chain_seq, content_sha256 FROM statement WHERE issuer_agency_id = ? AND chain_seq "
                      "IS NOT NULL ORDER BY chain_seq DESC LIMIT 1", (issuer_agency_id,))
    return (1, None) if last is None else (last["chain_seq"] + 1, last["content_sha256"])


def seal_values(conn, statement_id: str) -> dict[str, Any]:
    """The seal columns for a statement being issued now (its lines, totals and PDF hash written and
    flushed): the next link of its issuer's chain."""
    issuer = _one(conn, "SELECT issuer_agency_id FROM statement WHERE id = ?", (statement_id,))["issuer_agency_id"]
    seq, previous = next_link(conn, issuer)
    text = rebuild(conn, statement_id, seq, previous)
    return {"chain_seq": seq, "chain_prev_sha256": previous, "content_record": text, "content_sha256": seal(text)}


def seal_unsealed(conn) -> list[str]:
    """Seal the numbered statements that have no seal yet (issued by a version before seals, or brought by
    an old export), in issue order per issuer, after any already sealed. Returns their ids."""
    ids = [r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM statement WHERE number IS NOT NULL AND status != 'draft' AND content_sha256 IS NULL "
        "ORDER BY issuer_agency_id, issue_date, created_at, number").all()]
    for sid in ids:
        v = seal_values(conn, sid)
        conn.exec_driver_sql("UPDATE statement SET chain_seq = ?, chain_prev_sha256 = ?, content_record = ?, "
                             "content_sha256 = ? WHERE id = ?",
                             (v["chain_seq"], v["chain_prev_sha256"], v["content_record"], v["content_sha256"], sid))
    return ids
