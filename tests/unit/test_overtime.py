"""Issue 15, point 5: overtime. An entry flagged overtime is priced with the schedule's overtime multiplier;
after hours and overtime together get the higher multiplier, never both. Expected cents written by hand: they
are the worked examples of docs/hours-and-agreements.md."""

from __future__ import annotations

import json
from datetime import date

import pytest

from partnerdesk.cli import main
from partnerdesk.domain.billing import EntryFacts, Rate, price_entry
from tests.conftest import TODAY

RATE = Rate("r", "a", None, None, date(2026, 1, 1), None, 120_00, after_hours_multiplier="1.5",
            overtime_multiplier="1.75", billing_increment_minutes=15, minimum_callout_minutes=120)


@pytest.mark.parametrize("minutes,after_hours,overtime,callout,kinds,cents", [
    (130, False, True, False, ["overtime"], 472_50),  # 2.25 h × $120 × 1.75
    (130, True, False, False, ["after_hours"], 405_00),  # 2.25 h × $120 × 1.5
    (130, True, True, False, ["overtime"], 472_50),  # the higher: ×1.75, not ×2.625
    (45, False, True, True, ["overtime", "callout_minimum"], 157_50 + 262_50),  # call-out top-up at ×1.75
    (130, False, False, False, ["labor"], 270_00),
])
def test_worked_examples(minutes, after_hours, overtime, callout, kinds, cents):
    p = price_entry(EntryFacts(date(2026, 5, 4), minutes, after_hours, callout, overtime=overtime), RATE)
    assert [ln.kind for ln in p.lines] == kinds and p.amount_cents == cents


def test_the_higher_multiplier_wins_whichever_it_is():
    low_ot = Rate("r", "a", None, None, date(2026, 1, 1), None, 120_00, after_hours_multiplier="1.5",
                  overtime_multiplier="1.25")
    p = price_entry(EntryFacts(date(2026, 5, 4), 180, True, overtime=True), low_ot)
    assert [(ln.kind, ln.multiplier) for ln in p.lines] == [("after_hours", "1.5")] and p.amount_cents == 540_00
    tie = Rate("r", "a", None, None, date(2026, 1, 1), None, 120_00)  # both ×1.5
    p = price_entry(EntryFacts(date(2026, 5, 4), 60, True, overtime=True), tie)
    assert [(ln.kind, ln.multiplier) for ln in p.lines] == [("after_hours", "1.5")] and p.amount_cents == 180_00


def cli_json(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out) if out.strip().startswith(("[", "{")) else out


def test_logged_with_the_cli_priced_and_shown_on_the_statement(demo_ctx, capsys):
    rates = demo_ctx.services.agreements.rates("ILA-2025-005")  # Lynnwood ↔ Woodway
    for r in rates:
        demo_ctx.services.agreements.update_rate(r.id, overtime_multiplier="1.75")
    out = cli_json(capsys, "agreements", "rates", "ILA-2025-005")
    assert "overtime x" in out and "1.75" in out
    plain = cli_json(capsys, "hours", "log", "--partner", "WDY", "--direction", "given", "--date", "2026-09-08",
                     "--hours", "2", "--category", "NET", "--staff", "Olive Time", "--json")[0]
    ot = cli_json(capsys, "hours", "log", "--partner", "WDY", "--direction", "given", "--date", "2026-09-09",
                  "--hours", "2", "--category", "NET", "--staff", "Olive Time", "--overtime", "--note",
                  "Weekend cutover", "--json")[0]
    assert ot["overtime"] is True and plain["overtime"] is False
    assert ot["amount_cents"] * 100 == plain["amount_cents"] * 175  # the same work at ×1.75
    both = cli_json(capsys, "hours", "log", "--partner", "WDY", "--direction", "given", "--date", "2026-09-10",
                    "--hours", "2", "--category", "NET", "--staff", "Olive Time", "--overtime", "--after-hours",
                    "--json")[0]
    assert both["amount_cents"] == ot["amount_cents"]  # the higher multiplier, not both
    st = demo_ctx.services.statements.issue("2026Q3", partner="WDY", today=TODAY)[0].statement
    line = next(ln for ln in demo_ctx.services.statements.lines(st.number) if ot["id"] in ln.source_entry_ids)
    assert (line.kind, line.multiplier, line.amount_cents) == ("overtime", "1.75", ot["amount_cents"])
    assert line.description == "Overtime labor: Weekend cutover"
    line = next(ln for ln in demo_ctx.services.statements.lines(st.number) if both["id"] in ln.source_entry_ids)
    assert line.description.startswith("Overtime labor (overtime and after hours: the higher multiplier)")
    from tests.unit.test_quarter_rules import pdf_text

    text = pdf_text(demo_ctx.services.statements.pdf(st.number))
    assert "Overtime labor: Weekend cutover" in text and "×1.75" in text


