"""Issue 15, point 2: tamper evidence. At issue a statement is sealed — a SHA-256 over its canonical content
(number, dates, parties, every line, totals, the PDF's hash) chained to its issuer's previous seal — and
``statements verify NUMBER`` / ``--all`` check content, PDF and chain, exiting 3 and naming what differs."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import select

from partnerdesk.cli import main
from partnerdesk.db.models import Statement
from partnerdesk.domain import sealing
from partnerdesk.errors import UserError
from tests.conftest import TODAY

Q = "2026Q2"


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def issue_all(ctx):
    return [r.statement.number for r in ctx.services.statements.issue(Q, all_partners=True, today=TODAY)
            if r.issued]


def sql(ctx, statement: str, params=()):
    """An edit made straight in the SQLite file, outside partnerdesk (as an auditor fears)."""
    con = sqlite3.connect(ctx.db.path)
    try:
        con.execute(statement, params)
        con.commit()
    finally:
        con.close()


def test_issued_statements_are_sealed_in_one_chain(demo_ctx):
    numbers = issue_all(demo_ctx)
    cn = demo_ctx.services.statements.credit_note(numbers[0], "goodwill", 1_000, today=TODAY).number
    with demo_ctx.db.read() as s:
        rows = s.scalars(select(Statement).where(Statement.number.is_not(None)).order_by(Statement.chain_seq)).all()
    assert [r.number for r in rows] == numbers + [cn]
    assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
    previous = None
    for r in rows:
        rec = json.loads(r.content_record)
        assert r.content_sha256 == sealing.seal(r.content_record) and r.chain_prev_sha256 == previous
        assert rec["previous"] == previous and rec["statement"]["number"] == r.number
        assert rec["statement"]["pdf_sha256"] == r.pdf_sha256 and rec["lines"]
        previous = r.content_sha256
    assert all(v.ok for v in demo_ctx.services.statements.verify_all())


def test_a_line_amount_edited_in_sqlite_is_named(demo_ctx, capsys):
    """The issue's finding: verify hashed only the PDF, so a line edited afterwards still said "intact"."""
    numbers = issue_all(demo_ctx)
    number = numbers[1]
    assert cli(capsys, "statements", "verify", number)[0] == 0
    with demo_ctx.db.read() as s:
        sid = s.scalar(select(Statement.id).where(Statement.number == number))
    sql(demo_ctx, "UPDATE statement_line SET amount_cents = amount_cents + 10000 WHERE statement_id = ? AND "
                  "position = 2", (sid,))
    code, out, err = cli(capsys, "statements", "verify", number)
    assert code == 3 and out == ""
    assert f"{number}: ALTERED" in err and "line 2 amount_cents:" in err and "recorded" in err, err
    code, out, err = cli(capsys, "statements", "verify", "--all")
    assert code == 3 and err.count("ALTERED") == 1 and number in err and "1 problem found" in err
    assert all(n not in err for n in numbers if n != number)


@pytest.mark.parametrize("change,expect", [
    ("UPDATE statement SET total_cents = total_cents + 10000, amount_due_cents = amount_due_cents + 10000 "
     "WHERE number = :n", "total_cents:"),
    ("UPDATE statement SET issue_date = '2026-01-02' WHERE number = :n", "issue_date: '2026-11-26' recorded"),
    ("UPDATE statement_line SET description = 'x' WHERE statement_id = (SELECT id FROM statement WHERE number = :n)"
     " AND position = 1", "line 1 description"),
    ("UPDATE statement_line SET deleted_at = '2026-11-26T00:00:00Z' WHERE statement_id = "
     "(SELECT id FROM statement WHERE number = :n) AND position = 1", "line 1 is missing"),
    ("UPDATE statement_document SET pdf = CAST('%PDF-1.4 forged' AS BLOB) WHERE statement_id = "
     "(SELECT id FROM statement WHERE number = :n)", "stored PDF does NOT match"),
    ("UPDATE statement SET content_record = replace(content_record, '\"v\":1', '\"v\":1 ') WHERE number = :n",
     "record itself was altered"),
])
def test_every_kind_of_edit_is_detected(demo_ctx, change, expect):
    number = issue_all(demo_ctx)[2]
    sql(demo_ctx, change, {"n": number})
    r = demo_ctx.services.statements.verify(number)
    assert not r.ok and expect in r.message, r.message


