"""Convergence: three installations making random edits, deletes, exports and imports in random order,
with segments delivered twice, end with identical canonical dumps."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import delete, select

from partnerdesk.db.models import Contact, SyncSegment
from tests.fuzzing import FUZZ_SETTINGS, examples
from tests.sync.conftest import Node, clone_db

FIELDS = ("title", "notes", "mobile_phone", "on_call_notes")
VALUES = ("A", "B", "C", None, "Zoë Ørsted", "")
N_NODES = 3
_TEMPLATE: Path | None = None


def _template() -> Path:
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        from partnerdesk.db.capture import Actor
        from partnerdesk.db.uow import Database
        from partnerdesk.services import Services

        d = Path(tempfile.mkdtemp(prefix="pd-conv-template-"))
        db = Database(d / "t.sqlite3", Actor("t", "T"))
        Services(db).agreements.ensure_default_categories()
        db.close()
        _TEMPLATE = d / "t.sqlite3"
    return _TEMPLATE


class ThreeNodes(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pd-conv-"))
        self.share = self.dir / "share"
        self.share.mkdir()
        self.nodes = [Node(clone_db(_template(), self.dir / f"n{i}.sqlite3"), f"n{i}") for i in range(N_NODES)]
        self.contacts: list[str] = []

    @initialize()
    def setup_space(self):
        a = self.nodes[0]
        ag = a.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
        for i in range(3):
            self.contacts.append(a.sv.contacts.create(agency=ag.id, name=f"Person {i}").id)
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

    def teardown(self):
        try:
            for _ in range(3):
                for node in self.nodes:
                    st_ = node.sync.run_cycle()
                    assert st_.state == "synced", st_
            dumps = [node.dump() for node in self.nodes]
            assert dumps[0] == dumps[1] == dumps[2]
            assert all(not node.sync.status().quarantine for node in self.nodes)
        finally:
            for node in self.nodes:
                node.close()
            shutil.rmtree(self.dir, ignore_errors=True)


# `make test`: derandomized, the same 20 examples of up to 50 steps every run (about 930 steps, ~30 s; with the
# old merge these examples find the delete-vs-edit divergence pinned in test_delete_vs_edit.py, 10 x 25 did
# not). `make proof` (PARTNERDESK_PROOF=1): random seeds and ten times the examples (about 9,300 steps).
ThreeNodes.TestCase.settings = settings(max_examples=examples(20), stateful_step_count=50, **FUZZ_SETTINGS)
test_three_nodes_converge = pytest.mark.property(pytest.mark.slow(ThreeNodes.TestCase))
