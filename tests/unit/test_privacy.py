"""Personal numbers (domain/privacy.py): withheld from the audit trail (text and JSON) unless asked for, and
asking is recorded; the JSON export applies the same rule. OUTPUTS lists every output one by one (exports,
PDFs of every kind, the outage kit, listings, logs) and each is checked; backups hold the data and are kept
for the owner alone. Add a new output to OUTPUTS when it lands."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

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


# -- every output, one by one (issue 17 point 4) ---------------------------------------------------------------
# Each thing partnerdesk writes or prints that a person might hand on, with the CLI words that make it. {out} is
# an output folder, {number} an issued statement's number. Personal numbers must be absent from each one unless
# it was asked for with --include-personal (ASKED), where they must be present (so the check can fail).
OUTPUTS = {
    "export json": ["export", "json", "{out}/export.json"],
    "contacts export vCard": ["contacts", "export", "{out}/contacts.vcf"],
    "contacts export CSV": ["contacts", "export", "{out}/contacts.csv"],
    "emergency sheet PDF": ["contacts", "sheet", "{out}/sheet.pdf"],
    "wallet card PDF": ["contacts", "sheet", "{out}/wallet.pdf", "--layout", "wallet"],
    "outage kit (sheet, wallet, vCard, directory.html)": ["outage-kit", "{out}/kit"],
    "FEMA labor summary PDF": ["incidents", "labor-summary", "WS-TEST", "--out", "{out}/labor.pdf"],
    "FEMA labor summary CSV": ["incidents", "labor-summary", "WS-TEST", "--out", "{out}/labor.csv"],
    "mutual-aid reimbursement request PDF": ["incidents", "invoice", "WS-TEST", "--partner", "EDM",
                                             "--out", "{out}/mutual-aid"],
    "statement PDFs": ["statements", "issue", "--quarter", "{quarter}", "--all", "--out", "{out}/statements"],
    "an issued statement's PDF again": ["statements", "pdf", "{number}", "{out}/again.pdf"],
    "credit note PDF": ["statements", "credit", "{number}", "--reason", "Goodwill", "--amount", "10",
                        "--out", "{out}/credit"],
    "statement of account PDF": ["statements", "account", "EDM", "{out}/account.pdf"],
    "statement of account CSV": ["statements", "account", "EDM", "{out}/account.csv"],
    "settlement proposal PDF and CSV": ["settlement", "propose", "--quarter", "{quarter}", "--out",
                                        "{out}/settlement"],
    "audit": ["audit"],
    "audit --json": ["audit", "--json"],
    "contacts list": ["contacts", "list"],
    "contacts list --json": ["contacts", "list", "--json"],
    "search": ["search", "555"],
    "payments list": ["payments", "list"],
    "statements list": ["statements", "list"],
    "hours list": ["hours", "list"],
    "balances": ["balances"],
    "backup --list": ["backup", "--list"],
}
ASKED = {
    "export json --include-personal": ["export", "json", "{out}/export.json", "--include-personal"],
    "contacts export --include-personal": ["contacts", "export", "{out}/contacts.vcf", "--include-personal"],
    "emergency sheet --include-personal": ["contacts", "sheet", "{out}/sheet.pdf", "--include-personal"],
    "outage kit --include-personal": ["outage-kit", "{out}/kit", "--include-personal"],
    "audit --include-personal": ["audit", "--json", "--include-personal"],
    "contacts list --include-personal": ["contacts", "list", "--include-personal"],
    "search --include-personal": ["search", "555", "--include-personal"],
}
# What the outputs above need first: an incident with hours of a staff member whose pay rate is known.
SETUP = [
    ["incidents", "add", "WS-TEST", "--name", "Windstorm", "--start", "{qstart}"],
    ["staff", "rate", "set", "Priya Lindqvist", "--regular", "45", "--overtime", "67.50", "--fringe-regular", "30",
     "--fringe-overtime", "10", "--from", "{qstart}"],
    ["hours", "log", "--partner", "EDM", "--direction", "given", "--date", "{qday}", "--hours", "3",
     "--incident", "WS-TEST", "--staff", "Priya Lindqvist"],
]
PHONE_RUN = re.compile(r"\+?\d[\d\s().\-]{5,}\d")


def _numbers_in(text: str) -> set[str]:
    """The digits of every phone-like run of text ("(425) 555-0142", "+14255550142", "425.555.0142")."""
    return {re.sub(r"\D", "", m) for m in PHONE_RUN.findall(text)}


def _text_of(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_bytes().decode("utf-8", errors="replace")


def _personal_numbers(db: Path) -> set[str]:
    """The demo's personal numbers that are nobody's public number (the demo draws from a small range)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        personal = {re.sub(r"\D", "", p)[-10:] for (p,) in conn.execute(
            "SELECT personal_phone FROM contact WHERE deleted_at IS NULL AND coalesce(personal_phone, '') != ''")}
        public = {re.sub(r"\D", "", p or "")[-10:] for row in conn.execute(
            "SELECT work_phone, mobile_phone, after_hours_phone FROM contact UNION ALL "
            "SELECT phone, ap_contact_phone, NULL FROM agency") for p in row}
    finally:
        conn.close()
    return personal - public


