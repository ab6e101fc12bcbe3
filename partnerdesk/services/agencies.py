"""Agencies: the home agency and its neighbours. Added, edited and retired here (never hard-deleted)."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from partnerdesk.db.models import Agency, AgreementParty, Contact, RateSchedule, Statement, TimeEntry
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import AgencyDTO
from partnerdesk.domain.text import strip_accents
from partnerdesk.domain.wording import nouns
from partnerdesk.errors import ValidationError
from partnerdesk.services.base import clean_text, find_agency, get_live, soft_delete

KINDS = ("city", "county", "town", "district", "tribe", "state", "other")
FIELDS = ("name", "code", "kind", "ubi", "ein", "remit_to", "bill_to", "ap_contact_name", "ap_contact_email",
          "ap_contact_phone", "phone", "website", "fy_start_month", "bars_revenue_code", "bars_expense_code",
          "is_home", "billing_node", "notes", "address", "billing_contact_name",
          "billing_contact_email", "billing_contact_phone", "eft_instructions", "logo_image")
TEXT_BLOCKS = ("remit_to", "bill_to", "notes", "address", "eft_instructions")  # several lines each
EMAILS = ("ap_contact_email", "billing_contact_email")
PHONES = ("phone", "ap_contact_phone", "billing_contact_phone")
MAX_LOGO_BYTES = 1024 * 1024  # a letterhead logo; a bigger file is a photo or a print master
MAX_LOGO_SIDE = 4000  # pixels
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^(https?://)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?(/\S*)?$")


def agency_dto(a: Agency) -> AgencyDTO:
    return AgencyDTO(**{k: getattr(a, k) for k in AgencyDTO.__dataclass_fields__})


def logo_kind(data: bytes) -> str | None:
    """'PNG' or 'JPEG' from the file's signature, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    return None


def validate_logo(data: bytes | None) -> bytes | None:
    """A logo is a PNG or JPEG image of at most 1 MB that decodes; empty means no logo."""
    if not data:
        return None
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValidationError("logo: must be the bytes of a PNG or JPEG image", "logo")
    data = bytes(data)
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(f"logo: {len(data) / 1024 / 1024:.1f} MB is larger than the 1 MB a letterhead "
                              "logo needs; save a smaller PNG or JPEG", "logo")
    kind = logo_kind(data)
    if kind is None:
        raise ValidationError("logo: not a PNG or JPEG image (save the logo as .png or .jpg)", "logo")
    from PIL import Image, UnidentifiedImageError  # ReportLab's own image library

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if not (16 <= width <= MAX_LOGO_SIDE and 16 <= height <= MAX_LOGO_SIDE):
                raise ValidationError(f"logo: {width}×{height} pixels; a logo must be 16 to {MAX_LOGO_SIDE} "
                                      "pixels on each side", "logo")
            img.load()  # decodes the whole image: a truncated or damaged file fails here, not in a PDF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(f"logo: the {kind} image is damaged or incomplete", "logo") from None
    return data


