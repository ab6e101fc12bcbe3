"""Lossless, versioned JSON export and import of the whole database (docs/data-format.md)."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from partnerdesk import __version__, fsutil
from partnerdesk.db import seals
from partnerdesk.db.capture import encode
from partnerdesk.db.models import SYNCED_TABLES, AuditEvent, Base
from partnerdesk.db.freeze_guard import check_rows, freezing
from partnerdesk.db.types import ISODate, UTCDateTime
from partnerdesk.db.uow import Database
from partnerdesk.domain.freeze import FROZEN_TABLES, is_frozen
from partnerdesk.domain.privacy import personal_fields, withhold_changes
from partnerdesk.errors import ImportFormatError, UserError
from partnerdesk.services.contacts import reindex
from partnerdesk.services.pricing import reprice

FORMAT = "partnerdesk-export"
VERSION = 1
# Parents before children, so foreign keys hold while importing.
TABLE_ORDER = ("agency", "skill", "service_category", "mileage_rate", "contact", "contact_skill", "agreement",
               "agreement_party", "rate_schedule", "statement", "statement_line", "statement_document",
               "time_entry", "payment", "number_sequence", "audit_event")
# Built-in reference rows every database starts with; an import replaces them instead of counting them as data.
REFERENCE_TABLES = ("service_category", "mileage_rate")
assert set(SYNCED_TABLES) <= set(TABLE_ORDER)


def _table(name: str):
    return Base.metadata.tables[name]


def _decode(table, row: dict[str, Any], where: str) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        col = table.columns.get(key)
        if col is None:
            raise ImportFormatError(f"{where}: unknown field '{key}'")
        if value is None:
            out[key] = None
        elif isinstance(col.type, (ISODate, UTCDateTime)):
            if not isinstance(value, str):
                raise ImportFormatError(f"{where}: field '{key}' must be an ISO date string")
            try:
                out[key] = col.type.process_result_value(value, None)
            except ValueError:
                raise ImportFormatError(f"{where}: field '{key}' has a bad date '{value}'") from None
        elif isinstance(value, dict) and "$b64" in value:
            try:
                out[key] = base64.b64decode(value["$b64"], validate=True)
            except ValueError:
                raise ImportFormatError(f"{where}: field '{key}' is not valid base64") from None
        else:
            py = col.type.python_type if not hasattr(col.type, "impl") else col.type.impl.python_type
            if py is bool and not isinstance(value, bool):
                raise ImportFormatError(f"{where}: field '{key}' must be true or false")
            if py is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ImportFormatError(f"{where}: field '{key}' must be a whole number")
            if py is str and not isinstance(value, str):
                raise ImportFormatError(f"{where}: field '{key}' must be text")
            out[key] = value
    return out


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


class InterchangeService:
    def __init__(self, db: Database):
        self.db = db

    def export_data(self, include_personal: bool = False) -> dict[str, Any]:
        tables: dict[str, list[dict[str, Any]]] = {}
        with self.db.read() as s:
            for name in TABLE_ORDER:
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

    def export_json(self, path: Path, include_personal: bool = False) -> dict[str, int]:
        data = self.export_data(include_personal)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".export-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            fsutil.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise UserError(f"{path}: cannot write the export ({exc.strerror})") from exc
        if include_personal:
            from partnerdesk.services.audit import AuditService

            AuditService(self.db).record("export_personal", "database", summary=f"JSON export with personal "
                                         f"numbers to {path}")
        return {k: len(v) for k, v in data["tables"].items()}

    def import_json(self, path: Path, merge: bool = False) -> dict[str, int]:
        data = self._read(Path(path))
        counts: dict[str, int] = {}
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
                                n += 1
                            continue
                    _check_frozen(s, name, r, None, where)
                    _execute(conn, insert(t).values(**r), where)
                    n += 1
                counts[name] = n
            s.flush()
            _check_seals(s, path)
            reindex(s, [r["id"] for r in data["tables"].get("contact", [])])
            reprice(s, everything=True)
            a = self.db.actor
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action="import_json", entity="database",
                             summary=f"imported {path} ({'merge' if merge else 'into empty database'})",
                             changes=json.dumps({k: v for k, v in counts.items() if v}, sort_keys=True)))
        return counts

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UserError(f"{path}: cannot be read ({exc.strerror})") from exc
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ImportFormatError(f"{path}: is not a UTF-8 text file") from None
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"{path}: line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg})") from None
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
            raise ImportFormatError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
        for name, rows in tables.items():
            for i, r in enumerate(rows):
                if not isinstance(r, dict):
                    raise ImportFormatError(f"{path}: tables.{name}[{i}] is not an object")
        return data
