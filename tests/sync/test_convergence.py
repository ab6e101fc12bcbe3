"""Convergence (issue 14, guarantee 1): three installations making random edits, deletes, hours, rate changes,
payments and unique-value collisions, exports and imports in random order, with segments delivered twice,
clocks set up to three days off, and the share damaged along the way (segments deleted or corrupted, the
whole share rolled back to an older copy), end with identical full exports (Node.dump: every table and
field, derived prices included, audit trail aside)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from datetime import time as dtime
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import delete, select

from partnerdesk.db.models import Contact, SyncSegment
from partnerdesk.errors import UserError
from tests.conftest import TODAY
from tests.fuzzing import FUZZ_SETTINGS, examples
from partnerdesk.clock import Clock
from tests.sync.conftest import Node, SteppedClock, clone_db

FIELDS = ("title", "notes", "mobile_phone", "on_call_notes")
VALUES = ("425-555-0100", "B 206 555 0199", "C 360", None, "Zoë Ørsted 425", "")  # valid in every FIELD (phones too)
N_NODES = 3
DAY = 86400
OFFSETS = (0, 3 * DAY, -3 * DAY, 5 * 60, -5 * 60)  # beyond the clock-adoption window (10 minutes), and inside
START = datetime.combine(TODAY, dtime(12, 0), timezone.utc).timestamp()
_TEMPLATE: Path | None = None


def _template() -> Path:
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        from partnerdesk.db.capture import Actor
        from partnerdesk.db.uow import Database
        from partnerdesk.container import Services

        d = Path(tempfile.mkdtemp(prefix="pd-conv-template-"))
        db = Database(d / "t.sqlite3", Actor("t", "T"), clock=SteppedClock(START - 3600))
        Services(db).agreements.ensure_default_categories()
        db.close()
        _TEMPLATE = d / "t.sqlite3"
    return _TEMPLATE


class OffsetClock(Clock):
    """One PC's clock: the shared stepped clock plus this PC's error, which a rule changes."""

    def __init__(self, base: SteppedClock):
        self.base = base
        self.offset_s = 0.0

    def time(self) -> float:
        return self.base.time() + self.offset_s


class ThreeNodes(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pd-conv-"))
        self.share = self.dir / "share"
        self.share.mkdir()
        clock = SteppedClock(START)  # one deterministic clock for the three nodes, each with its own error
        self.nodes = [Node(clone_db(_template(), self.dir / f"n{i}.sqlite3"), f"n{i}", wall=OffsetClock(clock))
                      for i in range(N_NODES)]
        self.snapshot: Path | None = None
        self.contacts: list[str] = []

    @initialize()
    def setup_space(self):
        a = self.nodes[0]
        a.sv.agencies.create(name="City of Lynnwood", code="LYN", kind="city", is_home=True)
        ag = a.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
        for i in range(3):
            self.contacts.append(a.sv.contacts.create(agency=ag.id, name=f"Person {i}").id)
        a.sv.agreements.create(parties=[("LYN", "provider"), ("EDM", "recipient")], number="ILA-1", title="IT help",
                               kind="reciprocal", effective_date="2026-01-01")
        self.rate_id = a.sv.agreements.add_rate("ILA-1", effective_from="2026-01-01", hourly_rate_cents=9500).id
        a.sync.init(self.share)
        for n in self.nodes[1:]:
            n.sync.join(self.share)

    @rule(n=st.integers(0, N_NODES - 1), name=st.sampled_from(("Kwame", "Mei", "Søren")))
    def create(self, n, name):
        node = self.nodes[n]
        with node.db.read() as s:
            agency_id = s.scalar(select(Contact.agency_id).where(Contact.id == self.contacts[0]))
        if agency_id is None:
            return  # this node has not received the seed contacts yet
        with node.db.write() as s:
            c = Contact(agency_id=agency_id, name=name)
            s.add(c)
            s.flush()
            cid = c.id
        for title in ("draft", name):  # one field written twice before the row is ever exported
            with node.db.write() as s:
                s.get(Contact, cid).title = title
        self.contacts.append(cid)

    @rule(n=st.integers(0, N_NODES - 1), i=st.integers(0, 20), field=st.sampled_from(FIELDS),
          value=st.sampled_from(VALUES))
    def edit(self, n, i, field, value):
        node = self.nodes[n]
        cid = self.contacts[i % len(self.contacts)]
        with node.db.write() as s:
            c = s.get(Contact, cid)
            if c is not None:
                setattr(c, field, value)

    @rule(n=st.integers(0, N_NODES - 1), i=st.integers(0, 20), restore=st.booleans())
    def delete_or_restore(self, n, i, restore):
        node = self.nodes[n]
        cid = self.contacts[i % len(self.contacts)]
        with node.db.write() as s:
            c = s.get(Contact, cid)
            if c is not None:
                c.deleted_at = None if restore else node.db.clock.utcnow()

    @rule(n=st.integers(0, N_NODES - 1))
    def export(self, n):
        self.nodes[n].sync.run_cycle(direction="export")

    @rule(n=st.integers(0, N_NODES - 1))
    def import_(self, n):
        self.nodes[n].sync.run_cycle(direction="import")

    @rule(n=st.integers(0, N_NODES - 1), other=st.integers(0, N_NODES - 1))
    def deliver_again(self, n, other):
        """Forget the newest segment received from another node, so it is read and applied a second time."""
        node, src = self.nodes[n], self.nodes[other]
        if node is src:
            return
        with node.db.write(audit=False, capture_ops=False) as s:
            last = s.scalar(select(SyncSegment.id).where(SyncSegment.node == src.db.node_id,
                                                         SyncSegment.status == "applied")
                            .order_by(SyncSegment.seq.desc()))
            if last is not None:
                s.execute(delete(SyncSegment).where(SyncSegment.id == last))
        node.sync.run_cycle(direction="import")

    @rule(n=st.integers(0, N_NODES - 1), offset=st.sampled_from(OFFSETS))
    def set_clock(self, n, offset):
        """A PC's clock goes wrong (up to three days either way), or is put right."""
        self.nodes[n].wall.offset_s = offset

    def _segments(self, n: int) -> list[Path]:
        return sorted((self.share / "partnerdesk-space" / "nodes" / self.nodes[n].db.node_id).glob("seg-*.pds"))

    @rule(n=st.integers(0, N_NODES - 1), k=st.integers(0, 30), damage=st.booleans())
    def lose_segment(self, n, k, damage):
        """Somebody deletes one of a node's segments from the share, or a disk corrupts it."""
        files = self._segments(n)
        if not files:
            return
        path = files[k % len(files)]
        if damage:
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x10
            path.write_bytes(bytes(data))
        else:
            path.unlink()

    @rule()
    def back_up_share(self):
        """The file server's nightly backup of the shared folder."""
        target = self.dir / "share-backup"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.share, target)
        self.snapshot = target

    @rule()
    def restore_share(self):
        """The shared folder is restored from the last backup: everything since is gone from it."""
        if self.snapshot is None:
            return
        shutil.rmtree(self.share)
        shutil.copytree(self.snapshot, self.share)

    def teardown(self):
        try:
            for _ in range(3):
                for node in self.nodes:
                    node.sync.run_cycle()
            for node in self.nodes:
                # clocks may still be days off: then the state says so, and nothing else may be wrong
                st_ = node.sync.status()
                assert st_.state in ("synced", "clock warning") and not st_.quarantine, (node.name, st_)
                assert not st_.awaiting_approval and not _unpublished(node), (node.name, st_)
            dumps = [_comparable(node.dump()) for node in self.nodes]
            assert dumps[0] == dumps[1] == dumps[2]
        finally:
            for node in self.nodes:
                node.close()
            shutil.rmtree(self.dir, ignore_errors=True)


