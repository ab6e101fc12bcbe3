"""Lossless, versioned JSON export and import of the whole database (docs/data-format.md)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from partnerdesk import __version__, fsutil
from partnerdesk.db import seals
from partnerdesk.db.capture import NOT_CAPTURED, encode, op_value, raw_insert, seed_clock, stamp_rows
from partnerdesk.db.models import DERIVED_COLUMNS, LOCAL_ONLY, SETTLEMENT_TABLES, SYNCED_TABLES, AuditEvent, Base, SyncOp
from partnerdesk.db.freeze_guard import check_rows, freezing
from partnerdesk.db.types import ISODate, UTCDateTime
from partnerdesk.db.uow import Database
from partnerdesk.domain.periods import check_date_range
from partnerdesk.domain.freeze import FROZEN_TABLES, is_frozen
from partnerdesk.domain.privacy import personal_fields, withhold_changes
from partnerdesk.domain.wording import nouns
from partnerdesk.errors import ImportFormatError, UserError
from partnerdesk.services.contacts import reindex
from partnerdesk.services.pricing import reprice

FORMAT = "partnerdesk-export"
VERSION = 1
# Parents before children, so foreign keys hold while importing.
TABLE_ORDER = ("agency", "skill", "service_category", "mileage_rate", "contact", "contact_skill", "agreement",
               "agreement_party", "rate_schedule", "incident", "statement", "statement_line", "statement_document",
               "time_entry", "payment", "sync_member", "staff_pay_rate", "incident_override", "number_sequence",
               "audit_event")
# Local and private (issue 20): the home agency's pay rates, exported only with --include-personal.
PERSONAL_TABLES = ("staff_pay_rate", "incident_override")
# Built-in reference rows every database starts with; an import replaces them instead of counting them as data.
REFERENCE_TABLES = ("service_category", "mileage_rate")
TABLE_ORDER += SETTLEMENT_TABLES  # issue 20: after the agencies and statements they name
assert set(SYNCED_TABLES) <= set(TABLE_ORDER)


def _table(name: str):
    return Base.metadata.tables[name]


# What an import file may hold, checked before anything is written (an export from partnerdesk always
# passes): the size (refused before reading, so memory stays bounded: parsing takes about four times the
# file's size), integers SQLite can store, and each column's type, length and range.
MAX_IMPORT_BYTES = 512 * 1024 * 1024  # the large demo region (200,000 entries) exports to about 215 MB
INT_RANGE = (-(2 ** 63), 2 ** 63 - 1)
RANGES = {("agency", "fy_start_month"): (1, 12)}
_CONTROL_IN_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # one-line text: tab and newline only
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # multi-line text: CR too
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Fields older versions exported that are gone: skipped on import (0012: a logo is bytes, never a path).
RETIRED_FIELDS = {("agency", "logo_path")}


def _decode(table, row: dict[str, Any], where: str) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if (table.name, key) in RETIRED_FIELDS:
            continue
        col = table.columns.get(key)
        if col is None:
            raise ImportFormatError(f"{where}: unknown field '{_short(key)}'")
        out[key] = None if value is None else _decode_value(table.name, col, value, f"{where}: field '{key}'")
    return out


def _short(text: Any) -> str:
    text = str(text)
    return text if len(text) <= 40 else text[:37] + "…"


def _decode_value(table_name: str, col, value: Any, where: str) -> Any:
    kind = col.type
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
            raise ImportFormatError(f"{where} must be a UTC time stamp like 2026-03-01T12:00:00.000Z (with its "
                                    f"time zone), not {_short(json.dumps(value))}")
        try:
            stamp = kind.process_result_value(value, None)
            check_date_range(stamp.date(), "time stamp")
        except (ValueError, UserError):
            raise ImportFormatError(f"{where} has a bad time stamp '{_short(value)}'") from None
        return stamp
    if isinstance(kind, ISODate):
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ImportFormatError(f"{where} must be an ISO date like 2026-03-01, not {_short(json.dumps(value))}")
        try:
            return check_date_range(kind.process_result_value(value, None))
        except (ValueError, UserError):
            raise ImportFormatError(f"{where} has a bad date '{value}' (a real date from 1900 to 2100)") from None
    if isinstance(kind, LargeBinary):
        if not (isinstance(value, dict) and set(value) == {"$b64"} and isinstance(value["$b64"], str)):
            raise ImportFormatError(f"{where} must be binary data written as {{\"$b64\": \"...\"}}")
        try:
            return base64.b64decode(value["$b64"], validate=True)
        except ValueError:
            raise ImportFormatError(f"{where} is not valid base64") from None
    py = kind.python_type if not hasattr(kind, "impl") else kind.impl.python_type
    if py is bool:
        if not isinstance(value, bool):
            raise ImportFormatError(f"{where} must be true or false")
        return value
    if py is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ImportFormatError(f"{where} must be a whole number")
        low, high = RANGES.get((table_name, col.name), INT_RANGE)
        if not low <= value <= high:
            raise ImportFormatError(f"{where} must be from {low:,} to {high:,}, not {_short(value)}")
        return value
    if py is str:
        if not isinstance(value, str):
            raise ImportFormatError(f"{where} must be text, not {_short(json.dumps(value))}")
        length = getattr(kind, "length", None) or getattr(getattr(kind, "impl", None), "length", None)
        if length and len(value) > length:
            raise ImportFormatError(f"{where} is longer than {length:,} characters ({len(value):,})")
        bad = (_CONTROL_IN_LINE if length else _CONTROL_IN_TEXT).search(value)
        if bad:
            raise ImportFormatError(f"{where} contains a control character (U+{ord(bad.group()):04X})")
        return value
    raise ImportFormatError(f"{where}: this column cannot be imported")  # pragma: no cover - every type above


def _withhold_personal(event: dict[str, Any]) -> dict[str, Any]:
    """An audit event row (``changes`` as JSON text) with personal values withheld (domain/privacy.py): the
    audit trail would otherwise leak what the contact columns leave out."""
    if not personal_fields(event.get("entity")) or not event.get("changes"):
        return event
    try:
        changes = json.loads(event["changes"])
    except ValueError:
        return event
    withheld = withhold_changes(event.get("entity"), changes)
    if withheld is changes:
        return event
    return {**event, "changes": json.dumps(withheld, sort_keys=True)}


def _execute(conn, statement, where: str) -> None:
    """Run one row's insert/update; a row the schema refuses is the file's fault: say which and why."""
    try:
        conn.execute(statement)
    except IntegrityError as exc:
        reason = str(exc.orig)
        if reason.startswith("NOT NULL constraint failed: "):
            reason = f"field '{reason.rsplit('.', 1)[-1]}' is missing"
        elif reason.startswith("UNIQUE constraint failed: "):
            reason = f"duplicates another row's {reason.split(': ', 1)[1].replace(', ', ' and ')}"
        elif "FOREIGN KEY" in reason:
            reason = "refers to a row that is neither in the file nor in the database"
        raise ImportFormatError(f"{where}: {reason}") from None


def _check_frozen(s, table: str, row: dict[str, Any], existing: dict[str, Any] | None, where: str) -> None:
    """An issued statement never changes (domain/freeze.py), whatever the file says: refuse a row that would
    change one, or add a line or document to one. A statement the file brings (new, or a draft it issues)
    is completed by its own lines and document."""
    if table not in FROZEN_TABLES:
        return
    if table == "statement" and (existing is None or (not is_frozen(existing.get("status"))
                                                      and is_frozen(row.get("status")))):
        freezing(s).add(row["id"])
        return
    check_rows(s, table, [(row["id"], existing, row)], where)


def _check_seals(s, path: Path) -> None:
    """Every issued statement the file brings must match the seal it was issued with (content and PDF): a
    file edited after export is refused, naming the statement. Statements from an export made before seals
    existed are sealed now, as migration 0008 seals an older database's."""
    from partnerdesk.services.statements import check_statement

    conn = s.connection()
    for sid in sorted(freezing(s)):
        row = conn.exec_driver_sql("SELECT number, status, content_sha256 FROM statement WHERE id = ?",
                                   (sid,)).first()
        if row is None or not is_frozen(row[1]) or row[2] is None:
            continue
        problems = [p for p in check_statement(conn, sid).problems if not p.startswith("chain broken")]
        if problems:
            raise UserError(f"{path}: statement {row[0]} does not match the seal it was issued with ("
                            f"{'; '.join(problems)}): the file was changed after it was exported; nothing was "
                            "imported")
    seals.seal_unsealed(conn)


