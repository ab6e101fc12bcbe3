"""Several processes at once on one folder, and two real installations with the OS keyring."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import textwrap

import pytest

from tests.e2e.conftest import secret_service_env
from tests.sync.conftest import Node, clone_db

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _worker(path, name, share, code, barrier, key_lock, n_contacts):
    try:
        node = Node(path, name)
        barrier.wait(timeout=60)
        with key_lock:  # the test's file keyring is not safe for concurrent writers (the OS keyring is)
            node.sync.join(share, code=code)  # asks to join: the founder (another process) admits it
        barrier.wait(timeout=120)  # all three asked
        barrier.wait(timeout=120)  # all three admitted
        node.sync.run_cycle()
        ag = node.sv.agencies.get("EDM")
        for i in range(n_contacts):
            node.sv.contacts.create(agency=ag.id, name=f"{name} contact {i}")
            node.sync.run_cycle()
        node.sv.agencies.update(ag.id, notes=f"edited by {name}")
        for _ in range(3):
            node.sync.run_cycle()
        node.close()
        os._exit(0)
    except BaseException:  # pragma: no cover - reported through the exit code
        import traceback

        traceback.print_exc()
        os._exit(3)


def test_three_processes_sync_one_folder_at_once(make_node, share, _empty_template, tmp_path, monkeypatch):
    import keyring

    from tests.e2e.session_keyring import SessionKeyring

    # one keyring for all the processes (a file, as the OS keyring is one store): the workers' keys must outlive
    # them, since each node's key also opens the space key it holds
    monkeypatch.setenv("PARTNERDESK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    keyring.set_keyring(SessionKeyring())
    founder = make_node("founder")
    founder.sv.agencies.create(name="City of Edmonds", code="EDM", kind="city")
    code = founder.sync.init(share).extra["join_code"]
    founder.close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    paths = [clone_db(_empty_template, tmp_path / f"p{i}.sqlite3") for i in range(3)]
    key_lock = ctx.Lock()
    procs = [ctx.Process(target=_worker, args=(paths[i], f"p{i}", share, code, barrier, key_lock, 3))
             for i in range(3)]
    for p in procs:
        p.start()
    barrier.wait(timeout=60)  # they start together...
    barrier.wait(timeout=120)  # ...ask to join...
    founder.open()
    assert len(founder.sync.pending()) == 3
    for p in founder.sync.pending():  # ...and the founder admits the three
        founder.sync.admit(p.node)
    barrier.wait(timeout=120)
    for p in procs:
        p.join(timeout=240)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    nodes = [founder] + [Node(p, f"p{i}") for i, p in enumerate(paths)]
    try:
        for _ in range(2):
            for n in nodes:
                st = n.sync.run_cycle(direction="import")
                assert st.state == "synced" and st.quarantined == 0, st
        dumps = [n.dump() for n in nodes]
        assert all(d == dumps[0] for d in dumps)
        names = {c["name"] for c in dumps[0]["contact"]}
        assert {f"p{i} contact {k}" for i in range(3) for k in range(3)} <= names
    finally:
        for n in nodes[1:]:
            n.close()


E2E = textwrap.dedent("""
    set -e
    eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    py() { "$PYTHON" -m partnerdesk "$@"; }
    "$PYTHON" -c 'import keyring; print("BACKEND", type(keyring.get_keyring()).__module__)'
    PARTNERDESK_HOME="$WORK/a" py demo
    PARTNERDESK_HOME="$WORK/a" py sync init "$WORK/share" --json > "$WORK/a-init.json"
    code=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["join_code"])' "$WORK/a-init.json")
    PARTNERDESK_HOME="$WORK/b" py sync join "$WORK/share" --code "$code"
    node=$(PARTNERDESK_HOME="$WORK/a" py sync pending --json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["node"])')
    PARTNERDESK_HOME="$WORK/a" py sync admit "$node"
    PARTNERDESK_HOME="$WORK/b" py sync run
    PARTNERDESK_HOME="$WORK/b" py agencies list --json > "$WORK/b-agencies.json"
    PARTNERDESK_HOME="$WORK/a" py sync run
    PARTNERDESK_HOME="$WORK/a" py sync status --json > "$WORK/a-status.json"
    PARTNERDESK_HOME="$WORK/b" py sync status --json > "$WORK/b-status.json"
    "$PYTHON" -c 'import keyring; print("KEYS", sum(1 for _ in keyring.get_keyring().get_preferred_collection().search_items({"service": "partnerdesk-sync"})))'
    "$PYTHON" - > "$WORK/secrets.txt" <<'PY'
import keyring
coll = keyring.get_keyring().get_preferred_collection()
for item in coll.search_items({"service": "partnerdesk-sync"}):
    print(item.get_secret().decode())
PY
""")


@pytest.mark.slow
def test_two_installations_with_the_real_os_keyring(tmp_path):
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("needs Debian's dbus and gnome-keyring (installed by .ci/run) for a real Secret Service")
    work = tmp_path / "e2e"
    (work / "share").mkdir(parents=True)
    env = secret_service_env(work, REPO)
    proc = subprocess.run(["dbus-run-session", "--", "bash", "-c", E2E], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BACKEND keyring.backends.SecretService" in proc.stdout, proc.stdout
    assert "KEYS 2" in proc.stdout, proc.stdout  # one private key per installation, in the OS keyring
    agencies = json.loads((work / "b-agencies.json").read_text())
    assert {a["code"] for a in agencies} >= {"LYN", "EDM", "SNO"}
    a_status = json.loads((work / "a-status.json").read_text())
    b_status = json.loads((work / "b-status.json").read_text())
    for st in (a_status, b_status):
        assert st["state"] == "synced" and st["quarantined"] == [] and st["conflicts"] == 0
        assert st["clock_warning"] is None and st["awaiting_approval"] == []
        assert len(st["nodes"]) == 2 and set(st) >= {"state", "last_sync", "quarantined", "conflicts", "nodes"}
    # the private keys live only in the keyring: not in either database, log or the share
    secrets = [line.encode() for line in (work / "secrets.txt").read_text().split() if line]
    assert len(secrets) == 2
    for folder in (work / "a", work / "b", work / "share"):
        for p in folder.rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                assert not any(sec in data for sec in secrets), p
