"""Fuzzed command lines: mutated versions of real invocations (tokens dropped, duplicated, swapped, replaced by
junk, by sample files or by mutated copies of them) never end in an uncaught exception (exit 1). A refused
command is exit 2 with one line on stderr, and leaves the database unchanged.

60 examples (derandomized), in-process through ``partnerdesk.cli.main`` on a copy of the demo region; and
80 examples of every command with every option (read from the parser, so a new option is fuzzed the day it
lands) given hostile values: dates in year 1 and 2101, 2^70 and 5,000-digit numbers, NUL, unknown codes,
a FIFO where a file is expected, 5,000-character text.
"""

from __future__ import annotations

import contextlib
import io
import os

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzzing import db_digest, fuzz_settings, mutated_bytes, reset_db

pytestmark = pytest.mark.property  # `make proof`: random seeds, ten times the examples

VALID = [
    ["hours", "log", "--partner", "EDM", "--direction", "given", "--date", "2026-11-20", "--hours", "1.5"],
    ["hours", "log", "--partner", "MLT", "--direction", "received", "--date", "2026-11-02", "--hours", "1:30",
     "--miles", "12", "--travel", "45m", "--after-hours", "--callout", "--category", "NET", "--note", "router"],
    ["hours", "list", "--quarter", "2026Q3", "--partner", "EDM", "--json"],
    ["balances", "--fy", "2026", "--json"],
    ["agreements", "list"],
    ["agencies", "list", "--json"],
    ["audit", "--limit", "5"],
    ["import", "json", "SAMPLE", "--merge"],
    ["export", "json", "out.json"],
    ["backup", "--list"],
    ["restore", "SAMPLE"],
    ["--version"],
]
JUNK_TOKENS = ["", "-", "--", "--json", "--db", "--hours", "-1", "0", "99999999999999999999", "2026-02-30",
               "13/45/2026", "1e308", "NaN", "given", "received", "EDM", "edm", "ZZZ", "2026Q9", "Q3", "--fy",
               "\x00", "é", "名前", "'; DROP TABLE contact; --", "--partner=EDM", "--limit=-3", "..", "/",
               "0001-01-01", "2101-01-01", str(2 ** 70), "NOPE", "PIPE", "--include-personal", "--category"]
SAMPLES = ("contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf", "contacts-outlook-ansi.csv",
           "hours-2026.csv")


@st.composite
def command_lines(draw):
    argv = list(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("drop", "dup", "swap", "junk", "text", "sample")))
        if not argv:
            argv.append(draw(st.sampled_from(JUNK_TOKENS)))
            continue
        i = draw(st.integers(0, len(argv) - 1))
        if op == "drop":
            del argv[i]
        elif op == "dup":
            argv.insert(i, argv[i])
        elif op == "swap":
            j = draw(st.integers(0, len(argv) - 1))
            argv[i], argv[j] = argv[j], argv[i]
        elif op == "junk":
            argv[i] = draw(st.sampled_from(JUNK_TOKENS))
        elif op == "text":
            argv[i] = draw(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                                   max_size=12))
        else:
            argv.insert(i, "SAMPLE")
    return argv


@pytest.mark.slow
def test_mutated_command_lines_fail_cleanly(demo_ctx, samples, tmp_path, monkeypatch):
    from partnerdesk.cli import main
    from partnerdesk.services.backup import copy_database

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    pristine = copy_database(db, tmp_path / "pristine.sqlite3")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # relative output paths land here
    # A command line with no command opens the GUI: stand it in, this test is about parsing.
    from partnerdesk.cli import gui

    monkeypatch.setattr(gui, "cmd_gui", lambda args: 0)
    originals = {n: (samples / n).read_bytes() for n in SAMPLES}
    pipe = work / "pipe"  # a device, not a file (never a real one such as /dev/null: as root a bug could replace it)
    os.mkfifo(pipe)
    codes = []

    @fuzz_settings(60)
    @given(argv=command_lines(), sample=st.sampled_from(SAMPLES), mutate=st.booleans(), data=st.data())
    def run(argv, sample, mutate, data):
        assume("demo" not in argv and "selftest" not in argv)
        content = data.draw(mutated_bytes(originals[sample])) if mutate else originals[sample]
        path = work / sample
        path.write_bytes(content)
        argv = [str(path) if a == "SAMPLE" else str(pipe) if a == "PIPE" else a for a in argv]
        before = db_digest(db)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # --version and --help exit through argparse
                code = exc.code or 0
        codes.append(code)
        assert code in (0, 2), f"exit {code} for {argv!r}: {err.getvalue()}"
        if code == 2:
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("partnerdesk: error: "), err.getvalue()
            assert db_digest(db) == before, f"{argv!r} failed but changed the database"
        else:
            reset_db(db, pristine)

    run()
    assert codes.count(2) > 10 and codes.count(0) > 5, codes


