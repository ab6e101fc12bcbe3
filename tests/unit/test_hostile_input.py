"""Issue 17: every bad input is refused with exit 2 (one line, nothing written), never accepted and never a
traceback. The JSON import at any depth and size, --limit, --db, dates, categories, unwritable folders."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import time
import tracemalloc

import pytest

from fuzzing import db_digest

from partnerdesk.errors import ImportFormatError, UserError


def _cli(*argv: str) -> tuple[int, str, str]:
    from partnerdesk.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def export(tmp_path):
    """A small export (two agencies, a contact, an agreement with a rate, a favour, a statement PDF row)."""
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    db = Database(tmp_path / "source.sqlite3", Actor("t", "T"))
    s = Services(db)
    s.agreements.ensure_default_categories()
    s.agencies.create(name="City of Lynnwood", code="LYN", is_home=True)
    s.agencies.create(name="City of Edmonds", code="EDM")
    s.contacts.create(agency="EDM", name="Pat Example", email="pat@edmonds.example.gov")
    s.agreements.create(parties=[("LYN", "provider"), ("EDM", "recipient")], number="ILA-1", title="IT help",
                        kind="reciprocal", effective_date="2026-01-01")
    s.agreements.add_rate("ILA-1", effective_from="2026-01-01", hourly_rate_cents=9500)
    s.hours.log(partner="EDM", direction="given", work_date="2026-03-02", hours="2")
    data = s.interchange.export_data(include_personal=True)
    db.close()
    return data


def _refused(ctx, tmp_path, data, match: str) -> str:
    path = tmp_path / "in.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    before = db_digest(ctx.paths.db_path)
    with pytest.raises(ImportFormatError, match=match) as info:
        ctx.services.interchange.import_json(path, merge=True)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
    assert db_digest(ctx.paths.db_path) == before
    return str(info.value)


def _row(data, table, i=0):
    return data["tables"][table][i]


@pytest.mark.parametrize("table, field, value, match", [
    ("contact", "name", {"$b64": "QUJD"}, "must be text"),
    ("agency", "fy_start_month", 13, "from 1 to 12"),
    ("agency", "fy_start_month", 0, "from 1 to 12"),
    ("contact", "name", "Pat\x00Example", "control character"),
    ("agency", "code", "C" * 5000, "longer than 12"),
    ("agency", "created_at", "2026-03-01T12:00:00", "time zone"),
    ("agency", "updated_at", "2026-03-01T12:00:00.000", "time zone"),
    ("time_entry", "work_date", "0001-01-01", "1900 to 2100"),
    ("time_entry", "minutes", 2 ** 70, "from"),
    ("time_entry", "minutes", "120", "whole number"),
    ("agency", "logo_image", "iVBORw0KGgo=", "binary data"),
    ("agency", "is_home", 1, "true or false"),
])
def test_import_json_refuses_each_bad_value(ctx, export, tmp_path, table, field, value, match):
    _row(export, table)[field] = value
    _refused(ctx, tmp_path, export, match)


def test_a_string_in_the_pdf_column_is_refused(ctx, export, tmp_path):
    from partnerdesk.db.models import Base

    binary = [c.name for c in Base.metadata.tables["statement_document"].columns
              if c.type.__class__.__name__ == "LargeBinary"]
    assert binary, "the statement PDF column is binary"
    export["tables"]["statement_document"] = [{"id": "01a00000-0000-7000-8000-000000000001",
                                               binary[0]: "JVBERi0xLjQK"}]
    _refused(ctx, tmp_path, export, "binary data")


def test_huge_integers_and_deep_nesting_are_refused_quickly(ctx, export, tmp_path):
    text = json.dumps(export).encode()
    five_thousand_digits = text.replace(b'"fy_start_month": 1', b'"fy_start_month": ' + b"9" * 5000, 1)
    assert five_thousand_digits != text
    _refused(ctx, tmp_path, five_thousand_digits, "not a partnerdesk export")
    for deep in (b"[" * 1_000_000 + b"]" * 1_000_000, b'{"tables": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001):
        started = time.monotonic()
        _refused(ctx, tmp_path, deep, "nested far deeper")
        assert time.monotonic() - started < 5


def test_an_oversized_file_is_refused_before_it_is_read(ctx, tmp_path):
    from partnerdesk.services.interchange import MAX_IMPORT_BYTES

    big = tmp_path / "big.json"
    with open(big, "wb") as f:  # sparse: no disk used, but stat says more than the limit
        f.truncate(MAX_IMPORT_BYTES + 1)
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ImportFormatError, match="more than an export can be"):
        ctx.services.interchange.import_json(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 2 and peak < 10 * 2 ** 20


def test_cli_import_json_of_hostile_files_exits_2(ctx, export, tmp_path):
    ctx.close()
    export["tables"]["agency"][0]["fy_start_month"] = 13
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(export))
    code, _, err = _cli("import", "json", str(path), "--merge")
    assert code == 2 and err.startswith("partnerdesk: error: ") and "fy_start_month" in err
    path.write_bytes(b"[" * 200_000)
    code, _, err = _cli("import", "json", str(path))
    assert code == 2 and "nested" in err


@pytest.mark.parametrize("argv, match", [
    (["hours", "log", "--partner", "EDM", "--direction", "given", "--date", "0001-01-01", "--hours", "1"],
     "outside 1900–2100"),
    (["hours", "log", "--partner", "EDM", "--direction", "given", "--date", "2101-01-01", "--hours", "1"],
     "outside 1900–2100"),
    (["hours", "list", "--category", "NOPE"], "unknown 'NOPE'"),
    (["hours", "list", "--partner", "NOPE"], "unknown partner"),
    (["hours", "list", "--quarter", "9999Q1"], "outside 1900–2100"),
    (["audit", "--limit", "99999999999999999999999"], "--limit"),
    (["search", "pat", "--limit", "99999999999999999999999"], "--limit"),
    (["--db", "/dev/null", "hours", "list"], "not a database file"),
])
def test_bad_command_lines_exit_2(demo_ctx, argv, match):
    demo_ctx.close()
    before = db_digest(demo_ctx.paths.db_path)
    code, out, err = _cli(*argv)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and match in err, err
    assert db_digest(demo_ctx.paths.db_path) == before


def test_a_known_category_still_filters(demo_ctx):
    demo_ctx.close()
    code, out, err = _cli("hours", "list", "--category", "net", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and {r["category_code"] for r in rows} == {"NET"}


def _lock_folder(path) -> bool:
    if os.geteuid() != 0:
        path.chmod(0o555)
        return True
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def _unlock_folder(path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o755)
    else:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def test_exports_to_an_unwritable_folder_exit_2_naming_the_folder(demo_ctx, tmp_path):
    demo_ctx.close()
    folder = tmp_path / "locked"
    folder.mkdir()
    if not _lock_folder(folder):
        pytest.skip("cannot make a folder read-only here")
    try:
        commands = [["export", "json", f"{folder}/x.json"], ["contacts", "export", f"{folder}/c.vcf"],
                    ["contacts", "export", f"{folder}/c.csv"], ["contacts", "sheet", f"{folder}/s.pdf"],
                    ["outage-kit", f"{folder}/kit"], ["outage-kit", str(folder)], ["backup", f"{folder}/b.sqlite3"],
                    ["statements", "account", "EDM", f"{folder}/a.pdf"], ["export", "json", f"{folder}/sub/x.json"]]
        for argv in commands:
            code, _, err = _cli(*argv)
            assert code == 2, (argv, err)
            assert len(err.strip().splitlines()) == 1 and str(folder) in err, (argv, err)
        assert list(folder.iterdir()) == []
    finally:
        _unlock_folder(folder)


def test_an_os_error_without_a_path_is_still_a_bug():
    from partnerdesk.cli import os_error_message

    assert os_error_message(OSError(5, "Input/output error")) is None
    assert "folder /x" in os_error_message(PermissionError(13, "Permission denied", "/x/.tmp-123"))
    assert issubclass(ImportFormatError, UserError)


def test_an_output_that_is_a_device_is_refused_and_left_alone(demo_ctx, tmp_path):
    """`export json /dev/null` run as root replaced /dev/null with a regular file. A FIFO stands in for it."""
    import stat

    demo_ctx.close()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for argv in (["export", "json", str(pipe)], ["contacts", "export", str(pipe)], ["contacts", "sheet", str(pipe)]):
        code, _, err = _cli(*argv)
        assert code == 2 and "is not a regular file" in err, (argv, err)
        assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
