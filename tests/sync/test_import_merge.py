"""``import json --merge`` is a write like any other: what it adds or changes is published (issue 14, 10)."""

from __future__ import annotations

from tests.sync.conftest import sync_all


def test_merged_import_is_published_to_the_other_nodes(make_node, share, demo_template, tmp_path):
    a = make_node("alice", template=demo_template)
    b = make_node("bob")
    other = make_node("carol", template=demo_template)  # an installation outside the space
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    c = other.sv.contacts.list()[0]
    other.sv.contacts.update(c.id, title="Imported Title")
    new = other.sv.contacts.create(agency="EDM", name="Pat Imported", work_phone="425-555-0199")
    export = tmp_path / "carol.json"
    other.sv.interchange.export_json(export, include_personal=True)

    a.sv.interchange.import_json(export, merge=True)
    assert next(x for x in a.sv.contacts.list() if x.id == c.id).title == "Imported Title"
    sync_all([a, b])
    assert next(x for x in b.sv.contacts.list() if x.id == c.id).title == "Imported Title"
    assert any(x.id == new.id and x.name == "Pat Imported" for x in b.sv.contacts.list())
    assert a.dump() == b.dump()