# Values every option must survive (exit 0 or 2, never 1); positionals get these or a realistic value. PIPE is a
# FIFO in the test's folder: a device where a file is expected (standing in for /dev/null, which a bug run as
# root could replace).
HOSTILE = ["", "-1", "0", "13", str(2 ** 70), "9" * 5000, "1e309", "NaN", "0001-01-01", "2101-01-01", "2026-02-30",
           "9999Q1", "NOPE", "\x00", "a\x00b", "C" * 5000, "PIPE", ".", "é", "2026-11-20", "2026Q3", "1.5",
           "1:30", "EDM", "NET", "given"]
REALISTIC = ["EDM", "LYN", "MLT", "2026Q3", "ILA-2026-01", "SAMPLE", "out.json", "out.pdf", "kit", "NET"]
SKIP_COMMANDS = {"gui", "demo", "selftest", "restore"}  # the window, a seed, a self-test, a file swap


def _leaf_commands():
    import argparse

    from partnerdesk.cli import build_parser

    out = []

    def walk(parser, path):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            positionals = [a for a in parser._actions if not a.option_strings]
            options = [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]
            out.append((path, positionals, options))
            return
        for name, sp in subs[0].choices.items():
            if not path and name in SKIP_COMMANDS:
                continue
            walk(sp, path + [name])

    walk(build_parser(), [])
    return out


@pytest.mark.slow
def test_every_option_of_every_command_with_hostile_values(demo_ctx, samples, tmp_path, monkeypatch):
    import argparse

    from partnerdesk.cli import main
    from partnerdesk.services.backup import copy_database

    demo_ctx.close()
    db = demo_ctx.paths.db_path
    pristine = copy_database(db, tmp_path / "pristine.sqlite3")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "SAMPLE").write_bytes((samples / "hours-2026.csv").read_bytes())
    pipe = work / "pipe"
    os.mkfifo(pipe)
    commands = _leaf_commands()
    assert len(commands) > 40
    seen = set()

    @fuzz_settings(80)
    @given(data=st.data())
    def run(data):
        path, positionals, options = data.draw(st.sampled_from(commands))
        argv = list(path)
        for a in positionals:
            many = a.nargs in ("*", "+")
            for _ in range(data.draw(st.integers(1 if a.nargs != "*" and a.nargs != "?" else 0, 2 if many else 1))):
                argv.append(data.draw(st.sampled_from(HOSTILE + REALISTIC)))
        for opt in data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=3)) if options else []:
            argv.append(opt.option_strings[-1])
            if not isinstance(opt, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
                argv.append(data.draw(st.sampled_from(HOSTILE)))
        argv = [str(pipe) if a == "PIPE" else a for a in argv]
        seen.add(" ".join(path))
        before = db_digest(db)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code or 0
        assert code in (0, 2), f"exit {code} for {[a[:40] for a in argv]!r}: {err.getvalue()[-2000:]}"
        if code == 2:
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("partnerdesk: error: "), err.getvalue()[-2000:]
            assert len(lines[0]) < 2000, "an error message quotes at most a bit of what it was given"
            assert db_digest(db) == before, f"{argv!r} failed but changed the database"
        else:
            reset_db(db, pristine)

    run()
    assert len(seen) > 25, sorted(seen)
