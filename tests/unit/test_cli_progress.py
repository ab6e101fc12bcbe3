"""Long CLI commands show a progress bar on a terminal and nothing when their output is piped."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from partnerdesk.cli import progress as progress_module
from partnerdesk.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_wiped_at_the_end(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    out = Terminal()
    with Progress("Issuing statements", out) as p:
        for i in range(5):
            p(i, 4)
    text = out.getvalue()
    assert "Issuing statements [" in text and "4/4 100%" in text and "2/4  50%" in text
    assert text.endswith("\r") and text.rstrip("\r ").count("\r") >= 4  # redrawn in place, then wiped


def test_nothing_when_piped_or_quick(monkeypatch):
    piped = io.StringIO()
    with Progress("Seeding", piped) as p:
        p(1, 2)
        p(2, 2)
    assert piped.getvalue() == ""
    quick = Terminal()
    with Progress("Seeding", quick) as p:  # done within the half second: no flicker
        p(2, 2)
    assert quick.getvalue() == ""


def test_commands_piped_print_no_bar(home, tmp_path):
    env = dict(os.environ, PARTNERDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "partnerdesk", "--db", str(tmp_path / "d.sqlite3"), "demo"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == "" and "\r" not in r.stdout


def test_hours_import_draws_a_bar_on_a_terminal(demo_ctx, samples, monkeypatch, capsys):
    """Issue 18: a big hours file shows how far the import got (rows checked and saved, then priced)."""
    from partnerdesk.cli import main

    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["--db", str(demo_ctx.paths.db_path), "hours", "import", str(samples / "hours-2026.csv")])
    assert code in (0, None)
    bar = terminal.getvalue()
    assert "Importing hours-2026.csv [" in bar and "100/240" in bar and "240/240 100%" in bar, bar[-300:]
    assert "Imported 120 entries" in capsys.readouterr().out


def test_export_and_import_json_draw_a_bar_on_a_terminal(demo_ctx, tmp_path, monkeypatch, capsys):
    """A large region's export takes most of a minute and its import minutes: both show how far they got."""
    from partnerdesk.cli import main

    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    export = tmp_path / "region.json"
    for argv, what in ((["--db", str(demo_ctx.paths.db_path), "export", "json", str(export)], "Exporting to"),
                       (["--db", str(tmp_path / "new.sqlite3"), "import", "json", str(export)], "Importing")):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(argv) in (0, None)
        bar = terminal.getvalue()
        assert f"{what} region.json [" in bar and "100%" in bar, bar[-300:]
        done = [int(m.split("/")[0].replace(",", "")) for m in re.findall(r"\] ([\d,]+/[\d,]+)", bar)]
        assert len(done) >= 3 and done == sorted(done), done
    assert "Imported" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "what"), [
    (["outage-kit", "{tmp}/kit"], "Writing the outage kit to kit"),  # 230 s on the large demo region
    (["contacts", "export", "{tmp}/all.vcf"], "Exporting to all.vcf"),  # 11 s
    (["statements", "draft", "--quarter", "2026Q3", "--all"], "Drafting statements"),  # 14 s
    (["backup", "{tmp}/copy.sqlite3"], "Backing up"),  # 5 s
    (["hours", "list"], "Reading hours"),  # 48 s for 200,000 entries on the large demo region
])
def test_long_commands_draw_a_bar_on_a_terminal(demo_ctx, tmp_path, monkeypatch, argv, what):
    from partnerdesk.cli import main

    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--db", str(demo_ctx.paths.db_path), *[a.format(tmp=tmp_path) for a in argv]]) in (0, None)
    bar = terminal.getvalue()
    assert f"{what} [" in bar and "100%" in bar, bar[-300:]


@pytest.mark.parametrize(("argv", "what"), [
    (["contacts", "sheet", "{tmp}/sheet.pdf"], "Writing sheet.pdf"),  # 165 s on the large demo region
    (["restore", "{backup}"], "Restoring"),  # 21 s
])
def test_the_sheet_and_a_restore_draw_a_bar_on_a_terminal(demo_ctx, tmp_path, monkeypatch, argv, what):
    from partnerdesk.cli import main

    backup = demo_ctx.services.backups.backup()
    db = demo_ctx.paths.db_path
    demo_ctx.close()  # a restore refuses while this process has the database open
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--db", str(db), *[a.format(tmp=tmp_path, backup=backup) for a in argv]]) in (0, None)
    bar = terminal.getvalue()
    assert f"{what} [" in bar and "100%" in bar and "2/" in bar, bar[-300:]
