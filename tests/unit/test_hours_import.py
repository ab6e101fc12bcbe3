"""Importing the hours spreadsheet: mapping, quirks of real files, matching, all-or-nothing."""

from __future__ import annotations

from datetime import date

import pytest

from partnerdesk.errors import ImportFormatError, ValidationError
from partnerdesk.services.hours_import import guess_mapping, name_keys, parse_map_spec, word_key

HEADER = "Date,Partner,Direction,Staff,Category,Hours,After hours?,Call-out?,Miles,What we did"


def write_csv(tmp_path, lines: list[str], name="hours.csv", bom=True) -> "Path":  # noqa: F821
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return p


def test_sample_file_imports_completely(demo_ctx, samples):
    svc, hours = demo_ctx.services.hours_import, demo_ctx.services.hours
    before = hours.count()
    dry = svc.preview(samples / "hours-2026.csv")
    assert dry.ok and len(dry.rows) == 120 and dry.imported == 0
    assert hours.count() == before  # a dry run saves nothing
    first = dry.rows[0]  # 8/3/2026,Town of Woodway,They helped us,Liam Kowalski,Network,3.5,,Y,,"Firewall ..."
    assert (first.line, first.work_date, first.direction, first.partner_code) == (2, date(2026, 8, 3), "received",
                                                                                    "WDY")
    assert (first.category_code, first.minutes, first.after_hours, first.callout) == ("NET", 210, False, True)
    assert first.description == 'Firewall rule review, "urgent"'
    assert {r.category_code for r in dry.rows} == {"NET", "HELP", "SEC", "EMAIL", "OUT", "PBX", "GIS"}
    done = svc.import_file(samples / "hours-2026.csv")
    assert done.ok and done.imported == 120
    assert hours.count() == before + 120
    imported = [e for e in hours.list() if e.description == 'Firewall rule review, "urgent"'
                and e.work_date == date(2026, 8, 3)]
    assert len(imported) == 1 and imported[0].amount_cents == first.amount_cents
    assert sum(r.amount_cents or 0 for r in done.rows) == sum(r.amount_cents or 0 for r in dry.rows)
    again = svc.import_file(samples / "hours-2026.csv")  # importing twice skips every row already logged
    assert again.ok and again.imported == 0 and again.skipped == 120
    assert {r.duplicate for r in again.rows} == {"exact"} and again.rows[0].duplicate_of == imported[0].id
    assert hours.count() == before + 120


def test_mapping_guess_spec_and_memory(demo_ctx, samples):
    cols = demo_ctx.services.hours_import.columns(samples / "hours-2026.csv")
    guessed = guess_mapping(cols)
    assert guessed["description"] == "What we did" and guessed["after_hours"] == "After hours?"
    spec = parse_map_spec('date=Date, partner=#2, direction=direction, hours=Hours, "description=What we did"', cols)
    assert spec == {"date": "Date", "partner": "Partner", "direction": "Direction", "hours": "Hours",
                    "description": "What we did"}
    for bad, message in (("when=Date", "unknown field"), ("date=Nope", "no column 'Nope'"), ("date", "field=Column"),
                         ("date=#99", "does not exist")):
        with pytest.raises(ValidationError, match=message):
            parse_map_spec(bad, cols)
    settings = demo_ctx.settings
    assert settings.import_mapping("hours", cols) is None
    settings.remember_import_mapping("hours", cols, spec)
    from partnerdesk.settings import Settings

    assert Settings(settings.path).import_mapping("hours", cols) == spec  # persisted
    # the remembered mapping is used: the staff column is not mapped, so no staff is recorded
    preview = demo_ctx.services.hours_import.preview(samples / "hours-2026.csv",
                                                     remembered=settings.import_mapping("hours", cols))
    assert preview.mapping == spec and all(r.staff_name is None for r in preview.rows)


def test_missing_required_column_is_one_clear_error(demo_ctx, tmp_path):
    p = write_csv(tmp_path, ["When,Who,Duration", "1/5/2026,EDM,2"])
    with pytest.raises(ValidationError, match="no column mapped to partner, direction"):
        demo_ctx.services.hours_import.preview(p)


