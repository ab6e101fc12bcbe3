"""Billing commands: ``statements draft|issue|list|pdf|verify|void|credit|account`` and ``payments record|list``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from partnerdesk.app import open_context
from partnerdesk.cli.output import add_json_flag, emit_json, emit_table
from partnerdesk.domain.money import Money, format_cents
from partnerdesk.domain.wording import statement_status_word, status_word
from partnerdesk.errors import ValidationError

LIST_FIELDS = ("number", "partner", "period", "status", "total_cents", "amount_due_cents", "pdf_sha256")


def _scope(p) -> None:
    p.add_argument("--quarter", required=True, metavar="Q", help="fiscal quarter, e.g. 2026Q2")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--partner", metavar="CODE", help="one partner agency")
    g.add_argument("--all", action="store_true", help="every partner with unbilled hours in the quarter")


def register(sub) -> None:
    p = sub.add_parser("statements", help="quarterly intergovernmental billing statements")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = ssub.add_parser("draft", help="create or refresh draft statements for a quarter")
    _scope(s)
    add_json_flag(s)
    s.set_defaults(func=cmd_draft)

    s = ssub.add_parser("issue", help="number, freeze and write the quarter's statements as PDF")
    _scope(s)
    s.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the PDF files")
    s.add_argument("--cap-override-reason", metavar="TEXT",
                   help="recorded reason for billing past an agreement's cap")
    add_json_flag(s)
    s.set_defaults(func=cmd_issue)

    s = ssub.add_parser("list", help="statements, drafts included")
    s.add_argument("--quarter", metavar="Q")
    s.add_argument("--partner", metavar="CODE")
    add_json_flag(s)
    s.set_defaults(func=cmd_list)

    s = ssub.add_parser("pdf", help="write an issued statement's frozen PDF to a file")
    s.add_argument("number")
    s.add_argument("file", type=Path)
    s.set_defaults(func=cmd_pdf)

    s = ssub.add_parser("verify", help="check statements against the seal recorded at issue (content, PDF, "
                                       "chain); exit 3 naming what differs")
    s.add_argument("number", nargs="?", help="one statement or credit note")
    s.add_argument("--all", action="store_true", help="every numbered statement, the chains and the numbering")
    s.add_argument("--file", type=Path, metavar="PDF", help="a copy to compare with the issued PDF")
    s.set_defaults(func=cmd_verify)

    s = ssub.add_parser("void", help="void an issued statement (the number is kept, never reused)")
    s.add_argument("number")
    s.add_argument("--reason", required=True)
    s.set_defaults(func=cmd_void)

    s = ssub.add_parser("credit", help="issue a credit note against a statement")
    s.add_argument("number")
    s.add_argument("--reason", required=True)
    s.add_argument("--amount", metavar="A", help="default: the open balance")
    s.add_argument("--out", type=Path, metavar="DIR", help="also write the credit note PDF here")
    s.set_defaults(func=cmd_credit)

    s = ssub.add_parser("account", help="statement of account for a partner (PDF or CSV by extension)")
    s.add_argument("partner", metavar="CODE")
    s.add_argument("file", type=Path)
    s.add_argument("--as-of", metavar="YYYY-MM-DD")
    s.set_defaults(func=cmd_account)

    p = sub.add_parser("payments", help="payments received on statements")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = psub.add_parser("record", help="record a (partial) payment")
    r.add_argument("number")
    r.add_argument("--amount", required=True, metavar="A")
    r.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    r.add_argument("--method", required=True, choices=("warrant", "check", "eft", "offset"))
    r.add_argument("--ref", metavar="R", help="warrant, check or EFT reference")
    add_json_flag(r)
    r.set_defaults(func=cmd_payment_record)
    r = psub.add_parser("list", help="payments recorded")
    r.add_argument("--statement", metavar="NUMBER")
    r.add_argument("--partner", metavar="CODE")
    add_json_flag(r)
    r.set_defaults(func=cmd_payment_list)


def _row(d) -> dict:
    return {k: getattr(d, k) for k in LIST_FIELDS} | {
        "kind": d.kind, "agreement": d.agreement_number, "issue_date": d.issue_date, "due_date": d.due_date,
        "gross_cents": d.gross_cents, "offset_cents": d.offset_cents, "balance_cents": d.balance_cents,
        "supersedes": d.supersedes, "original": d.original, "lines": d.line_count, "seal_sha256": d.seal_sha256}


def cmd_draft(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    from partnerdesk.cli.progress import Progress

    with Progress("Drafting statements") as progress:
        items = ctx.services.statements.draft(args.quarter, partner=args.partner, all_partners=args.all,
                                              progress=progress)
    if args.json:
        emit_json([_row(d) | {"warnings": list(d.warnings)} for d in items])
        return 0
    emit_table(([d.partner, d.agreement_number or "", d.period, d.line_count, format_cents(d.gross_cents),
                 format_cents(d.offset_cents), format_cents(d.amount_due_cents)] for d in items),
               ["partner", "agreement", "period", "lines", "gross", "offset", "amount due"])
    for d in items:
        for w in d.warnings:
            print(f"warning: {d.partner}: {w}", file=sys.stderr)
    return 0


def cmd_issue(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    if args.out.exists() and not args.out.is_dir():
        raise ValidationError(f"--out {args.out}: is a file; give a folder")
    from partnerdesk.cli.progress import Progress

    with Progress("Issuing statements") as progress:
        results = ctx.services.statements.issue(args.quarter, partner=args.partner, all_partners=args.all,
                                                out_dir=args.out, cap_override_reason=args.cap_override_reason,
                                                progress=progress)
    if args.json:
        emit_json([{"partner": r.partner, "agreement": r.agreement_number, "issued": r.issued,
                    "number": r.statement.number if r.statement else None,
                    "amount_due_cents": r.statement.amount_due_cents if r.statement else None,
                    "pdf": r.pdf_path, "pdf_error": r.pdf_error, "skipped_reason": r.skipped_reason,
                    "warnings": list(r.warnings),
                    "held_back": [{"entry_id": h.entry_id, "date": h.work_date, "staff": h.staff_name,
                                   "reason": h.reason} for h in r.held_back]} for r in results])
    else:
        for r in results:
            if r.issued and r.pdf_error:  # issued and committed: only the file is missing
                print(f"error: {r.statement.number} ({r.partner}) is issued, but its PDF was not written "
                      f"({r.pdf_error}); 'partnerdesk statements pdf {r.statement.number} FILE' writes it",
                      file=sys.stderr)
            elif r.issued:
                print(f"{r.statement.number}  {r.partner:<5} {r.agreement_number}  "
                      f"{format_cents(r.statement.amount_due_cents):>12} due  {r.pdf_path}")
            else:
                print(f"skipped {r.partner} {r.agreement_number}: {r.skipped_reason}", file=sys.stderr)
    for r in results:
        for w in r.warnings:
            print(f"warning: {r.partner}: {w}", file=sys.stderr)
        for h in r.held_back:
            print(f"held back: {r.partner} {h.work_date} {h.staff_name or ''}: {h.reason}", file=sys.stderr)
    unwritten = [r.statement.number for r in results if r.issued and r.pdf_error]
    if unwritten:
        issued = sum(r.issued for r in results)
        print(f"partnerdesk: error: {issued} statement{'s' if issued != 1 else ''} issued; "
              f"{len(unwritten)} PDF{'s' if len(unwritten) != 1 else ''} not written to {args.out} "
              f"({', '.join(unwritten)}); every issued PDF is kept in the database: 'partnerdesk statements "
              "pdf NUMBER FILE' writes one", file=sys.stderr)
        return 2
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    items = ctx.services.statements.list(quarter=args.quarter, partner=args.partner)
    if args.json:
        emit_json([_row(d) for d in items])
        return 0
    emit_table(([d.number or "(draft)", d.partner, d.agreement_number or "", d.period,
                 statement_status_word(d.status, d.balance_cents),
                 format_cents(d.total_cents), format_cents(d.amount_due_cents), format_cents(d.balance_cents),
                 (d.pdf_sha256 or "")[:12]] for d in items),
               ["number", "partner", "agreement", "period", "status", "total", "amount due", "balance", "sha256"])
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    path = ctx.services.statements.write_pdf(args.number, args.file)
    print(f"Wrote {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    if bool(args.number) == bool(args.all):
        raise ValidationError("verify: give a statement number (LYN-2026-0001) or --all")
    if args.all and args.file:
        raise ValidationError("verify: --file compares one statement's PDF; give its number instead of --all")
    ctx = open_context(args.db)
    if not args.all:
        result = ctx.services.statements.verify(args.number, args.file)
        print(result.message, file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 3
    results = ctx.services.statements.verify_all()
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(r.message, file=sys.stderr)
    checked = sum(1 for r in results if " chain" not in r.number and "MISSING" not in r.message)
    if bad:
        print(f"{len(bad)} problem{'s' if len(bad) != 1 else ''} found in {checked} statement"
              f"{'s' if checked != 1 else ''}", file=sys.stderr)
        return 3
    print(f"{checked} statement{'s' if checked != 1 else ''} verified: content, PDFs, chains and numbering "
          "intact")
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    d = ctx.services.statements.void(args.number, args.reason)
    print(f"{d.number} is void ({d.void_reason}); its hours can be billed on a replacement statement")
    return 0


def cmd_credit(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    cents = Money.parse(args.amount).cents if args.amount else None
    if args.out:
        from partnerdesk.services.statements import check_writable_folder

        check_writable_folder(args.out)  # before the credit note is numbered
    d = ctx.services.statements.credit_note(args.number, args.reason, cents)
    print(f"{d.number}: credit of {format_cents(-d.total_cents)} against {d.original}")
    if args.out:
        from partnerdesk.services.statements import pdf_file_name

        path = ctx.services.statements.write_pdf(d.number, args.out / pdf_file_name(d))
        print(f"Wrote {path}")
    return 0


def cmd_account(args: argparse.Namespace) -> int:
    from partnerdesk.services.base import as_date

    ctx = open_context(args.db)
    path = ctx.services.payments.write_account(args.partner, args.file, as_date(args.as_of, "--as-of"))
    print(f"Wrote {path}")
    return 0


def cmd_payment_record(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    p = ctx.services.payments.record(args.number, args.amount, args.date, args.method, args.ref)
    st = ctx.services.statements.get(args.number)
    if args.json:
        emit_json([p])
    else:
        print(f"Recorded {format_cents(p.amount_cents)} by {p.method} on {p.statement_number}: "
              f"{status_word(st.status)}, balance {format_cents(st.balance_cents)}")
    return 0


def cmd_payment_list(args: argparse.Namespace) -> int:
    ctx = open_context(args.db)
    items = ctx.services.payments.list(number=args.statement, partner=args.partner)
    if args.json:
        emit_json(items)
    else:
        emit_table(([p.paid_on, p.statement_number, format_cents(p.amount_cents), p.method, p.reference or ""]
                    for p in items), ["date", "statement", "amount", "method", "reference"])
    return 0
