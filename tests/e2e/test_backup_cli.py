"""`partnerdesk backup`, `restore`, the damaged-database message and `selftest`, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.e2e.conftest import days_ago


def run(home, *args, env: dict | None = None):
    env = dict(os.environ, PARTNERDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "partnerdesk", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_backup_restore_round_trip(home, tmp_path, _demo_template):
    home.mkdir(parents=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    entries = len(json.loads(run(home, "hours", "list", "--json").stdout))  # the demo's, seeded for today
    r = run(home, "backup", str(tmp_path / "copy.sqlite3"))
    assert r.returncode == 0, r.stderr
    assert "Backed up" in r.stdout
    r = run(home, "hours", "log", "--partner", "EDM", "--direction", "given", "--date", days_ago(5), "--hours", "3")
    assert r.returncode == 0, r.stderr
    r = run(home, "restore", str(tmp_path / "copy.sqlite3"))
    assert r.returncode == 0, r.stderr
    assert "kept at" in r.stdout
    r = run(home, "hours", "list", "--json")
    assert len(json.loads(r.stdout)) == entries  # the entry logged after the backup is gone with the restore
    r = run(home, "backup", "--list", "--json")
    kinds = {b["kind"] for b in json.loads(r.stdout)}
    assert {"pre-restore", "daily"} <= kinds


def test_restore_of_a_bad_file_is_a_clear_error(home, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database")
    r = run(home, "restore", str(bad))
    assert r.returncode == 2
    assert r.stderr.startswith("partnerdesk: error:") and "not an SQLite file" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_damaged_database_names_the_backup_and_the_command(home, _demo_template):
    home.mkdir(parents=True)
    db = home / "partnerdesk.sqlite3"
    shutil.copy(_demo_template, db)
    entries = len(json.loads(run(home, "hours", "list", "--json").stdout))
    assert run(home, "backup").returncode == 0
    data = bytearray(db.read_bytes())
    for n in range(3, 10):
        data[n * 4096 + 50:n * 4096 + 900] = b"\xff" * 850
    db.write_bytes(bytes(data))
    r = run(home, "hours", "list")
    assert r.returncode == 2, r.stderr
    assert "damaged and was not opened" in r.stderr and "partnerdesk restore" in r.stderr
    backup = r.stderr.split('partnerdesk restore "')[1].split('"')[0]
    r = run(home, "restore", backup)
    assert r.returncode == 0, r.stderr
    r = run(home, "hours", "list", "--json")
    assert r.returncode == 0 and len(json.loads(r.stdout)) == entries


def _with_keyring(home, backend: str) -> dict:
    """The environment of a PC whose keyring is ``backend`` (the tests' stand-in for the OS keyring)."""
    here = os.path.dirname(__file__)
    keyring_file = home.parent / "os-keyring" / "keyring.json"  # outside every data folder
    return dict(PYTHON_KEYRING_BACKEND=backend, PARTNERDESK_TEST_KEYRING=str(keyring_file),
                PYTHONPATH=os.pathsep.join([here] + [p for p in [os.environ.get("PYTHONPATH")] if p]))


def test_selftest_passes_and_leaves_no_data_behind(home):
    r = run(home, "selftest", env=_with_keyring(home, "session_keyring.SessionKeyring"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all steps passed" in r.stdout and "keyring" in r.stdout
    assert not (home / "partnerdesk.sqlite3").exists(), "the self-test never touches the user's database"


def test_selftest_fails_without_a_keyring_and_says_what_to_do(home):
    r = run(home, "selftest", env=_with_keyring(home, "keyring.backends.fail.Keyring"))
    assert r.returncode == 1
    line = next(x for x in r.stdout.splitlines() if "keyring" in x.split()[1:2])
    assert line.startswith("FAIL") and "No secure keyring was found" in line and "run the self-test again" in line
    assert "keyring.backends" not in r.stdout  # the backend's class name is for the log, not the user
    assert "1 step FAILED" in r.stderr


def test_backup_of_a_damaged_database_exits_2_and_keeps_the_good_backups(home, _demo_template):
    home.mkdir(parents=True)
    db = home / "partnerdesk.sqlite3"
    shutil.copy(_demo_template, db)
    assert run(home, "backup").returncode == 0
    good = sorted((home / "backups").iterdir())
    data = bytearray(db.read_bytes())
    for n in range(3, 10):
        data[n * 4096 + 50:n * 4096 + 900] = b"\xff" * 850
    db.write_bytes(bytes(data))
    r = run(home, "backup")
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "damaged and no backup was made" in r.stderr and str(good[-1]) in r.stderr
    assert sorted((home / "backups").iterdir()) == good


def test_a_foreign_sqlite_file_or_a_device_given_with_db_is_refused_untouched(home, tmp_path):
    import sqlite3

    foreign = tmp_path / "inventory.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE printers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    for args in (["hours", "list"], ["backup"], ["audit"]):
        r = run(home, "--db", str(foreign), *args)
        assert r.returncode == 2, r.stderr
        assert "not a partnerdesk database" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert foreign.read_bytes() == before and before[18:20] == b"\x01\x01", "never switched to WAL"
    r = run(home, "--db", "/dev/null", "hours", "list")
    assert r.returncode == 2 and "not a database file" in r.stderr, r.stderr


def test_a_killed_backup_leaves_a_part_file_that_the_next_start_removes(home, _demo_template):
    import signal
    import sqlite3
    import time

    home.mkdir(parents=True)
    db = home / "partnerdesk.sqlite3"
    shutil.copy(_demo_template, db)
    conn = sqlite3.connect(db)  # make the copy take a while: 150 MB of padding
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (randomblob(1000000))", [()] * 150)
    conn.commit()
    conn.close()
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "partnerdesk", "backup"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((home / "backups").glob("*.part")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    parts = list((home / "backups").glob("*.part"))
    assert parts, "the backup was killed while it wrote its copy"
    assert not list((home / "backups").glob("manual-*.sqlite3")), "a killed backup is never given a name"
    r = run(home, "backup", "--list")
    assert r.returncode == 0, r.stderr
    assert not any(p.exists() for p in parts)


HOLDER = ("import sys\nfrom partnerdesk.app import open_context\n"
          "ctx = open_context(purpose='partnerdesk sync run')\nctx.services.hours.list()\n"
          "print('ready', flush=True)\nsys.stdin.readline()\nctx.close()\n")


def test_restore_refuses_while_another_process_has_the_database_open(home, tmp_path, _demo_template):
    import signal

    home.mkdir(parents=True)
    shutil.copy(_demo_template, home / "partnerdesk.sqlite3")
    assert run(home, "backup", str(tmp_path / "copy.sqlite3")).returncode == 0
    env = dict(os.environ, PARTNERDESK_HOME=str(home))
    with subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout.readline().strip() == "ready"
            before = (home / "partnerdesk.sqlite3").read_bytes()
            r = run(home, "restore", str(tmp_path / "copy.sqlite3"))
            assert r.returncode == 2, r.stderr
            assert len(r.stderr.strip().splitlines()) == 1
            assert f"process {holder.pid} (partnerdesk sync run)" in r.stderr
            assert (home / "partnerdesk.sqlite3").read_bytes() == before
            assert not list((home / "backups").glob("pre-restore-*")), "a refused restore touches nothing"
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(timeout=60) == 0
        finally:
            if holder.poll() is None:
                holder.kill()
    r = run(home, "restore", str(tmp_path / "copy.sqlite3"))
    assert r.returncode == 0, r.stderr
    # a holder that is killed (no clean close) does not block a restore
    with subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as holder:
        assert holder.stdout.readline().strip() == "ready"
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    r = run(home, "restore", str(tmp_path / "copy.sqlite3"))
    assert r.returncode == 0, r.stderr
