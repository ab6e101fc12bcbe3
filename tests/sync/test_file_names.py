"""Path traversal (issue 14, "Under attack"): a synced agency code ``../../pwn`` made ``statements issue`` write
outside ``--out``. The code is refused at sync (the validator ``agencies add`` uses); and whatever a number or
code holds, a file name built from data stays inside the folder the user chose (fsutil.safe_file_stem)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from partnerdesk.db.models import Agency
from partnerdesk.domain.periods import Quarter
from partnerdesk.fsutil import file_in, safe_file_stem
from tests.sync.conftest import sync_all
from tests.sync.test_frozen_through_sync import _forge
from tests.sync.test_invalid_values import _cli


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_synced_code_that_climbs_out_of_the_folder_is_refused_and_files_stay_inside(
        make_node, share, demo_template, tmp_path, capsys):
    a = make_node("lyn", template=demo_template)
    b = make_node("edm")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    with a.db.read() as s:
        edm = s.scalar(select(Agency.id).where(Agency.code == "EDM"))
    _forge(b, "agency", edm, {"code": "../../pwn"})
    sync_all([b, a])
    with a.db.read() as s:
        assert s.get(Agency, edm).code == "EDM"
    assert any(q.status == "invalid" and q.name.endswith("/code") and q.node == b.db.node_id
               for q in a.sync.status().quarantine)

    # even a code that got in some other way (an old database, a hand-edited file) names no folder
    a.close()
    con = sqlite3.connect(a.path)
    con.execute("UPDATE agency SET code = '../../pwn' WHERE is_home = 1")
    con.commit()
    con.close()
    a.open()
    work = tmp_path / "work"
    out = work / "a" / "b" / "out"
    out.mkdir(parents=True)
    quarter = str(Quarter.of(a.db.clock.today()).previous())
    code, text = _cli(capsys, a, "statements", "issue", "--quarter", quarter, "--all", "--out", str(out))
    assert code == 0, text
    written = _files(work)
    assert written and all(f.startswith("a/b/out/") and f.count("/") == 3 for f in written), written
    assert any("pwn" in f for f in written)


def test_one_rule_names_files_built_from_data(tmp_path):
    assert safe_file_stem("../../pwn-2026-0001") == "pwn-2026-0001"
    assert safe_file_stem("..") == "document" and safe_file_stem("") == "document"
    assert safe_file_stem("a/b\\c:d") == "a-b-c-d"
    for text in ("../../x", "/etc/passwd", "..\\..\\x", "C:\\x", "\x00"):
        assert file_in(tmp_path, text, ".pdf").parent == tmp_path
