import json

import pytest

from partnerdesk.app import open_context
from partnerdesk.errors import ImportFormatError, UserError


def _tables(data):
    return {k: v for k, v in data["tables"].items() if k != "audit_event"}


def test_export_import_export_is_lossless(demo_ctx, tmp_path, monkeypatch):
    first = tmp_path / "a.json"
    demo_ctx.services.interchange.export_json(first, include_personal=True)
    monkeypatch.setenv("PARTNERDESK_HOME", str(tmp_path / "other"))
    other = open_context()
    try:
        other.services.interchange.import_json(first)
        second = tmp_path / "b.json"
        other.services.interchange.export_json(second, include_personal=True)
    finally:
        other.close()
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert _tables(a) == _tables(b)
    assert {e["id"] for e in a["tables"]["audit_event"]} <= {e["id"] for e in b["tables"]["audit_event"]}
    assert len(a["tables"]["time_entry"]) >= 300


def test_export_leaves_personal_numbers_out_by_default(demo_ctx, tmp_path):
    path = tmp_path / "a.json"
    demo_ctx.services.interchange.export_json(path)
    data = json.loads(path.read_text())
    assert all(c["personal_phone"] is None for c in data["tables"]["contact"])
    assert data["personal_numbers_included"] is False


def test_import_refuses_a_non_empty_database_without_merge(demo_ctx, tmp_path):
    path = tmp_path / "a.json"
    demo_ctx.services.interchange.export_json(path)
    with pytest.raises(UserError, match="not empty"):
        demo_ctx.services.interchange.import_json(path)
    counts = demo_ctx.services.interchange.import_json(path, merge=True)
    assert counts["time_entry"] == 0  # nothing newer


@pytest.mark.parametrize("content,message", [
    ('{"format": "partnerdesk-export", "version": 1, "tables": {', "line 1, column"),
    ('{"hello": 1}', "not a partnerdesk export"),
    ('{"format": "partnerdesk-export", "version": 99, "tables": {}}', "newer"),
    ('{"format": "partnerdesk-export", "version": 1, "tables": {"agency": [{"id": "x", "code": 5}]}}',
     "must be text"),
    ('{"format": "partnerdesk-export", "version": 1, "tables": {"bogus": []}}', "unknown table"),
])
def test_malformed_json_is_refused_with_a_clear_message_and_nothing_written(ctx, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    before = ctx.services.interchange.export_data()["tables"]
    with pytest.raises(ImportFormatError, match=message):
        ctx.services.interchange.import_json(path)
    assert ctx.services.interchange.export_data()["tables"] == before
