"""Balances per partner: hours and dollars given vs received, net, cap use, reciprocity."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from partnerdesk.db.models import Agency, Agreement, AgreementParty, TimeEntry
from partnerdesk.db.uow import Database
from partnerdesk.domain.caps import CapUse
from partnerdesk.domain.dto import BalanceDTO
from partnerdesk.domain.periods import Quarter, fiscal_year_of, fiscal_year_range
from partnerdesk.services.base import find_agency, require_home


class BalanceService:
    def __init__(self, db: Database):
        self.db = db

    def current_fiscal_year(self, today: date | None = None) -> int:
        with self.db.read() as s:
            home = require_home(s)
            return fiscal_year_of(today or date.today(), home.fy_start_month)

    def balances(self, fiscal_year: int | None = None, today: date | None = None) -> list[BalanceDTO]:
        today = today or date.today()
        with self.db.read() as s:
            home = require_home(s)
            fsm = home.fy_start_month
            fy = fiscal_year or fiscal_year_of(today, fsm)
            start, end = fiscal_year_range(fy, fsm)
            quarter = Quarter.of(min(max(today, start), end), fsm)
            agencies = {a.id: a for a in s.scalars(select(Agency).where(Agency.deleted_at.is_(None)))}
            acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            cap_acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            given = TimeEntry.provider_agency_id == home.id
            partner = case((given, TimeEntry.recipient_agency_id), else_=TimeEntry.provider_agency_id)
            in_q = and_(TimeEntry.work_date >= quarter.start, TimeEntry.work_date <= quarter.end)
            q = (select(partner, given, TimeEntry.agreement_id, TimeEntry.provider_agency_id,
                        func.sum(TimeEntry.minutes), func.sum(func.coalesce(TimeEntry.amount_cents, 0)),
                        func.sum(case((TimeEntry.amount_cents.is_(None), 1), else_=0)),
                        func.sum(case((in_q, TimeEntry.minutes), else_=0)),
                        func.sum(case((in_q, func.coalesce(TimeEntry.amount_cents, 0)), else_=0)),
                        func.sum(func.coalesce(TimeEntry.billable_minutes, TimeEntry.minutes)))
                 .where(TimeEntry.deleted_at.is_(None), TimeEntry.work_date >= start, TimeEntry.work_date <= end,
                        or_(TimeEntry.provider_agency_id == home.id, TimeEntry.recipient_agency_id == home.id))
                 .group_by(partner, given, TimeEntry.agreement_id, TimeEntry.provider_agency_id))
            for pid, is_given, agr_id, provider, minutes, cents, unpriced, qmin, qcents, billable in s.execute(q):
                side = "given" if is_given else "received"
                a = acc[pid]
                a[f"min_{side}"] += minutes
                a[f"val_{side}"] += cents
                a["unpriced"] += unpriced
                a[f"qmin_{side}"] += qmin
                a[f"qval_{side}"] += qcents
                if agr_id:
                    c = cap_acc[(agr_id, provider)]
                    c[0] += cents
                    c[1] += billable
            caps = self._cap_percent(s, home.id, cap_acc, start, end)
            partners = set(acc) | set(caps)
            out = []
            for pid in partners:
                ag = agencies.get(pid)
                if ag is None or ag.is_home:
                    continue
                a = acc[pid]
                given, received = a["min_given"], a["min_received"]
                out.append(BalanceDTO(
                    partner=ag.code, partner_name=ag.name, fiscal_year=fy,
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
    def _cap_percent(s, home_id: str, cap_acc, start: date, end: date) -> dict[str, float]:
        """Highest cap use (percent) per partner across its agreements in force during the fiscal year
        (start..end) and both directions."""
        rows = s.execute(select(Agreement.id, Agreement.cap_cents, Agreement.cap_minutes, AgreementParty.agency_id)
                         .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
                         .where(Agreement.deleted_at.is_(None), AgreementParty.deleted_at.is_(None),
                                AgreementParty.agency_id != home_id, Agreement.effective_date <= end,
                                Agreement.expiry_date.is_(None) | (Agreement.expiry_date >= start))).all()
        out: dict[str, float] = {}
        for agr_id, cap_cents, cap_minutes, partner_id in rows:
            if not cap_cents and not cap_minutes:
                continue
            for provider in (home_id, partner_id):
                used = cap_acc.get((agr_id, provider), [0, 0])
                pct = CapUse(cap_cents, used[0], cap_minutes, used[1]).percent
                if pct is not None:
                    out[partner_id] = round(max(out.get(partner_id, 0.0), pct), 1)
        return out

    def hours_by_quarter(self, fiscal_year: int | None = None, partner: str | None = None) -> list[dict]:
        """[{quarter, minutes_given, minutes_received}] for the four quarters of a fiscal year, for every
        partner or one (code or id)."""
        with self.db.read() as s:
            home = require_home(s)
            fsm = home.fy_start_month
            fy = fiscal_year or fiscal_year_of(date.today(), fsm)
            quarters = [Quarter(fy, n, fsm) for n in (1, 2, 3, 4)]
            partner = find_agency(s, partner).id if partner else None
            out = {str(q): {"quarter": str(q), "minutes_given": 0, "minutes_received": 0} for q in quarters}
            month = func.substr(TimeEntry.work_date, 1, 7)  # ISO text "2026-03": SQLite does the summing
            q = (select(TimeEntry.provider_agency_id, TimeEntry.recipient_agency_id, month,
                        func.sum(TimeEntry.minutes))
                 .where(TimeEntry.deleted_at.is_(None), TimeEntry.work_date >= quarters[0].start,
                        TimeEntry.work_date <= quarters[-1].end,
                        (TimeEntry.provider_agency_id == home.id) | (TimeEntry.recipient_agency_id == home.id))
                 .group_by(TimeEntry.provider_agency_id, TimeEntry.recipient_agency_id, month))
            for prov, rec, ym, minutes in s.execute(q):
                if partner and partner not in (prov, rec):
                    continue
                key = str(Quarter.of(date(int(ym[:4]), int(ym[5:7]), 1), fsm))
                out[key]["minutes_given" if prov == home.id else "minutes_received"] += minutes
            return list(out.values())
