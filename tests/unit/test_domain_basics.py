from datetime import date
from decimal import Decimal

import pytest

from partnerdesk.domain.durations import parse_minutes
from partnerdesk.domain.money import Money, format_cents
from partnerdesk.domain.periods import Quarter, fiscal_year_of, fiscal_year_range, parse_date
from partnerdesk.errors import ValidationError


@pytest.mark.parametrize("text,cents", [
    ("1,234.56", 123456), ("$12", 1200), ("12.5", 1250), ("$1,000,000.00", 100000000),
    ("-3.10", -310), ("(4.00)", -400), (" $ 7.99 ", 799), (".5", 50), ("12.", 1200), ("2.340", 234),
    ("1.0000", 100),
])
def test_money_parses_what_people_type(text, cents):
    assert Money.parse(text).cents == cents


@pytest.mark.parametrize("text", ["1.005", "0.005", "0.004", "2.345", "-0.005", "(1,000.001)", "$7.999"])
def test_money_with_a_fraction_of_a_cent_is_refused_never_rounded(text):
    """Issue 15: "payments record --amount 1.005" was silently rounded to $1.01."""
    with pytest.raises(ValidationError, match="more than two decimals"):
        Money.parse(text)
    with pytest.raises(ValidationError, match="more than two decimals"):
        Money.parse(Decimal("0.125"))


@pytest.mark.parametrize("text", ["", "abc", "1,23.00", "12.34.56", "$", "1 234", "12,3456"])
def test_money_rejects_garbage_with_a_clear_message(text):
    with pytest.raises(ValidationError, match="money|separators"):
        Money.parse(text)


@pytest.mark.parametrize("cents,text", [(123456, "$1,234.56"), (5, "$0.05"), (-310, "-$3.10"), (0, "$0.00"),
                                        (100000000, "$1,000,000.00")])
def test_money_formats_dollars_and_cents(cents, text):
    assert format_cents(cents) == text


def test_money_is_integer_cents_only_and_rounds_half_up():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    assert Money(1001).times("1.5") == Money(1502)  # 1501.5 -> 1502
    assert Money(-1001).times("1.5") == Money(-1502)  # halves away from zero
    assert Money.parse(Decimal("0.12")).cents == 12
    assert Money(100) + Money(5) == Money(105)


@pytest.mark.parametrize("d,start,q", [
    (date(2026, 1, 1), 1, "2026Q1"), (date(2026, 3, 31), 1, "2026Q1"), (date(2026, 4, 1), 1, "2026Q2"),
    (date(2026, 12, 31), 1, "2026Q4"), (date(2026, 7, 1), 7, "2027Q1"), (date(2026, 6, 30), 7, "2026Q4"),
    (date(2026, 10, 1), 10, "2027Q1"), (date(2027, 9, 30), 10, "2027Q4"), (date(2024, 2, 29), 2, "2025Q1"),
])
def test_quarter_of_a_date_follows_the_fiscal_year_start(d, start, q):
    assert str(Quarter.of(d, start)) == q