def test_quirks_understood(demo_ctx, tmp_path):
    staff = next(c for c in demo_ctx.services.contacts.list("EDM") if " " in c.name)
    first, last = staff.name.split(" ", 1)
    loud = f"{last.upper()}, {first.upper()}"  # "GARCÍA-RUIZ, KWAME"
    p = write_csv(tmp_path, [
        HEADER,
        '3/2/2026,City of Edmonds,We helped them,Someone Else,network,1:30,y,,12.5,"Line one,\nline ""two"""',
        f'2026-03-03,edm,They helped us,"{loud}",Phones/PBX,90m,,Y,,plain',
        "3/4/2026,Edmonds,WE HELPED THEM,,Outage,0.75,,,,",
    ])
    result = demo_ctx.services.hours_import.preview(p)
    assert result.ok, result.problems
    a, b, c = result.rows
    assert (a.line, a.minutes, a.after_hours, a.miles, a.staff_name, a.staff_matched) == (
        2, 90, True, "12.5", "Someone Else", False)
    assert a.description == 'Line one,\nline "two"' and a.category_code == "NET"
    assert (b.line, b.direction, b.minutes, b.callout, b.category_code) == (4, "received", 90, True, "PBX")
    assert b.staff_matched and b.staff_name == staff.name  # matched to the contact, stored by its real name
    assert (c.line, c.category_code, c.minutes, c.staff_name) == (5, "OUT", 45, None)


