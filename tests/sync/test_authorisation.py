"""Authorisation by agency (issue 14, guarantee 3; "Under attack": a forged segment soft-deleted every
contact and took over the home agency's billing node). Each installation is admitted for one agency and may
change only what that agency owns; anything else is refused on every node, listed with its sender, and never
applied."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from partnerdesk.db.models import Agency, Contact, Payment, Statement, TimeEntry
from tests.sync.conftest import sync_all
from tests.sync.test_frozen_through_sync import _forge
from tests.sync.test_sync_basics import _add_statement


def _space(make_node, share, demo_template):
    a = make_node("lyn-billing", template=demo_template)
    b, c = make_node("lyn-desk"), make_node("edm")
    a.sync.init(share)
    b.sync.join(share)  # admitted for LYN, the agency of the member who admits it
    c.sync.join(share, agency="EDM")  # the neighbour's installation
    with a.db.read() as s:
        ids = {code: s.scalar(select(Agency.id).where(Agency.code == code)) for code in ("LYN", "EDM")}
    sid = _add_statement(a)
    with a.db.write(action="issue") as s:  # issued on LYN's billing installation
        st = s.get(Statement, sid)
        st.number, st.status, st.total_cents, st.amount_due_cents = "LYN-2026-0001", "issued", 1000, 1000
    sync_all([a, b, c])
    return a, b, c, ids


def _refused(node, sender) -> set[tuple[str, str]]:
    st = node.sync.status()
    return {tuple(q.name.split("/")[::2]) for q in st.quarantine
            if q.status == "unauthorised" and q.node == sender.db.node_id}


def test_an_installation_changes_only_what_its_agency_owns(make_node, share, demo_template):
    a, b, c, ids = _space(make_node, share, demo_template)
    lyn, edm = ids["LYN"], ids["EDM"]
    with a.db.read() as s:
        lyn_contacts = s.scalars(select(Contact.id).where(Contact.agency_id == lyn, Contact.deleted_at.is_(None))).all()
        edm_contact = s.scalar(select(Contact.id).where(Contact.agency_id == edm).order_by(Contact.id))
        given = s.scalar(select(TimeEntry).where(TimeEntry.provider_agency_id == lyn, TimeEntry.recipient_agency_id == edm,
                                                 TimeEntry.status == "draft", TimeEntry.deleted_at.is_(None))
                         .order_by(TimeEntry.id))
        given_id, given_minutes = given.id, given.minutes
        stmt = s.scalar(select(Statement.id).where(Statement.number == "LYN-2026-0001"))
        lyn_name = s.get(Agency, lyn).name
    assert lyn_contacts and stmt
    stamp = "2026-01-05T10:00:00.000Z"
    # the neighbour's installation (EDM) tries what the forged node did, and more
    for cid in lyn_contacts:
        _forge(c, "contact", cid, {"deleted_at": stamp})
    _forge(c, "agency", lyn, {"billing_node": c.db.node_id, "name": "Hijacked"})
    _forge(c, "time_entry", given_id, {"minutes": 1})
    _forge(c, "payment", "0190bbbb-0000-7000-8000-000000000001",
           {"statement_id": stmt, "paid_on": "2026-01-05", "amount_cents": 100, "method": "eft"})
    # ... and what it may do: its own contact, and acknowledging hours it received
    with c.db.write() as s:
        s.get(Contact, edm_contact).title = "Chief of IT"
        e = s.get(TimeEntry, given_id)
        e.status, e.acknowledged_by = "acknowledged", "EDM"
    # a LYN desk PC that is not LYN's billing installation cannot record payments either
    _forge(b, "payment", "0190bbbb-0000-7000-8000-000000000002",
           {"statement_id": stmt, "paid_on": "2026-01-05", "amount_cents": 100, "method": "eft"})
    sync_all([c, b, a], rounds=2)

    for n in (a, b, c):
        with n.db.read() as s:
            assert s.scalar(select(Contact.id).where(Contact.id.in_(lyn_contacts),
                                                     Contact.deleted_at.is_not(None))) is None, n.name
            home = s.get(Agency, lyn)
            assert (home.name, home.billing_node) == (lyn_name, a.db.node_id), n.name
            e = s.get(TimeEntry, given_id)
            assert (e.minutes, e.status, e.acknowledged_by) == (given_minutes, "acknowledged", "EDM"), n.name
            assert s.get(Contact, edm_contact).title == "Chief of IT"
            assert s.scalar(select(Payment.id).where(Payment.statement_id == stmt,
                                                     Payment.paid_on == date(2026, 1, 5))) is None, n.name
    for n in (a, b):  # the user is told, on each PC that received them, who sent what
        got = _refused(n, c)
        assert {("contact", "deleted_at"), ("agency", "billing_node"), ("agency", "name"),
                ("time_entry", "minutes"), ("payment", "amount_cents")} <= got, (n.name, got)
        assert ("contact", "title") not in got and ("time_entry", "acknowledged_by") not in got
        assert n.sync.status().state != "synced"
    assert ("payment", "amount_cents") in _refused(a, b)
    assert a.dump() == b.dump() == c.dump()


def test_a_table_without_a_rule_is_refused(make_node, share, demo_template):
    """The hook (sync/authorise.py RULES) other tables add their rule to: without one, nothing is applied."""
    from partnerdesk.sync import authorise

    a, b, c, ids = _space(make_node, share, demo_template)
    saved = authorise.RULES.pop("skill")
    try:
        _forge(c, "skill", "0190cccc-0000-7000-8000-000000000001", {"name": "Lockpicking", "name_key": "lockpicking"})
        sync_all([c, a])
    finally:
        authorise.RULES["skill"] = saved
    assert ("skill", "name") in _refused(a, c)
