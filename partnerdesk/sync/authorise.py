"""Who may change what through sync (issue 14, guarantee 3): each installation is admitted for one agency
(``sync/members.py``) and may change only what that agency owns.

* the agency's own row (only its own installations name its ``billing_node``) and its contacts;
* time entries it provided; the recipient may set acknowledgement and dispute only (and the invoicing marks
  a netted statement puts on them);
* agreements it is a party to, their parties and their rates;
* statements, their lines and PDF, their numbers and payments: from the issuer's billing installation only
  (the one rule of ``domain/issuing.py``, ``can_issue_numbers``);
* shared reference lists (skills, service categories, mileage rates) any member may add to.

A partner that has no installation in the space yet is looked after by the agency whose installation
created its row (its row, contacts and entries), until one of its own is admitted.

Every table has a rule in ``RULES`` (table -> rule); a table without one is refused. A rule gets the batch
of ops one node sent for one row and returns a reason per refused op. ``sync/merge.py`` leaves refused ops
out and lists them (a ``sync conflict`` of kind "unauthorised", with the sender).

Spaces set up before membership existed (no ``sync_member`` row at all) are not checked: nothing says who
is who there.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerdesk.db.models import Base, SyncMember, SyncOp
from partnerdesk.domain.issuing import can_issue_numbers
from partnerdesk.sync import settlement_rules
from partnerdesk.sync.members import ADMITTED, agency_of

CHUNK = 900
# what the recipient of a time entry may set on it
RECIPIENT_FIELDS = frozenset({"status", "acknowledged_by", "acknowledged_on", "dispute_reason", "statement_line_id"})
RECIPIENT_STATUSES = frozenset({"draft", "acknowledged", "disputed", "invoiced"})


def _value(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return None


class Context:
    """What the rules need to know about one batch from one node, loaded in bulk and cached."""

    def __init__(self, s: Session, node: str, agency: str | None, batch: dict[tuple[str, str], list]):
        self.s, self.node, self.agency, self.batch = s, node, agency, batch
        self.raw = s.connection().connection.dbapi_connection
        self._rows: dict[tuple[str, str], dict | None] = {}
        self._acts: dict[str, bool] = {}
        self._creator: dict[tuple[str, str], str | None] = {}
        self._parties: dict[str, set[str]] = {}
        by_tbl: dict[str, list[str]] = {}
        for tbl, row_id in batch:
            by_tbl.setdefault(tbl, []).append(row_id)
        for tbl, ids in by_tbl.items():
            self._load(tbl, ids)

    def _load(self, tbl: str, ids: Iterable[str]) -> None:
        t = Base.metadata.tables.get(tbl)
        ids = [i for i in dict.fromkeys(ids) if (tbl, i) not in self._rows]
        if t is None or not ids:
            return
        cols = [c.name for c in t.columns]
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            for r in self.raw.execute(f"SELECT {', '.join(cols)} FROM {tbl} WHERE id IN ({','.join('?' * len(chunk))})",
                                      chunk):
                row = dict(zip(cols, r))
                self._rows[(tbl, row["id"])] = row
        for i in ids:
            self._rows.setdefault((tbl, i), None)

    def before(self, tbl: str, row_id: str | None) -> dict | None:
        """The row as this database holds it now (None: not here)."""
        if row_id is None:
            return None
        if (tbl, row_id) not in self._rows:
            self._load(tbl, [row_id])
        return self._rows.get((tbl, row_id))

    def after(self, tbl: str, row_id: str | None, field: str) -> Any:
        """``field`` as the batch leaves it (its newest op), else as it is here."""
        ops = [o for o in self.batch.get((tbl, row_id), ()) if o.field == field]
        if ops:
            return _value(max(ops, key=lambda o: o.key).value)
        row = self.before(tbl, row_id)
        return row.get(field) if row else None

    def is_new(self, tbl: str, row_id: str) -> bool:
        return self.before(tbl, row_id) is None

    def creator_agency(self, tbl: str, row_id: str) -> str | None:
        """The agency of the installation that wrote the row's first op."""
        key = (tbl, row_id)
        if key not in self._creator:
            first = self.s.execute(select(SyncOp.node).where(SyncOp.tbl == tbl, SyncOp.row_id == row_id)
                                   .order_by(SyncOp.hlc, SyncOp.node).limit(1)).scalar()
            self._creator[key] = agency_of(self.s, first) if first else (self.agency if key in self.batch else None)
        return self._creator[key]

    def acts_for(self, agency_id: str | None) -> bool:
        """Whether the sender may act for ``agency_id``: it is admitted for it, or the agency has no
        installation of its own here and the sender's agency created its row."""
        if agency_id is None or self.agency is None:
            return False
        if agency_id == self.agency:
            return True
        got = self._acts.get(agency_id)
        if got is None:
            has_own = self.s.execute(select(SyncMember.id).where(
                SyncMember.agency_id == agency_id, SyncMember.status == ADMITTED,
                SyncMember.deleted_at.is_(None)).limit(1)).first() is not None
            got = self._acts[agency_id] = (not has_own and self.creator_agency("agency", agency_id) == self.agency)
        return got

    def parties(self, agreement_id: str | None) -> set[str]:
        """The agreement's live parties here; for an agreement this batch creates, the parties it brings too
        (a party added to someone else's agreement does not count itself in)."""
        if agreement_id is None:
            return set()
        got = self._parties.get(agreement_id)
        if got is None:
            t = Base.metadata.tables["agreement_party"]
            got = set(self.s.execute(select(t.c.agency_id).where(t.c.agreement_id == agreement_id,
                                                                   t.c.deleted_at.is_(None))).scalars())
            if self.is_new("agreement", agreement_id):
                for (tbl, row_id) in self.batch:
                    if tbl == "agreement_party" and self.after(tbl, row_id, "agreement_id") == agreement_id:
                        got.add(self.after(tbl, row_id, "agency_id"))
            self._parties[agreement_id] = got
        return got

    def bills(self, statement_id: str | None) -> bool:
        """Whether the sender is the billing installation of the statement's issuer."""
        issuers = {self.after("statement", statement_id, "issuer_agency_id")}
        before = self.before("statement", statement_id)
        if before is not None:
            issuers.add(before["issuer_agency_id"])
        for issuer in issuers:
            if issuer is None or issuer != self.agency:
                return False
            agency = self.before("agency", issuer)
            if agency is None or not can_issue_numbers(_Row(agency), self.node):
                return False
        return True


