"""Importing the hours spreadsheet a CTO kept before partnerdesk (CSV), through a column mapping.

* the file: its encoding decided once for the whole file (services/text_files.py: UTF-8 with or without BOM,
  UTF-16, Windows-1252 only when nothing in it is UTF-8), any line ends, quotes in quoted text; the delimiter
  (comma, semicolon, tab or pipe) is the one that splits the header and every row alike;
* the mapping: partnerdesk field -> the file's column, guessed from the header (English, German, Spanish and
  French words; units in brackets ignored: "Duration (h:mm)", "Dauer", "Fecha"), given by the user
  (``date=Date,hours=Hours,...``) or remembered from the last import of a file with the same header;
* values: US or ISO dates, decimal hours with a point or a comma (1.5, 1,5) or h:mm, direction words
  in the same four languages ("We helped them" / "They helped us", "gegeben" / "erhalten", "dado" /
  "recibido", "donné" / "reçu"; DIRECTION_WORDS),
  Y/blank flags, partner names or codes matched to agencies, staff names matched to the provider's
  contacts (case, accents and "Last, First" order ignored) or kept as text;
* all-or-nothing: every row is checked by the same rules as logging one entry, inside ONE transaction;
  if any row has a problem, nothing is saved and every problem is listed with its line number;
* duplicates: a row that is already logged (same date, partner, direction, staff, hours and description, by
  any means) is skipped unless asked to keep it; one with the same partner, direction, date, hours and staff
  but another description is imported and marked "likely" for the user to check.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select

from partnerdesk.db.models import Agency, Agreement, Contact, ServiceCategory, TimeEntry
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import HoursImportPreview, ImportProblem, ImportRowPreview
from partnerdesk.domain.durations import parse_minutes
from partnerdesk.domain.periods import parse_date
from partnerdesk.domain.text import fold
from partnerdesk.domain.wording import nouns
from partnerdesk.errors import ImportFormatError, UserError, ValidationError
from partnerdesk.services.base import require_home
from partnerdesk.services.hours import EntryInput, HoursService, parse_direction, parse_miles
from partnerdesk.services.pricing import EntryRow, Pricer, reprice
from partnerdesk.services.text_files import decode_text

KIND = "hours"
# partnerdesk field -> what it means (for the mapping dialog)
FIELDS: dict[str, str] = {
    "date": "Work date", "partner": "Partner agency", "direction": "Direction (we helped / they helped)",
    "hours": "Hours", "staff": "Staff member", "category": "Service category", "after_hours": "After hours (Y/blank)",
    "callout": "Call-out (Y/blank)", "overtime": "Overtime (Y/blank)", "miles": "Miles", "travel": "Travel time", "incident": "Incident reference",
    "description": "Description", "agreement": "Agreement number",
}
REQUIRED = ("date", "partner", "direction", "hours")
# Header words people use, compared folded (case, accents, punctuation) with anything in brackets dropped:
# "After hours?" and "after-hours" are "after hours"; "Duration (h:mm)" is "duration".
_GUESS: dict[str, tuple[str, ...]] = {
    "date": ("date", "work date", "day", "when", "date worked", "datum", "tag", "fecha", "dia", "jour", "data"),
    "partner": ("partner", "agency", "partner agency", "neighbour", "neighbor", "city", "organization",
                "organisation", "behorde", "partnerbehorde", "stadt", "gemeinde", "agencia", "socio", "ciudad",
                "organisme", "ville", "partenaire"),
    "direction": ("direction", "who helped", "given received", "given or received", "given or received by",
                  "richtung", "wer half", "gegeben erhalten", "direccion", "sentido", "quien ayudo",
                  "dado recibido", "sens", "qui a aide", "donne recu"),
    "hours": ("hours", "duration", "time", "hrs", "hours worked", "time spent", "dauer", "stunden", "zeit",
              "arbeitszeit", "horas", "duracion", "tiempo", "heures", "duree", "temps", "uren"),
    "staff": ("staff", "who", "person", "engineer", "technician", "staff member", "employee", "mitarbeiter",
              "mitarbeiterin", "techniker", "personal", "empleado", "tecnico", "personne", "technicien"),
    "category": ("category", "service", "service category", "type", "kategorie", "leistung", "dienst",
                 "categoria", "servicio", "categorie"),
    "after_hours": ("after hours", "afterhours", "after hours y n", "outside hours", "ausserhalb",
                    "nach feierabend", "fuera de horario", "hors heures"),
    "callout": ("call out", "callout", "call out y n", "einsatz", "bereitschaft", "rufbereitschaft", "guardia",
                "astreinte"),
    "overtime": ("overtime", "ot", "o t", "over time", "uberstunden", "horas extra", "heures sup"),
    "miles": ("miles", "mileage", "meilen", "millas", "kilometer", "km"),
    "travel": ("travel", "travel time", "travel hours", "fahrzeit", "reisezeit", "anfahrt", "viaje", "trajet"),
    "incident": ("incident", "incident ref", "ticket", "incident #", "incident number", "ticket number",
                 "vorfall", "incidente", "incidencia"),
    "description": ("what we did", "description", "notes", "work", "details", "what", "task", "beschreibung",
                    "tatigkeit", "notiz", "notizen", "descripcion", "notas", "trabajo", "remarques"),
    "agreement": ("agreement", "ila", "agreement number", "contract", "vertrag", "vereinbarung", "convenio",
                  "acuerdo", "contrato", "convention"),
}
# Direction values as people write them, compared folded (case, accents, punctuation): English, German,
# Spanish and French. "given": we helped them; "received": they helped us.
DIRECTION_WORDS: dict[str, str] = {
    **{w: "given" for w in (
        "given", "give", "gave", "out", "outgoing", "provided", "we helped", "we helped them", "helped them",
        "to them", "gegeben", "geleistet", "erbracht", "ausgehend", "wir halfen", "wir helfen",
        "wir haben geholfen", "an sie", "dado", "dada", "prestado", "prestada", "brindado", "saliente",
        "ayudamos", "nosotros ayudamos", "les ayudamos", "donne", "donnee", "fourni", "fournie", "rendu",
        "sortant", "nous avons aide", "nous aidons", "on a aide")},
    **{w: "received" for w in (
        "received", "receive", "in", "incoming", "got", "they helped", "they helped us", "helped us",
        "from them", "erhalten", "empfangen", "bekommen", "eingehend", "sie halfen uns", "sie helfen uns",
        "sie haben uns geholfen", "von ihnen", "recibido", "recibida", "entrante", "nos ayudaron",
        "ellos ayudaron", "nos ayudan", "recu", "recue", "entrant", "ils nous ont aides", "ils nous aident",
        "on nous a aides")},
}


def parse_direction_word(text: str) -> str:
    """``given`` or ``received`` from a direction as people write it, in any of the languages above."""
    found = DIRECTION_WORDS.get(word_key(text))
    return found if found is not None else parse_direction(text)  # its error lists the words it takes


_DELIMITERS = (",", ";", "\t", "|")
Progress = Callable[[int, int], None]  # (done, total): the CLI's bar, the GUI's worker signal
YES = {"y", "yes", "x", "true", "1", "✓", "✔"}
NO = {"", "n", "no", "false", "0", "-"}
CATEGORY_WORDS = {"phones": "PBX", "phone": "PBX", "telephony": "PBX", "voip": "PBX", "helpdesk": "HELP",
                  "help": "HELP", "mail": "EMAIL", "exchange": "EMAIL", "outage": "OUT", "network": "NET",
                  "networking": "NET", "security": "SEC", "cyber": "SEC", "gis": "GIS", "mapping": "GIS"}


def word_key(text: str | None) -> str:
    """Case-, accent- and punctuation-insensitive form: "Zoë  García-Ruiz" -> "zoe garcia ruiz"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def name_keys(name: str) -> set[str]:
    """Keys a person's name matches under: "Last, First" and "First M. Last" both give "first last"."""
    name = (name or "").strip()
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    words = word_key(name).split()
    keys = {" ".join(words)} if words else set()
    if len(words) >= 3:
        keys.add(f"{words[0]} {words[-1]}")  # drop middle names and initials
        keys.add(f"{words[0]} {' '.join(words[1:])}")
    return keys