def _run_output(argv: list[str], out: Path, fill: dict[str, str]) -> str:
    """Run one output's command; return everything it produced: what it printed and the files it wrote."""
    before = {p for p in out.rglob("*") if p.is_file()}
    code, printed, err = _cli(*[a.format(out=out, **fill) for a in argv])
    assert code == 0, (argv, err)
    written = sorted(p for p in out.rglob("*") if p.is_file() and p not in before)
    return printed + "\n".join(_text_of(p) for p in written) + "".join(f"\n[file {p.name}]" for p in written)


def test_every_output_withholds_personal_numbers_unless_asked(demo_ctx, tmp_path):
    from partnerdesk.domain.periods import Quarter

    db = demo_ctx.paths.db_path
    personal = _personal_numbers(db)
    assert len(personal) >= 5, "the demo has personal numbers to leak"
    demo_ctx.close()
    base = ["--db", str(db)]
    quarter = Quarter.of(demo_ctx.clock.today()).previous()
    fill = {"quarter": str(quarter), "number": "", "qstart": str(quarter.start),
            "qday": str(quarter.start + timedelta(days=2))}
    for argv in SETUP:
        code, _, err = _cli(*base, *[a.format(**fill) for a in argv])
        assert code == 0, (argv, err)
    results: dict[str, str] = {}
    for name, argv in OUTPUTS.items():
        out = tmp_path / "out" / re.sub(r"\W+", "-", name)
        out.mkdir(parents=True)
        if "{number}" in " ".join(argv) and not fill["number"]:
            code, listed, _ = _cli(*base, "statements", "list", "--json")
            fill["number"] = next(s["number"] for s in json.loads(listed) if s.get("number")
                                  and s.get("balance_cents", 0) > 1000)
        results[name] = _run_output(base + argv, out, fill)
        assert "[file " in results[name] or not any("{out}" in a for a in argv), f"{name} wrote no file"
    # the logs are outputs too (a support request attaches them)
    logs = sorted((demo_ctx.paths.log_file.parent).glob("*.log*"))
    assert logs
    results["logs"] = "\n".join(_text_of(p) for p in logs)
    leaks = {name: sorted(personal & {n[-10:] for n in _numbers_in(text)}) for name, text in results.items()}
    assert not any(leaks.values()), {k: v for k, v in leaks.items() if v}
    for name, argv in ASKED.items():  # asked for: they are there (and so each check above could fail)
        out = tmp_path / "asked" / re.sub(r"\W+", "-", name)
        out.mkdir(parents=True)
        text = _run_output(base + argv, out, fill)
        assert personal & {n[-10:] for n in _numbers_in(text)}, f"{name} holds no personal number"


def test_backups_named_in_the_docs_hold_the_data_but_only_the_owner_can_read_them(demo_ctx, tmp_path):
    """A backup is the database itself (a restore needs every number), so it cannot withhold them: it is
    written for the owner alone (mode 0600), as docs/building.md names them: daily, manual, pre-restore,
    pre-migrate."""
    import os
    import stat

    from partnerdesk.db.migrate import backup_file

    svc = demo_ctx.services.backups
    manual = svc.backup()
    restored = svc.restore(manual)
    pre_migrate = backup_file(demo_ctx.paths.db_path, svc.backup_dir / "pre-migrate-test.sqlite3")
    made = {b.kind: b.path for b in svc.list()}
    assert {"daily", "manual", "pre-restore", "pre-migrate"} <= set(made), made
    assert restored.safety_copy == made["pre-restore"]
    for kind, path in made.items():
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{kind} backup {path.name} is readable by others ({oct(mode)})"
    assert pre_migrate.exists()
