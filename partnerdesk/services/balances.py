"""Balances per partner: hours and dollars given vs received, net, cap use, reciprocity.

These are the Dashboard's read models, the first thing the window shows, so they run plain SQL on the DB-API
connection (``Database.raw_read``) and do not need SQLAlchemy loaded. They read ``ledger_month``, the entries'
price snapshots (``amount_cents``, ``billable_minutes``) summed per month by SQLite triggers (db/ledger.py):
a fiscal year is a few hundred rows however many entries it has; nothing is priced again here.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date

from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import BalanceDTO
from partnerdesk.domain.periods import Quarter, fiscal_year_of, fiscal_year_range
from partnerdesk.errors import NoHomeError, NotFoundError, ValidationError
from partnerdesk.services.caps import cap_use

# One row per (provider, recipient, agreement) of the home agency's months in a range: minutes, value, entries
# without a price, the same two for the current quarter, and billable minutes (for caps). Months are 'YYYY-MM'.
_LEDGER = """
SELECT provider_agency_id, recipient_agency_id, agreement_id,
       sum(minutes), sum(amount_cents), sum(unpriced),
       sum(iif(month BETWEEN :q_start AND :q_end, minutes, 0)),
       sum(iif(month BETWEEN :q_start AND :q_end, amount_cents, 0)),
       sum(billable_minutes)
FROM ledger_month
WHERE month BETWEEN :start AND :end AND (provider_agency_id = :home OR recipient_agency_id = :home)
GROUP BY provider_agency_id, recipient_agency_id, agreement_id
"""

_BY_MONTH = """
SELECT provider_agency_id, recipient_agency_id, month, sum(minutes)
FROM ledger_month
WHERE month BETWEEN :start AND :end AND (provider_agency_id = :home OR recipient_agency_id = :home)
GROUP BY provider_agency_id, recipient_agency_id, month
"""

# Agreements in force during the fiscal year, with a cap, and the partner agencies party to them.
_CAPPED = """
SELECT a.id, a.cap_cents, a.cap_minutes, p.agency_id
FROM agreement a JOIN agreement_party p ON p.agreement_id = a.id
WHERE a.deleted_at IS NULL AND p.deleted_at IS NULL AND p.agency_id != :home
  AND a.effective_date <= :end AND (a.expiry_date IS NULL OR a.expiry_date >= :start)
  AND (a.cap_cents > 0 OR a.cap_minutes > 0)
"""


def _month(d: date) -> str:
    return d.isoformat()[:7]


def _home(conn: sqlite3.Connection) -> tuple[str, int]:
    row = conn.execute("SELECT id, fy_start_month FROM agency WHERE is_home = 1 AND deleted_at IS NULL").fetchone()
    if row is None:
        raise NoHomeError()
    return row[0], row[1] or 1


def _find_agency_id(conn: sqlite3.Connection, ref: str) -> str:
    """An agency by id, code (case-insensitive) or exact name, as services.base.find_agency."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError("partner: empty; give an agency code such as EDM", "partner")
    for where in ("id = ?", "upper(code) = upper(?)", "lower(name) = lower(?)"):
        row = conn.execute(f"SELECT id FROM agency WHERE deleted_at IS NULL AND {where}", (ref,)).fetchone()
        if row:
            return row[0]
    codes = ", ".join(r[0] for r in conn.execute("SELECT code FROM agency WHERE deleted_at IS NULL ORDER BY code"))
    raise NotFoundError(f"unknown partner '{ref}' (known codes: {codes or 'none yet'})")