def test_an_entry_is_flagged_by_editing_it_and_by_the_hours_import(demo_ctx, tmp_path):
    hours = demo_ctx.services.hours
    e = hours.log(partner="WDY", direction="given", work_date="2026-11-02", hours="1", category="NET",
                  staff="Olive Time", today=TODAY).entry
    flagged = hours.update(e.id, overtime=True)
    assert flagged.overtime and flagged.amount_cents == e.amount_cents * 3 // 2  # the demo's ×1.5
    csv = tmp_path / "hours.csv"
    csv.write_text("Date,Partner,Direction,Hours,Staff,OT,What we did\n"
                   "11/3/2026,Woodway,We helped them,1,Olive Time,Y,Night patching\n"
                   "11/4/2026,Woodway,We helped them,1,Olive Time,,Day patching\n", encoding="utf-8")
    result = demo_ctx.services.hours_import.import_file(csv)
    assert result.mapping.get("overtime") == "OT" and result.imported == 2 and not result.problems
    assert [r.overtime for r in result.rows] == [True, False]
    got = {x.description: x for x in hours.list(partner="WDY") if x.description in ("Night patching", "Day patching")}
    assert got["Night patching"].overtime and not got["Day patching"].overtime
    assert got["Night patching"].amount_cents == got["Day patching"].amount_cents * 3 // 2


# -- an agreement may stack the two multipliers (docs/hours-and-agreements.md, "Stacking") --------------------
STACKED = Rate("r", "a", None, None, date(2026, 1, 1), None, 120_00, after_hours_multiplier="1.5",
               overtime_multiplier="1.75", billing_increment_minutes=15, minimum_callout_minutes=120,
               stack_multipliers=True)


@pytest.mark.parametrize("minutes,after_hours,overtime,callout,lines", [
    (130, True, True, False, [("after_hours_overtime", "2.625", 708_75)]),  # 2.25 h × $120 × 1.5 × 1.75
    (45, True, True, True, [("after_hours_overtime", "2.625", 236_25),  # 0.75 h × $120 × 2.625
                            ("callout_minimum", "2.625", 393_75)]),  # the top-up, 1.25 h, at the same ×2.625
    (130, False, True, False, [("overtime", "1.75", 472_50)]),  # one flag alone: as without stacking
    (130, True, False, False, [("after_hours", "1.5", 405_00)]),
])
def test_stacked_worked_examples(minutes, after_hours, overtime, callout, lines):
    p = price_entry(EntryFacts(date(2026, 5, 4), minutes, after_hours, callout, overtime=overtime), STACKED)
    assert [(ln.kind, ln.multiplier, ln.amount_cents) for ln in p.lines] == lines


def test_an_agreement_that_stacks_reprices_open_entries_and_says_so_on_the_statement(demo_ctx, capsys):
    for r in demo_ctx.services.agreements.rates("ILA-2025-005"):  # Lynnwood ↔ Woodway: ×1.5 and ×1.75
        demo_ctx.services.agreements.update_rate(r.id, overtime_multiplier="1.75")
    both = cli_json(capsys, "hours", "log", "--partner", "WDY", "--direction", "given", "--date", "2026-09-10",
                    "--hours", "2", "--category", "NET", "--staff", "Olive Time", "--overtime", "--after-hours",
                    "--note", "Storm cutover", "--json")[0]
    changed = cli_json(capsys, "agreements", "edit", "ILA-2025-005", "--stack-multipliers", "--json")
    assert changed["stack_multipliers"] is True
    entry = next(e for e in cli_json(capsys, "hours", "list", "--partner", "WDY", "--json") if e["id"] == both["id"])
    assert entry["amount_cents"] == both["amount_cents"] * 3 // 2  # ×1.75 became ×1.5 × 1.75
    st = demo_ctx.services.statements.issue("2026Q3", partner="WDY", today=TODAY)[0].statement
    line = next(ln for ln in demo_ctx.services.statements.lines(st.number) if both["id"] in ln.source_entry_ids)
    assert (line.kind, line.multiplier, line.amount_cents) == ("after_hours_overtime", "2.625", entry["amount_cents"])
    assert line.description == "After-hours overtime labor (overtime and after hours: both multipliers): Storm cutover"
    out = cli_json(capsys, "agreements", "edit", "ILA-2025-005", "--no-stack-multipliers")
    assert out.startswith("Changed agreement ILA-2025-005") and "stacked" not in out
