"""Helpers shared by services: lookups that raise clear user errors, field application, validation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Iterable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from partnerdesk.db.models import Agency, Entity
from partnerdesk.db.types import session_now
from partnerdesk.domain.periods import check_date_range, parse_date
from partnerdesk.errors import NoHomeError, NotFoundError, ValidationError

T = TypeVar("T", bound=Entity)
MAX_FUTURE_DAYS = 7  # how far ahead something that happened (hours worked, a payment received) may be dated
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text or ""))


def get_live(session: Session, model: type[T], id_: str, what: str | None = None) -> T:
    obj = session.get(model, id_)
    if obj is None or obj.deleted_at is not None:
        raise NotFoundError(f"no {what or model.__tablename__.replace('_', ' ')} with id {id_}")
    return obj


def find_agency(session: Session, ref: str) -> Agency:
    """An agency by id, code (case-insensitive) or exact name."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError("partner: empty; give an agency code such as EDM", "partner")
    q = select(Agency).where(Agency.deleted_at.is_(None))
    if is_uuid(ref):
        obj = session.scalar(q.where(Agency.id == ref))
    else:
        obj = session.scalar(q.where(func.upper(Agency.code) == ref.upper()))
        if obj is None:
            obj = session.scalar(q.where(func.lower(Agency.name) == ref.lower()))
    if obj is None:
        codes = ", ".join(session.scalars(q.with_only_columns(Agency.code).order_by(Agency.code)).all())
        raise NotFoundError(f"unknown partner '{ref}' (known codes: {codes or 'none yet'})")
    return obj


def home_agency(session: Session) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.is_home.is_(True), Agency.deleted_at.is_(None)))


def require_home(session: Session) -> Agency:
    home = home_agency(session)
    if home is None:
        raise NoHomeError()
    return home


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # control characters but tab and newline

DEMO_KEY = "demo_region"  # meta key set once the demo region is seeded


def demo_database(session: Session) -> bool:
    """Whether this database holds the demo region (``DemoService.is_demo`` in the caller's session). Its
    documents carry the DEMO mark; a file is a demo or not for good, so a sealed PDF renders the same."""
    from partnerdesk.db.models import Meta

    row = session.get(Meta, DEMO_KEY)
    return row is not None and row.value == "1"


def clean_text(value: Any, field: str, max_len: int = 200, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ValidationError(f"{field}: required", field)
        return None
    text = str(value).strip()
    if not text:
        if required:
            raise ValidationError(f"{field}: required", field)
        return None
    if len(text) > max_len:
        raise ValidationError(f"{field}: longer than {max_len} characters", field)
    if _CONTROL.search(text):
        raise ValidationError(f"{field}: contains control characters", field)
    return text


def as_date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return check_date_range(value, field)
    return parse_date(str(value), field)


def check_not_future(when: date, today: date, field: str = "date") -> date:
    """The one rule for the date of something that has happened (hours worked, a payment received): at
    most ``MAX_FUTURE_DAYS`` after ``today`` (a form filled in a day or two early is fine), never further."""
    if when > today + timedelta(days=MAX_FUTURE_DAYS):
        raise ValidationError(f"{field}: {when} is in the future", field)
    return when


def apply(obj: Entity, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for key, value in changes.items():
        if key not in allowed:
            raise ValidationError(f"{key}: cannot be changed here", key)
        setattr(obj, key, value)


def soft_delete(obj: Entity) -> None:
    if obj.deleted_at is None:
        obj.deleted_at = session_now(object_session(obj))
