"""The desktop app opens an up-to-date database without SQLAlchemy and loads the rest on first use."""

import shutil
import subprocess
import sys

from partnerdesk.app import open_context
from partnerdesk.db.actor import Actor
from partnerdesk.db.uow import Database
from tests.conftest import TODAY


def _demo(home, template):
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, home / "partnerdesk.sqlite3")
    return home / "partnerdesk.sqlite3"


def test_the_first_window_reads_its_figures_without_loading_sqlalchemy(home, _demo_template):
    _demo(home, _demo_template)
    code = ("import sys\n"
            "from partnerdesk.app import open_context\n"
            "ctx = open_context(lazy=True)\n"
            "b = ctx.services.balances\n"
            "b.current_fiscal_year()\n"  # as the window asks; the figures are the demo's year (a real-clock process)
            f"fy = {TODAY.year}\n"
            "rows = b.balances(fy); q = b.hours_by_quarter(fy)\n"
            "print(len(rows), sum(x['minutes_given'] for x in q) > 0, ctx.db.is_empty(), 'sqlalchemy' in sys.modules)\n"
            "ctx.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["7", "True", "False", "False"]


def test_a_lazily_opened_database_gives_the_same_figures_and_opens_on_first_use(home, _demo_template):
    _demo(home, _demo_template)
    lazy = open_context(lazy=True)
    assert not lazy.db.is_open
    figures = lazy.services.balances.balances(2026)
    assert not lazy.db.is_open  # reading the dashboard's figures did not need the engine
    entries = lazy.services.hours.list()  # any ORM read opens it
    assert lazy.db.is_open and entries
    lazy.close()
    eager = open_context()
    assert eager.db.is_open
    assert eager.services.balances.balances(2026) == figures
    eager.close()


def test_first_use_runs_the_deferred_reference_data_check(home, _demo_template):
    import sqlite3

    path = _demo(home, _demo_template)
    con = sqlite3.connect(path)
    con.execute("DELETE FROM mileage_rate")  # as if an older version had not shipped them
    con.commit()
    con.close()
    ctx = open_context(lazy=True)
    assert not ctx.db.is_open
    ctx.db.open()
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM mileage_rate").fetchone()[0] > 0
    con.close()
    ctx.close()


def test_a_new_or_outdated_database_is_migrated_before_the_window_opens(tmp_path):
    path = tmp_path / "new.sqlite3"
    db = Database(path, Actor("tester", "Test"), lazy=True)
    assert db.is_open and db.migrated  # nothing to read yet: created and migrated at once
    node = db.node_id
    db.close()
    again = Database(path, Actor("tester", "Test"), lazy=True)
    assert not again.is_open and again.node_id == node
    again.close()
