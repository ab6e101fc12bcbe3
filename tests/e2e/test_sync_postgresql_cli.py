"""Three installations syncing through a real PostgreSQL server, the CLI only, the real Secret Service
keyring (gnome-keyring under dbus-run-session): init with the password from PGPASSWORD, then the keyring alone;
join with the code, admission, concurrent work, identical exports, and a status that never shows the
password (issue 21)."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.e2e.conftest import days_ago, secret_service_env
from tests.e2e.test_sync_three_installations import _comparable
from tests.pgserver import PASSWORD

REPO = str(Path(__file__).resolve().parents[2])

SCRIPT = textwrap.dedent("""
    set -e
    eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    py() { home=$1; shift; PARTNERDESK_HOME="$WORK/$home" "$PYTHON" -m partnerdesk "$@"; }
    field() { "$PYTHON" -c 'import json, sys; print(eval("json.load(sys.stdin)" + sys.argv[1]))' "$1"; }
    py a demo > /dev/null
    PGPASSWORD="$SECRET" py a sync init "$URL" --json > "$WORK/a-init.json"
    code=$(field '["join_code"]' < "$WORK/a-init.json")
    # from here on the password comes from the keyring alone
    py b sync join "$URL" --code "$code" --agency EDM > /dev/null
    py c sync join "$URL" --code "$code" --agency SNO > /dev/null
    py a sync pending --json > "$WORK/a-pending.json"
    for n in $(field '[0]["node"]' < "$WORK/a-pending.json") $(field '[1]["node"]' < "$WORK/a-pending.json"); do
        py a sync admit "$n"
    done
    py b sync run > /dev/null
    py c sync run > /dev/null
    py a hours log --partner EDM --direction given --date "$D1" --hours 2 > /dev/null
    py b hours log --partner LYN --direction given --date "$D1" --hours 3 > /dev/null
    py c hours log --partner LYN --direction given --date "$D2" --hours 1.5 > /dev/null
    for round in 1 2; do
        for n in a b c; do py $n sync run > /dev/null; done
    done
    for n in a b c; do
        py $n sync status --json > "$WORK/$n-status.json"
        py $n sync status > "$WORK/$n-status.txt"
        py $n export json "$WORK/$n-export.json" > /dev/null
    done
""")


@pytest.mark.slow
def test_three_installations_sync_through_a_server_with_the_password_in_the_keyring(tmp_path, pg):
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("needs Debian's dbus and gnome-keyring (installed by .ci/run) for a real Secret Service")
    work = tmp_path / "e2e"
    work.mkdir()
    env = secret_service_env(work, REPO, D1=days_ago(3), D2=days_ago(4), URL=pg.url(), SECRET=PASSWORD)
    env.pop("PGPASSWORD", None)
    proc = subprocess.run(["dbus-run-session", "--", "bash", "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for n in "abc":
        st = json.loads((work / f"{n}-status.json").read_text())
        assert st["state"] == "synced" and st["transport"] == "postgresql" and st["folder"] == pg.url(), st
        assert len(st["nodes"]) == 3
        assert PASSWORD not in (work / f"{n}-status.txt").read_text() + json.dumps(st)
        assert "Server:" in (work / f"{n}-status.txt").read_text()
    exports = {n: _comparable(work / f"{n}-export.json") for n in "abc"}
    assert exports["a"] == exports["b"] == exports["c"]
    hours = sorted(e["minutes"] for e in exports["a"]["time_entry"] if e["work_date"] in (days_ago(3), days_ago(4)))
    assert {90, 120, 180} <= set(hours)
    assert PASSWORD not in proc.stdout + proc.stderr