def test_quarter_date_ranges():
    q = Quarter.parse("2026Q3")
    assert (q.start, q.end) == (date(2026, 7, 1), date(2026, 9, 30))
    q = Quarter.parse("fy2027q1", start_month=7)
    assert (q.start, q.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Quarter.parse("2026Q4").next() == Quarter(2027, 1)
    assert Quarter.parse("2026Q1").previous() == Quarter(2025, 4)
    assert fiscal_year_range(2027, 7) == (date(2026, 7, 1), date(2027, 6, 30))
    assert fiscal_year_of(date(2026, 6, 30), 7) == 2026


@pytest.mark.parametrize("bad", ["2026Q5", "2026", "Q3", "26Q1", ""])
def test_bad_quarters_are_refused(bad):
    with pytest.raises(ValidationError, match="quarter"):
        Quarter.parse(bad)


def test_dates_iso_and_us_and_impossible():
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date("8/3/2026") == date(2026, 8, 3)
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date("2026-13-01")
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date("2/30/2026")
    with pytest.raises(ValidationError, match="not a date"):
        parse_date("yesterday")


@pytest.mark.parametrize("text,minutes", [("1.5", 90), ("1:30", 90), ("90m", 90), ("2h", 120), ("1h 30m", 90),
                                          ("0.25", 15), ("8", 480), ("0:05", 5), ("2 hours", 120)])
def test_hours_as_people_type_them(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("bad", ["-1", "0", "abc", "1:75", "", "1,5"])
def test_bad_hours_are_refused(bad):
    with pytest.raises(ValidationError):
        parse_minutes(bad)


# Thursday 2026-11-26: the day a person types a date relative to
THURSDAY = date(2026, 11, 26)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-01", date(2026, 12, 1)),      # ISO: never 2026-12-12
    ("2026-12-1", date(2026, 12, 1)),
    ("12/1/2026", date(2026, 12, 1)),       # US
    ("12/1/26", date(2026, 12, 1)),
    ("Dec 1, 2026", date(2026, 12, 1)),     # how the app writes dates
    ("december 1 2026", date(2026, 12, 1)),
    ("20261201", date(2026, 12, 1)),        # digits only, as QDateEdit's sections took them
    ("today", THURSDAY), ("Today", THURSDAY),
    ("yesterday", date(2026, 11, 25)),
    ("tomorrow", date(2026, 11, 27)),
    ("tue", date(2026, 11, 24)), ("Tuesday", date(2026, 11, 24)), ("tues", date(2026, 11, 24)),
    ("thu", THURSDAY),                      # the most recent Thursday is today
    ("fri", date(2026, 11, 20)),            # a weekday never means a date to come
    ("mon", date(2026, 11, 23)), ("sun", date(2026, 11, 22)),
    ("-2", date(2026, 11, 24)), ("-0", THURSDAY), ("-30", date(2026, 10, 27)), ("+7", date(2026, 12, 3)),
    (" -3d ", date(2026, 11, 23)),
])
def test_typed_dates_read_whole_relative_to_today(text, expected):
    assert parse_date(text, "date", today=THURSDAY) == expected


@pytest.mark.parametrize("bad", ["2026-12-32", "tuesdays", "-", "-99999", "last week", "13/1/2026", "0001-01-01"])
def test_typed_dates_that_are_not_dates_name_the_field(bad):
    with pytest.raises(ValidationError, match="^work date: "):
        parse_date(bad, "work date", today=THURSDAY)


def test_relative_words_need_a_today():
    """A file's date column is never read relative to the day it happens to be imported."""
    for text in ("today", "tue", "-2", "20261201"):
        with pytest.raises(ValidationError):
            parse_date(text)


@pytest.mark.parametrize("n, noun, text", [(1, "agency", "1 agency"), (8, "agency", "8 agencies"),
                                           (48, "contact", "48 contacts"), (1, "row", "1 row"),
                                           (0, "row", "0 rows"), (2, "entry", "2 entries"),
                                           (3, "warning", "3 warnings"), (1204, "day", "1,204 days"),
                                           (2, "match", "2 matches")])
def test_counts_read_as_english(n, noun, text):
    from partnerdesk.domain.wording import plural

    assert plural(n, noun) == text


def test_status_words_are_one_vocabulary():
    from partnerdesk.domain.wording import status_word

    assert status_word("partially_paid") == "partially paid"
    assert status_word("issued") == "issued" and status_word(None) == ""


@pytest.mark.parametrize("typed, shown, dialled", [
    ("(425) 555-0103", "(425) 555-0103", "+14255550103"),
    ("425-555-0183", "(425) 555-0183", "+14255550183"),
    ("425.555.0123", "(425) 555-0123", "+14255550123"),
    ("+1 425 555 0103", "(425) 555-0103", "+14255550103"),
    ("1-425-555-0103", "(425) 555-0103", "+14255550103"),
    ("425 555 0103 x204", "(425) 555-0103 x204", "+14255550103"),
    ("(425) 555-0103 ext. 7", "(425) 555-0103 x7", "+14255550103"),
    ("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958"),  # another country: as typed
    ("4521", "4521", None),                                      # an internal extension: as typed
    ("call the desk", "call the desk", None),
])
def test_phone_numbers_are_shown_one_way_and_kept_as_typed(typed, shown, dialled):
    from partnerdesk.domain.phones import e164, national

    assert national(typed) == shown
    assert e164(typed) == dialled


@pytest.mark.parametrize("typed, queries", [
    ("mlt cisco, pbx, firewall", ["mlt cisco", "mlt pbx", "mlt firewall"]),
    ("mlt cisco or pbx OR firewall", ["mlt cisco", "mlt pbx", "mlt firewall"]),
    ("pbx, firewall", ["pbx", "firewall"]),
    ("mlt cisco,", ["mlt cisco"]),  # typed on: the comma alone changes nothing yet
    ("oregon pbx", ["oregon pbx"]), ("or", ["or"]), ("", []),
])
def test_search_alternatives(typed, queries):
    from partnerdesk.domain.directory import alternatives

    assert alternatives(typed) == queries
