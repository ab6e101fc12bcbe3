"""Personal numbers (domain/privacy.py): withheld from the audit trail (text and JSON) unless asked for, and
asking is recorded; the JSON export applies the same rule."""

from __future__ import annotations

import contextlib
import io
import json

from partnerdesk.domain.privacy import WITHHELD, withhold_changes

NUMBER = "(425) 555-0142"


def _cli(*argv: str) -> tuple[int, str, str]:
    from partnerdesk.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _contact_with_a_personal_number(ctx):
    ctx.services.agencies.create(name="City of Lynnwood", code="LYN", is_home=True)
    ctx.services.agencies.create(name="City of Edmonds", code="EDM")
    c = ctx.services.contacts.create(agency="EDM", name="Pat Example", work_phone="425-555-0101",
                                     personal_phone=NUMBER)
    ctx.services.contacts.update(c.id, personal_phone="(425) 555-0143")
    return c


def test_the_rule_keeps_empty_values_and_other_fields():
    changes = {"personal_phone": [None, NUMBER], "name": ["A", "B"]}
    assert withhold_changes("contact", changes) == {"personal_phone": [None, WITHHELD], "name": ["A", "B"]}
    assert withhold_changes("contact", {"personal_phone": NUMBER}) == {"personal_phone": WITHHELD}
    assert withhold_changes("agency", changes) is changes


def test_audit_withholds_personal_numbers_unless_asked_and_records_the_asking(ctx):
    c = _contact_with_a_personal_number(ctx)
    ctx.close()
    for argv in (["audit"], ["audit", "--json"], ["audit", "--entity", c.id, "--json"]):
        code, out, err = _cli(*argv)
        assert code == 0, err
        assert "555-0142" not in out and "555-0143" not in out
    code, out, _ = _cli("audit", "--json", "--entity", c.id)
    changes = [e["changes"] for e in json.loads(out)]
    assert {"personal_phone": [WITHHELD, WITHHELD]} in [{k: v for k, v in ch.items() if k == "personal_phone"}
                                                        for ch in changes]
    code, out, _ = _cli("audit", "--json", "--include-personal")
    assert code == 0 and NUMBER in out
    code, out, _ = _cli("audit", "--json", "--limit", "1")
    newest = json.loads(out)[0]
    assert newest["action"] == "view_personal" and "personal numbers" in newest["summary"]


def test_export_json_uses_the_same_rule(ctx):
    _contact_with_a_personal_number(ctx)
    text = json.dumps(ctx.services.interchange.export_data())
    assert "555-014" not in text and WITHHELD in text


def test_a_huge_or_zero_limit_is_a_user_error(ctx):
    ctx.close()
    for argv in (["audit", "--limit", "99999999999999999999"], ["audit", "--limit", "0"],
                 ["audit", "--limit", "9" * 5000], ["search", "pat", "--limit", str(2 ** 70)],
                 ["search", "pat", "--limit", "-1"]):
        code, out, err = _cli(*argv)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "--limit" in err and len(err) < 300
