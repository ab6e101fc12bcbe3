"""The demo region: City of Lynnwood and seven neighbours, their IT staff, agreements and a year of
hours. ``large`` adds enough data for benchmarks (10 fiscal years, 50 agencies, 5,000 contacts,
200,000 time entries). Deterministic: the same seed gives the same region."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Callable

from sqlalchemy import func, select

from partnerdesk.db.models import (Agency, Agreement, AgreementParty, AuditEvent, Contact, ContactSkill, Incident,
                                   RateSchedule, ServiceCategory, Skill, TimeEntry)
from partnerdesk.db.types import ISODate, UTCDateTime, iso_utc, session_now, uuid7
from partnerdesk.db.uow import Database
from partnerdesk.domain.periods import Quarter
from partnerdesk.errors import UserError
from partnerdesk.services.agreements import AgreementService
from partnerdesk.services.base import DEMO_KEY
from partnerdesk.services.contacts import reindex, skill_key
from partnerdesk.services.pricing import reprice

AGENCIES = [
    # code, name, kind, street, city zip, ubi, ein
    ("LYN", "City of Lynnwood", "city", "19100 44th Ave W", "Lynnwood, WA 98036", "177-000-101", "91-6001394"),
    ("EDM", "City of Edmonds", "city", "121 5th Ave N", "Edmonds, WA 98020", "177-000-102", "91-6001240"),
    ("MLT", "City of Mountlake Terrace", "city", "6100 219th St SW", "Mountlake Terrace, WA 98043",
     "177-000-103", "91-6017540"),
    ("MUK", "City of Mukilteo", "city", "11930 Cyrus Way", "Mukilteo, WA 98275", "177-000-104", "91-1420930"),
    ("SNO", "Snohomish County", "county", "3000 Rockefeller Ave", "Everett, WA 98201", "177-000-105",
     "91-6001368"),
    ("WDY", "Town of Woodway", "town", "23920 113th Pl W", "Woodway, WA 98020", "177-000-106", "91-0997351"),
    ("BRI", "City of Brier", "city", "2901 228th St SW", "Brier, WA 98036", "177-000-107", "91-0906581"),
    ("AWW", "Alderwood Water & Wastewater District", "district", "3626 156th St SW", "Lynnwood, WA 98087",
     "177-000-108", "91-0720150"),
]

FIRST = ["Grace", "Tomás", "Leilani", "Kwame", "Søren", "Zoë", "Liam", "Priya", "Mateo", "Aiyana", "Hannah",
         "Dmitri", "Mei", "Olumide", "Rosa", "Ethan", "Yusuf", "Ingrid", "Carlos", "Noor", "Bridget", "Hiroshi",
         "Ana", "Declan", "Fatima", "Jonas", "Keiko", "Marcus", "Nadia", "Owen", "Paulo", "Quinn"]
LAST = ["Thompson", "Dubois", "García-Ruiz", "Fischer", "St. John", "Kowalski", "Nguyen", "Okafor", "Haugen",
        "Patel", "Lindqvist", "Moreno", "Tanaka", "Begay", "O'Neill", "Schultz", "Abernathy", "Castillo",
        "Yamamoto", "Ibrahim", "Larsen", "McAllister", "Novak", "Ramírez", "Svensson", "Whitehorse"]
ROLES = [
    ("IT Director", ["Leadership", "Budget", "Vendor management"], "manager"),
    ("Senior Network Engineer", ["Cisco", "Firewall", "BGP", "Fiber"], "network"),
    ("Telecommunications Technician", ["PBX", "Avaya", "SIP trunks", "Radio"], "telephony"),
    ("Systems Administrator", ["Exchange", "Active Directory", "VMware"], "systems"),
    ("Help Desk Lead", ["Help desk", "Windows", "Printers"], "helpdesk"),
    ("Information Security Officer", ["Security", "Incident response", "SIEM"], "security"),
    ("GIS Analyst", ["GIS", "ArcGIS", "Esri"], "gis"),
    ("SCADA Engineer", ["SCADA", "Cisco", "Security"], "scada"),
]
ON_CALL = ["Text first during outages; calls back within 15 minutes.",
           "Keeps the PBX vendor ticket number; escalate to the IT Director after 30 minutes.",
           "After hours via the dispatch center if the mobile goes to voicemail.",
           "Has keys to the data center and the fiber hut.", None, None]
AREA = {"LYN": "425", "EDM": "425", "MLT": "425", "MUK": "425", "SNO": "425", "WDY": "206", "BRI": "360",
        "AWW": "360"}
DESCRIPTIONS = {
    "NET": ["Core switch failover test", "Firewall rule review", "Fiber cut triage", "VLAN cleanup at the PD",
            "Replaced failed SFP on uplink", "BGP session flapping with ISP", "Wi-Fi survey at city hall"],
    "PBX": ["PBX card swap, then tested trunks", "SIP trunk outage", "Voicemail server restore",
            "911 call-routing test with dispatch", "Avaya upgrade planning"],
    "HELP": ["Help desk cover during staff training", "Laptop imaging for new hires", "Printer fleet triage",
             "Council chamber AV support"],
    "EMAIL": ["Exchange mailbox migration", "Spam filter tuning", "Mail flow outage"],
    "SEC": ["Phishing incident response", "Vulnerability scan review", "Tabletop exercise facilitation",
            "MFA rollout support"],
    "GIS": ["Parcel layer refresh", "Storm-drain map update", "Emergency map book printing"],
    "OUT": ["Storm response: restored network at public works", "Power outage — generator failover",
            "Ransomware scare, isolated segment", "Fiber cut on 196th St — rerouted traffic"],
}
# (partner, kind, offset, cap dollars, cap hours, our rate $, their rate $, filed, start, end)
# Dates as seen from 2026; the demo moves them by whole years so that, seeded on any day, the agreements are as
# current for the last full quarter as they were for a quarter of 2026.
AGREEMENTS_YEAR = 2026
AGREEMENTS = [
    ("EDM", "reciprocal", True, 60_000, None, 118, 112, True, date(2024, 1, 1), date(2028, 12, 31)),
    ("MLT", "service", False, 45_000, 400, 115, 110, True, date(2025, 1, 1), date(2027, 12, 31)),
    ("MUK", "reciprocal", True, None, 300, 120, 125, True, date(2025, 7, 1), None),  # ends in 66 days: expiring
    ("SNO", "service", False, 80_000, None, 125, 135, True, date(2023, 1, 1), date(2027, 12, 31)),
    ("WDY", "service", False, 20_000, 160, 105, 95, True, date(2025, 1, 1), date(2027, 12, 31)),
    ("BRI", "reciprocal", True, 15_000, None, 105, 100, True, date(2026, 1, 1), date(2028, 12, 31)),
    ("AWW", "mutual_aid", False, None, None, 110, 120, False, date(2026, 3, 1), date(2029, 2, 28)),
]


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):  # the generator makes dates only (no datetimes)
        return value.isoformat()
    return value


def _scalar_defaults(table, stamp: str) -> dict[str, Any]:
    out: dict[str, Any] = {"created_at": stamp, "updated_at": stamp}
    for c in table.columns:
        if c.name not in out and c.default is not None and c.default.is_scalar:
            out[c.name] = _plain(c.default.arg)
    return out


def _plain_rows(rows: list[dict[str, Any]], table, defaults: dict[str, Any]) -> list[tuple]:
    """Generated rows as tuples for the DB driver: ISO text for dates, 0/1 for booleans (sqlite3 stores bool
    as int); created/updated stamped once for the whole seed."""
    columns = [(c.name, defaults.get(c.name)) for c in table.columns]
    dates = [i for i, c in enumerate(table.columns) if isinstance(c.type, (ISODate, UTCDateTime))]
    out = []
    for row in rows:
        values = [row.get(name, default) for name, default in columns]
        for i in dates:
            v = values[i]
            if v is not None and not isinstance(v, str):
                values[i] = v.isoformat()
        out.append(tuple(values))
    return out




class DemoService:
    def __init__(self, db: Database):
        self.db = db

    def is_empty(self) -> bool:
        with self.db.read() as s:
            return not s.scalar(select(func.count()).select_from(Agency))

    def seed(self, size: str = "small", today: date | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        if size not in ("small", "large"):
            raise UserError(f"demo size must be small or large, not '{size}'")
        if not self.is_empty():
            raise UserError("the database already has data; the demo region goes into an empty database only")
        AgreementService(self.db).ensure_default_categories()
        gen = _Generator(random.Random(2026), today or self.db.clock.today())
        counts = self._seed_small(gen) if size == "small" else self._seed_large(gen, progress)
        self.db.set_meta(DEMO_KEY, "1")  # the title bar says DEMO (local to this file, never synced)
        return counts

    def is_demo(self) -> bool:
        """Whether this database holds the demo region (seeded by ``seed``), not someone's real data."""
        return self.db.meta(DEMO_KEY) == "1"

    def _seed_small(self, gen: "_Generator") -> dict[str, int]:
        with self.db.write(summary="demo region seeded") as s:
            cats = {c.code: c.id for c in s.scalars(select(ServiceCategory))}
            # this year so far, and the last full quarter's year (early in the year, the last one)
            years = sorted({gen.last_full_quarter.start.year, gen.today.year})
            rows = gen.region(AGENCIES, cats, years=years, contacts_per_agency=6)
            self._insert_orm(s, rows)
            reindex(s, [c["id"] for c in rows["contact"]])
            reprice(s, everything=True)
        return {k: len(v) for k, v in rows.items()}

    @staticmethod
    def _insert_orm(s, rows: dict[str, list[dict]]) -> None:
        models = {"agency": Agency, "skill": Skill, "contact": Contact, "contact_skill": ContactSkill,
                  "agreement": Agreement, "agreement_party": AgreementParty, "rate_schedule": RateSchedule,
                  "incident": Incident, "time_entry": TimeEntry}
        for name, model in models.items():
            s.add_all(model(**r) for r in rows[name])
            s.flush()

    def _seed_large(self, gen: "_Generator", progress) -> dict[str, int]:
        agencies = list(AGENCIES)
        extra_names = ["Everett", "Bothell", "Kenmore", "Shoreline", "Lake Forest Park", "Mill Creek", "Marysville",
                       "Arlington", "Stanwood", "Monroe", "Sultan", "Gold Bar", "Index", "Granite Falls",
                       "Lake Stevens", "Snohomish", "Darrington", "Langley", "Coupeville", "Oak Harbor",
                       "Anacortes", "Burlington", "Mount Vernon", "Sedro-Woolley", "La Conner", "Kirkland",
                       "Redmond", "Woodinville", "Duvall", "Carnation", "Issaquah", "Sammamish", "Bellevue",
                       "Mercer Island", "Renton", "Tukwila", "Burien", "SeaTac", "Des Moines", "Normandy Park",
                       "Kent", "Auburn"]
        for i, n in enumerate(extra_names[:42]):
            code = "".join(ch for ch in n.upper() if ch.isalpha())[:3] + f"{i:02d}"
            agencies.append((code, f"City of {n}", "city", f"{100 + i} Main St", f"{n}, WA 980{i:02d}",
                             f"177-001-{i:03d}", f"91-70{i:05d}"))
        with self.db.write(audit=False, capture_ops=False) as s:
            cats = {c.code: c.id for c in s.scalars(select(ServiceCategory))}
            rows = gen.region(agencies, cats, years=list(range(gen.today.year - 9, gen.today.year + 1)),
                              contacts_per_agency=100, entries_target=200_000)
            conn = s.connection()
            order = ["agency", "skill", "contact", "contact_skill", "agreement", "agreement_party", "rate_schedule",
                     "incident", "time_entry"]
            total = sum(len(rows[k]) for k in order)
            done = 0
            models = {"agency": Agency, "skill": Skill, "contact": Contact, "contact_skill": ContactSkill,
                      "agreement": Agreement, "agreement_party": AgreementParty, "rate_schedule": RateSchedule,
                      "incident": Incident, "time_entry": TimeEntry}
            stamp = iso_utc(session_now(s))
            for name in order:
                table = models[name].__table__
                columns = [c.name for c in table.columns]
                sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' for _ in columns)})")
                defaults = _scalar_defaults(table, stamp)
                batch = rows[name]
                for i in range(0, len(batch), 20000):
                    # straight to the driver: the values are already plain (ISO text, 0/1, ints)
                    conn.exec_driver_sql(sql, _plain_rows(batch[i:i + 20000], table, defaults))
                    done += len(batch[i:i + 20000])
                    if progress:
                        progress(done, total)
            reindex(s, [c["id"] for c in rows["contact"]])
            reprice(s, everything=True)
            a = self.db.actor
            counts = {k: len(v) for k, v in rows.items()}
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action="demo", entity="database",
                             summary=f"large demo region seeded: {counts}"))
        return counts


