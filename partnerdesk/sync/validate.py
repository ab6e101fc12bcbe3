"""Incoming sync ops pass the validators local input passes (issue 14, guarantee 4).

An op from another installation is checked field by field before anything is written: the column checks of
``import json`` (``services/interchange.py``: types, ISO dates from 1900 to 2100, time stamps, text lengths,
control characters, whole-number cents), then the same service validators a person's typing goes through
(agency codes, kinds and e-mails, contact fields, agreement and rate fields, enums such as statuses and
payment methods, decimal strings such as miles, and a logo that must be a real PNG or JPEG). Nothing here is
a second set of rules: every check below calls the one that local input uses.

An op that fails is refused: ``sync/merge.py`` leaves it out of the database and lists it (a ``sync
conflict`` of kind "invalid", with its sender), so one bad value cannot stop ``hours list`` or an export on
every PC.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from partnerdesk.db.models import DERIVED_COLUMNS, LOCAL_ONLY, Base

# Fields every replicated row has, written by the app itself rather than typed.
_STAMPS = ("id", "created_at", "updated_at", "deleted_at")


@functools.lru_cache(maxsize=None)
def _service_checks() -> dict[str, Callable[[str, Any], None]]:
    """table -> check(field, decoded value) from the services' own validators (imported late: the services
    import sync modules)."""
    from partnerdesk.domain.freeze import FROZEN_STATUSES
    from partnerdesk.errors import ValidationError
    from partnerdesk.services import agencies, agreements, contacts, hours, incidents, payments
    from partnerdesk.services.agreements import _decimal_str

    def one_of(values, what):
        def check(_f, v):
            if v is not None and v not in values:
                raise ValidationError(f"{what}: '{v}' is not one of {', '.join(values)}")
        return check

    def fields(validator, names):
        def check(f, v):
            if f in names:
                validator({f: v})
        return check

    def time_entry(f, v):
        if f == "status":
            one_of(hours.STATUSES, "status")(f, v)
        elif f == "miles":
            hours.parse_miles(v)
        elif f in ("minutes", "travel_minutes") and v is not None and not 0 <= v <= 24 * 60:
            raise ValidationError(f"{f}: {v} is not from 0 to 1,440 minutes")

    def mileage(f, v):
        if f == "cents_per_mile":
            _decimal_str(v, "cents per mile", "0", "500")

    def statement(f, v):
        if f == "status":
            one_of(("draft", *sorted(FROZEN_STATUSES)), "status")(f, v)
        elif f == "kind":
            one_of(("statement", "credit_note", "mutual_aid"), "kind")(f, v)  # mutual_aid: docs/incidents.md

    def payment(f, v):
        if f == "method":
            one_of(payments.METHODS, "method")(f, v)
        elif f == "amount_cents" and v is not None and v <= 0:
            raise ValidationError("amount_cents: must be more than zero")

    def party(f, v):
        if f == "role":
            one_of(agreements.ROLES, "role")(f, v)

    agency_fields = set(agencies.FIELDS) - {"is_home"}
    return {
        "agency": fields(agencies._validate, agency_fields),
        "contact": fields(contacts.validate_contact, set(contacts.FIELDS)),
        "agreement": fields(agreements.validate_agreement, set(agreements.AGREEMENT_FIELDS)),
        "rate_schedule": fields(agreements.validate_rate, set(agreements.RATE_FIELDS)),
        "agreement_party": party,
        "time_entry": time_entry,
        "mileage_rate": mileage,
        "statement": statement,
        "payment": payment,
        "incident": fields(incidents.validate_incident, set(incidents.INCIDENT_FIELDS)),
    }


_CHECKERS: dict[tuple[str, str], Callable[[str | None], str | None] | None] = {}
_UNSET = object()


def check_op(tbl: str, field: str, raw: str | None) -> str | None:
    """Why the op setting ``tbl.field`` to ``raw`` (its JSON text) is refused, or None when it is valid.

    A field this version does not know (a newer installation's column) passes: merge keeps such ops and
    applies nothing from them. A per-installation setting (``LOCAL_ONLY``) never comes from another PC."""
    checker = _CHECKERS.get((tbl, field), _UNSET)
    if checker is _UNSET:
        checker = _CHECKERS[(tbl, field)] = _checker(tbl, field)
    return None if checker is None else checker(raw)


def _always(reason: str) -> Callable[[str | None], str]:
    return lambda _raw: reason


def _checker(tbl: str, field: str) -> Callable[[str | None], str | None] | None:
    """The check of one field, built once (a join checks a hundred thousand ops)."""
    from partnerdesk.errors import ImportFormatError, UserError
    from partnerdesk.services.interchange import RETIRED_FIELDS, _decode_value

    if (tbl, field) in RETIRED_FIELDS:  # agency.logo_path: a file on one PC, which a PDF must never embed
        return _always(f"{tbl} field '{field}' is gone: a path to a file on one PC never syncs (a logo is an image)")
    t = Base.metadata.tables.get(tbl)
    if t is None or field not in t.columns:
        return None
    if (tbl, field) in LOCAL_ONLY:
        return _always(f"{field} is a setting of each installation and never comes from another PC")
    if (tbl, field) in DERIVED_COLUMNS:
        return None  # computed on each installation: merge never applies it (older versions sent it)
    if field == "id":
        return _always("a row's id cannot be changed")
    col = t.columns[field]
    where = f"{tbl.replace('_', ' ')} field '{field}'"
    required = not col.nullable and field not in _STAMPS
    service = None if field in _STAMPS else _service_checks().get(tbl)

    def check(raw: str | None) -> str | None:
        if raw is not None and len(raw) > 1 and raw[0] == '"' and raw[-1] == '"' and "\\" not in raw \
                and '"' not in raw[1:-1]:
            value: Any = raw[1:-1]  # a plain string: most values, without the JSON parser
        else:
            try:
                value = json.loads(raw) if raw is not None else None
            except (ValueError, TypeError):
                return f"{where} is not a readable value"
        if value is None:
            return f"{where} is required" if required else None
        try:
            decoded = _decode_value(tbl, col, value, where)
            if service is not None:
                service(field, decoded)
        except (ImportFormatError, UserError) as exc:
            msg = str(exc)
            return msg if msg.startswith(where) else f"{where}: {msg}"
        except (TypeError, ValueError, ArithmeticError) as exc:
            return f"{where}: {exc}"
        return None

    return check