# The issuer's statement-number counter is kept by its billing installation only (it has no row id to sync by);
# the replicas have the numbers themselves, on the statements. Left out of the comparison until replicas derive it.
LOCAL_COUNTERS = ("number_sequence",)


def _comparable(dump: dict) -> dict:
    return {k: v for k, v in dump.items() if k not in LOCAL_COUNTERS}


def _unpublished(node) -> bool:
    from partnerdesk.db.models import SyncOp
    from partnerdesk.sync.merge import LOCAL_ONLY

    with node.db.read() as s:
        rows = s.execute(select(SyncOp.tbl, SyncOp.field).where(SyncOp.node == node.db.node_id,
                                                                SyncOp.origin == "local", SyncOp.segment.is_(None)))
        return any((r.tbl, r.field) not in LOCAL_ONLY for r in rows)


class ThreeNodesWithHours(ThreeNodes):
    """The same, with hours logged and rates changed on any node, payments recorded against an issued statement,
    and two PCs adding the same unique value (a mileage rate's date, an agency code): prices, ledger sums,
    balances and payment status are derived on each node and must come out the same everywhere (a separate
    machine, so the contact rules keep their share of the steps)."""

    @initialize()
    def setup_space(self):
        super().setup_space()
        a = self.nodes[0]  # the home agency's billing installation issues last quarter's statement
        a.sv.agreements.update("ILA-1", filing_reference="AFN 2026-0001")
        a.sv.hours.log(partner="EDM", direction="given", work_date="2026-08-14", hours="3")
        self.number = a.sv.statements.issue("2026Q3", partner="EDM", today=TODAY)[0].statement.number
        assert self.number
        for _ in range(2):  # every PC knows the entry is invoiced before anyone changes the rate
            for node in self.nodes:
                node.sync.run_cycle()

    @rule(cents=st.sampled_from((2500, 10000, 28500, 100000)))
    def pay(self, cents):
        """A payment against the statement (recorded by the issuer's billing installation)."""
        try:
            self.nodes[0].sv.payments.record(self.number, cents, paid_on=TODAY, method="check")
        except UserError:
            return

    @rule(n=st.integers(0, N_NODES - 1), hours=st.sampled_from(("1", "2.5", "0.25")), after_hours=st.booleans())
    def log_hours(self, n, hours, after_hours):
        """Hours priced where they are logged; their price (a derived value) must match on every node."""
        try:
            self.nodes[n].sv.hours.log(partner="EDM", direction="given", work_date="2026-11-20", hours=hours,
                                       after_hours=after_hours, allow_duplicate=True)
        except UserError:
            return  # this node has not received the agencies and the agreement yet

    @rule(n=st.integers(0, N_NODES - 1), cents=st.sampled_from((9500, 12000, 15000)))
    def change_rate(self, n, cents):
        """A rate change reprices the open entries, here and, once synced, everywhere."""
        try:
            self.nodes[n].sv.agreements.update_rate(self.rate_id, hourly_rate_cents=cents)
        except UserError:
            return

    @rule(n=st.integers(0, N_NODES - 1), cents=st.sampled_from(("70", "72")))
    def mileage_rate(self, n, cents):
        """Two PCs adding a mileage rate for one date: a unique-value collision with one winner everywhere."""
        try:
            self.nodes[n].sv.agreements.set_mileage_rate("2026-11-01", cents, source=f"n{n}")
        except UserError:
            return


    @rule(n=st.integers(0, N_NODES - 1), code=st.sampled_from(("KEN", "MUK")))
    def add_agency(self, n, code):
        """Two PCs adding an agency with one code: a unique-value collision with one winner everywhere."""
        try:
            self.nodes[n].sv.agencies.create(name=f"City {code} {n}", code=code, kind="city")
        except UserError:
            return


# `make test`: derandomized, the same examples every run, and with the stepped clock the same outcomes: a few
# examples of up to 50 steps each (about 300 steps in all). `make proof` (PARTNERDESK_PROOF=1): random seeds and
# ten times the examples, about 3,000 steps. With the old merge these find the delete-vs-edit divergence
# (test_delete_vs_edit.py) and the unpriced hours (test_derived_values.py); with the old store, a deleted or
# damaged segment that stopped its node's stream for good.
ThreeNodes.TestCase.settings = settings(max_examples=examples(4), stateful_step_count=50, **FUZZ_SETTINGS)
test_three_nodes_converge = pytest.mark.property(pytest.mark.slow(ThreeNodes.TestCase))
ThreeNodesWithHours.TestCase.settings = settings(max_examples=examples(3), stateful_step_count=50,
                                                 **FUZZ_SETTINGS)
test_three_nodes_with_hours_converge = pytest.mark.property(pytest.mark.slow(ThreeNodesWithHours.TestCase))