class _Generator:
    def __init__(self, rnd: random.Random, today: date):
        self.r = rnd
        self.today = today
        self.last_full_quarter = Quarter.of(today).previous()  # the demo's home agency starts its year in January
        self._phone_seq = 0

    def phone(self, area: str) -> str:
        self._phone_seq += 1
        return f"({area}) 555-01{self._phone_seq % 100:02d}"  # the fictional 555-01xx range

    def region(self, agencies, cats: dict[str, str], years: list[int], contacts_per_agency: int,
               entries_target: int | None = None) -> dict[str, list[dict[str, Any]]]:
        r = self.r
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in (
            "agency", "skill", "contact", "contact_skill", "agreement", "agreement_party", "rate_schedule",
            "incident", "time_entry")}
        ag_ids: dict[str, str] = {}
        for code, name, kind, street, cityzip, ubi, ein in agencies:
            aid = uuid7()
            ag_ids[code] = aid
            short = name.replace("City of ", "").replace("Town of ", "")
            domain = code.lower() if len(code) == 3 else short.lower().replace(" ", "")
            out["agency"].append(dict(
                id=aid, name=name, code=code, kind=kind, ubi=ubi, ein=ein, is_home=(code == "LYN"),
                remit_to=f"{name}\nFinance Department\n{street}\n{cityzip}",
                bill_to=f"{name}\nAttn: Accounts Payable\n{street}\n{cityzip}",
                ap_contact_name="Accounts Payable", ap_contact_email=f"ap@{domain}.example.gov",
                # each agency its own main and AP numbers (four agencies showed Lynnwood's main number)
                ap_contact_phone=f"({AREA.get(code, '425')}) 555-018{len(out['agency']) % 10}",
                phone=f"({AREA.get(code, '425')}) 555-019{len(out['agency']) % 10}",
                website=f"https://www.{domain}.example.gov",
                fy_start_month=1, bars_revenue_code="338.18", bars_expense_code="518.81.41",
                billing_node=None, notes=None))
        skill_ids: dict[str, str] = {}

        def skill(name: str) -> str:
            key = skill_key(name)
            if key not in skill_ids:
                skill_ids[key] = uuid7()
                out["skill"].append(dict(id=skill_ids[key], name=name, name_key=key))
            return skill_ids[key]

        staff: dict[str, list[tuple[str, str]]] = {}
        used_names: set[str] = set()
        for code, name, *_ in agencies:
            area = AREA.get(code, "425")
            domain = code.lower() if len(code) == 3 else name.split()[-1].lower()
            staff[code] = []
            for i in range(contacts_per_agency):
                title, skills, tag = ROLES[i % len(ROLES)] if i < len(ROLES) else r.choice(ROLES)
                for _ in range(50):
                    first, last = r.choice(FIRST), r.choice(LAST)
                    person = f"{first} {last}"
                    if contacts_per_agency > 20 or person not in used_names:
                        break
                used_names.add(person)
                cid = uuid7()
                email_local = (first[0] + last).lower().replace(" ", "").replace("'", "").replace(".", "")
                verified = self.today - timedelta(days=r.choice([20, 45, 90, 200, 300, 420, 500]))
                out["contact"].append(dict(
                    id=cid, agency_id=ag_ids[code], name=person, title=title, role_tags=tag,
                    work_phone=self.phone(area), mobile_phone=self.phone(area),
                    after_hours_phone=self.phone(area) if i < 5 or r.random() < 0.4 else None,
                    personal_phone=self.phone(area) if r.random() < 0.25 else None,
                    email=f"{email_local}{i if contacts_per_agency > 20 else ''}@{domain}.example.gov",
                    escalation_order=(i % 8) + 1, on_call_notes=r.choice(ON_CALL),
                    notes=f"Skills: {', '.join(skills)}.", last_verified=verified,
                    emergency_responder_since=date(self.today.year - r.randint(1, 6), 1, 15) if i < 3 else None))
                for sk in r.sample(skills, k=min(len(skills), r.randint(2, 3))):
                    out["contact_skill"].append(dict(id=uuid7(), contact_id=cid, skill_id=skill(sk)))
                staff[code].append((cid, person))
        home = ag_ids["LYN"]
        shift = self.last_full_quarter.start.year - AGREEMENTS_YEAR
        agr_specs = [(*spec[:-2], spec[-2].replace(year=spec[-2].year + shift),
                      spec[-1].replace(year=spec[-1].year + shift) if spec[-1] else self.today + timedelta(days=66))
                     for spec in AGREEMENTS]
        partner_codes = [a[0] for a in agencies if a[0] != "LYN"]
        for code in partner_codes[len(AGREEMENTS):]:
            agr_specs.append((code, r.choice(["service", "reciprocal"]), r.random() < 0.5, r.choice([None, 30_000]),
                              None, 110 + r.randint(0, 20), 105 + r.randint(0, 25), True,
                              date(years[0], 1, 1), date(years[-1] + 2, 12, 31)))
        agreements: dict[str, tuple[str, date, date]] = {}
        for n, (code, kind, offset, cap_d, cap_h, ours, theirs, filed, start, end) in enumerate(agr_specs, 1):
            aid = uuid7()
            agreements[code] = (aid, start, end)
            num = f"ILA-{start.year}-{n:03d}"
            partner_name = next(a[1] for a in agencies if a[0] == code)
            title = {"reciprocal": f"Reciprocal IT Services Interlocal Agreement — Lynnwood / {partner_name}",
                     "service": f"IT Support Services Interlocal Agreement — Lynnwood / {partner_name}",
                     "mutual_aid": f"Emergency IT Mutual Aid Agreement — Lynnwood / {partner_name}"}[kind]
            out["agreement"].append(dict(
                id=aid, number=num, title=title, kind=kind, is_draft=False,
                approval_resolution=f"Res. {start.year}-{10 + n}", approval_date=start - timedelta(days=21),
                filing_reference=(f"Snohomish County Auditor No. {start.year}{n:02d}{r.randint(100000, 999999)}"
                                  if filed else None),
                effective_date=start, expiry_date=end, termination_notice_days=90, billing_frequency="quarterly",
                payment_terms_days=30, offset_allowed=offset, cap_cents=cap_d * 100 if cap_d else None,
                cap_minutes=cap_h * 60 if cap_h else None, document_path=None, notes=None))
            out["agreement_party"].append(dict(id=uuid7(), agreement_id=aid, agency_id=home, role="both",
                                               reference=None))
            out["agreement_party"].append(dict(id=uuid7(), agreement_id=aid, agency_id=ag_ids[code], role="both",
                                               reference=f"PO {start.year}-{r.randint(1000, 9999)}"))
            for prov, rate in ((home, ours), (ag_ids[code], theirs)):
                base = dict(agreement_id=aid, provider_agency_id=prov, category_id=None, after_hours_multiplier="1.5",
                            overtime_multiplier="1.5", billing_increment_minutes=15, minimum_callout_minutes=120,
                            travel_billable=kind != "mutual_aid", mileage_rate_cents=None)
                if code == "EDM":  # a rate change: the last full quarter is priced higher than the one before
                    cut = self.last_full_quarter.start
                    out["rate_schedule"].append(dict(base, id=uuid7(), effective_from=start,
                                                     effective_to=cut - timedelta(days=1),
                                                     hourly_rate_cents=rate * 100))
                    out["rate_schedule"].append(dict(base, id=uuid7(), effective_from=cut, effective_to=None,
                                                     hourly_rate_cents=(rate + 6) * 100))
                else:
                    out["rate_schedule"].append(dict(base, id=uuid7(), effective_from=start, effective_to=None,
                                                     hourly_rate_cents=rate * 100))
            if code == "SNO":  # the county's PBX work has its own, higher rate
                out["rate_schedule"].append(dict(
                    id=uuid7(), agreement_id=aid, provider_agency_id=ag_ids[code], category_id=cats["PBX"],
                    effective_from=start, effective_to=None, hourly_rate_cents=155_00, after_hours_multiplier="1.5",
                    overtime_multiplier="1.5", billing_increment_minutes=15, minimum_callout_minutes=120,
                    travel_billable=True, mileage_rate_cents=None))
        self._entries(out, agencies, ag_ids, staff, agreements, cats, years, entries_target)
        return out

    def _incident(self, out, incidents: dict[str, dict], wd: date, description: str) -> dict[str, Any]:
        """The register's incident an outage entry was worked for: one a month for each kind of outage (a
        windstorm under a disaster declaration, a power outage, a ransomware scare, a fiber cut), its period
        the first to the last day worked for it."""
        month = f"{wd:%B %Y}"
        ref, name, kind, extra = [
            (f"WS-{wd:%y%m}", f"{month} windstorm", "severe storm",
             dict(declaration=f"DR-9{wd.month:02d}{wd.year % 10}-WA", category="B",
                  site="Lynnwood public works and city network", description="Storm response: restoring network "
                  "and phone service at public works, police and fire facilities")),
            (f"INC-{wd:%y%m}-PWR", f"Power outage, {month}", "power outage", {}),
            (f"INC-{wd:%y%m}-CYB", f"Ransomware scare, {month}", "cyber attack", {}),
            (f"INC-{wd:%y%m}-FBR", f"Fiber cut, {month}", "infrastructure failure", {}),
        ][DESCRIPTIONS["OUT"].index(description)]
        inc = incidents.get(ref)
        if inc is None:
            inc = incidents[ref] = dict(id=uuid7(), ref=ref, name=name, incident_type=kind, start_date=wd,
                                        end_date=wd, work="emergency", **extra)
            out["incident"].append(inc)
        inc["start_date"], inc["end_date"] = min(inc["start_date"], wd), max(inc["end_date"], wd)
        return inc

    def _entries(self, out, agencies, ag_ids, staff, agreements, cats, years, target) -> None:
        r = self.r
        home = ag_ids["LYN"]
        cat_codes = list(DESCRIPTIONS)
        weights = [30, 12, 20, 8, 12, 6, 12]
        partner_codes = [a[0] for a in agencies if a[0] != "LYN"]
        wanted = target or 360 * len(years)
        last_day = self.today - timedelta(days=1)
        spans = []
        for year in years:
            start, end = date(year, 1, 1), min(date(year, 12, 31), last_day)
            if end > start:
                spans.append((start, end, (end - start).days))
        made = 0
        incidents: dict[str, dict] = {}
        while made < wanted:
            start, end, span = spans[made % len(spans)]
            code = r.choice(partner_codes)
            agr_id, a_start, a_end = agreements[code]
            wd = start + timedelta(days=r.randint(0, span))
            if wd < a_start or wd > a_end:
                wd = max(a_start, min(a_end, wd))
                if wd > end or wd < start:
                    continue
            made += 1
            given = r.random() < 0.58
            cat = r.choices(cat_codes, weights)[0]
            prov_code = "LYN" if given else code
            sid, sname = r.choice(staff[prov_code][:8])
            outage = cat == "OUT"
            minutes = r.choice([30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480])
            old = wd < self.today - timedelta(days=75)
            status = "acknowledged" if old and r.random() < 0.8 else "draft"
            if r.random() < 0.02:
                status = "disputed"
            miles = r.choice(["0", "0", "0", "12.5", "23.5", "8.0", "41.2"])
            # the random numbers are drawn in the order they always were, so the demo's figures stay the same
            after_hours = outage or r.random() < 0.15
            callout = outage and r.random() < 0.6
            travel = r.choice([0, 0, 20, 30, 45])
            if outage:
                r.randint(100, 999)  # once a ticket number; now the outage's incident is one of the register
            description = r.choice(DESCRIPTIONS[cat])
            inc = self._incident(out, incidents, wd, description) if outage else None
            out["time_entry"].append(dict(
                id=uuid7(), provider_agency_id=home if given else ag_ids[code],
                recipient_agency_id=ag_ids[code] if given else home, agreement_id=agr_id,
                staff_contact_id=sid, staff_name=sname, category_id=cats[cat], work_date=wd, minutes=minutes,
                after_hours=after_hours, callout=callout, travel_minutes=travel, miles=miles,
                incident_ref=inc["ref"] if inc else None, incident_id=inc["id"] if inc else None,
                description=description, status=status,
                flags=None, acknowledged_by="Accounts Payable" if status == "acknowledged" else None,
                acknowledged_on=wd + timedelta(days=30) if status == "acknowledged" else None,
                dispute_reason="Hours exceed what our ticket shows" if status == "disputed" else None,
                statement_line_id=None, source="demo"))
