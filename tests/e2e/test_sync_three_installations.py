"""Three installations, three PARTNERDESK_HOME folders, the CLI only, the real Secret Service keyring
(gnome-keyring under dbus-run-session): init, a refused wrong code, join with the code, admission, concurrent
work, a restored local backup, a segment deleted from the share, and identical exports at the end (issue 14)."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.e2e.conftest import days_ago, secret_service_env

REPO = str(Path(__file__).resolve().parents[2])

SCRIPT = textwrap.dedent("""
    set -e
    eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    py() { home=$1; shift; PARTNERDESK_HOME="$WORK/$home" "$PYTHON" -m partnerdesk "$@"; }
    field() { "$PYTHON" -c 'import json, sys; print(eval("json.load(sys.stdin)" + sys.argv[1]))' "$1"; }
    py a demo > /dev/null
    py a sync init "$WORK/share" --json > "$WORK/a-init.json"
    code=$(field '["join_code"]' < "$WORK/a-init.json")
    # a code that does not match the founder's key: refused with one line, exit 2
    set +e
    wrong=$("$PYTHON" -c 'import sys; c = sys.argv[1]; print(c[:-1] + ("B" if c[-1] == "A" else "A"))' "$code")
    py b sync join "$WORK/share" --code "$wrong" 2> "$WORK/b-wrong.err"
    echo "WRONG_CODE_EXIT $?"
    set -e
    py b sync join "$WORK/share" --code "$code" --agency EDM > "$WORK/b-join.txt"
    py c sync join "$WORK/share" --code "$code" --agency SNO > /dev/null
    py b sync status --json > "$WORK/b-before.json"
    py a sync pending --json > "$WORK/a-pending.json"
    for n in $(field '[0]["node"]' < "$WORK/a-pending.json") $(field '[1]["node"]' < "$WORK/a-pending.json"); do
        py a sync admit "$n"
    done
    py b sync run > /dev/null
    py c sync run > /dev/null
    # concurrent work on all three, each for its own agency, before anyone syncs
    py a hours log --partner EDM --direction given --date "$D1" --hours 2 > /dev/null
    py b hours log --partner LYN --direction given --date "$D1" --hours 3 > /dev/null
    py c hours log --partner LYN --direction given --date "$D2" --hours 1.5 > /dev/null
    for round in 1 2; do
        for n in a b c; do py $n sync run > /dev/null; done
    done
    # bob restores last week's backup after publishing more work: he takes his own work back from the share
    py b backup "$WORK/b-backup.sqlite3" > /dev/null
    py b hours log --partner LYN --direction given --date "$D2" --hours 4 > /dev/null
    py b sync run > /dev/null
    py b restore "$WORK/b-backup.sqlite3" > /dev/null
    py b sync run > /dev/null
    py b sync status --json > "$WORK/b-restored.json"
    # someone deletes carol's first segment from the share: carol publishes it again under a new name
    cnode=$(py c sync status --json | field '["node"]')
    first=$(ls "$WORK/share/partnerdesk-space/nodes/$cnode"/seg-*.pds | head -1)
    rm "$first"
    echo "DELETED $first"
    for round in 1 2; do
        for n in c a b; do py $n sync run > /dev/null; done
    done
    for n in a b c; do
        py $n sync status --json > "$WORK/$n-status.json"
        py $n export json "$WORK/$n-export.json" > /dev/null
    done
    "$PYTHON" -c 'import keyring; print("BACKEND", type(keyring.get_keyring()).__module__)'
""")


def _comparable(path: Path) -> dict:
    """What every replica must hold alike: every table and field but the local audit trail and the one
    per-installation field (which agency is home)."""
    tables = json.loads(path.read_text())["tables"]
    del tables["audit_event"]
    for row in tables["agency"]:
        row.pop("is_home", None)
    return tables


@pytest.mark.slow
def test_three_installations_join_with_the_code_are_admitted_and_end_identical(tmp_path):
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("needs Debian's dbus and gnome-keyring (installed by .ci/run) for a real Secret Service")
    work = tmp_path / "e2e"
    (work / "share").mkdir(parents=True)
    env = secret_service_env(work, REPO, D1=days_ago(3), D2=days_ago(4))
    proc = subprocess.run(["dbus-run-session", "--", "bash", "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BACKEND keyring.backends.SecretService" in proc.stdout, proc.stdout
    # the wrong code: exit 2, one line naming the problem
    assert "WRONG_CODE_EXIT 2" in proc.stdout
    wrong = (work / "b-wrong.err").read_text().strip().splitlines()
    assert len(wrong) == 1 and "does not match the join code" in wrong[0], wrong
    # before admission: bob waits, and says so; the founder sees both requests with fingerprints
    assert "fingerprint" in (work / "b-join.txt").read_text()
    before = json.loads((work / "b-before.json").read_text())
    assert before["state"] == "awaiting approval" and before["awaiting_approval"][0]["is_self"]
    pending = json.loads((work / "a-pending.json").read_text())
    assert sorted(p["agency"] for p in pending) == ["EDM", "SNO"] and all(p["fingerprint"] for p in pending)
    # at the end: all synced, three nodes with names people recognise, identical exports
    statuses = {n: json.loads((work / f"{n}-status.json").read_text()) for n in "abc"}
    for st in statuses.values():
        assert st["state"] == "synced", st
        assert st["quarantined"] == [] and st["awaiting_approval"] == [] and st["clock_warning"] is None
        assert len(st["nodes"]) == 3
    names = sorted(n["name"] for n in statuses["a"]["nodes"])
    assert any(" — City of Edmonds (" in n for n in names) and any(" — Snohomish County (" in n for n in names), \
        names
    exports = {n: _comparable(work / f"{n}-export.json") for n in "abc"}
    assert exports["a"] == exports["b"] == exports["c"]
    hours = sorted(e["minutes"] for e in exports["a"]["time_entry"] if e["work_date"] in (days_ago(3), days_ago(4)))
    assert {90, 120, 180, 240} <= set(hours)  # bob's 4 hours, published before his restore, are still there
    # the restored backup took bob's own work back: no fork, nothing lost
    restored = json.loads((work / "b-restored.json").read_text())
    assert restored["state"] == "synced" and not any("fork" in p for p in restored["problems"]), restored
    # the deleted segment was published again under another name; the deleted file itself never came back
    (deleted,) = [line.split(" ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("DELETED ")]
    assert not Path(deleted).exists()
