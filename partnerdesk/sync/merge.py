"""Applying remote ops (DESIGN §5): field-level last-writer-wins by (hlc, node), history of every losing
value, conflicts for concurrent edits, frozen statements and invoiced time entries.

The result depends only on the set of ops, never on the order they arrive in: for each touched row every
field is recomputed from all its ops. Callers run ``apply_ops`` inside ``db.write(capture_ops=False)`` so
applied ops are stored once, as ``origin="remote"``, and not captured again as local changes.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerdesk.db.models import (DERIVED_COLUMNS, LOCAL_ONLY, SYNCED_TABLES, Base, SyncConflict, SyncHistory,
                                   SyncOp)
from partnerdesk.db.types import column_now, session_now
from partnerdesk.domain.freeze import (FROZEN_STATUSES, FROZEN_TABLES, STATEMENT_OPEN_FIELDS, refused_change,
                                       refused_new_row)
from partnerdesk.domain.hlc import parse as parse_hlc
from partnerdesk.sync.segment import parse_name

CHUNK = 900
# Fields that differ between installations without anyone editing them: no conflict is raised.
QUIET = {"created_at"}
# Freezing: (table, trigger field) -> frozen fields; the first op giving the trigger a value freezes them.
# A frozen statement, its lines and document follow the one freeze rule (domain/freeze.py refused_change /
# refused_new_row): only payment status and voiding (once) may still change.
STATEMENT_OPEN = set(STATEMENT_OPEN_FIELDS - {"updated_at"})
TIME_ENTRY_FROZEN = {"provider_agency_id", "recipient_agency_id", "agreement_id", "work_date", "minutes",
                     "after_hours", "callout", "overtime", "travel_minutes", "miles", "category_id",
                     "staff_contact_id", "staff_name"}
CHILDREN_OF_STATEMENT = ("statement_line", "statement_document")


@dataclass
class Op:
    op_id: str
    hlc: str
    node: str
    tbl: str
    row_id: str
    field: str
    value: str | None  # JSON text
    dbseq: float  # insertion order in this database (inf for ops being applied now)
    segment: str | None = None
    incoming: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.hlc, self.node)


@dataclass
class ApplyResult:
    new_ops: int = 0
    duplicate_ops: int = 0
    rows_changed: int = 0
    conflicts: int = 0
    frozen_rejected: int = 0
    refused: int = 0  # ops left out: invalid, or not the sender's agency's to make
    max_hlc: str | None = None
    contact_ids: set[str] = field(default_factory=set)
    new_contact_ids: set[str] = field(default_factory=set)


_LITERALS = {"null": None, "true": True, "false": False}


def decode_value(col, raw: str | None) -> Any:
    if raw is None:
        return None
    if raw in _LITERALS:
        return _LITERALS[raw]
    if len(raw) > 1 and raw[0] == '"' and raw[-1] == '"' and "\\" not in raw and '"' not in raw[1:-1]:
        return raw[1:-1]  # a plain string: most values, and no need for the JSON parser
    value = json.loads(raw)
    if isinstance(value, dict) and "$b64" in value:
        return base64.b64decode(value["$b64"])
    return value


def _table(name: str):
    return Base.metadata.tables[name]


def _chunks(items: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class Merger:
    """One apply run inside one write session."""

    def __init__(self, s: Session, local_node: str, contexts_of: dict[tuple[str, str], list]):
        self.s = s
        self.conn = s.connection()
        self.raw = self.conn.connection.dbapi_connection  # the same transaction, without per-row overhead
        self.raw.execute("PRAGMA cache_size=-65536")  # 64 MiB: big joins insert into several indexes at once
        self.local_node = local_node
        # (node, segment name) -> [[from_hlc, {node: seq}], ...]: what the writer had applied when it wrote
        # each of the segment's ops (ops from from_hlc on, until the next entry)
        self.contexts_of = contexts_of

    # -- causality ---------------------------------------------------------------------------------
    def _seg_seq(self, op: Op) -> int | None:
        if not op.segment:
            return None
        parsed = parse_name(op.segment)
        return parsed[0] if parsed else None

    def _vector(self, op: Op) -> dict[str, int]:
        ctx = self.contexts_of.get((op.node, op.segment or "")) or []
        vec: dict[str, int] = {}
        for from_hlc, v in ctx:
            if from_hlc <= op.hlc:
                vec = v
            else:
                break
        return vec

    def knows(self, x: Op, y: Op) -> bool:
        """Had x's writer applied y when it wrote x?"""
        if x.node == y.node:
            return True
        if x.node == self.local_node and not x.incoming and (x.node, x.segment or "") not in self.contexts_of:
            return y.dbseq < x.dbseq  # our own op, as written here (taken back from the share: as published)
        yseq = self._seg_seq(y)
        return yseq is not None and self._vector(x).get(y.node, 0) >= yseq

    def concurrent(self, a: Op, b: Op) -> bool:
        return not self.knows(a, b) and not self.knows(b, a)

    # -- main ----------------------------------------------------------------------------------------
    def apply(self, node: str, segment: str, ops: list[list[Any]]) -> ApplyResult:
        res = ApplyResult()
        incoming: list[Op] = []
        for hlc, tbl, row_id, fld, value in ops:
            incoming.append(Op(f"{hlc}-{node}", hlc, node, tbl, row_id, fld, value, float("inf"), segment, True))
        incoming = self._screen(node, incoming, res)
        rows: dict[tuple[str, str], list[Op]] = {}
        for o in incoming:
            rows.setdefault((o.tbl, o.row_id), [])
        # a statement being frozen now: its lines and document must be recomputed as well
        newly_issued = [o.row_id for o in incoming if o.tbl == "statement" and o.field == "number" and
                        o.value not in (None, "null")]
        for chunk in _chunks(newly_issued):
            for tbl, row_id in self.conn.execute(
                    select(SyncOp.tbl, SyncOp.row_id).where(
                        SyncOp.tbl.in_(CHILDREN_OF_STATEMENT), SyncOp.field == "statement_id",
                        SyncOp.value.in_([json.dumps(r) for r in chunk]))):
                rows.setdefault((tbl, row_id), [])
        self._load_existing(rows)
        # idempotent by op id: the common case (nothing seen before) is settled by one INSERT OR IGNORE
        self.raw.execute("SAVEPOINT sync_ops")
        before = self.raw.total_changes
        self.raw.executemany("INSERT OR IGNORE INTO sync_op (op_id, hlc, node, tbl, row_id, field, value, origin, "
                             "segment) VALUES (?, ?, ?, ?, ?, ?, ?, 'remote', ?)",
                             [(o.op_id, o.hlc, o.node, o.tbl, o.row_id, o.field, o.value, segment) for o in incoming])
        if self.raw.total_changes - before == len(incoming):
            fresh = incoming
            self.raw.execute("RELEASE sync_ops")
        else:
            self.raw.execute("ROLLBACK TO sync_ops")
            self.raw.execute("RELEASE sync_ops")
            have = {o.op_id for ops_ in rows.values() for o in ops_}
            fresh = []
            for o in incoming:
                if o.op_id in have:
                    res.duplicate_ops += 1
                    continue
                have.add(o.op_id)
                fresh.append(o)
            self.raw.executemany("INSERT INTO sync_op (op_id, hlc, node, tbl, row_id, field, value, origin, "
                                 "segment) VALUES (?, ?, ?, ?, ?, ?, ?, 'remote', ?)",
                                 [(o.op_id, o.hlc, o.node, o.tbl, o.row_id, o.field, o.value, segment)
                                  for o in fresh])
        if not fresh:
            return res
        res.new_ops = len(fresh)
        res.max_hlc = max(o.hlc for o in fresh)
        for o in fresh:
            rows[(o.tbl, o.row_id)].append(o)
        self._freeze_info(rows)
        self._rows, self._ok = rows, {}
        self.s.execute(text("PRAGMA defer_foreign_keys=ON"))
        history: list[dict] = []
        conflicts: list[dict] = []
        materialize: dict[str, list[tuple[str, dict[str, Any], set[str], str]]] = {}
        for (tbl, row_id), ops_ in rows.items():
            if tbl not in SYNCED_TABLES or tbl not in Base.metadata.tables:
                continue  # a table from a newer version: the ops are kept, applied after an upgrade
            cols = _table(tbl).columns
            settable = _settable(tbl)
            values: dict[str, Any] = {}
            winners: dict[str, Op] = {}
            changed_fields: set[str] = set()
            first = ops_[0] if ops_ else None
            if (first is not None and (tbl, row_id) not in self.freeze
                    and all(o.incoming and o.node == first.node for o in ops_)):
                # fast path (a row only one node has written, all of it new here): last op per field wins
                for o in ops_:
                    if o.field not in settable:
                        continue
                    cur = winners.get(o.field)
                    if cur is None or o.key > cur.key:
                        if cur is not None:
                            history.append(dict(op_id=cur.op_id, tbl=tbl, row_id=row_id, field=o.field,
                                                value=cur.value, hlc=cur.hlc, node=cur.node, replaced_by=o.op_id))
                        winners[o.field] = o
                    else:
                        history.append(dict(op_id=o.op_id, tbl=tbl, row_id=row_id, field=o.field, value=o.value,
                                            hlc=o.hlc, node=o.node, replaced_by=cur.op_id))
                values = {f: w.value for f, w in winners.items()}
                changed_fields = set(values)
                by_field: dict[str, list[Op]] = {}
            else:
                by_field = {}
                for o in ops_:
                    if o.field in settable:
                        by_field.setdefault(o.field, []).append(o)
            for fld, fops in by_field.items():
                eligible = [o for o in fops if self._eligible(tbl, row_id, fld, o)]
                if not eligible:
                    # e.g. a line or PDF another PC added to a statement issued here: refused, and listed
                    for o in fops:
                        if o.incoming:
                            res.frozen_rejected += 1
                            conflicts.append(dict(kind="frozen", tbl=tbl, row_id=row_id, field=fld,
                                                  kept_op=f"frozen-{row_id}", kept_value=None, kept_node="",
                                                  other_op=o.op_id, other_value=o.value, other_node=o.node))
                    continue
                win = max(eligible, key=lambda o: o.key)
                old = [o for o in eligible if not o.incoming]
                prev = max(old, key=lambda o: o.key) if old else None
                winners[fld] = win
                values[fld] = win.value
                if win.incoming:
                    changed_fields.add(fld)
                for o in fops:
                    lost = o is not win and (o.incoming or o is prev)
                    if lost:
                        history.append(dict(op_id=o.op_id, tbl=tbl, row_id=row_id, field=fld, value=o.value,
                                            hlc=o.hlc, node=o.node, replaced_by=win.op_id))
                # conflicts: an op that lost to a concurrent op with another value
                if fld not in QUIET:
                    for o in fops:
                        if o is win or o.node == win.node or o.value == win.value:
                            continue
                        if not (o.incoming or win.incoming):
                            continue
                        if o not in eligible:
                            res.frozen_rejected += 1
                            conflicts.append(self._conflict("frozen", tbl, row_id, fld, win, o))
                        elif (o is prev or o.incoming) and self.concurrent(o, win):
                            conflicts.append(self._conflict("concurrent", tbl, row_id, fld, win, o))
            if not values:
                continue
            # delete is a field: an edit later than the delete, made without knowing of it, brings the row
            # back. An edit made to a row its writer already saw deleted leaves it deleted, as it is on that
            # writer's PC (a local write never recomputes deleted_at). Every such edit counts, not only the
            # winning one: a later overwrite of the resurrecting edit was made on a live row.
            dwin = winners.get("deleted_at")
            if dwin is not None and values["deleted_at"] not in (None, "null"):
                back = [o for f, fops in by_field.items() if f != "deleted_at" and f not in QUIET
                        for o in fops if o.key > dwin.key and self._eligible(tbl, row_id, f, o)
                        and self.concurrent(o, dwin)]
                if back:
                    values["deleted_at"] = "null"
                    changed_fields.add("deleted_at")
                    by = max(back, key=lambda o: o.key)
                    history.append(dict(op_id=dwin.op_id, tbl=tbl, row_id=row_id, field="deleted_at",
                                        value=dwin.value, hlc=dwin.hlc, node=dwin.node, replaced_by=by.op_id))
            decoded = {f: decode_value(None, v) for f, v in values.items()}
            # updated_at: the time of the row's newest winning write, the same on every node (not the time of
            # this merge)
            stamp = max(w.hlc for w in winners.values())
            materialize.setdefault(tbl, []).append((row_id, decoded, changed_fields, stamp))
            if tbl == "contact":
                res.contact_ids.add(row_id)
        order = [t for t in _TABLE_ORDER if t in materialize] + [t for t in materialize if t not in _TABLE_ORDER]
        for tbl in order:
            res.rows_changed += self._write_rows(tbl, materialize[tbl], conflicts,
                                                 res.new_contact_ids if tbl == "contact" else None)
        if "payment" in materialize or "statement" in materialize:
            self._money(materialize, conflicts)
        if history:
            at = _bind(SyncHistory.__table__.c.at, session_now(self.s))
            self.raw.executemany(
                "INSERT OR IGNORE INTO sync_history (op_id, tbl, row_id, field, value, hlc, node, replaced_by, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(h["op_id"], h["tbl"], h["row_id"], h["field"], h["value"], h["hlc"], h["node"], h["replaced_by"], at)
                 for h in history])
        if conflicts:
            uniq = {c["other_op"]: c for c in conflicts}
            known = set()
            for chunk in _chunks(list(uniq)):
                known.update(self.conn.execute(select(SyncConflict.other_op).where(
                    SyncConflict.other_op.in_(chunk))).scalars())
            new = [c for k, c in uniq.items() if k not in known]
            if new:
                self.s.add_all([SyncConflict(**c) for c in new])
                self.s.flush()
            res.conflicts += len(new)
        return res

    def _screen(self, node: str, incoming: list[Op], res: ApplyResult) -> list[Op]:
        """The ops that pass the checks local input passes (sync/validate.py) and that the sender's agency may
        make (sync/authorise.py). The others are never written: each is listed, with its sender and why, as a
        conflict of kind "invalid" or "unauthorised" (status shows them until the user dismisses them)."""
        from partnerdesk.sync.authorise import refusals
        from partnerdesk.sync.validate import check_op

        refused: dict[str, tuple[str, str]] = {}
        seen: dict[tuple[str, str, str | None], str | None] = {}
        for o in incoming:
            key = (o.tbl, o.field, o.value)
            if key not in seen:
                seen[key] = check_op(o.tbl, o.field, o.value)
            if seen[key] is not None:
                refused[o.op_id] = ("invalid", seen[key])
        valid = [o for o in incoming if o.op_id not in refused] if refused else incoming
        for op_id, reason in refusals(self.s, node, valid).items():
            refused[op_id] = ("unauthorised", reason)
        self._superseded(node, [o for o in incoming if o.op_id not in refused])
        if not refused:
            return incoming
        res.refused = len(refused)
        by_id = {o.op_id: o for o in incoming}
        known = set()
        for chunk in _chunks(list(refused)):
            known.update(self.conn.execute(select(SyncConflict.other_op).where(
                SyncConflict.other_op.in_(chunk))).scalars())
        new = [SyncConflict(kind=kind, tbl=o.tbl, row_id=o.row_id, field=o.field, kept_op=f"refused-{o.op_id}"[:80],
                            kept_value=None, kept_node="", other_op=o.op_id, other_value=o.value, other_node=node,
                            reason=reason)
               for op_id, (kind, reason) in refused.items() if op_id not in known for o in [by_id[op_id]]]
        if new:
            self.s.add_all(new)
            self.s.flush()
            res.conflicts += len(new)
        return [o for o in incoming if o.op_id not in refused]

    def _superseded(self, node: str, accepted: list[Op]) -> None:
        """A refused change that the same PC has since replaced with an accepted one for the same field is no
        longer a problem: it leaves the list (resolved as "superseded")."""
        open_ = {(r[0], r[1], r[2]): r[3] for r in self.raw.execute(
            "SELECT tbl, row_id, field, max(other_op) FROM sync_conflict WHERE other_node = ? AND resolved_at IS NULL "
            "AND kind IN ('invalid', 'unauthorised') GROUP BY tbl, row_id, field", (node,))}
        if not open_:
            return
        done = {(o.tbl, o.row_id, o.field) for o in accepted if o.op_id > open_.get((o.tbl, o.row_id, o.field), "~")}
        if done:
            at = _bind(SyncConflict.__table__.c.resolved_at, session_now(self.s))
            self.raw.executemany(
                "UPDATE sync_conflict SET resolved_at = ?, resolution = 'superseded' WHERE other_node = ? AND tbl = ? "
                "AND row_id = ? AND field = ? AND resolved_at IS NULL AND kind IN ('invalid', 'unauthorised')",
                [(at, node, *k) for k in done])

    def _money(self, materialize: dict[str, list], conflicts: list[dict]) -> None:
        """Money conflicts (issue 14, guarantee 7): after payments or statements arrive, each statement they
        touch takes the payment status the one rule gives (``statement_rules.payment_status``), "overpaid" when
        payments recorded on two PCs together exceed its amount due; that, and a payment on a void statement,
        is listed as a conflict stating the amount. The status is derived from the synced rows, so it is the
        same on every node; the row keeps the time of its winning write."""
        from partnerdesk.domain.money import format_cents
        from partnerdesk.domain.statement_rules import payment_status
        from partnerdesk.services.statements import _settled

        ids = {item[0] for item in materialize.get("statement", ())}
        pay = [item[0] for item in materialize.get("payment", ())]
        for chunk in _chunks(pay):
            ids.update(r[0] for r in self.raw.execute(
                f"SELECT statement_id FROM payment WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        for chunk in _chunks(sorted(ids)):
            rows = self.raw.execute(f"SELECT id, number, status, amount_due_cents FROM statement WHERE kind != "
                                    f"'credit_note' AND status != 'draft' AND id IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            settled = _settled(self.s, [r[0] for r in rows]) if rows else {}
            paid = dict(self.raw.execute(
                f"SELECT statement_id, sum(amount_cents) FROM payment WHERE deleted_at IS NULL AND statement_id IN "
                f"({','.join('?' * len(chunk))}) GROUP BY statement_id", chunk).fetchall())
            for sid, number, status, due in rows:
                got = settled.get(sid, 0)
                if status == "void":
                    if paid.get(sid):
                        conflicts.append(dict(
                            kind="void_payment", tbl="statement", row_id=sid, field="status",
                            kept_op=f"money-{sid}", kept_value=json.dumps(status), kept_node="",
                            other_op=f"void-paid-{sid}-{paid[sid]}", other_value=json.dumps(paid[sid]), other_node="",
                            reason=f"{format_cents(paid[sid])} was paid on {number}, which is void: refund it or "
                                   "move the payment to its replacement"))
                    continue
                new = payment_status(due, got)
                if new != status:
                    self.raw.execute("UPDATE statement SET status = ? WHERE id = ?", (new, sid))
                if new == "overpaid":
                    conflicts.append(dict(
                        kind="overpaid", tbl="statement", row_id=sid, field="status", kept_op=f"money-{sid}",
                        kept_value=json.dumps(due), kept_node="", other_op=f"overpaid-{sid}-{got}",
                        other_value=json.dumps(got), other_node="",
                        reason=f"{number} is overpaid by {format_cents(got - max(due, 0))}: payments and credits of "
                               f"{format_cents(got)} against {format_cents(due)} due (recorded on two PCs at once?)"))

    @staticmethod
    def _conflict(kind: str, tbl: str, row_id: str, fld: str, win: Op, other: Op) -> dict:
        return dict(kind=kind, tbl=tbl, row_id=row_id, field=fld, kept_op=win.op_id, kept_value=win.value,
                    kept_node=win.node, other_op=other.op_id, other_value=other.value, other_node=other.node)

    def _load_existing(self, rows: dict[tuple[str, str], list[Op]]) -> None:
        by_tbl: dict[str, list[str]] = {}
        for tbl, row_id in rows:
            by_tbl.setdefault(tbl, []).append(row_id)
        for tbl, ids in by_tbl.items():
            for chunk in _chunks(ids):
                for r in self.raw.execute(
                        "SELECT op_id, hlc, node, tbl, row_id, field, value, seq, segment FROM sync_op "
                        f"WHERE tbl = ? AND row_id IN ({','.join('?' * len(chunk))})", [tbl, *chunk]):
                    rows[(r[3], r[4])].append(Op(r[0], r[1], r[2], r[3], r[4], r[5], r[6], float(r[7]), r[8]))

    # -- freezing -------------------------------------------------------------------------------------
    def _freeze_info(self, rows: dict[tuple[str, str], list[Op]]) -> None:
        """Freeze points: statement number assigned (statement + its lines/document), entry invoiced."""
        self.freeze: dict[tuple[str, str], tuple[str, str]] = {}  # (tbl,row) -> (hlc, node) of freezing op
        stmt_of: dict[tuple[str, str], str] = {}
        for (tbl, row_id), ops_ in rows.items():
            if tbl == "statement":
                f = [o for o in ops_ if o.field == "number" and o.value not in (None, "null")]
                if f:
                    o = min(f, key=lambda o: o.key)
                    self.freeze[(tbl, row_id)] = o.key
            elif tbl == "time_entry":
                f = [o for o in ops_ if o.field == "statement_line_id" and o.value not in (None, "null")]
                if f:
                    o = min(f, key=lambda o: o.key)
                    self.freeze[(tbl, row_id)] = o.key
            elif tbl in CHILDREN_OF_STATEMENT:
                sid = [o for o in ops_ if o.field == "statement_id"]
                if sid:
                    stmt_of[(tbl, row_id)] = json.loads(max(sid, key=lambda o: o.key).value)
        need = sorted({v for v in stmt_of.values() if ("statement", v) not in self.freeze})
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(need):
            for r in self.conn.execute(select(SyncOp.row_id, SyncOp.hlc, SyncOp.node).where(
                    SyncOp.tbl == "statement", SyncOp.field == "number", SyncOp.row_id.in_(chunk),
                    SyncOp.value != "null", SyncOp.value.is_not(None))):
                k = (r.hlc, r.node)
                if r.row_id not in found or k < found[r.row_id]:
                    found[r.row_id] = k
        for key, sid in stmt_of.items():
            f = self.freeze.get(("statement", sid)) or found.get(sid)
            if f:
                self.freeze[key] = f

    def _eligible(self, tbl: str, row_id: str, fld: str, o: Op) -> bool:
        point = self.freeze.get((tbl, row_id))
        if point is None:
            return True
        if tbl == "time_entry" and fld not in TIME_ENTRY_FROZEN:
            return True
        if tbl not in FROZEN_TABLES:
            # the issuing installation enforces the freeze itself; anyone else's later edit is refused
            return o.node == point[1] or o.key <= point
        ok = self._ok.get((tbl, row_id, fld))
        if ok is None:
            ok = self._ok[(tbl, row_id, fld)] = self._frozen_ok(tbl, row_id, fld, point)
        return o.op_id in ok

    def _frozen_ok(self, tbl: str, row_id: str, fld: str, point: tuple[str, str]) -> set[str]:
        """The ops of one field of a frozen statement, line or document the freeze rule lets through, in
        time-stamp order (the same on every node): those written before it froze or by the installation that
        issued it (which enforces the rule itself), and of anyone else's later ones only what
        ``refused_change`` / ``refused_new_row`` allow (payment status, voiding once)."""
        ok: set[str] = set()
        cur: Any = None
        status = "issued"
        fops = sorted((o for o in self._rows.get((tbl, row_id), ()) if o.field == fld), key=lambda o: o.key)
        before = any(o.key <= point or o.node == point[1] for o in self._rows.get((tbl, row_id), ()))
        for o in fops:
            new = decode_value(None, o.value)
            if o.key <= point or o.node == point[1]:
                allowed = True
            elif tbl != "statement" and not before:
                allowed = not refused_new_row(tbl, status)
            else:
                allowed = not refused_change(tbl, fld, cur, new, status)
            if allowed:
                ok.add(o.op_id)
                cur = new
                if tbl == "statement" and fld == "status" and new in FROZEN_STATUSES:
                    status = new
        return ok

    # -- writing rows ---------------------------------------------------------------------------------
    def _write_rows(self, tbl: str, items: list[tuple[str, dict[str, Any], set[str], str]],
                    conflicts: list[dict], created: set[str] | None = None) -> int:
        t = _table(tbl)
        cols = [c.name for c in t.columns]
        ids = [item[0] for item in items]
        current: dict[str, dict] = {}
        for chunk in _chunks(ids):
            for r in self.raw.execute(f"SELECT {', '.join(cols)} FROM {tbl} WHERE id IN "
                                      f"({','.join('?' * len(chunk))})", chunk):
                current[r[0 if cols[0] == 'id' else cols.index('id')]] = dict(zip(cols, r))
        defaults = _defaults(t, session_now(self.s))
        inserts: dict[tuple, list[tuple]] = {}
        updates: list[tuple[str, dict]] = []
        for row_id, values, _changed, stamp in items:
            written = _bind(t.c.updated_at, _hlc_time(stamp))
            typed = _typed(t)
            stored = {f: (_bind(t.c[f], v) if f in typed else v) for f, v in values.items()}
            cur = current.get(row_id)
            if cur is None:
                if not _required(t) <= stored.keys():
                    continue  # the rest of its creating ops are in a later segment: created then
                row = dict(defaults, **stored, id=row_id, updated_at=written)
                if created is not None:
                    created.add(row_id)
                keys = tuple(sorted(row))
                inserts.setdefault(keys, []).append(tuple(row[k] for k in keys))
            else:
                diff = {f: v for f, v in stored.items() if v != cur[f]}
                if diff or cur["updated_at"] != written:
                    updates.append((row_id, dict(diff, updated_at=written)))
        n = 0
        for keys, batch in inserts.items():
            sql = f"INSERT INTO {tbl} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
            try:
                self.raw.execute("SAVEPOINT sync_rows")
                self.raw.executemany(sql, batch)
                self.raw.execute("RELEASE sync_rows")
                n += len(batch)
            except sqlite3.IntegrityError:
                self.raw.execute("ROLLBACK TO sync_rows")
                self.raw.execute("RELEASE sync_rows")
                for values in batch:
                    n += self._insert_one(t, dict(zip(keys, values)), conflicts)
        for row_id, diff in updates:
            sql = f"UPDATE {tbl} SET {', '.join(f'{k} = ?' for k in diff)} WHERE id = ?"
            try:
                self.raw.execute("SAVEPOINT sync_rows")
                self.raw.execute(sql, [*diff.values(), row_id])
                self.raw.execute("RELEASE sync_rows")
            except sqlite3.IntegrityError:
                self.raw.execute("ROLLBACK TO sync_rows")
                self.raw.execute("RELEASE sync_rows")
                if not self._displace(t, row_id, diff, conflicts):
                    continue
                self.raw.execute(sql, [*diff.values(), row_id])
            n += 1
        return n

    def _insert_one(self, t, row: dict, conflicts: list[dict]) -> int:
        keys = list(row)
        sql = f"INSERT INTO {t.name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
        try:
            self.raw.execute("SAVEPOINT sync_row")
            self.raw.execute(sql, [row[k] for k in keys])
            self.raw.execute("RELEASE sync_row")
        except sqlite3.IntegrityError:
            self.raw.execute("ROLLBACK TO sync_row")
            self.raw.execute("RELEASE sync_row")
            if not self._displace(t, row["id"], row, conflicts):
                return 0  # it lost a unique value to another row: kept in history, not in the table
            self.raw.execute(sql, [row[k] for k in keys])
        return 1

    def _displace(self, t, row_id: str, values: dict, conflicts: list[dict]) -> bool:
        """Two installations created rows with the same unique value (agency code, mileage date, agreement or
        statement number). The row with the smaller id wins on every node, whatever order they arrive in, and
        the user is told (a "duplicate" conflict). The loser: a row nothing refers to (a mileage rate) is left
        out of the table, its values kept in sync history; a row others refer to keeps a text value with its
        id suffix. A value is never rewritten into an invalid form (a date stays a date). Returns False when
        ``row_id``'s own write is to be left out."""
        write = True
        for uc in _unique_sets(t):
            if not all(c in values for c in uc):
                continue
            cond = [t.c[c] == values[c] for c in uc]
            other = self.conn.execute(select(t.c.id).where(*cond, t.c.id != row_id)).scalar()
            if other is None:
                continue
            winner, loser = min(row_id, other), max(row_id, other)
            c = uc[-1]
            if not _referenced(t) or c in _typed(t) or not isinstance(values.get(c), str):
                if loser == row_id:
                    lost = dict(values)
                    write = False
                else:
                    lost = dict(self.conn.execute(select(t).where(t.c.id == other)).mappings().one())
                    self.conn.execute(delete(t).where(t.c.id == other))
                self._keep_lost(t.name, loser, winner)
                kept = values[c] if loser != row_id else self.conn.execute(
                    select(t.c[c]).where(t.c.id == winner)).scalar()
                conflicts.append(dict(kind="duplicate", tbl=t.name, row_id=loser, field=c, kept_op=f"dup-{winner}",
                                      kept_value=json.dumps(_plain(kept)), kept_node="",
                                      other_op=f"dup-{loser}-{c}", other_value=json.dumps(
                                          {k: _plain(v) for k, v in lost.items() if k not in ("updated_at",)},
                                          sort_keys=True), other_node=""))
                if not write:
                    return False
                continue
            kept = values[c]
            if loser == row_id:
                values[c] = _suffixed(t.name, c, values[c], row_id)
            else:
                cur = self.conn.execute(select(t.c[c]).where(t.c.id == other)).scalar()
                self.conn.execute(update(t).where(t.c.id == other).values(  # keeps the time of its winning write
                    {c: _suffixed(t.name, c, cur, other), "updated_at": t.c.updated_at}))
            conflicts.append(dict(kind="duplicate", tbl=t.name, row_id=loser, field=c, kept_op=f"dup-{winner}",
                                  kept_value=json.dumps(kept), kept_node="", other_op=f"dup-{loser}-{c}",
                                  other_value=None, other_node=""))
        return write

    def _keep_lost(self, tbl: str, loser: str, winner: str) -> None:
        """Every op that wrote the losing row goes to sync history, replaced by the winning row."""
        at = _bind(SyncHistory.__table__.c.at, session_now(self.s))
        self.raw.execute("INSERT OR IGNORE INTO sync_history (op_id, tbl, row_id, field, value, hlc, node, "
                         "replaced_by, at) SELECT op_id, tbl, row_id, field, value, hlc, node, ?, ? FROM sync_op "
                         "WHERE tbl = ? AND row_id = ?", (f"dup-{winner}", at, tbl, loser))


def _suffixed(tbl: str, col: str, value: str, row_id: str) -> str:
    """The losing row's unique text value, made distinct by its id's last characters, in a form the field's
    validator accepts (sync/validate.py): "ILA-7~1a2b" for an agreement number, "SNO1A2B" for an agency code
    (letters and digits only). The same on every node."""
    from partnerdesk.sync.validate import check_op

    tail = row_id.replace("-", "")[-4:]
    length = getattr(_table(tbl).c[col].type, "length", None) or 60
    for candidate in (f"{value[:max(length - 5, 1)]}~{tail}", f"{value[:max(length - 4, 1)]}{tail}".upper()):
        if check_op(tbl, col, json.dumps(candidate)) is None:
            return candidate
    return f"{value[:max(length - 5, 1)]}~{tail}"


def _plain(v: Any) -> Any:
    return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)


_REFERENCED: dict[str, bool] = {}


def _referenced(t) -> bool:
    """Whether any table refers to rows of ``t`` (then a losing row cannot simply be left out)."""
    got = _REFERENCED.get(t.name)
    if got is None:
        got = _REFERENCED[t.name] = any(fk.column.table is t for other in Base.metadata.tables.values()
                                        for fk in other.foreign_keys)
    return got


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _hlc_time(hlc: str) -> datetime:
    """The wall time an op was written at (its hybrid clock's milliseconds), in UTC."""
    return datetime.fromtimestamp(parse_hlc(hlc)[0] / 1000, timezone.utc)


def _defaults(t, now) -> dict[str, Any]:
    """Column defaults for a row created from ops that do not carry every column (stored form); time stamps
    default to ``now``."""
    out = {}
    for col in t.columns:
        d = col.default
        if d is None or col.name == "id":
            continue
        value = now if d.arg is column_now else d.arg(None) if callable(d.arg) else d.arg
        out[col.name] = _bind(col, value)
    return out


_TYPED: dict[str, frozenset] = {}


def _typed(t) -> frozenset:
    """Columns whose stored form differs from the JSON value (dates, timestamps)."""
    got = _TYPED.get(t.name)
    if got is None:
        got = _TYPED[t.name] = frozenset(c.name for c in t.columns if hasattr(c.type, "process_bind_param"))
    return got


_SETTABLE: dict[str, frozenset] = {}


def _settable(tbl: str) -> frozenset:
    got = _SETTABLE.get(tbl)
    if got is None:
        got = _SETTABLE[tbl] = frozenset(c.name for c in _table(tbl).columns
                                         if c.name not in ("id", "updated_at") and (tbl, c.name) not in LOCAL_ONLY
                                         and (tbl, c.name) not in DERIVED_COLUMNS)
    return got


def _required(t) -> set[str]:
    got = _REQUIRED.get(t.name)
    if got is None:
        got = _REQUIRED[t.name] = {c.name for c in t.columns if not c.nullable and c.default is None
                                   and c.name != "id" and c.server_default is None}
    return got


_REQUIRED: dict[str, set[str]] = {}


def _unique_sets(t) -> list[tuple[str, ...]]:
    out = []
    for con in t.constraints:
        cols = tuple(c.name for c in getattr(con, "columns", []))
        if con.__class__.__name__ == "UniqueConstraint" and cols:
            out.append(cols)
    for col in t.columns:
        if col.unique:
            out.append((col.name,))
    for ix in t.indexes:
        if ix.unique:
            out.append(tuple(c.name for c in ix.columns))
    return out


def _bind(col, value):
    if value is None:
        return None
    proc = getattr(col.type, "process_bind_param", None)
    if proc is not None:
        try:
            return proc(value, None)
        except (TypeError, ValueError):
            return value
    return value


_TABLE_ORDER = ("agency", "skill", "service_category", "mileage_rate", "contact", "contact_skill", "agreement",
                "agreement_party", "rate_schedule", "incident", "statement", "statement_line", "statement_document",
                "time_entry", "payment", "sync_member")


def canonical_dump(s: Session) -> dict[str, list[dict[str, Any]]]:
    """Every synced row, without per-installation fields; equal on every converged node."""
    from partnerdesk.db.capture import encode

    out = {}
    for name in SYNCED_TABLES:
        t = _table(name)
        rows = []
        for r in s.execute(select(t).order_by(t.c.id)).mappings():
            rows.append({k: encode(v) for k, v in r.items() if k != "updated_at" and (name, k) not in LOCAL_ONLY})
        out[name] = rows
    return out


def reprice_applied(s: Session, ops: list[list[Any]]) -> int:
    """Derived prices (time entries' amount_cents and billable_minutes) after applying remote ops.

    They are never taken from ops (DERIVED_COLUMNS): each installation computes them from the synced inputs
    with the same pricing as a local write, in the same transaction. Entries touched by the ops are
    repriced, and so are the entries of agreements that changed or whose rates changed, and entries with miles
    when the mileage table changed. An entry that arrives already invoiced is priced once, if it has no
    price yet (a local write prices it before invoicing; invoicing then freezes the price), and an invoiced
    entry whose statement lines are here takes their price (``pricing.freeze_invoiced``), whatever the rates
    did meanwhile on this installation."""
    from partnerdesk.db.models import RateSchedule, StatementLine, TimeEntry
    from partnerdesk.services.pricing import ENTRY_COLUMNS, Pricer, freeze_invoiced, reprice

    entries: set[str] = set()
    agreements: set[str] = set()
    schedules: set[str] = set()
    lines: set[str] = set()
    miles = False
    for _hlc, tbl, row_id, _fld, _value in ops:
        if tbl == "time_entry":
            entries.add(row_id)
        elif tbl == "statement_line":
            lines.add(row_id)
        elif tbl == "agreement":
            agreements.add(row_id)
        elif tbl == "rate_schedule":
            schedules.add(row_id)
        elif tbl == "mileage_rate":
            miles = True
    if not (entries or agreements or schedules or miles or lines):
        return 0
    for chunk in _chunks(sorted(schedules)):
        agreements.update(s.execute(select(RateSchedule.agreement_id).where(RateSchedule.id.in_(chunk))).scalars())
    n = 0
    if entries or agreements or miles:
        n = reprice(s, entry_ids=sorted(entries), agreement_ids=sorted(a for a in agreements if a),
                    with_miles=miles)
    # invoiced on arrival and never priced here
    unpriced = []
    for chunk in _chunks(sorted(entries)):
        unpriced += s.execute(select(TimeEntry.id, *ENTRY_COLUMNS).where(
            TimeEntry.id.in_(chunk), TimeEntry.status == "invoiced", TimeEntry.deleted_at.is_(None),
            TimeEntry.amount_cents.is_(None))).all()
    if unpriced:
        pricer = Pricer(s, {r[1] for r in unpriced})
        rows = []
        for r in unpriced:
            priced = pricer.amount(*r[1:])
            if priced:
                rows.append({"eid": r[0], "bm": priced[1], "amt": priced[0]})
        if rows:
            t = TimeEntry.__table__
            s.connection().execute(update(t).where(t.c.id == bindparam("eid")).values(
                billable_minutes=bindparam("bm"), amount_cents=bindparam("amt"), updated_at=t.c.updated_at), rows)
        n += len(rows)
    # an invoiced entry is priced as its statement bills it, once the entry and the lines are both here
    billed = set(entries)
    for chunk in _chunks(sorted(lines)):
        for sources in s.execute(select(StatementLine.source_entry_ids).where(StatementLine.id.in_(chunk))).scalars():
            billed.update(json.loads(sources or "[]"))
    n += freeze_invoiced(s, billed)
    return n


def reindex_contacts(s: Session, contact_ids: Iterable[str], new_ids: set[str] = frozenset()) -> None:
    """The contacts' search rows, rebuilt in bulk after a merge (same content as the contacts service's
    ``reindex``, built from plain rows rather than ORM objects so a join of thousands stays fast)."""
    from types import SimpleNamespace as NS

    from partnerdesk.services.contacts import fts_row

    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return
    raw = s.connection().connection.dbapi_connection
    agencies = {r[0]: NS(name=r[1], code=r[2]) for r in raw.execute("SELECT id, name, code FROM agency")}
    cols = ("id", "agency_id", "name", "title", "role_tags", "notes", "on_call_notes", "work_phone", "mobile_phone",
            "after_hours_phone", "personal_phone", "deleted_at")
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        old = [c for c in chunk if c not in new_ids]  # a row created just now has no search row yet
        if old:
            raw.execute(f"DELETE FROM contact_fts WHERE contact_id IN ({','.join('?' * len(old))})", old)
        skills: dict[str, list] = {}
        for cid, name in raw.execute(
                f"SELECT cs.contact_id, sk.name FROM contact_skill cs JOIN skill sk ON sk.id = cs.skill_id "
                f"WHERE cs.deleted_at IS NULL AND cs.contact_id IN ({marks}) ORDER BY cs.created_at, cs.id", chunk):
            skills.setdefault(cid, []).append(NS(skill=NS(name=name)))
        rows = []
        for r in raw.execute(f"SELECT {', '.join(cols)} FROM contact WHERE id IN ({marks})", chunk):
            c = dict(zip(cols, r))
            if c["deleted_at"] is not None:
                continue
            ag = agencies.get(c["agency_id"]) or NS(name="", code="")
            rows.append(fts_row(NS(**c, agency=ag, skill_links=skills.get(c["id"], []))))
        if rows:
            raw.executemany("INSERT INTO contact_fts (contact_id, name, agency, title, skills, notes, phones) "
                            "VALUES (:contact_id, :name, :agency, :title, :skills, :notes, :phones)", rows)
