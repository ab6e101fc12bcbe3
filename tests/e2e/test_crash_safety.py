"""Crash safety: SIGKILL a writer in the middle of its writes, over and over; the database stays whole.

A writer child logs hours, creates agreements, imports JSON and saves multi-line statements through the
services and units of work; it is killed at a random mid-transaction point (on a pipe signal from inside
the transaction, never after a sleep). Afterwards: integrity_check is ok; every entry, agreement, statement
and import is complete with its audit and sync rows; and every write the child reported as committed is
there (synchronous=FULL makes a commit durable).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROUNDS = 110
HELPER = Path(__file__).with_name("crash_writer.py")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill loop forks writers (POSIX)")


@pytest.mark.slow
def test_sigkill_mid_write_never_leaves_half_saved_data(tmp_path, _demo_template):
    db = tmp_path / "crash.sqlite3"
    shutil.copy(_demo_template, db)
    rnd = random.Random(7)
    committed: list[tuple[str, str, str]] = []
    kinds = Counter()
    zygote = subprocess.Popen([sys.executable, str(HELPER), str(db), str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for round_ in range(ROUNDS):
            zygote.stdin.write(f"run {round_}\n")
            zygote.stdin.flush()
            head = zygote.stdout.readline().split()
            assert head[0] == "pid", head
            pid = int(head[1])
            kill_at = rnd.randint(1, 12)  # the n-th flush inside a write transaction
            marks = 0
            killed = False
            while True:
                line = zygote.stdout.readline()
                assert line, "the writer zygote died"
                parts = line.split()
                if parts[0] == "m":
                    marks += 1
                    if marks == kill_at and not killed:
                        os.kill(pid, signal.SIGKILL)
                        killed = True
                elif parts[0] == "c":
                    committed.append((parts[1], parts[2], parts[3]))
                    kinds[parts[1]] += 1
                elif parts[0] == "exit":
                    status = int(parts[1])
                    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
                    break
    finally:
        zygote.stdin.write("quit\n")
        zygote.stdin.close()
        zygote.wait(timeout=30)
        zygote.stdout.close()
    assert all(kinds[k] > 5 for k in ("hours", "agreement", "import", "statement")), kinds
    _check(db, committed)


def _check(db: Path, committed) -> None:
    conn = sqlite3.connect(db)
    try:
        q = lambda sql, *a: conn.execute(sql, a).fetchall()  # noqa: E731
        assert q("PRAGMA integrity_check") == [("ok",)]
        assert q("PRAGMA foreign_key_check") == []

        # Every acknowledged commit survived the kill.
        for kind, tag, ident in committed:
            if kind == "hours":
                assert q("SELECT 1 FROM time_entry WHERE id = ?", ident), (kind, tag)
            elif kind == "agreement":
                assert q("SELECT 1 FROM agreement WHERE id = ?", ident), (kind, tag)
            elif kind == "statement":
                assert q("SELECT 1 FROM statement WHERE id = ?", ident), (kind, tag)
            else:
                assert q("SELECT 1 FROM contact WHERE notes LIKE ?", f"batch {tag} of %"), (kind, tag)

        # Time entries: complete, each with its create audit event and its sync ops.
        entries = q("SELECT id, minutes, provider_agency_id, recipient_agency_id, work_date FROM time_entry "
                    "WHERE description LIKE 'crash %'")
        assert len(entries) >= sum(1 for c in committed if c[0] == "hours")
        for eid, minutes, prov, rec, work_date in entries:
            assert minutes > 0 and prov and rec and work_date
            assert q("SELECT 1 FROM audit_event WHERE entity_id = ? AND entity = 'time_entry'", eid)
            assert q("SELECT count(*) FROM sync_op WHERE tbl = 'time_entry' AND row_id = ?", eid)[0][0] >= 5
        # ...and no audit event or sync op for an entry that is not there.
        assert not q("SELECT a.entity_id FROM audit_event a LEFT JOIN time_entry t ON t.id = a.entity_id "
                     "WHERE a.entity = 'time_entry' AND t.id IS NULL")
        assert not q("SELECT o.row_id FROM sync_op o LEFT JOIN time_entry t ON t.id = o.row_id "
                     "WHERE o.tbl = 'time_entry' AND t.id IS NULL")

        # Agreements: each has its parties (two or three), audit and sync rows.
        for aid, in q("SELECT id FROM agreement WHERE number LIKE 'CRASH-%'"):
            parties = q("SELECT count(*) FROM agreement_party WHERE agreement_id = ?", aid)[0][0]
            assert parties in (2, 3)
            assert q("SELECT 1 FROM audit_event WHERE entity_id = ?", aid)
            assert q("SELECT 1 FROM sync_op WHERE row_id = ?", aid)
        assert not q("SELECT p.id FROM agreement_party p LEFT JOIN agreement a ON a.id = p.agreement_id "
                     "WHERE a.id IS NULL")

        # Statements: every line there, totals equal the sum of the lines.
        for sid, notes, total in q("SELECT id, notes, total_cents FROM statement WHERE notes LIKE 'crash %'"):
            expected = int(notes.rsplit(" ", 1)[1])
            n, s = q("SELECT count(*), coalesce(sum(amount_cents), 0) FROM statement_line WHERE statement_id = ?",
                     sid)[0]
            assert (n, s) == (expected, total), notes
            assert q("SELECT count(*) FROM audit_event WHERE entity_id IN "
                     "(SELECT id FROM statement_line WHERE statement_id = ?)", sid)[0][0] == expected

        # Imports: every batch whole, with exactly one import audit event recording its size.
        batches = q("SELECT notes, count(*) FROM contact WHERE notes LIKE 'batch %' GROUP BY notes")
        events = q("SELECT changes, summary FROM audit_event WHERE action = 'import_json'")
        assert len(events) == len(batches)
        for notes, count in batches:
            assert count == int(notes.rsplit(" ", 1)[1]), notes
        assert sorted(json.loads(c)["contact"] for c, _ in events) == sorted(c for _, c in batches)
        fts = q("SELECT count(*) FROM contact_fts")[0][0]
        assert fts == q("SELECT count(*) FROM contact")[0][0], "the search index matches the contacts"
    finally:
        conn.close()