def read_logo_file(path: str | os.PathLike) -> bytes:
    """The bytes of a logo file, checked (what ``--logo FILE`` and the setup assistant's picker store)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ValidationError(f"logo: '{p}' is not a file", "logo")
    if p.stat().st_size > MAX_LOGO_BYTES:
        raise ValidationError(f"logo: '{p.name}' is larger than 1 MB; save a smaller PNG or JPEG", "logo")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ValidationError(f"logo: cannot read '{p}': {exc.strerror or exc}", "logo") from None
    if not data:
        raise ValidationError(f"logo: '{p.name}' is empty", "logo")
    return validate_logo(data)


def _digits_id(value: str, field: str, label: str, groups: tuple[int, ...], example: str) -> str:
    digits = re.sub(r"[\s.\-]", "", value)
    if not digits.isdigit() or len(digits) != sum(groups):
        raise ValidationError(f"{field}: '{value}' is not {label} ({sum(groups)} digits, like {example})", field)
    out, i = [], 0
    for g in groups:
        out.append(digits[i:i + g])
        i += g
    return "-".join(out)


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for k in out:
        if k not in FIELDS:
            raise ValidationError(f"{k}: not an agency field", k)
    if "name" in out:
        out["name"] = clean_text(out["name"], "name", 200, required=True)
    if "code" in out:
        code = (out["code"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", code):
            raise ValidationError(f"code: '{out['code']}' must be 2–12 letters or digits, like EDM", "code")
        out["code"] = code
    if "kind" in out and out["kind"] not in KINDS:
        raise ValidationError(f"kind: '{out['kind']}' is not one of {', '.join(KINDS)}", "kind")
    if "fy_start_month" in out:
        try:
            m = int(out["fy_start_month"])
        except (TypeError, ValueError):
            raise ValidationError(f"fy_start_month: '{out['fy_start_month']}' is not a month number (1..12)",
                                  "fy_start_month") from None
        if not 1 <= m <= 12:
            raise ValidationError("fy_start_month: must be 1..12 (1 = January)", "fy_start_month")
        out["fy_start_month"] = m
    if "is_home" in out:
        out["is_home"] = bool(out["is_home"])
    if "logo_image" in out:
        out["logo_image"] = validate_logo(out["logo_image"])
    for k in TEXT_BLOCKS:
        if k in out:
            out[k] = clean_text(out[k], k, 2000)
    for k in set(out) - {"name", "code", "kind", "fy_start_month", "is_home", "logo_image", *TEXT_BLOCKS}:
        out[k] = clean_text(out[k], k, 400)
    if out.get("ubi"):
        out["ubi"] = _digits_id(out["ubi"], "ubi", "a Washington UBI number", (3, 3, 3), "601-234-567")
    if out.get("ein"):
        out["ein"] = _digits_id(out["ein"], "ein", "a federal EIN", (2, 7), "91-1234567")
    for k in EMAILS:
        if out.get(k):
            if not _EMAIL.match(out[k]) or len(out[k]) > 200:
                raise ValidationError(f"{k}: '{out[k]}' is not an e-mail address", k)
            out[k] = out[k].lower()
    for k in PHONES:
        if out.get(k):
            if len(re.sub(r"\D", "", out[k])) < 7 or len(out[k]) > 40:
                raise ValidationError(f"{k}: '{out[k]}' is not a phone number", k)
    if out.get("website") and not _WEBSITE.match(out["website"]):
        raise ValidationError(f"website: '{out['website']}' is not a web address (like https://www.example.gov)",
                              "website")
    if out.get("billing_contact_name") and len(out["billing_contact_name"]) > 200:
        raise ValidationError("billing_contact_name: longer than 200 characters", "billing_contact_name")
    return out


_GENERIC = {"city", "town", "county", "of", "the", "district", "port", "tribe", "state", "village", "public",
            "utility", "fire", "school", "no", "and"}


def suggest_code(name: str, taken: set[str]) -> str:
    plain = strip_accents(name)
    words = [w for w in re.findall(r"[A-Za-z0-9]+", plain)]
    specific = [w for w in words if w.casefold() not in _GENERIC] or words or ["AGY"]
    base = specific[0].upper()[:3] if len(specific) == 1 or len(specific[0]) >= 3 else \
        "".join(w[0] for w in specific).upper()[:3]
    if len(base) < 2 or not base[0].isalpha():  # "Fire District No. 7" -> FD7
        base = "".join(w[0] for w in words if w.casefold() not in {"of", "the", "and", "no"}).upper()[:4]
        if len(base) < 2 or not base[0].isalpha():
            base = "AGY"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}{n}", n + 1
    return code


def is_referenced(s: Session, agency_id: str) -> bool:
    """Whether anything live points at the agency: contacts, agreements, rates, hours or statements."""
    checks = (
        select(Contact.id).where(Contact.agency_id == agency_id, Contact.deleted_at.is_(None)),
        select(AgreementParty.id).where(AgreementParty.agency_id == agency_id, AgreementParty.deleted_at.is_(None)),
        select(RateSchedule.id).where(RateSchedule.provider_agency_id == agency_id,
                                      RateSchedule.deleted_at.is_(None)),
        select(TimeEntry.id).where(or_(TimeEntry.provider_agency_id == agency_id,
                                       TimeEntry.recipient_agency_id == agency_id)),
        select(Statement.id).where(or_(Statement.issuer_agency_id == agency_id,
                                       Statement.bill_to_agency_id == agency_id)),
    )
    return any(s.scalar(select(exists(q))) for q in checks)


class _DryRun(Exception):
    """Raised inside a dry run's transaction to undo it."""


