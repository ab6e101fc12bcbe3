import sqlite3
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from partnerdesk.db.capture import Actor
from partnerdesk.db.migrate import head_revision
from partnerdesk.db.models import Base
from partnerdesk.db.uow import Database
from partnerdesk.errors import DatabaseError

ACTOR = Actor("tester", "Test User")


def test_core_layers_never_import_qt():
    code = ("import sys, partnerdesk.domain.billing, partnerdesk.domain.periods, partnerdesk.db.uow, "
            "partnerdesk.services, partnerdesk.reports, partnerdesk.sync, partnerdesk.app, partnerdesk.cli; "
            "import pkgutil, importlib\n"
            "for pkg in ('domain','db','services','reports','sync'):\n"
            "    m = importlib.import_module('partnerdesk.' + pkg)\n"
            "    for info in pkgutil.walk_packages(m.__path__, m.__name__ + '.'):\n"
            "        if '.migrations' not in info.name: importlib.import_module(info.name)\n"
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_empty_database_upgrades_to_head_and_matches_the_models(tmp_path):
    db = Database(tmp_path / "x.sqlite3", ACTOR)
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_name": lambda n, t, p: not (t == "table" and n and (
                                                         n.startswith("contact_fts") or n == "ledger_month"))})
        assert ctx.get_current_revision() == head_revision()
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    db.close()


def test_pragmas_are_set(tmp_path):
    db = Database(tmp_path / "x.sqlite3", ACTOR)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "x.sqlite3"
    Database(path, ACTOR).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer partnerdesk"):
        Database(path, ACTOR)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("this is not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not an SQLite file"):
        Database(path, ACTOR)
    assert path.read_bytes() == before
    assert not (tmp_path / "notes.sqlite3-wal").exists()


def test_an_sqlite_file_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="not a partnerdesk database"):
        Database(path, ACTOR)


def test_schema_head_constant_matches_alembic():
    from partnerdesk.db.migrate import SCHEMA_HEAD

    assert SCHEMA_HEAD == head_revision()


def test_migration_backs_up_first_with_the_backup_api(tmp_path, monkeypatch):
    path = tmp_path / "x.sqlite3"
    Database(path, ACTOR).close()
    import alembic.command
    import alembic.script

    import partnerdesk.db.migrate as migrate

    calls = []
    real = migrate.backup_file
    monkeypatch.setattr(migrate, "backup_file", lambda s, d: calls.append(d) or real(s, d))
    monkeypatch.setattr(migrate, "current_revision", lambda engine: "0000_older")  # an older known schema
    monkeypatch.setattr(alembic.script.ScriptDirectory, "get_revision", lambda self, rev: object())
    monkeypatch.setattr(alembic.command, "upgrade", lambda cfg, rev: None)
    db = Database(path, ACTOR, backup_dir=tmp_path / "backups")
    db.close()
    assert db.migrated and len(calls) == 1 and calls[0].exists()
    assert calls[0].name.startswith("pre-migrate-0000_older-")
    check = sqlite3.connect(calls[0])
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("SELECT count(*) FROM meta").fetchone()[0] >= 1
    check.close()


def test_models_use_integer_money_and_minutes():
    from sqlalchemy import Integer

    for table in Base.metadata.tables.values():
        for col in table.columns:
            if col.name.endswith("_cents") and col.name != "mileage_rate_cents":
                assert isinstance(col.type, Integer), col
            if col.name.endswith("minutes"):
                assert isinstance(col.type, Integer), col


def test_statement_diagnostics_move_out_of_the_notes(tmp_path):
    """Issue 15: ``statement.notes`` held a draft's JSON diagnostics or a credit note's free text. Migrating
    a database of the older schema moves the JSON to ``diagnostics`` and leaves every reason in ``notes``."""
    from alembic import command
    from sqlalchemy import create_engine

    from partnerdesk.db.migrate import alembic_config

    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005_live_skill_links")
    engine.dispose()
    diag = '{"held": [], "unacknowledged": 2, "warnings": ["2 entries have not been acknowledged by EDM"]}'
    raw = sqlite3.connect(path)
    for sid, kind, notes in (("s1", "statement", diag), ("s2", "credit_note", "{ticket 42} rate typo"),
                             ("s3", "credit_note", "Goodwill"), ("s4", "statement", None)):
        raw.execute("INSERT INTO statement (id, kind, issuer_agency_id, bill_to_agency_id, period, fiscal_year, "
                    "period_start, period_end, status, gross_cents, offset_cents, total_cents, amount_due_cents, "
                    "notes, created_at, updated_at) VALUES (?, ?, 'a', 'b', '2026Q2', 2026, '2026-04-01', "
                    "'2026-06-30', 'draft', 0, 0, 0, 0, ?, '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')",
                    (sid, kind, notes))
    raw.commit()
    raw.close()
    db = Database(path, ACTOR, backup_dir=tmp_path / "backups")
    assert db.migrated
    with db.engine.connect() as conn:
        rows = dict((r[0], (r[1], r[2])) for r in conn.exec_driver_sql(
            "SELECT id, notes, diagnostics FROM statement"))
    db.close()
    assert rows == {"s1": (None, diag), "s2": ("{ticket 42} rate typo", None), "s3": ("Goodwill", None),
                    "s4": (None, None)}
