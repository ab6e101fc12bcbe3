"""Issue 20: the incident register and the hours that name an incident travel to every node; the home agency's
pay rates and eligibility overrides never leave the PC they were typed on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from partnerdesk.db.models import StaffPayRate, SyncOp, TimeEntry
from tests.conftest import TODAY
from tests.sync.conftest import sync_all

DAY = TODAY - timedelta(days=4)


def test_incidents_travel_and_pay_rates_stay_home(make_node, share, demo_template):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    a.sv.incidents.add("WS-SYNC", name="Windstorm", start_date=DAY, declaration="DR-4999-WA")
    a.sv.incidents.set_rate("Quinn Svensson", regular="48.50", overtime="72.75", fringe_regular="38.5",
                            fringe_overtime="9.65", effective_from=DAY - timedelta(days=30))
    a.sv.incidents.override("WS-SYNC", "Backfilled", staff="Quinn Svensson")
    entry = a.sv.hours.log(partner="EDM", direction="given", work_date=DAY, hours="3", staff="Quinn Svensson",
                           incident_ref="WS-SYNC").entry
    sync_all([a, b])
    assert [(i.ref, i.declaration) for i in b.sv.incidents.list() if i.ref == "WS-SYNC"] == [("WS-SYNC", "DR-4999-WA")]
    with b.db.read() as s:
        assert s.get(TimeEntry, entry.id).incident_id == a.sv.incidents.get("WS-SYNC").id
        assert s.scalar(select(func.count()).select_from(StaffPayRate)) == 0
    with a.db.read() as s:  # nothing of the pay was ever put in a segment
        assert s.scalar(select(func.count()).select_from(SyncOp).where(
            SyncOp.tbl.in_(("staff_pay_rate", "incident_override")))) == 0
    # alice bills Edmonds for Quinn's hours: the request, a statement of its own kind, reaches bob intact
    from partnerdesk.services.statements_mutual_aid import issue_mutual_aid

    st, _path = issue_mutual_aid(a.db, "WS-SYNC", "EDM", today=TODAY)
    sync_all([a, b])
    assert b.sv.statements.get(st.number).kind == "mutual_aid"
    assert b.sv.statements.verify(st.number).ok
    # bob's hours can name the incident alice added
    b_entry = b.sv.hours.log(partner="EDM", direction="given", work_date=DAY, hours="1", incident_ref="ws-sync")
    assert b_entry.entry.incident_ref == "WS-SYNC"
    sync_all([a, b])
    local = ("staff_pay_rate", "incident_override", "number_sequence")  # this PC's own
    assert {k: v for k, v in a.dump().items() if k not in local} == \
        {k: v for k, v in b.dump().items() if k not in local}