def _record_ops(s, db: Database, changed: list[tuple[str, Any, dict[str, Any]]]) -> None:
    """Sync ops for what a merge import wrote with Core, as change capture writes them for an ORM write:
    one op per synced field of a new row (empty ones left out) and per changed field of an updated row,
    stamped by the hybrid clock, so the merge is published like every other write."""
    ops: list[dict[str, Any]] = []
    for table, row_id, fields in changed:
        if table not in SYNCED_TABLES:
            continue
        for key, value in fields.items():
            if key == "id" or key in NOT_CAPTURED or (table, key) in DERIVED_COLUMNS or (table, key) in LOCAL_ONLY:
                continue
            if not ops:
                seed_clock(s, db.hlc, db.node_id)
            hlc = db.hlc.now()
            ops.append(dict(op_id=f"{hlc}-{db.node_id}", hlc=hlc, node=db.node_id, tbl=table, row_id=row_id,
                            field=key, value=op_value(value), origin="local"))
    if ops:
        raw_insert(s.connection(), SyncOp.__tablename__, ops)
        stamp_rows(s.connection(), ((o["tbl"], o["row_id"], o["field"], o["hlc"]) for o in ops))


class InterchangeService:
    def __init__(self, db: Database):
        self.db = db

    def export_data(self, include_personal: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Every table as JSON-ready rows; ``progress(done, total)`` after each table (one more step is left
        for the caller that writes the file)."""
        tables: dict[str, list[dict[str, Any]]] = {}
        with self.db.read() as s:
            for step, name in enumerate(TABLE_ORDER, 1):
                if progress is not None:
                    progress(step - 1, len(TABLE_ORDER) + 1)
                if name in PERSONAL_TABLES and not include_personal:
                    continue
                t = _table(name)
                pk = list(t.primary_key.columns)
                rows = s.execute(select(t).order_by(*pk)).mappings().all()
                hidden = () if include_personal else personal_fields(name)
                tables[name] = [{k: (None if k in hidden else encode(v)) for k, v in r.items()} for r in rows]
                if name == "audit_event" and not include_personal:
                    tables[name] = [_withhold_personal(r) for r in tables[name]]
        return {"format": FORMAT, "version": VERSION, "app_version": __version__,
                "exported_at": self.db.clock.now().isoformat(timespec="seconds").replace("+00:00", "Z"),
                "personal_numbers_included": include_personal, "tables": tables}

    def export_json(self, path: Path, include_personal: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """``progress(done, total)``: a step per table read, then one for the file written."""
        data = self.export_data(include_personal, progress)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fsutil.write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
                                .encode("utf-8"), private=True)
        except OSError as exc:
            raise UserError(f"{path}: cannot write the export ({exc.strerror})") from exc
        if progress is not None:
            progress(len(TABLE_ORDER) + 1, len(TABLE_ORDER) + 1)
        if include_personal:
            from partnerdesk.services.audit import AuditService

            AuditService(self.db).record("export_personal", "database", summary=f"JSON export with personal "
                                         f"numbers to {path}")
        return {k: len(v) for k, v in data["tables"].items()}

    def import_json(self, path: Path, merge: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """``progress(done, total)``: a step per row, and one for the repricing at the end."""
        data = self._read(Path(path))
        counts: dict[str, int] = {}
        steps = sum(len(v) for v in data["tables"].values() if isinstance(v, list)) + 1
        done, every = 0, max(steps // 200, 1)  # at most about 200 reports
        with self.db.write(action="import", summary=f"JSON import from {Path(path).name}", audit=False,
                           capture_ops=False) as s:
            if not merge:
                for name in SYNCED_TABLES:
                    if name in REFERENCE_TABLES:
                        continue
                    if s.scalar(select(func.count()).select_from(_table(name))):
                        raise UserError(f"the database is not empty ({name} has rows); import into an empty "
                                        "database, or add --merge to combine")
            conn = s.connection()
            changed: list[tuple[str, Any, dict[str, Any]]] = []  # (table, id, {field: new value}) to publish
            for name in TABLE_ORDER:
                rows = data["tables"].get(name, [])
                t = _table(name)
                decoded = [_decode(t, r, f"{path}: tables.{name}[{i}]") for i, r in enumerate(rows)]
                if name == "audit_event":
                    decoded = [{k: v for k, v in r.items() if k != "seq"} for r in decoded]
                    have = set(s.scalars(select(AuditEvent.id)))
                    decoded = [r for r in decoded if r.get("id") not in have]
                    decoded.sort(key=lambda r: r.get("at") or datetime.min.replace(tzinfo=timezone.utc))
                n = 0
                pk = [c.name for c in t.primary_key.columns]
                for i, r in enumerate(decoded):
                    done += 1
                    if progress is not None and done % every == 0:
                        progress(done, steps)
                    where = f"{path}: tables.{name}[{i}]"
                    if any(r.get(k) is None for k in pk) and name != "audit_event":
                        raise ImportFormatError(f"{path}: tables.{name}: a row has no {pk[0]}")
                    if name in REFERENCE_TABLES and not merge:
                        cond = [t.c[k] == r[k] for k in pk]
                        if conn.execute(select(t.c[pk[0]]).where(*cond)).first() is not None:
                            conn.execute(update(t).where(*cond).values(**r))
                            n += 1
                            continue
                    if merge and name != "audit_event":
                        cond = [t.c[k] == r[k] for k in pk]
                        existing = conn.execute(select(t).where(*cond)).mappings().first()
                        if existing is not None:
                            newer = ("updated_at" in r and existing.get("updated_at") is not None
                                     and r["updated_at"] is not None and r["updated_at"] > existing["updated_at"])
                            if newer:
                                _check_frozen(s, name, r, dict(existing), where)
                                _execute(conn, update(t).where(*cond).values(**r), where)
                                changed.append((name, r[pk[0]], {k: v for k, v in r.items()
                                                                 if encode(v) != encode(existing.get(k))}))
                                n += 1
                            continue
                    _check_frozen(s, name, r, None, where)
                    _execute(conn, insert(t).values(**r), where)
                    if merge and name != "audit_event":
                        changed.append((name, r[pk[0]], {k: v for k, v in r.items() if v is not None}))
                    n += 1
                counts[name] = n
            s.flush()
            _check_seals(s, path)
            _record_ops(s, self.db, changed)
            reindex(s, [r["id"] for r in data["tables"].get("contact", [])])
            reprice(s, everything=True)
            if progress is not None:
                progress(steps, steps)
            a = self.db.actor
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action="import_json", entity="database",
                             summary=f"imported {path} ({'merge' if merge else 'into empty database'})",
                             changes=json.dumps({k: v for k, v in counts.items() if v}, sort_keys=True)))
        return counts

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            if not path.is_file():
                raise ImportFormatError(f"{path}: is not a file" if path.exists() else
                                        f"{path}: cannot be read (No such file or directory)")
            size = path.stat().st_size
            if size > MAX_IMPORT_BYTES:
                raise ImportFormatError(f"{path}: is {size / 2 ** 20:,.0f} MB, more than an export can be "
                                        f"({MAX_IMPORT_BYTES // 2 ** 20:,} MB)")
            raw = path.read_bytes()
        except OSError as exc:
            raise UserError(f"{path}: cannot be read ({exc.strerror})") from exc
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ImportFormatError(f"{path}: is not a UTF-8 text file") from None
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"{path}: line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg})") from None
        except RecursionError:  # the parser gives up after about a thousand levels, at once
            raise ImportFormatError(f"{path}: is nested far deeper than an export is") from None
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            raise ImportFormatError(f"{path}: is not a partnerdesk export ({_short(exc)})") from None
        finally:
            del raw
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ImportFormatError(f"{path}: is not a partnerdesk export (no \"format\": \"{FORMAT}\")")
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ImportFormatError(f"{path}: export format version {version!r} is newer than this partnerdesk "
                                    f"understands ({VERSION}); upgrade partnerdesk")
        tables = data.get("tables")
        if not isinstance(tables, dict) or not all(isinstance(v, list) for v in tables.values()):
            raise ImportFormatError(f"{path}: \"tables\" must map table names to lists of rows")
        unknown = set(tables) - set(TABLE_ORDER)
        if unknown:
            raise ImportFormatError(f"{path}: unknown {nouns(len(unknown), 'table')} {', '.join(sorted(unknown))}")
        for name, rows in tables.items():
            for i, r in enumerate(rows):
                if not isinstance(r, dict):
                    raise ImportFormatError(f"{path}: tables.{name}[{i}] is not an object")
        return data
