"""Time comes from one clock: no module outside partnerdesk/clock.py reads the system clock for a date or a
time stamp, and dates are formatted the same way on every platform."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

import partnerdesk
from partnerdesk.clock import Clock
from partnerdesk.domain.periods import Quarter, long_date, short_date

PACKAGE = Path(partnerdesk.__file__).parent
CLOCK_MODULE = PACKAGE / "clock.py"
# (object, attribute) calls that read the system clock
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
             ("time", "time"), ("time", "time_ns"), ("QDate", "currentDate"), ("QDateTime", "currentDateTime"),
             ("QDateTime", "currentDateTimeUtc"), ("QDateTime", "currentSecsSinceEpoch"),
             ("QDateTime", "currentMSecsSinceEpoch"), ("QTime", "currentTime")}
NO_ARGS_FORBIDDEN = {("time", "gmtime"), ("time", "localtime"), ("time", "ctime")}  # without an argument: now
EXEMPT = "# not a date:"  # a line that reads the clock for something else (an id's prefix, a file's age)


def clock_reads(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = node.func.value
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        key = (name, node.func.attr)
        if key in FORBIDDEN or (key in NO_ARGS_FORBIDDEN and not node.args) \
                or (key == ("time", "strftime") and len(node.args) < 2):
            if EXEMPT not in lines[node.lineno - 1]:
                found.append(f"{path.name}:{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_no_module_outside_the_clock_reads_the_system_clock():
    offenders = [f"{p.parent.relative_to(PACKAGE.parent)}/{hit}" for p in sorted(PACKAGE.rglob("*.py"))
                 if p != CLOCK_MODULE for hit in clock_reads(p)]
    assert offenders == []


def test_the_checker_catches_each_way_of_reading_the_clock(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import date, datetime\nimport time\n"
                      "a = date.today()\nb = datetime.now(tz)\nc = time.time()\nd = QDate.currentDate()\n"
                      "e = time.gmtime()\nf = time.gmtime(0)\ng = time.strftime('%Y')\n"
                      "h = time.time()  # not a date: a file's age\n")
    sample_hits = [h.split(": ", 1)[1] for h in clock_reads(sample)]
    assert sample_hits == ["date.today()", "datetime.now()", "time.time()", "QDate.currentDate()",
                           "time.gmtime()", "time.strftime()"]


def test_tests_run_on_the_frozen_clock(frozen_today):
    assert Clock().today() == frozen_today


def test_the_app_hands_one_clock_to_every_service(ctx):
    assert ctx.services.clock is ctx.db.clock is ctx.clock
    assert ctx.services.backups.clock is ctx.clock


@pytest.mark.parametrize("d, long, short", [
    (date(2027, 1, 1), "January 1, 2027", "Jan 1, 2027"),
    (date(2028, 2, 29), "February 29, 2028", "Feb 29, 2028"),
    (date(2026, 12, 31), "December 31, 2026", "Dec 31, 2026"),
])
def test_dates_read_the_same_on_every_platform(d, long, short):
    """No strftime("%-d") (Windows raises on it): the day has no leading zero either way."""
    assert long_date(d) == long
    assert short_date(d) == short
    assert short_date(d, year=False) == short.rsplit(",", 1)[0]


def test_quarter_labels_have_no_leading_zero():
    assert Quarter(2027, 1).label() == "FY2027 Q1 (Jan 1, 2027 – Mar 31, 2027)"


def test_no_platform_specific_date_format_is_left():
    hits = [f"{p.relative_to(PACKAGE.parent)}:{i}" for p in PACKAGE.rglob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "%-" in line or "%#" in line]
    assert hits == []