class BalanceService:
    def __init__(self, db: Database):
        self.db = db

    def current_fiscal_year(self, today: date | None = None) -> int:
        with self.db.raw_read() as conn:
            _home_id, fsm = _home(conn)
        return fiscal_year_of(today or self.db.clock.today(), fsm)

    def balances(self, fiscal_year: int | None = None, today: date | None = None) -> list[BalanceDTO]:
        today = today or self.db.clock.today()
        with self.db.raw_read() as conn:
            home, fsm = _home(conn)
            fy = fiscal_year or fiscal_year_of(today, fsm)
            start, end = fiscal_year_range(fy, fsm)
            quarter = Quarter.of(min(max(today, start), end), fsm)
            agencies = {row[0]: row[1:4] for row in conn.execute(
                "SELECT id, code, name, is_home, retired_on FROM agency WHERE deleted_at IS NULL")}
            # every active partner has a row, a new one with nothing logged yet too (issue 16)
            active = {row[0] for row in conn.execute(
                "SELECT id FROM agency WHERE deleted_at IS NULL AND retired_on IS NULL AND NOT is_home")}
            acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            params = {"home": home, "start": _month(start), "end": _month(end),
                      "q_start": _month(quarter.start), "q_end": _month(quarter.end)}
            for provider, recipient, _agr_id, minutes, cents, unpriced, qmin, qcents, _billable in conn.execute(
                    _LEDGER, params):
                is_given = provider == home
                side = "given" if is_given else "received"
                a = acc[recipient if is_given else provider]
                a[f"min_{side}"] += minutes
                a[f"val_{side}"] += cents
                a["unpriced"] += unpriced
                a[f"qmin_{side}"] += qmin
                a[f"qval_{side}"] += qcents
            caps = self._cap_percent(conn, conn.execute(_CAPPED, {"home": home, "start": start.isoformat(),
                                                                  "end": end.isoformat()}).fetchall(), home, fy, fsm)
        out = []
        for pid in set(acc) | set(caps) | active:
            code, name, is_home = agencies.get(pid, (None, None, True))
            if is_home:  # a deleted agency, or home itself
                continue
            a = acc[pid]
            given, received = a["min_given"], a["min_received"]
            out.append(BalanceDTO(
                partner=code, partner_name=name, fiscal_year=fy,
                hours_given=round(given / 60, 2), hours_received=round(received / 60, 2),
                minutes_given=given, minutes_received=received,
                value_given_cents=a["val_given"], value_received_cents=a["val_received"],
                net_cents=a["val_given"] - a["val_received"], quarter=str(quarter),
                quarter_minutes_given=a["qmin_given"], quarter_minutes_received=a["qmin_received"],
                quarter_value_given_cents=a["qval_given"], quarter_value_received_cents=a["qval_received"],
                cap_used_percent=caps.get(pid),
                reciprocity=round(received / given, 2) if given else None,
                unpriced_entries=a["unpriced"],
            ))
        return sorted(out, key=lambda b: b.partner_name)

    @staticmethod
    def _cap_percent(conn, capped, home_id: str, fy: int, fsm: int) -> dict[str, float]:
        """Highest cap use (percent) per partner across its capped agreements in force during the fiscal year,
        both directions; cap use as everywhere else (services/caps.py)."""
        out: dict[str, float] = {}
        for agr_id, cap_cents, cap_minutes, partner_id in capped:
            for provider in (home_id, partner_id):
                pct = cap_use(conn, agr_id, provider, fy, fsm, cap_cents=cap_cents, cap_minutes=cap_minutes).percent
                if pct is not None:
                    out[partner_id] = round(max(out.get(partner_id, 0.0), pct), 1)
        return out

    def hours_by_quarter(self, fiscal_year: int | None = None, partner: str | None = None) -> list[dict]:
        """[{quarter, minutes_given, minutes_received}] for the four quarters of a fiscal year, for every
        partner or one (code or id)."""
        with self.db.raw_read() as conn:
            home, fsm = _home(conn)
            fy = fiscal_year or fiscal_year_of(self.db.clock.today(), fsm)
            quarters = [Quarter(fy, n, fsm) for n in (1, 2, 3, 4)]
            partner = _find_agency_id(conn, partner) if partner else None
            out = {str(q): {"quarter": str(q), "minutes_given": 0, "minutes_received": 0} for q in quarters}
            rows = conn.execute(_BY_MONTH, {"home": home, "start": _month(quarters[0].start),
                                            "end": _month(quarters[-1].end)}).fetchall()
        quarter_of = {f"{d.year:04d}-{d.month:02d}": str(q) for q in quarters for d in q.months()}
        for prov, rec, ym, minutes in rows:
            if partner and partner not in (prov, rec):
                continue
            out[quarter_of[ym]]["minutes_given" if prov == home else "minutes_received"] += minutes
        return list(out.values())
