"""Issue 15, point 1: an issued or voided statement never changes — its number, dates, parties, lines, totals
and PDF — whatever path writes: services, the ORM, the bulk writers, ``import json`` (with or without
``--merge``). Corrections are a void and a replacement, or a credit note. The rule is domain/freeze.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerdesk.cli import main
from partnerdesk.db.models import Statement, StatementDocument, StatementLine, TimeEntry
from partnerdesk.domain.freeze import (STATEMENT_OPEN_FIELDS, is_frozen, refused_change, refused_fields,
                                       refused_new_row)
from partnerdesk.errors import FrozenError
from partnerdesk.services.bulk_capture import insert_captured, update_captured
from tests.conftest import TODAY

Q = "2026Q2"


def frozen_state(ctx, number: str) -> tuple:
    """Everything about a statement that must never change once issued (the row without its open fields,
    its lines, its PDF)."""
    with ctx.db.read() as s:
        st = s.scalar(select(Statement).where(Statement.number == number))
        row = {c.name: getattr(st, c.key) for c in Statement.__table__.columns
               if c.name not in STATEMENT_OPEN_FIELDS}
        lines = [tuple(getattr(ln, c.key) for c in StatementLine.__table__.columns if c.name != "updated_at")
                 for ln in s.scalars(select(StatementLine).where(StatementLine.statement_id == st.id)
                                     .order_by(StatementLine.id))]
        doc = s.scalar(select(StatementDocument).where(StatementDocument.statement_id == st.id))
        return row, lines, (doc.id, doc.pdf, doc.sha256, doc.deleted_at)


def test_the_rule():
    assert not is_frozen("draft") and all(is_frozen(x) for x in ("issued", "partially_paid", "paid", "void"))
    # a draft changes freely
    assert not refused_change("statement", "total_cents", 1, 2, "draft")
    assert not refused_new_row("statement_line", "draft")
    # an issued statement: payment status and one void; nothing else
    assert not refused_change("statement", "status", "issued", "partially_paid", "issued")
    assert not refused_change("statement", "status", "partially_paid", "void", "partially_paid")
    assert refused_change("statement", "status", "issued", "draft", "issued")
    assert refused_change("statement", "status", "void", "issued", "void")
    assert not refused_change("statement", "void_reason", None, "wrong rate", "issued")
    assert refused_change("statement", "void_reason", "wrong rate", "other", "void")
    for field in ("number", "total_cents", "issue_date", "bill_to_agency_id", "pdf_sha256", "deleted_at", "notes"):
        assert refused_change("statement", field, "a", "b", "issued"), field
    assert not refused_change("statement", "updated_at", 1, 2, "paid")
    # its lines and document: nothing, and nothing new
    assert refused_change("statement_line", "amount_cents", 100, 200, "void")
    assert refused_new_row("statement_document", "paid")
    assert refused_fields("statement_line", {"amount_cents": 1, "updated_at": 1},
                          {"amount_cents": 2, "updated_at": 2}, "issued") == ["amount_cents"]
    assert not refused_change("time_entry", "minutes", 1, 2, "issued")  # entries have rules of their own


def test_every_service_path_leaves_an_issued_statement_as_it_was(demo_ctx, tmp_path):
    st, pay, hours = demo_ctx.services.statements, demo_ctx.services.payments, demo_ctx.services.hours
    number = st.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    before = frozen_state(demo_ctx, number)
    billed = [e for e in hours.list(partner="EDM") if e.statement_number == number]
    attempts = [
        lambda: st.draft(Q, all_partners=True, today=TODAY),
        lambda: st.draft(Q, partner="EDM", today=TODAY),
        lambda: st.issue(Q, all_partners=True, today=TODAY),
        lambda: st.issue(Q, partner="EDM", today=TODAY),
        lambda: st.issue_statement(number, today=TODAY),
        lambda: hours.update(billed[0].id, minutes=600),
        lambda: hours.delete(billed[0].id, "typo"),
        lambda: hours.acknowledge([billed[0].id], "AP"),
        lambda: hours.dispute([billed[0].id], "too many hours"),
        lambda: [demo_ctx.services.agreements.update_rate(r.id, hourly_rate_cents=99_900)
                 for r in demo_ctx.services.agreements.rates("ILA-2024-001")],
        lambda: pay.record(number, "100.00", TODAY, "check"),
        lambda: st.credit_note(number, "goodwill", 500, today=TODAY),
        lambda: st.write_pdf(number, tmp_path / "copy.pdf"),
        lambda: st.void(number, "wrong rate in May"),  # refused: it has a payment and a credit
    ]
    for attempt in attempts:
        try:
            attempt()
        except FrozenError:
            pass
        except Exception as exc:  # a guard that says "no" in its own words is fine too
            assert "frozen" in str(exc) or "nothing to bill" in str(exc) or "issued" in str(exc), exc
        assert frozen_state(demo_ctx, number) == before
    assert st.get(number).status == "partially_paid" and st.verify(number).ok
    # a void statement stays as it was too, after its replacement
    other = next(d.number for d in st.list(partner="MLT") if d.status == "issued")  # issued by "issue --all"
    st.void(other, "wrong rate in May")
    before = frozen_state(demo_ctx, other)
    replacement = st.issue(Q, partner="MLT", today=TODAY)[0].statement
    assert replacement.supersedes == other and frozen_state(demo_ctx, other) == before


@pytest.mark.parametrize("change", ["line amount", "line added", "total", "number", "issue date", "bill to",
                                    "document", "deleted", "back to draft", "void reason"])
def test_a_direct_write_to_an_issued_statement_is_refused(demo_ctx, change):
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    if change == "void reason":
        st.void(number, "wrong rate")
    before = frozen_state(demo_ctx, number)
    with pytest.raises(FrozenError, match=number):
        with demo_ctx.db.write() as s:
            row = s.scalar(select(Statement).where(Statement.number == number))
            line = s.scalar(select(StatementLine).where(StatementLine.statement_id == row.id).limit(1))
            if change == "line amount":
                line.amount_cents += 10_000
            elif change == "line added":
                s.add(StatementLine(statement_id=row.id, position=99, kind="adjustment", amount_cents=10_000))
            elif change == "total":
                row.total_cents += 10_000
                row.amount_due_cents += 10_000
            elif change == "number":
                row.number = "LYN-2026-0099"
            elif change == "issue date":
                row.issue_date -= timedelta(days=30)
            elif change == "bill to":
                row.bill_to_agency_id = row.issuer_agency_id
            elif change == "document":
                s.scalar(select(StatementDocument).where(StatementDocument.statement_id == row.id)).pdf = b"%PDF-"
            elif change == "deleted":
                row.deleted_at = demo_ctx.db.clock.utcnow()
            elif change == "back to draft":
                row.status = "draft"
            elif change == "void reason":
                row.void_reason = "a better story"
            s.flush()
    assert frozen_state(demo_ctx, number) == before


def test_the_bulk_writers_refuse_too(demo_ctx):
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    before = frozen_state(demo_ctx, number)
    with pytest.raises(FrozenError, match=f"{number} is issued"):
        with demo_ctx.db.write() as s:
            line = s.scalar(select(StatementLine).join(Statement, Statement.id == StatementLine.statement_id)
                            .where(Statement.number == number).limit(1))
            update_captured(s, demo_ctx.db, "statement_line", [(line.id, {"amount_cents": (line.amount_cents, 1)})])
    with pytest.raises(FrozenError, match=number):
        with demo_ctx.db.write() as s:
            sid = s.scalar(select(Statement.id).where(Statement.number == number))
            now = demo_ctx.db.clock.utcnow()
            insert_captured(s, demo_ctx.db, "statement_line", [dict(
                id="0190a0a0-0000-7000-8000-000000000001", created_at=now, updated_at=now, deleted_at=None,
                statement_id=sid, position=99, kind="adjustment", side="provided", amount_cents=10_000)])
    assert frozen_state(demo_ctx, number) == before


def _export(ctx, path):
    ctx.services.interchange.export_json(path)
    return json.loads(path.read_text())


def _later(stamp: str) -> str:
    return stamp[:2] + str(int(stamp[2:4]) + 1) + stamp[4:]  # a year later, same format


@pytest.mark.parametrize("what", ["statement and line", "line only", "new line", "document"])
def test_import_json_merge_refuses_to_change_an_issued_statement(demo_ctx, tmp_path, capsys, what):
    """The issue's finding: raising an issued statement's first line and totals by $100.00 with a later
    updated_at was imported ("Imported 2 rows") and the statement showed the new amount."""
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    before = frozen_state(demo_ctx, number)
    data = _export(demo_ctx, tmp_path / "a.json")
    row = next(r for r in data["tables"]["statement"] if r["number"] == number)
    lines = sorted((r for r in data["tables"]["statement_line"] if r["statement_id"] == row["id"]),
                   key=lambda r: r["position"])
    if what == "statement and line":
        for r in (row, lines[0]):
            r["updated_at"] = _later(r["updated_at"])
        lines[0]["amount_cents"] += 10_000
        row["total_cents"] += 10_000
        row["gross_cents"] += 10_000
        row["amount_due_cents"] += 10_000
    elif what == "line only":
        lines[0]["updated_at"] = _later(lines[0]["updated_at"])
        lines[0]["description"] = "Something else entirely"
    elif what == "new line":
        data["tables"]["statement_line"].append(dict(lines[0], id="0190a0a0-0000-7000-8000-0000000000aa",
                                                     position=999))
    else:
        doc = next(r for r in data["tables"]["statement_document"] if r["statement_id"] == row["id"])
        doc["updated_at"] = _later(doc["updated_at"])
        doc["pdf"] = {"$b64": "JVBERi0xLjQK"}
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    code = main(["import", "json", str(path), "--merge"])
    err = capsys.readouterr().err
    assert code == 2 and number in err and "frozen" in err and err.count("\n") == 1, err
    assert frozen_state(demo_ctx, number) == before
    assert st.verify(number).ok


def test_import_json_merge_still_brings_payments_and_new_statements(demo_ctx, tmp_path, monkeypatch):
    """What the freeze allows comes through a merge: a payment moving an issued statement to paid, and a
    statement issued elsewhere together with its lines and PDF."""
    st = demo_ctx.services.statements
    number = st.issue(Q, partner="WDY", today=TODAY)[0].statement.number
    data = _export(demo_ctx, tmp_path / "a.json")
    monkeypatch.setenv("PARTNERDESK_HOME", str(tmp_path / "other"))
    from partnerdesk.app import open_context

    other = open_context()
    try:
        other.services.interchange.import_json(tmp_path / "a.json")
        due = other.services.statements.get(number).amount_due_cents
        other.services.payments.record(number, due, TODAY, "eft")
        other.services.interchange.export_json(tmp_path / "b.json")
    finally:
        other.close()
    demo_ctx.services.interchange.import_json(tmp_path / "b.json", merge=True)
    assert st.get(number).status == "paid" and st.verify(number).ok
    assert data  # (the first export is what the other installation started from)


def test_entries_on_an_issued_statement_stay_billed(demo_ctx):
    number = demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)[0].statement.number
    with demo_ctx.db.read() as s:
        n = s.scalar(select(TimeEntry.id).join(StatementLine, StatementLine.id == TimeEntry.statement_line_id)
                     .join(Statement, Statement.id == StatementLine.statement_id).where(Statement.number == number)
                     .limit(1))
    with pytest.raises(FrozenError):
        demo_ctx.services.hours.update(n, description="after the fact")