class AgencyService:
    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def logo_from_file(path: str | os.PathLike) -> bytes:
        """A logo file's bytes, checked (PNG or JPEG, at most 1 MB): what ``logo_image`` stores."""
        return read_logo_file(path)

    def suggest_code(self, name: str) -> str:
        """A free short code for an agency's name: "City of Shelbyville" -> "SHE" (then "SHE2", ...)."""
        with self.db.read() as s:
            taken = set(s.scalars(select(Agency.code)))
        return suggest_code(name, taken)

    def list(self, include_deleted: bool = False, include_retired: bool = True) -> list[AgencyDTO]:
        with self.db.read() as s:
            q = select(Agency).order_by(Agency.is_home.desc(), Agency.name)
            if not include_deleted:
                q = q.where(Agency.deleted_at.is_(None))
            if not include_retired:
                q = q.where(Agency.retired_on.is_(None))
            return [agency_dto(a) for a in s.scalars(q)]

    def get(self, ref: str) -> AgencyDTO:
        with self.db.read() as s:
            return agency_dto(find_agency(s, ref))

    def home(self) -> AgencyDTO | None:
        with self.db.read() as s:
            a = s.scalar(select(Agency).where(Agency.is_home.is_(True), Agency.deleted_at.is_(None)))
            return agency_dto(a) if a else None

    def create(self, **values: Any) -> AgencyDTO:
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ValidationError(f"unknown agency {nouns(len(unknown), 'field')}: {', '.join(sorted(unknown))}")
        values = _validate({"kind": "city", **values})
        if "name" not in values or "code" not in values:
            raise ValidationError("an agency needs a name and a code")
        with self.db.write() as s:
            taken = s.scalar(select(Agency).where(Agency.code == values["code"]))
            if taken is not None:
                if taken.deleted_at is not None:
                    raise ValidationError(f"code: {taken.code} belonged to {taken.name}, which was deleted; bring it "
                                          f"back with 'partnerdesk agencies retire {taken.code} --undo' or choose "
                                          "another code", "code")
                raise ValidationError(f"code: {values['code']} is already used by {taken.name}", "code")
            if values.get("is_home"):
                self._move_home(s, None)
            a = Agency(**values)
            s.add(a)
            s.flush()
            return agency_dto(a)

    def update(self, agency_id: str, **changes: Any) -> AgencyDTO:
        changes = _validate(changes)
        with self.db.write() as s:
            a = find_agency(s, agency_id)
            if "code" in changes and changes["code"] != a.code:
                other = s.scalar(select(Agency).where(Agency.code == changes["code"]))
                if other is not None:
                    raise ValidationError(f"code: {changes['code']} is already used by {other.name}", "code")
                if s.scalar(select(exists(select(Statement.id).where(Statement.issuer_agency_id == a.id,
                                                                     Statement.number.is_not(None))))):
                    raise ValidationError(f"code: {a.code} is part of the numbers of statements already issued "
                                          "and cannot change", "code")
            if "is_home" in changes:
                if changes["is_home"] and not a.is_home:
                    self._move_home(s, a)
                elif not changes["is_home"] and a.is_home:
                    raise ValidationError("home: a database always has a home agency; mark another agency as "
                                          "home instead (partnerdesk agencies edit CODE --home)", "is_home")
            renamed = ("name" in changes and changes["name"] != a.name) or ("code" in changes
                                                                          and changes["code"] != a.code)
            for k, v in changes.items():
                setattr(a, k, v)
            s.flush()
            if renamed:  # the directory's search text carries the agency's name and code
                from partnerdesk.services.contacts import reindex

                reindex(s, s.scalars(select(Contact.id).where(Contact.agency_id == a.id,
                                                              Contact.deleted_at.is_(None))).all())
            return agency_dto(a)

    def retire(self, ref: str) -> tuple[AgencyDTO, str]:
        """Retire a partner: 'retired' (kept for its history, offered for nothing new) when anything refers to
        it, else 'deleted' (a soft delete of a mistake). The home agency is never retired."""
        with self.db.write() as s:
            a = find_agency(s, ref)
            if a.is_home:
                raise ValidationError(f"{a.code} is your home agency and cannot be retired", "code")
            if a.retired_on is not None:
                raise ValidationError(f"{a.code} was already retired on {a.retired_on}; "
                                      f"'partnerdesk agencies retire {a.code} --undo' brings it back", "code")
            if is_referenced(s, a.id):
                a.retired_on = self.db.clock.today()
                outcome = "retired"
            else:
                soft_delete(a)
                outcome = "deleted"
            s.flush()
            return agency_dto(a), outcome

    def reinstate(self, ref: str) -> AgencyDTO:
        """Undo ``retire``: a retired agency is active again; a deleted one is restored."""
        code = (ref or "").strip().upper()
        with self.db.write() as s:
            a = s.scalar(select(Agency).where(or_(Agency.id == ref, func.upper(Agency.code) == code)))
            if a is None:
                raise ValidationError(f"unknown agency '{ref}'", "code")
            if a.deleted_at is None and a.retired_on is None:
                raise ValidationError(f"{a.code} is not retired", "code")
            a.deleted_at, a.retired_on = None, None
            s.flush()
            return agency_dto(a)

    def delete(self, agency_id: str) -> None:
        with self.db.write() as s:
            a = get_live(s, Agency, agency_id, "agency")
            if a.is_home:
                raise ValidationError("the home agency cannot be deleted; mark another agency as home first")
            if is_referenced(s, a.id):
                raise ValidationError(f"{a.code} has contacts, agreements, hours or statements: retire it instead "
                                      f"(partnerdesk agencies retire {a.code})", "code")
            soft_delete(a)

    def import_csv(self, path: str | os.PathLike, dry_run: bool = False) -> list[AgencyDTO]:
        """Add the agencies of a CSV file (a header row naming the columns: code and name at least; see
        CSV_COLUMNS), all or none. A code already in the database is a problem of its line."""
        rows = read_agency_csv(Path(path))
        problems: list[str] = []
        out: list[AgencyDTO] = []
        try:
            self._import_rows(rows, problems, out, Path(path).name, dry_run)
        except _DryRun:
            pass
        return out

    def _import_rows(self, rows, problems: list[str], out: list[AgencyDTO], name: str, dry_run: bool) -> None:
        with self.db.write(summary=f"agencies imported from {name}") as s:
            for line, values in rows:
                try:
                    values = _validate({"kind": "city", **values})
                    if not values.get("code") or not values.get("name"):
                        raise ValidationError("code and name are required")
                    if s.scalar(select(Agency.id).where(Agency.code == values["code"])):
                        raise ValidationError(f"code {values['code']} is already in the database")
                    a = Agency(**values)
                    s.add(a)
                    s.flush()
                    out.append(agency_dto(a))
                except ValidationError as exc:
                    problems.append(f"line {line}: {exc}")
            if problems:
                more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                raise ValidationError(f"{name}: " + "; ".join(problems[:3]) + more + "; nothing was imported")
            if dry_run:
                raise _DryRun()  # undoes the transaction

    @staticmethod
    def _move_home(s: Session, new: Agency | None) -> None:
        """One home agency per database: marking another one moves the flag. Entries and statements name
        their provider, recipient and issuer outright, so nothing is rewritten; what "given" and "received"
        mean follows the new home (a neighbour joining a shared region marks its own agency this way)."""
        for other in s.scalars(select(Agency).where(Agency.is_home.is_(True), Agency.deleted_at.is_(None))):
            if new is None or other.id != new.id:
                other.is_home = False
        s.flush()