def parse_map_spec(spec: str, columns: tuple[str, ...]) -> dict[str, str]:
    """``date=Date,hours=Hours,description="What we did"`` -> {field: column}; columns by name or 1-based #N."""
    rows = list(csv.reader([spec], skipinitialspace=True))
    mapping: dict[str, str] = {}
    for item in rows[0] if rows else []:
        field, sep, column = item.partition("=")
        field, column = field.strip().lower().replace("-", "_"), column.strip()
        if not sep or not field:
            raise ValidationError(f"--map: '{item}' should look like field=Column", "map")
        if field not in FIELDS:
            raise ValidationError(f"--map: unknown field '{field}' (fields: {', '.join(FIELDS)})", "map")
        mapping[field] = _resolve_column(column, columns)
    return mapping


def _resolve_column(column: str, columns: tuple[str, ...]) -> str:
    if re.fullmatch(r"#\d+", column):
        n = int(column[1:])
        if not 1 <= n <= len(columns):
            raise ValidationError(f"--map: column {column} does not exist (the file has {len(columns)})", "map")
        return columns[n - 1]
    for c in columns:
        if c.strip().casefold() == column.casefold():
            return c
    raise ValidationError(f"--map: the file has no column '{column}' (columns: {', '.join(columns)})", "map")


def header_key(column: str) -> str:
    """A header compared by meaning: folded, units and notes in brackets dropped ("Duration (h:mm)" -> "duration")."""
    return word_key(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", column)) or word_key(column)


_GUESS_KEYS = {field: {word_key(n) for n in names} for field, names in _GUESS.items()}


def guess_mapping(columns: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for field, names in _GUESS_KEYS.items():
        for c in columns:
            if c not in taken and (header_key(c) in names or c.strip().casefold() in _GUESS[field]):
                mapping[field] = c
                taken.add(c)
                break
    return mapping


def decimal_comma(value: str) -> str:
    """``1,5`` -> ``1.5`` (a decimal comma, as Excel writes it where the comma is the decimal separator)."""
    return value.replace(",", ".") if re.fullmatch(r"\s*\d*,\d+\s*", value) else value


def parse_flag(value: str, field: str) -> bool:
    v = (value or "").strip().casefold()
    if v in YES:
        return True
    if v in NO:
        return False
    raise ValidationError(f"{field}: '{value}' is not Y or blank", field)


@dataclass
class _Table:
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (line number where the record starts, column -> value)


def read_table(path: Path) -> _Table:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    text = decode_text(str(path), raw, "a CSV file")
    delimiter = sniff_delimiter(path, text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFormatError(f"{path}: line 1: no header row ({exc})") from None
    columns = tuple(h.strip() for h in header)
    if len(columns) < 2 or not all(columns):
        raise ImportFormatError(f"{path}: line 1: the header needs a name for every column (columns: "
                                f"{', '.join(repr(c) for c in columns[:8])})")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ImportFormatError(f"{path}: line 1: {nouns(len(dupes), 'column')} {', '.join(dupes)} "
                              f"{'appears' if len(dupes) == 1 else 'appear'} twice")
    rows = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(v.strip() for v in record):
                if len(record) > len(columns) and any(v.strip() for v in record[len(columns):]):
                    raise ImportFormatError(
                        f"{path}: line {start}: {len(record)} values where the header has {len(columns)} columns "
                        f"(a value with a '{_shown(delimiter)}' in it needs quotes)")
                rows.append((start, {c: (record[i] if i < len(record) else "") for i, c in enumerate(columns)}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFormatError(f"{path}: line {reader.line_num}: {exc}") from None
    return _Table(columns, rows)


def _shown(delimiter: str) -> str:
    return {"\t": "tab"}.get(delimiter, delimiter)


def sniff_delimiter(path: Path, text: str) -> str:
    """The delimiter (comma, semicolon, tab, pipe) that gives the header at least two columns and splits the
    most rows into exactly as many values as the header has; a tie goes to the one with more columns. Read
    from the whole file, so a bad row among the first lines does not decide it."""
    best: tuple[float, int, int] | None = None
    choice = ","
    for d in _DELIMITERS:
        if d not in text:
            continue
        try:
            records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=d) if any(v.strip() for v in r)]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        rows = records[1:]
        fit = sum(1 for r in rows if len(r) == width) / len(rows) if rows else 1.0
        score = (fit, width, -_DELIMITERS.index(d))
        if best is None or score > best:
            best, choice = score, d
    return choice


class _Rollback(Exception):
    """Raised inside the import transaction to undo it (dry runs and files with problems)."""


class HoursImportService:
    def __init__(self, db: Database):
        self.db = db
        self.hours = HoursService(db)

    def columns(self, path: str | Path) -> tuple[str, ...]:
        return read_table(Path(path)).columns

    def suggest_mapping(self, columns: tuple[str, ...], remembered: dict[str, str] | None = None) -> dict[str, str]:
        """The remembered mapping when it still fits the columns, else a guess from the header."""
        if remembered and all(c in columns for c in remembered.values()):
            return dict(remembered)
        return guess_mapping(columns)

    def preview(self, path: str | Path, mapping: dict[str, str] | None = None,
                remembered: dict[str, str] | None = None, skip_duplicates: bool = True,
                progress: Progress | None = None) -> HoursImportPreview:
        """Check every row and price it, marking duplicates of entries already logged; save nothing.
        ``progress(done, total)`` is called as the rows are checked."""
        return self._run(Path(path), mapping, remembered, save=False, skip_duplicates=skip_duplicates,
                         progress=progress)

    def import_file(self, path: str | Path, mapping: dict[str, str] | None = None,
                    remembered: dict[str, str] | None = None, skip_duplicates: bool = True,
                    progress: Progress | None = None) -> HoursImportPreview:
        """Import every row in one transaction, or nothing when any row has a problem. Rows already logged
        exactly are skipped unless ``skip_duplicates`` is False. ``progress(done, total)``: rows checked and
        saved, then the entries priced."""
        return self._run(Path(path), mapping, remembered, save=True, skip_duplicates=skip_duplicates,
                         progress=progress)

    # ------------------------------------------------------------------------------------------------
    def _run(self, path: Path, mapping, remembered, save: bool, skip_duplicates: bool = True,
             progress: Progress | None = None) -> HoursImportPreview:
        table = read_table(path)
        mapping = dict(mapping) if mapping else self.suggest_mapping(table.columns, remembered)
        for field, column in mapping.items():
            if field not in FIELDS:
                raise ValidationError(f"mapping: unknown field '{field}'", "map")
            if column not in table.columns:
                raise ValidationError(f"mapping: the file has no column '{column}'", "map")
        missing = [f for f in REQUIRED if f not in mapping]
        if missing:
            raise ValidationError(f"{path.name}: no column mapped to {', '.join(missing)} (columns: "
                                  f"{', '.join(table.columns)}); give --map {missing[0]}=COLUMN", "map")
        problems: list[ImportProblem] = []
        previews: list[ImportRowPreview] = []
        imported_ids: list[str] = []
        outcome: dict[str, Any] = {}
        try:
            with self.db.write(action="import", summary=f"hours imported from {path.name}") as s:
                steps = len(table.rows) * (2 if save else 1)  # on import, each saved entry is priced again
                rows_done = (lambda n: progress(n, steps)) if progress is not None else None
                self._rows(s, table, mapping, problems, previews, imported_ids, skip_duplicates, rows_done)
                if problems or not save:
                    raise _Rollback()
                total = len(table.rows) + len(imported_ids)
                for i in range(0, len(imported_ids), 500):  # stay far below SQLite's bound-parameter limit
                    reprice(s, entry_ids=imported_ids[i:i + 500])
                    if progress is not None:
                        progress(len(table.rows) + min(i + 500, len(imported_ids)), total)
                outcome["imported"] = len(imported_ids)
        except _Rollback:
            outcome["imported"] = 0
        return HoursImportPreview(file=str(path), columns=table.columns, mapping=mapping, rows=tuple(previews),
                                  problems=tuple(problems), imported=outcome["imported"])

    def _rows(self, s, table: _Table, mapping: dict[str, str], problems: list[ImportProblem],
              previews: list[ImportRowPreview], imported_ids: list[str], skip_duplicates: bool = True,
              rows_done: Callable[[int], None] | None = None) -> None:
        home = require_home(s)
        agencies = self._agency_index(s, home.id)
        contacts = self._contact_index(s)
        categories = self._category_index(s)
        pricer = Pricer(s)
        this_file: set[str] = set()  # entries added from this file are not "already logged"
        seen: set[tuple] = set()
        for n, (line, row) in enumerate(table.rows, 1):
            if rows_done is not None and (n % 100 == 0 or n == len(table.rows)):
                rows_done(n)
            def val(field: str) -> str:
                column = mapping.get(field)
                return (row.get(column) or "").strip() if column else ""

            try:
                wd = parse_date(val("date"), "date")
                partner = self._match_agency(agencies, val("partner"))
                direction = parse_direction_word(val("direction"))
                minutes = parse_minutes(decimal_comma(val("hours")), "hours")
                travel = parse_minutes(decimal_comma(val("travel")), "travel") if val("travel") else 0
                after_hours = parse_flag(val("after_hours"), "after hours")
                callout = parse_flag(val("callout"), "call-out")
                overtime = parse_flag(val("overtime"), "overtime")
                miles = parse_miles(decimal_comma(val("miles")))
                category = self._match_category(categories, val("category")) if val("category") else None
                provider_id = home.id if direction == "given" else partner[0]
                staff_text = val("staff") or None
                staff_id = self._match_contact(contacts, provider_id, staff_text) if staff_text else None
                e, warnings = self.hours._build(s, EntryInput(
                    partner=partner[0], direction=direction, work_date=wd, hours=minutes, category=category,
                    staff=staff_id or staff_text, after_hours=after_hours, callout=callout, overtime=overtime,
                    miles=miles, travel_minutes=travel, description=val("description") or None,
                    incident_ref=val("incident") or None, agreement=val("agreement") or None), source="import")
                key = (wd, partner[0], direction, word_key(e.staff_name), minutes, word_key(e.description))
                duplicate, twin = self._duplicate(s, e, this_file)
                skip = duplicate == "exact" and skip_duplicates
                if key in seen and skip_duplicates:
                    raise ValidationError("the same entry appears twice in this file")
                seen.add(key)
                if not skip:
                    s.add(e)
                    s.flush()  # later rows see this one (24 hours per person per day)
                    imported_ids.append(e.id)
                    this_file.add(e.id)
            except UserError as exc:
                problems.append(ImportProblem(line, str(exc)))
                continue
            if duplicate:
                warnings.append(f"already logged as entry {twin}" if duplicate == "exact"
                                else f"looks like entry {twin} (same partner, direction, date, hours and staff)")
            if skip:
                e.id = f"skipped-{line}"  # priced for the preview, never saved
            priced = pricer.price(EntryRow.of(e))
            previews.append(ImportRowPreview(
                line=line, work_date=wd, direction=direction, partner_code=partner[1], staff_name=e.staff_name,
                staff_matched=e.staff_contact_id is not None, category_code=category, minutes=minutes,
                after_hours=after_hours, callout=callout, overtime=overtime, miles=e.miles, description=e.description,
                agreement_number=s.get(Agreement, e.agreement_id).number if e.agreement_id else None,
                amount_cents=priced.amount_cents if priced.priced else None, warnings=tuple(warnings),
                duplicate=duplicate, duplicate_of=twin, skipped=skip))

    def _duplicate(self, s, e: TimeEntry, this_file: set[str]) -> tuple[str | None, str | None]:
        """("exact" | "likely" | None, the existing entry's id) for an entry about to be imported."""
        likely = None
        for twin in s.scalars(self.hours._duplicate_query(e)):
            if twin.id in this_file:
                continue
            if word_key(twin.description) == word_key(e.description):
                return "exact", twin.id
            likely = likely or twin.id
        return ("likely", likely) if likely else (None, None)

    # -- matching ---------------------------------------------------------------------------------------
    @staticmethod
    def _agency_index(s, home_id: str) -> dict[str, tuple[str, str]]:
        index: dict[str, tuple[str, str]] = {}
        for a in s.scalars(select(Agency).where(Agency.deleted_at.is_(None), Agency.id != home_id)):
            short = re.sub(r"^(city|town|county|village) of ", "", word_key(a.name))
            for key in (word_key(a.code), word_key(a.name), short):
                index.setdefault(key, (a.id, a.code))
        return index

    @staticmethod
    def _match_agency(index: dict[str, tuple[str, str]], text: str) -> tuple[str, str]:
        if not text:
            raise ValidationError("partner: empty", "partner")
        key = word_key(text)
        hit = index.get(key) or index.get(re.sub(r"^(city|town|county|village) of ", "", key))
        if hit is None:
            raise ValidationError(f"partner: no agency named '{text}': use its code, or add it first with "
                                  f"'partnerdesk agencies add CODE --name \"{text}\"'", "partner")
        return hit

    @staticmethod
    def _contact_index(s) -> dict[tuple[str, str], list[str]]:
        index: dict[tuple[str, str], list[str]] = {}
        for cid, agency_id, name in s.execute(select(Contact.id, Contact.agency_id, Contact.name)
                                              .where(Contact.deleted_at.is_(None))):
            for key in name_keys(name):
                index.setdefault((agency_id, key), []).append(cid)
        return index

    @staticmethod
    def _match_contact(index, agency_id: str, text: str) -> str | None:
        """The provider's contact with this name, when exactly one matches; else None (kept as text)."""
        for key in sorted(name_keys(text), key=len, reverse=True):
            ids = index.get((agency_id, key)) or []
            if len(set(ids)) == 1:
                return ids[0]
        return None

    @staticmethod
    def _category_index(s) -> list[tuple[str, str]]:
        return [(c, n) for c, n in s.execute(select(ServiceCategory.code, ServiceCategory.name)
                                              .where(ServiceCategory.deleted_at.is_(None)))]

    @staticmethod
    def _match_category(cats: list[tuple[str, str]], text: str) -> str:
        key = word_key(text)
        exact = [c for c, n in cats if key in (word_key(c), word_key(n))]
        if len(exact) == 1:
            return exact[0]
        prefix = [c for c, n in cats if word_key(n).startswith(key)]
        if len(prefix) == 1:
            return prefix[0]
        codes = {word_key(c): c for c, _ in cats}
        words = {codes.get(w) or codes.get(word_key(CATEGORY_WORDS.get(w, ""))) for w in key.split()} - {None}
        if len(words) == 1:
            return words.pop()
        known = ", ".join(f"{c} ({n})" for c, n in sorted(cats))
        raise ValidationError(f"category: '{text}' is not a known category ({known})", "category")
