"""The directory commands as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run(home, *args):
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow
def test_import_search_export_sheet_kit(home, samples, tmp_path):
    r = run(home, "contacts", "import", str(samples / "contacts-iphone.vcf"), "--dry-run")
    assert r.returncode == 0 and "would import 20" in r.stdout
    for f in ("contacts-outlook-ansi.csv", "contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf"):
        r = run(home, "contacts", "import", str(samples / f), "--json")
        assert r.returncode == 0, r.stderr
    r = run(home, "search", "5550120", "--json")
    hits = json.loads(r.stdout)
    assert {h["name"] for h in hits} == {"Leilani García-Ruiz", "Kwame Brooks"}
    lei = next(h for h in hits if h["name"] == "Leilani García-Ruiz")
    assert set(lei) >= {"name", "agency", "title", "skills", "phones"}
    assert {"kind": "work", "number": "(425) 555-0120"} in lei["phones"]
    kwame = next(h for h in hits if h["name"] == "Kwame Brooks")
    assert all(p["kind"] != "personal" for p in kwame["phones"])
    r = run(home, "search", "avaya", "--json")
    assert {h["name"] for h in json.loads(r.stdout)} >= {"Aiko Kowalski", "Hannah Dubois"}
    r = run(home, "contacts", "export", str(tmp_path / "out.csv"))
    assert r.returncode == 0 and "left out" in r.stdout
    r = run(home, "contacts", "sheet", str(tmp_path / "sheet.pdf"), "--layout", "wallet")
    assert r.returncode == 0 and (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    r = run(home, "outage-kit", str(tmp_path / "kit"))
    assert r.returncode == 0 and (tmp_path / "kit" / "directory.html").exists()
    r = run(home, "contacts", "list", "--skill", "cisco", "--json")
    assert r.returncode == 0 and all("personal_phone" not in c for c in json.loads(r.stdout))


def test_bad_file_is_a_user_error(home, tmp_path):
    f = tmp_path / "empty.vcf"
    f.write_bytes(b"")
    r = run(home, "contacts", "import", str(f))
    assert r.returncode == 2 and r.stderr.strip() == "partnerdesk: error: empty.vcf: the file is empty"
    r = run(home, "contacts", "list", "--json")
    assert json.loads(r.stdout) == []