def test_problems_listed_by_line_and_nothing_saved(demo_ctx, tmp_path):
    hours = demo_ctx.services.hours
    before = hours.count()
    p = write_csv(tmp_path, [
        HEADER,
        "3/2/2026,City of Edmonds,We helped them,,Network,1.5,,,,good row",
        "13/45/2026,City of Edmonds,We helped them,,Network,1.5,,,,bad date",
        "3/2/2026,City of Nowhere,We helped them,,Network,1.5,,,,bad partner",
        "3/2/2026,City of Edmonds,We lent a hand,,Network,1.5,,,,bad direction",
        "3/2/2026,City of Edmonds,We helped them,,Network,-2,,,,negative",
        "3/2/2026,City of Edmonds,We helped them,,Network,abc,,,,not hours",
        "3/2/2026,City of Edmonds,We helped them,,Network,1,maybe,,,bad flag",
        "3/2/2026,City of Edmonds,We helped them,,Plumbing,1,,,,bad category",
        "3/2/2026,City of Edmonds,We helped them,,Network,1,,,lots,bad miles",
        "3/9/2026,City of Edmonds,We helped them,Pat Doe,Network,20,,,,long day",
        "3/9/2026,City of Edmonds,We helped them,Pat Doe,Network,5,,,,too long a day",
        "3/2/2026,City of Edmonds,We helped them,,Network,1.5,,,,good row",
    ])
    result = demo_ctx.services.hours_import.import_file(p)
    assert result.imported == 0 and hours.count() == before  # all or nothing
    lines = {pr.line: pr.message for pr in result.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert "not a real date" in lines[3] and "no agency named 'City of Nowhere'" in lines[4]
    assert "direction" in lines[5] and "negative" in lines[6] and "not a duration" in lines[7]
    assert "not Y or blank" in lines[8] and "Plumbing" in lines[9] and "miles" in lines[10]
    assert "more than 24 in one day" in lines[12] and "twice" in lines[13]


def test_unreadable_files(demo_ctx, tmp_path):
    with pytest.raises(ImportFormatError, match="cannot read"):
        demo_ctx.services.hours_import.preview(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportFormatError, match="empty"):
        demo_ctx.services.hours_import.preview(tmp_path / "empty.csv")


def test_cp1252_fallback_and_no_bom(demo_ctx, tmp_path):
    p = tmp_path / "ansi.csv"
    p.write_bytes((HEADER + "\r\n3/2/2026,City of Edmonds,We helped them,Zoë Ansi,Network,1,,,,café\r\n")
                  .encode("cp1252"))
    row = demo_ctx.services.hours_import.preview(p).rows[0]
    assert row.staff_name == "Zoë Ansi" and row.description == "café"


@pytest.mark.parametrize("a, b", [("Zoë García-Ruiz", "zoe garcia ruiz"), ("  SØREN  o'neil ", "søren o neil")])
def test_word_key(a, b):
    assert word_key(a) == word_key(b)


def test_name_keys():
    assert "kwame garcia ruiz" in name_keys("García-Ruiz, Kwame")
    assert "mei tanaka" in name_keys("Mei J. Tanaka")


def test_duplicates_of_entries_already_logged_are_marked_and_exact_ones_skipped(demo_ctx, tmp_path):
    """Issue 16: the preview accepted a row that matched a manual entry. A row logged already (by hand or an
    earlier import) is skipped unless asked; one with the same partner, direction, date, hours and staff but
    another description is imported and marked for the user to check."""
    svc, hours = demo_ctx.services.hours_import, demo_ctx.services.hours
    hours.log(partner="EDM", direction="given", work_date="2026-10-05", hours="2", staff="Pat Doe",
              description="Core switch", today=date(2026, 11, 26))
    hours.log(partner="EDM", direction="given", work_date="2026-10-06", hours="1", staff="Pat Doe",
              description="Patch panel", today=date(2026, 11, 26))
    f = write_csv(tmp_path, [HEADER,
                             "10/5/2026,EDM,We helped them,Pat Doe,Network,2,,,,core switch",  # exact (case aside)
                             "10/6/2026,EDM,We helped them,pat doe,Network,1:00,,,,Cabling",  # likely
                             "10/7/2026,EDM,We helped them,Pat Doe,Network,1,,,,Something new"])
    before = hours.count()
    dry = svc.preview(f)
    assert dry.ok and [(r.line, r.duplicate, r.skipped) for r in dry.rows] == [
        (2, "exact", True), (3, "likely", False), (4, None, False)]
    assert dry.skipped == 1 and dry.to_import == 2 and any("looks like entry" in w for w in dry.rows[1].warnings)
    done = svc.import_file(f)
    assert done.imported == 2 and hours.count() == before + 2
    kept = svc.import_file(f, skip_duplicates=False)  # asked not to skip: everything goes in
    assert kept.imported == 3 and kept.skipped == 0 and hours.count() == before + 5


# -- issue 17: files as people keep them --------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_read_from_the_header_and_every_row(demo_ctx, tmp_path, delimiter):
    rows = [["Datum", "Partner", "Richtung", "Dauer (h:mm)", "Beschreibung"],
            ["3/2/2026", "City of Edmonds", "We helped them", "1:30", "Switch, core; VLANs"],
            ["3/3/2026", "EDM", "They helped us", "2,5" if delimiter != "," else '"2,5"', "PBX"]]
    text = "\r\n".join(delimiter.join(c if delimiter not in c or c.startswith('"') else f'"{c}"' for c in r)
                       for r in rows) + "\r\n"
    p = tmp_path / "stunden.csv"
    p.write_text(text, encoding="utf-8")
    preview = demo_ctx.services.hours_import.preview(p)
    assert preview.ok, preview.problems
    assert preview.mapping == {"date": "Datum", "partner": "Partner", "direction": "Richtung",
                               "hours": "Dauer (h:mm)", "description": "Beschreibung"}
    assert [r.minutes for r in preview.rows] == [90, 150]
    assert preview.rows[0].description == "Switch, core; VLANs"


def test_common_header_words_in_several_languages():
    assert guess_mapping(("Fecha", "Agencia", "Dirección", "Horas", "Técnico", "Descripción")) == {
        "date": "Fecha", "partner": "Agencia", "direction": "Dirección", "hours": "Horas", "staff": "Técnico",
        "description": "Descripción"}
    assert guess_mapping(("Date", "Agency", "Direction", "Duration (h:mm)", "After-hours", "Call out (Y/N)",
                          "Mileage", "Ticket #")) == {
        "date": "Date", "partner": "Agency", "direction": "Direction", "hours": "Duration (h:mm)",
        "after_hours": "After-hours", "callout": "Call out (Y/N)", "miles": "Mileage", "incident": "Ticket #"}


def test_a_bad_row_among_the_first_lines_is_named_on_its_line(demo_ctx, tmp_path):
    """A row with one value too many used to make the delimiter guess fail, and the error blamed the header."""
    lines = ["Date;Partner;Direction;Hours;What we did", "3/2/2026;EDM;We helped them;1,5;Firewall"]
    lines.append("3/3/2026;EDM;We helped them;2;Printer; toner and drum")  # an unquoted ';' in the text
    lines += [f"3/{d}/2026;EDM;They helped us;1;Help desk" for d in range(4, 30)]
    p = tmp_path / "semi.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"semi\.csv: line 3: 6 values where the header has 5 columns"):
        demo_ctx.services.hours_import.preview(p)
    lines[2] = '3/3/2026;EDM;We helped them;2;"Printer; toner and drum"'
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    preview = demo_ctx.services.hours_import.preview(p)
    assert preview.ok and len(preview.rows) == 28 and preview.rows[0].minutes == 90


def test_an_hours_file_is_read_with_the_importers_one_encoding_rule(demo_ctx, tmp_path):
    p = tmp_path / "mixed.csv"
    good = (HEADER + "\r\n3/2/2026,City of Edmonds,We helped them,Zoë Ansi,Network,1,,,,café\r\n").encode("utf-8")
    p.write_bytes(good + b"3/3/2026,EDM,We helped them,,Network,1,,,,caf\xe9\r\n")
    with pytest.raises(ImportFormatError, match=r"line 3 is not UTF-8 \(byte 0xE9\)"):
        demo_ctx.services.hours_import.preview(p)
    p.write_bytes(good.decode("utf-8").encode("utf-16"))
    assert demo_ctx.services.hours_import.preview(p).rows[0].staff_name == "Zoë Ansi"


@pytest.mark.parametrize(("header", "given", "received"), [
    (("Datum", "Partner", "Richtung", "Stunden"), "Gegeben", "Erhalten"),
    (("Datum", "Behörde", "Wer half", "Dauer (h:mm)"), "Wir haben geholfen", "Sie haben uns geholfen"),
    (("Fecha", "Agencia", "Dirección", "Horas"), "Dado", "Recibido"),
    (("Fecha", "Socio", "Sentido", "Duración"), "Ayudamos", "Nos ayudaron"),
    (("Date", "Partenaire", "Sens", "Heures"), "Donné", "Reçu"),
    (("Date", "Agency", "Direction", "Duration"), "Provided", "Incoming"),
])
def test_direction_words_in_other_languages(demo_ctx, tmp_path, header, given, received):
    """Issue 17 point 7: headers and direction values as a German, Spanish or French sheet writes them."""
    text = ";".join(header) + "\n" + f"2026-11-02;EDM;{given};1,5\n2026-11-03;EDM;{received};2:15\n"
    p = tmp_path / "hours.csv"
    p.write_text(text, encoding="utf-8")
    preview = demo_ctx.services.hours_import.preview(p)
    assert preview.ok, preview.problems
    assert set(preview.mapping) == {"date", "partner", "direction", "hours"}
    assert [(r.direction, r.minutes) for r in preview.rows] == [("given", 90), ("received", 135)]


def test_an_unknown_direction_word_names_the_line_and_the_words_it_takes(demo_ctx, tmp_path):
    p = tmp_path / "hours.csv"
    p.write_text("Date,Partner,Direction,Hours\n2026-11-02,EDM,sideways,1\n", encoding="utf-8")
    preview = demo_ctx.services.hours_import.preview(p)
    assert not preview.ok
    assert any(problem.line == 2 and "sideways" in problem.message and "given" in problem.message
               for problem in preview.problems), preview.problems
