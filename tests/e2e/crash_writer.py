"""Helper for test_crash_safety.py (not a test module): a "zygote" that imports partnerdesk once, then forks a
writer child per request, so each of the many kill rounds costs milliseconds, not an interpreter start.

stdin:  "run SEED\n"  → stdout: "pid N" (the child), then the child's lines, then "exit STATUS".
Child lines: "ready"; "m" at every flush inside a write transaction (mid-write: the test kills on these);
"c KIND TAG ID" after each committed unit of work (the test then expects it to be durable).
"""

from __future__ import annotations

import json
import os
import random
import sys
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import event, select

from partnerdesk.db.capture import Actor
from partnerdesk.db.models import Agency, Statement, StatementLine
from partnerdesk.db.uow import Database
from partnerdesk.errors import UserError
from partnerdesk.container import Services
from partnerdesk.services.interchange import FORMAT, VERSION

DB = Path(sys.argv[1])
WORK = Path(sys.argv[2])
PARTNERS = ("EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW")


def out(line: str) -> None:
    os.write(1, (line + "\n").encode())


def open_database() -> tuple[Database, Services]:
    """Opened once in the zygote (migration check, node id); its pool is emptied before every fork, so each
    child makes its own SQLite connections (never share a connection across fork)."""
    db = Database(DB, Actor("crash", "Crash Test"))
    services = Services(db)
    db.engine.dispose()
    return db, services


def child(seed: int, db: Database, services: Services) -> None:
    rnd = random.Random(seed)
    event.listen(db._write, "after_flush", lambda session, ctx: out("m"))
    with db.read() as s:
        agencies = {a.code: a.id for a in s.scalars(select(Agency))}
    out("ready")
    n = 0
    while True:
        n += 1
        tag = f"{seed}-{n}"
        kind = rnd.choice(("hours", "hours", "agreement", "import", "statement"))
        try:
            if kind == "hours":
                r = services.hours.log(partner=rnd.choice(PARTNERS), direction=rnd.choice(("given", "received")),
                                       work_date=f"2026-10-{rnd.randint(1, 28):02d}",
                                       hours=rnd.choice(("0.5", "1", "2.25", "6")), description=f"crash {tag}")
                ident = r.entry.id
            elif kind == "agreement":
                a = services.agreements.create(parties=[("LYN", "provider"), (rnd.choice(PARTNERS), "recipient"),
                                                        (rnd.choice(("SNO", "AWW")), "both")]
                                               if rnd.random() < 0.3 else
                                               [("LYN", "provider"), (rnd.choice(PARTNERS), "recipient")],
                                               number=f"CRASH-{tag}", title=f"crash {tag}", kind="service",
                                               effective_date="2026-01-01")
                ident = a.id
            elif kind == "import":
                size = rnd.randint(5, 25)
                rows = [{"id": str(uuid.uuid4()), "agency_id": agencies[rnd.choice(PARTNERS)],
                         "name": f"Imported {tag} {i}", "notes": f"batch {tag} of {size}"} for i in range(size)]
                path = WORK / f"import-{os.getpid()}.json"
                path.write_text(json.dumps({"format": FORMAT, "version": VERSION, "tables": {"contact": rows}}))
                services.interchange.import_json(path, merge=True)
                ident = tag
            else:
                lines = rnd.randint(3, 15)
                with db.write(action="draft", summary=f"crash statement {tag}") as s:
                    st = Statement(issuer_agency_id=agencies["LYN"], bill_to_agency_id=agencies[rnd.choice(PARTNERS)],
                                   period="2026Q3", fiscal_year=2026, period_start=date(2026, 7, 1),
                                   period_end=date(2026, 9, 30), notes=f"crash {tag} lines {lines}")
                    s.add(st)
                    s.flush()
                    total = 0
                    for i in range(lines):
                        amount = rnd.randint(100, 100_000)
                        total += amount
                        s.add(StatementLine(statement_id=st.id, position=i, kind="labor", amount_cents=amount,
                                            quantity="60", unit_rate="10000"))
                        if i % 4 == 3:
                            s.flush()
                    st.gross_cents = st.total_cents = st.amount_due_cents = total
                    ident = st.id
        except UserError:
            continue
        out(f"c {kind} {tag} {ident}")


def main() -> None:
    db, services = open_database()
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        seed = int(cmd[1])
        pid = os.fork()
        if pid == 0:
            try:
                child(seed, db, services)
            finally:
                os._exit(3)
        out(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        out(f"exit {status}")


if __name__ == "__main__":
    main()
