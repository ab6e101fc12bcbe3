"""Sync through a PostgreSQL server (issue 21), side by side with its bare-library baselines.

A hub of 50 agencies x 4 installations holding about 1,000,000 ops, on a real server that this script
starts (initdb and pg_ctl, as the tests do):

- a new installation joins (request with the code, admission, first cycle) within 30 s;
- a cycle with nothing new takes at most 100 ms;
- one change on one installation is visible on another, listening, within 2 s;
- and, for docs/sync.md, the server's rows and index size.

    python benchmarks/sync_pg.py [--ops 1000000] [--installations 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring  # noqa: E402
import psycopg  # noqa: E402

from benchmarks.sync import _BenchKeyring, _baseline_insert, _fill, _open  # noqa: E402
from tests import pgserver  # noqa: E402


def _copy_template(template: Path, path: Path) -> None:
    import shutil
    import sqlite3
    import uuid

    shutil.copy(template, path)
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value=? WHERE key='node_id'", (uuid.uuid4().hex,))
    con.commit()
    con.close()


def _raw_round_trip(url: str) -> float:
    """The bare library: one NOTIFY from one connection seen by a LISTEN on another."""
    with psycopg.connect(url, autocommit=True) as listen, psycopg.connect(url, autocommit=True) as talk:
        listen.execute("LISTEN bench")
        t = time.perf_counter()
        talk.execute("NOTIFY bench, 'x'")
        for _ in listen.notifies(timeout=10, stop_after=1):
            break
        return time.perf_counter() - t


def _raw_scan(url: str) -> float:
    """The bare library: the one query a no-op cycle cannot avoid, every node's newest segment."""
    with psycopg.connect(url) as conn:
        t = time.perf_counter()
        conn.execute("SELECT node, max(seq) FROM partnerdesk_sync.segment GROUP BY node").fetchall()
        return time.perf_counter() - t


def run(tmp: Path, server, n_ops: int, installations: int, repeat: int) -> list[dict]:
    url = server.url(password=True)
    founder_db, founder = _open(tmp / "founder.sqlite3", "founder")
    founder.sync.init(url)
    template = tmp / "template.sqlite3"
    t_db, _ = _open(template, "template")
    t_db.close()
    others = []
    for i in range(installations - 1):  # the other installations of the region: each joins and publishes
        path = tmp / f"member-{i}.sqlite3"
        _copy_template(template, path)
        db, sv = _open(path, f"member{i}")
        sv.sync.join(url, code=founder.sync.join_code())
        founder.sync.admit(db.node_id)
        sv.sync.run_cycle()
        others.append((db, sv))
        if i % 20 == 0:
            print(f"  {i + 1} installations joined", file=sys.stderr)
    rows = _fill(founder_db, n_ops)  # the hub's history: the founder's rows, published as its baseline
    founder.sync._baseline(full=True)
    founder.sync.run_cycle()
    with psycopg.connect(url) as conn:
        ops_on_server = conn.execute(
            "SELECT count(*), pg_total_relation_size('partnerdesk_sync.segment'), "
            "pg_indexes_size('partnerdesk_sync.segment') FROM partnerdesk_sync.segment").fetchone()
    results = []

    joins, join_base = [], []
    for i in range(repeat):
        path = tmp / f"joiner-{i}.sqlite3"
        _copy_template(template, path)
        db, sv = _open(path, f"joiner{i}")
        t = time.perf_counter()
        sv.sync.join(url, code=founder.sync.join_code())
        founder.sync.admit(db.node_id)
        st = sv.sync.run_cycle()
        joins.append(time.perf_counter() - t)
        assert st.state == "synced", st
        db.close()
        join_base.append(_baseline_insert(rows, tmp))
    results.append({"figure": f"server: join a hub of {n_ops:,} ops, {installations} installations",
                    "partnerdesk_s": statistics.median(joins), "baseline_s": statistics.median(join_base),
                    "budget": "30 s", "budget_s": 30.0})

    db, sv = others[0] if others else (founder_db, founder)
    sv.sync.run_cycle()
    noop, noop_base = [], []
    for _ in range(max(repeat, 5)):
        t = time.perf_counter()
        st = sv.sync.run_cycle()
        noop.append(time.perf_counter() - t)
        assert st.applied_ops == 0 and st.published_ops == 0, st
        noop_base.append(_raw_scan(url))
    results.append({"figure": f"server: no-op cycle, {installations} installations",
                    "partnerdesk_s": statistics.median(noop), "baseline_s": statistics.median(noop_base),
                    "budget": "100 ms", "budget_s": 0.1})

    writer = others[1][1] if len(others) > 1 else founder
    writer.sync.run_cycle()  # the writer holds the hub's contacts too
    contact = writer.contacts.list()[0]
    seen, seen_base = [], []
    for i in range(repeat):
        while sv.sync.wait_for_change(0):  # listening, with older notifications drained
            pass
        woke = threading.Event()
        start = [0.0]

        def write(i=i):
            start[0] = time.perf_counter()
            writer.contacts.update(contact.id, title=f"Change {i}")
            writer.sync.run_cycle()
            woke.set()

        threading.Thread(target=write).start()
        assert sv.sync.wait_for_change(30)
        sv.sync.run_cycle()
        seen.append(time.perf_counter() - start[0])
        woke.wait(30)
        seen_base.append(_raw_round_trip(url))
    results.append({"figure": "server: a change seen by a listening installation",
                    "partnerdesk_s": statistics.median(seen), "baseline_s": statistics.median(seen_base),
                    "budget": "2 s", "budget_s": 2.0})
    count, total, index = ops_on_server
    results.append({"figure": f"server: {count:,} segments; table {total / 1e6:.0f} MB, indexes {index / 1e6:.1f} MB",
                    "partnerdesk_s": None, "baseline_s": None, "budget": "info", "budget_s": None})
    for d, _s in others:
        d.close()
    founder_db.close()
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ops", type=int, default=1_000_000)
    ap.add_argument("--installations", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if pgserver.binaries() is None:
        print("no PostgreSQL server binaries (apt-get install postgresql): skipped", file=sys.stderr)
        return 0
    keyring.set_keyring(_BenchKeyring())
    server = pgserver.start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="pd-bench-pg-") as d:
            tmp = Path(d)
            os.environ["PARTNERDESK_HOME"] = str(tmp / "home")
            results = run(tmp, server, args.ops, args.installations, args.repeat)
    finally:
        pgserver.remove(server)
    ok = True
    for r in results:
        r["pass"] = None if r["budget_s"] is None else r["partnerdesk_s"] <= r["budget_s"]
        ok = ok and r["pass"] is not False
        p = "—" if r["partnerdesk_s"] is None else f"{r['partnerdesk_s']:.3f}s"
        b = "—" if r["baseline_s"] is None else f"{r['baseline_s']:.3f}s"
        print(f"{r['figure']:60} {p:>10} {b:>10} {r['budget']:>8}")
    for r in results:
        print("BENCH " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                     if k in ("figure", "partnerdesk_s", "baseline_s", "budget", "pass")}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
