"""Unvalidated values through sync (issue 14, "Under attack" and guarantee 4): an op from another PC passes the
validators local input passes. A bad value is refused on every node, listed with its sender, never written,
and the commands that read the data keep working."""

from __future__ import annotations

import json

from sqlalchemy import select

from partnerdesk.cli import main
from partnerdesk.db.models import Agency, Contact, TimeEntry
from partnerdesk.sync.validate import check_op
from tests.sync.conftest import sync_all
from tests.sync.test_frozen_through_sync import _forge  # ops as a tampered installation publishes them


def start_space(share, first, *others) -> None:
    """``first`` creates the space in ``share``; each of ``others`` joins it and is admitted."""
    first.sync.init(share)
    for n in others:
        n.sync.join(share)


def _cli(capsys, node, *argv: str) -> tuple[int, str]:
    code = main(["--db", str(node.path), *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_bad_values_from_another_pc_are_refused_listed_and_commands_keep_working(make_node, share, demo_template,
                                                                                tmp_path, capsys):
    a = make_node("alice", template=demo_template)
    b, c = make_node("bob"), make_node("carol")
    start_space(share, a, b, c)
    sync_all([a, b, c])
    with a.db.read() as s:
        home = s.scalar(select(Agency).where(Agency.is_home.is_(True)))
        home_id, home_code = home.id, home.code
        entry = s.scalar(select(TimeEntry).where(TimeEntry.provider_agency_id == home_id).order_by(TimeEntry.id))
        entry_id, work_date, minutes = entry.id, entry.work_date, entry.minutes
        contact = s.scalar(select(Contact).where(Contact.agency_id == home_id).order_by(Contact.id))
        contact_id, email = contact.id, contact.email
    _forge(b, "time_entry", entry_id, {"work_date": "not-a-date", "minutes": "90"})
    _forge(b, "contact", contact_id, {"email": "not an address", "last_verified": "2026-02-30"})
    _forge(b, "agency", home_id, {"code": "../../pwn", "kind": "castle", "fy_start_month": 13})
    _forge(b, "time_entry", "0190aaaa-0000-7000-8000-000000000001",
           {"provider_agency_id": home_id, "recipient_agency_id": home_id, "work_date": "1800-01-01",
            "minutes": 60, "status": "stolen", "miles": "lots"})
    sync_all([b, a, c])

    for n in (a, c):
        with n.db.read() as s:
            e = s.get(TimeEntry, entry_id)
            assert (e.work_date, e.minutes) == (work_date, minutes), n.name
            assert s.get(Contact, contact_id).email == email
            assert s.get(Agency, home_id).code == home_code
            assert s.get(TimeEntry, "0190aaaa-0000-7000-8000-000000000001") is None
        # the user is told: each refused value, with the PC that sent it
        st = n.sync.status()
        refused = [q for q in st.quarantine if q.status == "invalid"]
        assert st.state != "synced" and {q.node for q in refused} == {b.db.node_id}, (n.name, st)
        fields = {q.name.split("/")[-1] for q in refused}
        assert {"work_date", "minutes", "email", "last_verified", "code", "kind", "fy_start_month",
                "status", "miles"} <= fields, fields
        assert any("not-a-date" in q.reason or "ISO date" in q.reason for q in refused)
        listed = [x for x in n.sync.conflicts() if x.kind == "invalid"]
        assert listed and all(x.other_node == b.db.node_id and x.reason for x in listed)

    # every command that reads the data still works on the PCs that received it
    for n in (a, c):
        for argv in (["hours", "list"], ["contacts", "list"], ["outage-kit", str(tmp_path / f"kit-{n.name}")],
                     ["export", "json", str(tmp_path / f"{n.name}.json")]):
            code, out = _cli(capsys, n, *argv)
            assert code == 0, (n.name, argv, out)
    assert a.dump() == c.dump()

    code, out = _cli(capsys, a, "sync", "conflicts")  # the list names the field, the sending PC and why
    assert code == 0 and "work_date" in out and b.db.node_id[:8] in out and "ISO date" in out, out
    code, out = _cli(capsys, a, "sync", "status", "--json")
    listed = json.loads(out)["quarantined"]
    assert code == 0 and {q["status"] for q in listed} == {"invalid"} and {q["node"] for q in listed} == {b.db.node_id}
    code, out = _cli(capsys, a, "sync", "status")
    assert f"refused (invalid) {b.db.node_id[:8]}/time_entry/{entry_id}/work_date" in out, out

    # dismissing the refusals (they are never applied) brings "synced" back
    for x in a.sync.conflicts():
        if x.kind == "invalid":
            a.sync.resolve(x.id, use="kept")
    assert not [q for q in a.sync.status().quarantine if q.status == "invalid"]


def test_the_validators_are_the_ones_local_input_uses():
    assert check_op("time_entry", "work_date", '"2026-03-01"') is None
    assert "date" in check_op("time_entry", "work_date", '"2101-01-01"')  # 1900-2100, as typed dates
    assert check_op("payment", "amount_cents", "1250") is None
    assert "whole number" in check_op("payment", "amount_cents", '"12.50"')  # cents are integers
    assert "one of" in check_op("payment", "method", '"bitcoin"')
    assert "code" in check_op("agency", "code", '"../../pwn"')  # the rule `agencies add` applies
    assert "logo" in check_op("agency", "logo_image", json.dumps({"$b64": "aGVsbG8="}))  # not an image
    assert "setting of each installation" in check_op("agency", "is_home", "true")
    assert "longer than" in check_op("contact", "name", json.dumps("x" * 201))


def test_a_refused_value_leaves_the_list_once_its_pc_sends_a_valid_one(make_node, share, demo_template):
    a, b = make_node("alice", template=demo_template), make_node("bob")
    start_space(share, a, b)
    sync_all([a, b])
    with a.db.read() as s:
        cid = s.scalar(select(Contact.id).where(Contact.deleted_at.is_(None)).order_by(Contact.id))
    _forge(b, "contact", cid, {"email": "not an address"})
    sync_all([b, a])
    assert [q.name for q in a.sync.status().quarantine] == [f"contact/{cid}/email"]
    with b.db.write() as s:  # the same PC, fixed: a valid address for the same field
        s.get(Contact, cid).email = "pat.lee@lynnwood.example.gov"
    sync_all([b, a])
    with a.db.read() as s:
        assert s.get(Contact, cid).email == "pat.lee@lynnwood.example.gov"
    st = a.sync.status()
    assert st.quarantine == () and st.state == "synced", st
    assert [x.resolution for x in a.sync.conflicts(include_resolved=True) if x.kind == "invalid"] == ["superseded"]
