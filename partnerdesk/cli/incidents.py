"""Disaster cost recovery commands (docs/incidents.md): ``incidents`` (the register, the labor summary, the
mutual-aid reimbursement request) and ``staff rate set`` (the home agency's pay rates)."""

from __future__ import annotations

import argparse

from partnerdesk.cli.output import add_json_flag, context, emit_json, emit_table
from partnerdesk.domain.durations import format_minutes
from partnerdesk.domain.money import format_cents
from partnerdesk.domain.wording import plural


def _incident_options(p, adding: bool) -> None:
    p.add_argument("ref", metavar="REF", help="a short code, e.g. WS-2026-11")
    p.add_argument("--name", required=adding, metavar="TEXT", help="e.g. 'November windstorm'")
    p.add_argument("--start", required=adding, metavar="YYYY-MM-DD", help="first day of the incident period")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day of the incident period")
    p.add_argument("--declaration", metavar="TEXT", help="federal or state declaration number, e.g. DR-4999-WA")
    p.add_argument("--work", choices=("emergency", "permanent"), default="emergency" if adding else None,
                   help="FEMA work type (default: emergency)")
    p.add_argument("--type", dest="incident_type", metavar="TEXT", help="severe storm, flood, cyber attack ...")
    p.add_argument("--applicant", metavar="TEXT", help="the FEMA applicant (default: your agency)")
    p.add_argument("--pa-id", metavar="TEXT", help="FEMA Public Assistance applicant id")
    p.add_argument("--project", dest="project_number", metavar="TEXT", help="project (worksheet) number")
    p.add_argument("--site", metavar="TEXT", help="location or site of the work")
    p.add_argument("--category", metavar="LETTER", help="FEMA work category, A to G (B: emergency protective "
                                                        "measures)")
    p.add_argument("--description", metavar="TEXT", help="description of the work")


def register(sub) -> None:
    p = sub.add_parser("incidents", help="disasters and emergencies: the register, FEMA labor summaries and "
                                         "mutual-aid reimbursement requests")
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = isub.add_parser("add", help="add an incident to the register")
    _incident_options(a, True)
    add_json_flag(a, "print the incident as a JSON object")
    a.set_defaults(func=cmd_add)
    a = isub.add_parser("edit", help="change an incident (only the options given)")
    _incident_options(a, False)
    add_json_flag(a, "print the incident as a JSON object")
    a.set_defaults(func=cmd_edit)
    a = isub.add_parser("list", help="the incident register, newest first")
    add_json_flag(a)
    a.set_defaults(func=cmd_list)
    a = isub.add_parser("labor-summary", help="the Force Account Labor Summary (FEMA Form 009-0-123 layout) and "
                                              "the benefit calculation worksheet, as a PDF or CSV")
    a.add_argument("ref", metavar="REF")
    a.add_argument("--out", required=True, metavar="FILE", help="a .pdf or .csv file")
    a.add_argument("--certify-name", metavar="TEXT", help="who certifies it (default: your billing contact)")
    a.add_argument("--certify-title", metavar="TEXT", help="their title (default: from the directory)")
    a.set_defaults(func=cmd_labor_summary)
    a = isub.add_parser("count-regular", help="count permanent staff's regular hours on this emergency incident "
                                              "as claimable (FEMA usually does not), with the reason")
    a.add_argument("ref", metavar="REF")
    a.add_argument("--reason", required=True, metavar="TEXT", help="why they are eligible (kept and printed)")
    a.add_argument("--staff", metavar="NAME", help="one person (default: every employee)")
    a.set_defaults(func=cmd_count_regular)
    a = isub.add_parser("invoice", help="issue a Mutual Aid Reimbursement Request to the agency you helped "
                                        "(numbered, frozen and verified like a statement)")
    a.add_argument("ref", metavar="REF")
    a.add_argument("--partner", required=True, metavar="CODE", help="the agency that asked for help")
    a.add_argument("--agreement", metavar="NUMBER", help="the mutual-aid agreement, when the hours name several")
    a.add_argument("--out", metavar="DIR", help="also write the PDF into this folder")
    add_json_flag(a, "print the issued request as a JSON object")
    a.set_defaults(func=cmd_invoice)

    p = sub.add_parser("staff", help="your own staff's pay rates (private: never synced, never exported unless "
                                     "asked)")
    ssub = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    r = ssub.add_parser("rate", help="pay rates").add_subparsers(dest="action", metavar="ACTION", required=True)
    a = r.add_parser("set", help="a person's hourly pay and fringe rates from a date")
    a.add_argument("name", metavar="NAME", help="one of your agency's staff, as in the directory")
    a.add_argument("--regular", required=True, metavar="AMOUNT", help="regular hourly pay, e.g. 48.50")
    a.add_argument("--overtime", required=True, metavar="AMOUNT", help="overtime hourly pay, e.g. 72.75")
    a.add_argument("--fringe-regular", required=True, metavar="PCT", help="benefits on regular pay, e.g. 38.5")
    a.add_argument("--fringe-overtime", required=True, metavar="PCT", help="benefits on overtime pay, e.g. 9.65")
    a.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day in force")
    a.add_argument("--temporary", action="store_true", help="a temporary or extra hire (not budgeted staff)")
    add_json_flag(a, "print the rate as a JSON object")
    a.set_defaults(func=cmd_rate_set)
    a = r.add_parser("list", help="your staff's pay rates")
    a.add_argument("name", nargs="?", metavar="NAME")
    add_json_flag(a)
    a.set_defaults(func=cmd_rate_list)