def test_the_chain_catches_a_reseal_and_a_removed_statement(demo_ctx, capsys):
    numbers = issue_all(demo_ctx)
    # a careful forger edits a line, rebuilds the record and its seal: the next statement's link breaks
    target = numbers[1]
    with demo_ctx.db.read() as s:
        st = s.scalar(select(Statement).where(Statement.number == target))
        sid, rec = st.id, json.loads(st.content_record)
    rec["lines"][0]["amount_cents"] += 10_000
    text = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    sql(demo_ctx, "UPDATE statement_line SET amount_cents = amount_cents + 10000 WHERE id = ?", (rec["lines"][0]["id"],))
    sql(demo_ctx, "UPDATE statement SET content_record = ?, content_sha256 = ? WHERE id = ?",
        (text, sealing.seal(text), sid))
    assert demo_ctx.services.statements.verify(target).ok  # on its own it looks sealed...
    code, _out, err = cli(capsys, "statements", "verify", "--all")
    assert code == 3 and f"{numbers[2]}: ALTERED" in err and f"the seal of {target}" in err  # ...the chain says no
    # a statement removed outright: its number is missing and the next link is broken
    last = numbers[-1]
    with demo_ctx.db.read() as s:
        sid = s.scalar(select(Statement.id).where(Statement.number == last))
    for stmt in ("UPDATE time_entry SET statement_line_id = NULL WHERE statement_line_id IN "
                 "(SELECT id FROM statement_line WHERE statement_id = :i)",
                 "DELETE FROM statement_line WHERE statement_id = :i",
                 "DELETE FROM statement_document WHERE statement_id = :i", "DELETE FROM statement WHERE id = :i"):
        sql(demo_ctx, stmt, {"i": sid})
    code, _out, err = cli(capsys, "statements", "verify", "--all")
    assert code == 3 and f"{last}: MISSING" in err


def test_verify_usage_mistakes_exit_2(demo_ctx, capsys):
    issue_all(demo_ctx)
    for argv in (["statements", "verify"], ["statements", "verify", "LYN-2026-0001", "--all"],
                 ["statements", "verify", "--all", "--file", "x.pdf"], ["statements", "verify", "LYN-2099-0001"]):
        code, _out, err = cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1, (argv, err)


def test_an_older_database_is_sealed_once_by_the_migration(demo_ctx, home):
    """Decision: statements issued before seals existed are sealed by migration 0008 from their content at
    the upgrade, in issue order per issuer. verify vouches for them from then on; their PDF hash vouches for
    the document since its issue."""
    from partnerdesk.app import open_context

    numbers = issue_all(demo_ctx)
    demo_ctx.close()
    # back to the schema of 0007, statements and all, through every later migration's own downgrade (a
    # hand-written list of drops goes stale with each new migration)
    from tests.schema_moves import move_schema

    move_schema(home / "partnerdesk.sqlite3", "0007_agency_setup", down=True)
    con = sqlite3.connect(home / "partnerdesk.sqlite3")
    assert not {c for (_i, c, *_r) in con.execute("PRAGMA table_info(statement)")} & set(sealing.SEAL_COLUMNS)
    con.close()
    ctx = open_context()
    try:
        with ctx.db.read() as s:
            rows = s.scalars(select(Statement).where(Statement.number.is_not(None))
                             .order_by(Statement.chain_seq)).all()
            assert [r.number for r in rows] == numbers and all(r.content_sha256 for r in rows)
        assert all(v.ok for v in ctx.services.statements.verify_all())
        nxt = ctx.services.statements.credit_note(numbers[0], "after the upgrade", 100, today=TODAY)
        with ctx.db.read() as s:
            assert s.scalar(select(Statement.chain_seq).where(Statement.id == nxt.id)) == len(numbers) + 1
    finally:
        ctx.close()


def test_import_json_refuses_a_file_whose_statement_was_edited(demo_ctx, tmp_path, monkeypatch, capsys):
    """Without --merge (into an empty database) nothing can be "changed", but the file itself can have been
    edited: its issued statements must match their seals."""
    from partnerdesk.app import open_context

    number = issue_all(demo_ctx)[0]
    demo_ctx.services.interchange.export_json(tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text())
    row = next(r for r in data["tables"]["statement"] if r["number"] == number)
    line = next(r for r in data["tables"]["statement_line"] if r["statement_id"] == row["id"] and r["deleted_at"] is None)
    line["amount_cents"] += 10_000
    (tmp_path / "edited.json").write_text(json.dumps(data))
    # an export made before seals existed: sealed on the way in
    for r in data["tables"]["statement"]:
        for col in sealing.SEAL_COLUMNS:
            r.pop(col, None)
    line["amount_cents"] -= 10_000
    (tmp_path / "old.json").write_text(json.dumps(data))
    monkeypatch.setenv("PARTNERDESK_HOME", str(tmp_path / "other"))
    code, _out, err = cli(capsys, "import", "json", str(tmp_path / "edited.json"))
    assert code == 2 and number in err and "line" in err and "amount_cents" in err and err.count("\n") == 1, err
    other = open_context()
    try:
        with other.db.read() as s:
            assert s.scalars(select(Statement.id)).all() == []  # nothing was imported
        with pytest.raises(UserError, match=number):
            other.services.interchange.import_json(tmp_path / "edited.json")
        other.services.interchange.import_json(tmp_path / "old.json")
        assert all(v.ok for v in other.services.statements.verify_all())
    finally:
        other.close()
