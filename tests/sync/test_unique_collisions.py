"""Unique values (issue 14, guarantee 5): two PCs adding a mileage rate for the same date get one deterministic
winner on every node; the loser is kept in history and listed as a conflict; no value becomes invalid."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from partnerdesk.db.models import SyncHistory
from tests.sync.conftest import sync_all
from tests.sync.test_invalid_values import start_space


def test_two_pcs_adding_a_mileage_rate_for_the_same_date_converge(make_node, share):
    a, b, c = make_node("alice"), make_node("bob"), make_node("carol")
    start_space(share, a, b, c)
    sync_all([a, b, c])
    ra = a.sv.agreements.set_mileage_rate("2026-11-01", "70", source="alice")
    rb = b.sv.agreements.set_mileage_rate("2026-11-01", "72", source="bob")
    winner, loser = sorted([ra, rb], key=lambda r: r.id)
    # every order of arrival
    b.sync.run_cycle()
    a.sync.run_cycle()
    c.sync.run_cycle()
    sync_all([c, b, a], rounds=2)
    for n in (a, b, c):
        st = n.sync.status()
        assert st.quarantined == 0 and st.state == "synced", (n.name, st)
        rates = [r for r in n.sv.agreements.mileage_rates() if r.effective_from == date(2026, 11, 1)]
        assert [(r.id, r.cents_per_mile) for r in rates] == [(winner.id, winner.cents_per_mile)], n.name
        assert all(isinstance(r.effective_from, date) for r in n.sv.agreements.mileage_rates())
        dups = [x for x in n.sync.conflicts() if x.kind == "duplicate" and x.table == "mileage_rate"]
        assert len(dups) == 1 and dups[0].row_id == loser.id, (n.name, dups)
        assert dups[0].other_value["cents_per_mile"] == loser.cents_per_mile
        with n.db.read() as s:  # the loser's values stay in history
            lost = s.scalars(select(SyncHistory.value).where(SyncHistory.row_id == loser.id,
                                                               SyncHistory.field == "cents_per_mile")).all()
        assert lost == [f'"{loser.cents_per_mile}"'], n.name
        n.sv.interchange.export_data()  # every row still reads back
    assert a.dump() == b.dump() == c.dump()


def test_two_pcs_adding_an_agency_with_the_same_code_keep_valid_codes(make_node, share, capsys):
    """A row others may refer to (an agency) stays, under a code the code rule accepts; the conflict is listed."""
    import re

    from partnerdesk.cli import main

    a, b, c = make_node("alice"), make_node("bob"), make_node("carol")
    start_space(share, a, b, c)
    sync_all([a, b, c])
    xa = a.sv.agencies.create(name="Snohomish County", code="SNO", kind="county")
    xb = b.sv.agencies.create(name="City of Snohomish", code="SNO", kind="city")
    winner, loser = sorted([xa, xb], key=lambda x: x.id)
    b.sync.run_cycle()
    c.sync.run_cycle()
    a.sync.run_cycle()
    sync_all([c, b, a], rounds=2)
    for n in (a, b, c):
        codes = {x.id: x.code for x in n.sv.agencies.list()}
        assert codes[winner.id] == "SNO", n.name
        assert codes[loser.id] != "SNO" and re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", codes[loser.id]), codes
        dups = [x for x in n.sync.conflicts() if x.kind == "duplicate" and x.table == "agency"]
        assert [(x.row_id, x.kept_value) for x in dups] == [(loser.id, "SNO")], (n.name, dups)
        assert n.sync.status().quarantined == 0
        assert main(["--db", str(n.path), "agencies", "list"]) == 0
        capsys.readouterr()
    assert a.dump() == b.dump() == c.dump()


def test_two_pcs_adding_an_agreement_with_the_same_number_keep_both(make_node, share, demo_template):
    """Agreement numbers: one keeps the number on every PC, the other a marked variant; both agreements and
    their parties stay, and the collision is listed."""
    a, b = make_node("alice", template=demo_template), make_node("bob")
    start_space(share, a, b)
    sync_all([a, b])
    made = [n.sv.agreements.create(parties=[("LYN", "provider"), ("EDM", "recipient")], number="ILA-2026-900",
                                   title=f"IT help ({n.name})", kind="service", effective_date="2026-01-01")
            for n in (a, b)]
    sync_all([a, b], rounds=2)
    winner, loser = sorted(made, key=lambda x: x.id)
    for n in (a, b):
        numbers = {x.id: x.number for x in n.sv.agreements.list()}
        assert numbers[winner.id] == "ILA-2026-900" and numbers[loser.id].startswith("ILA-2026-900~"), n.name
        dups = [x for x in n.sync.conflicts() if x.kind == "duplicate" and x.table == "agreement"]
        assert [(x.row_id, x.kept_value) for x in dups] == [(loser.id, "ILA-2026-900")], n.name
        assert n.sync.status().quarantined == 0
    assert a.dump() == b.dump()