def _fields(args) -> dict:
    return {k: getattr(args, k) for k in ("declaration", "work", "incident_type", "applicant", "pa_id",
                                          "project_number", "site", "category", "description")}


def _show(i) -> None:
    print(f"{i.ref}: {i.name}" + (f" ({i.declaration})" if i.declaration else "")
          + f", {i.work} work, from {i.start_date}" + (f" to {i.end_date}" if i.end_date else ""))


def cmd_add(args: argparse.Namespace) -> int:
    i = context(args).services.incidents.add(args.ref, name=args.name, start_date=args.start, end_date=args.end,
                                             **_fields(args))
    emit_json(i) if args.json else _show(i)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    i = context(args).services.incidents.edit(args.ref, name=args.name, start_date=args.start,
                                              end_date=args.end, **_fields(args))
    emit_json(i) if args.json else _show(i)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    items = context(args).services.incidents.list()
    if args.json:
        emit_json(items)
    else:
        emit_table([[i.ref, i.name, i.declaration or "", i.work, i.start_date, i.end_date or "",
                     format_minutes(i.hours_minutes)] for i in items],
                   ["REF", "NAME", "DECLARATION", "WORK", "START", "END", "HOURS"])
    return 0


def cmd_labor_summary(args: argparse.Namespace) -> int:
    ctx = context(args)
    path = ctx.services.incidents.write_labor_summary(args.ref, args.out, certifier_name=args.certify_name,
                                                      certifier_title=args.certify_title)
    doc = ctx.services.incidents.labor_document(args.ref, certifier_name=args.certify_name,
                                                certifier_title=args.certify_title)
    s = doc.summary
    print(f"Wrote {path}: {plural(len(s.rows), 'line')}, claimable {format_cents(s.claimable_cents)} (regular "
          f"{format_cents(s.regular_cents)}, overtime {format_cents(s.overtime_cents)})"
          + (f"; {format_cents(s.not_claimed_cents)} listed as usually not eligible" if s.not_claimed_cents else ""))
    return 0


def cmd_count_regular(args: argparse.Namespace) -> int:
    context(args).services.incidents.override(args.ref, args.reason, staff=args.staff)
    print(f"{args.ref}: regular time of {args.staff or 'every employee'} counted as claimable ({args.reason})")
    return 0


def cmd_invoice(args: argparse.Namespace) -> int:
    from partnerdesk.services.statements_mutual_aid import issue_mutual_aid

    ctx = context(args)
    st, path = issue_mutual_aid(ctx.db, args.ref, args.partner, agreement=args.agreement, out=args.out)
    if args.json:
        emit_json(st)
    else:
        print(f"Issued {st.number}: Mutual Aid Reimbursement Request to {st.partner} for {args.ref}, "
              f"{format_cents(st.amount_due_cents)}" + (f" ({path})" if path else ""))
    return 0


def cmd_rate_set(args: argparse.Namespace) -> int:
    r = context(args).services.incidents.set_rate(
        args.name, regular=args.regular, overtime=args.overtime, fringe_regular=args.fringe_regular,
        fringe_overtime=args.fringe_overtime, effective_from=args.start, permanent=not args.temporary)
    if args.json:
        emit_json(r)
    else:
        print(f"{r['name']}: from {r['from']}, {format_cents(r['regular_cents'])}/h regular + "
              f"{r['fringe_regular']}%, {format_cents(r['overtime_cents'])}/h overtime + {r['fringe_overtime']}%")
    return 0


def cmd_rate_list(args: argparse.Namespace) -> int:
    rows = context(args).services.incidents.rates(args.name)
    if args.json:
        emit_json(rows)
    else:
        emit_table([[r["name"], r["from"], format_cents(r["regular_cents"]), f"{r['fringe_regular']}%",
                     format_cents(r["overtime_cents"]), f"{r['fringe_overtime']}%",
                     "permanent" if r["permanent"] else "temporary"] for r in rows],
                   ["NAME", "FROM", "REGULAR", "FRINGE", "OVERTIME", "FRINGE OT", "STAFF"])
    return 0