class _Row:
    def __init__(self, values: dict):
        self.__dict__.update(values)


Rule = Callable[[Context, str, list], dict[str, str]]


def _all(ops: list, reason: str | None) -> dict[str, str]:
    return {} if reason is None else {o.op_id: reason for o in ops}


def _agency(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    out = {}
    new = ctx.is_new("agency", row_id)
    for o in ops:
        if o.field == "billing_node":
            if ctx.agency != row_id:
                out[o.op_id] = "only the agency's own installations choose which PC issues its numbers"
        elif not new and not ctx.acts_for(row_id):
            out[o.op_id] = "an installation may change only its own agency's record"
    return out


def _owned_by(ctx: Context, tbl: str, row_id: str, field: str, what: str) -> str | None:
    before = ctx.before(tbl, row_id)
    owners = {ctx.after(tbl, row_id, field)} | ({before[field]} if before else set())
    if all(ctx.acts_for(a) for a in owners):
        return None
    return f"an installation may change only its own agency's {what}"


def _contact(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    return _all(ops, _owned_by(ctx, "contact", row_id, "agency_id", "contacts"))


def _parents(ctx: Context, tbl: str, row_id: str, field: str) -> set:
    """The rows ``field`` of the row points at, before and after the batch (a move is checked at both ends)."""
    out = {ctx.after(tbl, row_id, field)}
    before = ctx.before(tbl, row_id)
    if before:
        out.add(before[field])
    return out


def _contact_skill(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    for c in _parents(ctx, "contact_skill", row_id, "contact_id"):
        if not ctx.acts_for(ctx.after("contact", c, "agency_id")):
            return _all(ops, "an installation may change only its own agency's contacts")
    return {}


def _shared(_ctx: Context, _row_id: str, _ops: list) -> dict[str, str]:
    return {}  # shared reference lists: any member may add to them


def _agreement_rule(ctx: Context, agreement_id: str | None) -> str | None:
    parties = ctx.parties(agreement_id)
    if parties and any(ctx.acts_for(a) for a in parties):
        return None
    if not parties and agreement_id and ctx.acts_for(ctx.creator_agency("agreement", agreement_id)):
        return None  # no party yet: its creator's
    return "an installation may change only agreements its agency is a party to"


def _agreement(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    return _all(ops, _agreement_rule(ctx, row_id))


def _by_agreement(tbl: str) -> Rule:
    def rule(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
        for a in _parents(ctx, tbl, row_id, "agreement_id"):
            reason = _agreement_rule(ctx, a)
            if reason:
                return _all(ops, reason)
        return {}
    return rule


def _time_entry(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    if _owned_by(ctx, "time_entry", row_id, "provider_agency_id", "hours") is None:
        return {}
    before = ctx.before("time_entry", row_id)
    out = {}
    for o in ops:
        ok = (before is not None and ctx.acts_for(before["recipient_agency_id"]) and o.field in RECIPIENT_FIELDS
              and (o.field != "status" or _value(o.value) in RECIPIENT_STATUSES))
        if not ok:
            out[o.op_id] = ("an installation may change only hours its agency provided; the recipient may "
                            "acknowledge or dispute them")
    return out


def _statement(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
    return _all(ops, None if ctx.bills(row_id) else
                "statements, their numbers and payments come only from the issuer's billing installation")


def _by_statement(tbl: str) -> Rule:
    def rule(ctx: Context, row_id: str, ops: list) -> dict[str, str]:
        if all(s is not None and ctx.bills(s) for s in _parents(ctx, tbl, row_id, "statement_id")):
            return {}
        return _all(ops, "statements, their lines, PDFs and payments come only from the issuer's billing "
                         "installation")
    return rule


def _membership(_ctx: Context, _row_id: str, _ops: list) -> dict[str, str]:
    return {}  # who may admit whom is the admission gate's to decide (sync/members.py, service._import)


# table -> rule. A synced table without a rule is refused: add one here with the table.
RULES: dict[str, Rule] = {
    "agency": _agency,
    "contact": _contact,
    "contact_skill": _contact_skill,
    "skill": _shared,
    "service_category": _shared,
    "mileage_rate": _shared,
    "agreement": _agreement,
    "agreement_party": _by_agreement("agreement_party"),
    "rate_schedule": _by_agreement("rate_schedule"),
    "time_entry": _time_entry,
    "statement": _statement,
    "statement_line": _by_statement("statement_line"),
    "statement_document": _by_statement("statement_document"),
    "payment": _by_statement("payment"),
    "sync_member": _membership,
    "incident": _shared,  # the region's incident register (issue 20): any member may add to it
}

# regional settlement (issue 20): its own tables, and the payments and payment status settling writes on
# statements other agencies issued
RULES.update(settlement_rules.RULES)
RULES["payment"] = settlement_rules.or_settlement_payment(RULES["payment"])
RULES["statement"] = settlement_rules.or_settled_status(RULES["statement"])

def membership_in_force(s: Session) -> bool:
    """Whether this space records who is admitted (else nothing is checked: a space from before)."""
    return (s.scalar(select(func.count()).select_from(select(SyncMember.id).limit(1).subquery())) or 0) > 0


def refusals(s: Session, node: str, ops: list) -> dict[str, str]:
    """op_id -> why, for the ops (``sync/merge.py`` ``Op``) ``node`` sent that its agency may not make."""
    if not ops or not membership_in_force(s):
        return {}
    agency = agency_of(s, node)
    if agency is None:
        return {o.op_id: "this installation is not admitted to the space (or was revoked)" for o in ops}
    batch: dict[tuple[str, str], list] = {}
    for o in ops:
        batch.setdefault((o.tbl, o.row_id), []).append(o)
    ctx = Context(s, node, agency, batch)
    out: dict[str, str] = {}
    for (tbl, row_id), row_ops in batch.items():
        if tbl not in Base.metadata.tables:
            continue  # a newer version's table: kept, applied (and checked) after an upgrade
        rule = RULES.get(tbl)
        if rule is None:
            out.update({o.op_id: f"no rule lets another installation change {tbl.replace('_', ' ')} records"
                        for o in row_ops})
            continue
        out.update(rule(ctx, row_id, row_ops))
    return out