# a CSV column (header, case and punctuation ignored) -> agency field
CSV_COLUMNS = {
    "code": "code", "short code": "code", "name": "name", "agency": "name", "legal name": "name", "kind": "kind",
    "type": "kind", "address": "address", "street address": "address", "phone": "phone", "website": "website",
    "web": "website", "ubi": "ubi", "ein": "ein", "bill to": "bill_to", "billing address": "bill_to",
    "remit to": "remit_to", "ap contact": "ap_contact_name", "ap contact name": "ap_contact_name",
    "ap email": "ap_contact_email", "ap contact email": "ap_contact_email", "ap phone": "ap_contact_phone",
    "ap contact phone": "ap_contact_phone", "fiscal year start month": "fy_start_month",
    "fy start month": "fy_start_month", "notes": "notes",
}


def read_agency_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, {field: value}) for each row of an agencies CSV (UTF-8, or Windows-1252 as a fallback)."""
    import csv

    from partnerdesk.errors import ImportFormatError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFormatError(f"{path.name}: the file is empty") from None
    fields = [CSV_COLUMNS.get(" ".join(re.sub(r"[^a-z0-9]+", " ", h.casefold()).split())) for h in header]
    if "code" not in fields or "name" not in fields:
        raise ImportFormatError(f"{path.name}: line 1: the header needs a 'code' and a 'name' column "
                                f"(found: {', '.join(h for h in header if h) or 'nothing'})")
    rows = []
    start = reader.line_num + 1  # a record's first line (a quoted address may span several)
    try:
        for record in reader:
            if any(v.strip() for v in record):
                rows.append((start, {f: v.strip() for f, v in zip(fields, record) if f and v.strip()}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFormatError(f"{path.name}: line {reader.line_num}: {exc}") from None
    if not rows:
        raise ImportFormatError(f"{path.name}: no agencies below the header")
    return rows


def retired_message(a: Agency | AgencyDTO, on: date | None = None) -> str:
    return (f"partner: {a.code} was retired on {a.retired_on}"
            + (f" and cannot be used for {on}" if on else "")
            + f"; 'partnerdesk agencies retire {a.code} --undo' brings it back")
