"""Gapless numbering under concurrency: two threads, then two processes, issue at the same time; the
numbers are neither duplicated nor skipped, and an entry is billed once only."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from sqlalchemy import func, select

from partnerdesk.db.models import NumberSequence, Statement, TimeEntry
from tests.conftest import TODAY

Q = "2026Q2"
GROUPS = (["BRI", "EDM", "MLT"], ["MUK", "SNO", "WDY"])


def _numbers(ctx) -> list[str]:
    with ctx.db.read() as s:
        return sorted(s.scalars(select(Statement.number).where(Statement.number.is_not(None))))


def _assert_gapless(ctx, expected: int) -> None:
    numbers = _numbers(ctx)
    assert numbers == [f"LYN-2026-{n:04d}" for n in range(1, expected + 1)]
    with ctx.db.read() as s:
        assert s.scalar(select(NumberSequence.last_value)) == expected
        # every billed entry points at exactly one line; no entry is on two statements
        assert s.scalar(select(func.count()).select_from(TimeEntry).where(
            TimeEntry.status == "invoiced", TimeEntry.statement_line_id.is_(None))) == 0


def test_two_threads_issue_at_once(demo_ctx):
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(partners):
        try:
            start.wait()
            for p in partners:
                demo_ctx.services.statements.issue(Q, partner=p, today=TODAY)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(g,)) for g in GROUPS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    _assert_gapless(demo_ctx, 6)


def test_two_threads_race_for_the_same_partner(demo_ctx):
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        try:
            r = demo_ctx.services.statements.issue(Q, partner="EDM", today=TODAY)[0]
            outcomes.append(r.statement.number)
        except Exception as exc:  # the loser finds nothing left to bill
            outcomes.append(f"refused: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    issued = [o for o in outcomes if not o.startswith("refused")]
    assert issued == ["LYN-2026-0001"], outcomes
    assert any("nothing to bill" in o for o in outcomes), outcomes
    _assert_gapless(demo_ctx, 1)


SCRIPT = """
import sys
from datetime import date
from partnerdesk.app import open_context
from tests.conftest import TODAY
ctx = open_context()
print("ready", flush=True)
sys.stdin.readline()  # wait until both processes are up, then go
for p in sys.argv[1:]:
    r = ctx.services.statements.issue("2026Q2", partner=p, today=date(2026, 11, 26))[0]
    print(r.statement.number, flush=True)
ctx.close()
"""


def test_two_processes_issue_at_once(demo_ctx, home):
    demo_ctx.close()
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, *g], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for g in GROUPS]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:  # release both at once
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs += out.split()
    assert sorted(outs) == [f"LYN-2026-{n:04d}" for n in range(1, 7)]
    from partnerdesk.app import open_context

    ctx = open_context()
    try:
        _assert_gapless(ctx, 6)
    finally:
        ctx.close()
