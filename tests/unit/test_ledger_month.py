"""ledger_month (the Dashboard's per-month sums) always equals the entries it summarises, whoever writes."""

import random
import sqlite3
from datetime import date

from partnerdesk.db import ledger


def _summary(path) -> set[tuple]:
    con = sqlite3.connect(path)
    try:
        have = {r for r in con.execute("SELECT * FROM ledger_month WHERE entries != 0")}
        want = set(con.execute(ledger.RECOMPUTE))
        assert not con.execute("SELECT 1 FROM ledger_month WHERE entries = 0 AND (minutes != 0 OR "
                               "amount_cents != 0 OR unpriced != 0 OR billable_minutes != 0)").fetchall()
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        con.close()
    assert set(ledger.TRIGGERS) <= triggers, "a migration dropped the ledger_month triggers; recreate them"
    assert have == want
    return have


def test_the_demo_region_is_summed_exactly(demo_ctx):
    rows = _summary(demo_ctx.paths.db_path)
    assert sum(r[4] for r in rows) == len(demo_ctx.services.hours.list())


def test_logging_editing_deleting_and_repricing_keep_the_sums_exact(demo_ctx):
    svc = demo_ctx.services
    rnd = random.Random(7)
    partners = ["EDM", "MLT", "MUK", "SNO", "WDY", "BRI", "AWW"]
    logged = []
    for _ in range(25):
        e = svc.hours.log(partner=rnd.choice(partners), direction=rnd.choice(["given", "received"]),
                          work_date=date(2026, rnd.randint(1, 11), rnd.randint(1, 28)),
                          hours=f"{rnd.randint(1, 16) * 15}m", miles=str(rnd.randint(0, 30)))
        logged.append(e.entry)
    for e in rnd.sample(logged, 10):  # move across months, change hours
        svc.hours.update(e.id, work_date=date(2026, rnd.randint(1, 11), 5), minutes=rnd.randint(1, 40) * 15)
    for e in rnd.sample(logged, 5):
        svc.hours.delete(e.id, reason="logged twice")  # soft delete leaves the sums
    agreement = svc.agreements.list()[0]
    rate = svc.agreements.rates(agreement.id)[0]
    svc.agreements.update_rate(rate.id, hourly_rate_cents=rate.hourly_rate_cents + 1234)  # reprices entries
    _summary(demo_ctx.paths.db_path)


def test_balances_read_from_the_summary_match_a_scan_of_the_entries(demo_ctx):
    by_partner = {}
    for e in demo_ctx.services.hours.list():
        if e.work_date.year == 2026 and e.direction in ("given", "received"):
            by_partner.setdefault(e.partner_code, [0, 0])[e.direction == "received"] += e.minutes
    balances = demo_ctx.services.balances.balances(2026, today=date(2026, 11, 20))
    assert {b.partner: [b.minutes_given, b.minutes_received] for b in balances} == by_partner
