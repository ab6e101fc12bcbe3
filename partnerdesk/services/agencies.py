"""Agencies: the home agency and its neighbours."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from partnerdesk.db.models import Agency
from partnerdesk.db.uow import Database
from partnerdesk.domain.dto import AgencyDTO
from partnerdesk.errors import ValidationError
from partnerdesk.services.base import clean_text, find_agency, get_live, soft_delete

KINDS = ("city", "county", "town", "district", "tribe", "state", "other")
FIELDS = ("name", "code", "kind", "ubi", "ein", "remit_to", "bill_to", "ap_contact_name", "ap_contact_email",
          "ap_contact_phone", "phone", "website", "fy_start_month", "bars_revenue_code", "bars_expense_code",
          "is_home", "billing_node", "logo_path", "notes")


def agency_dto(a: Agency) -> AgencyDTO:
    return AgencyDTO(**{k: getattr(a, k) for k in AgencyDTO.__dataclass_fields__})


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
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
        m = int(out["fy_start_month"])
        if not 1 <= m <= 12:
            raise ValidationError("fy_start_month: must be 1..12", "fy_start_month")
        out["fy_start_month"] = m
    for k in ("remit_to", "bill_to", "notes"):
        if k in out:
            out[k] = clean_text(out[k], k, 2000)
    for k in set(out) - {"name", "code", "kind", "fy_start_month", "is_home", "remit_to", "bill_to", "notes"}:
        out[k] = clean_text(out[k], k, 400)
    return out


class AgencyService:
    def __init__(self, db: Database):
        self.db = db

    def list(self, include_deleted: bool = False) -> list[AgencyDTO]:
        with self.db.read() as s:
            q = select(Agency).order_by(Agency.is_home.desc(), Agency.name)
            if not include_deleted:
                q = q.where(Agency.deleted_at.is_(None))
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
            raise ValidationError(f"unknown agency field(s): {', '.join(sorted(unknown))}")
        values = _validate({"kind": "city", **values})
        if "name" not in values or "code" not in values:
            raise ValidationError("an agency needs a name and a code")
        with self.db.write() as s:
            if s.scalar(select(func.count()).select_from(Agency).where(Agency.code == values["code"])):
                raise ValidationError(f"code: {values['code']} is already used by another agency", "code")
            if values.get("is_home"):
                self._clear_home(s)
            a = Agency(**values)
            s.add(a)
            s.flush()
            return agency_dto(a)

    def update(self, agency_id: str, **changes: Any) -> AgencyDTO:
        changes = _validate(changes)
        with self.db.write() as s:
            a = get_live(s, Agency, agency_id, "agency")
            if "code" in changes and changes["code"] != a.code:
                if s.scalar(select(func.count()).select_from(Agency).where(Agency.code == changes["code"])):
                    raise ValidationError(f"code: {changes['code']} is already used", "code")
            if changes.get("is_home"):
                self._clear_home(s, keep=a.id)
            for k, v in changes.items():
                if k not in FIELDS:
                    raise ValidationError(f"{k}: not an agency field", k)
                setattr(a, k, v)
            s.flush()
            return agency_dto(a)

    def delete(self, agency_id: str) -> None:
        with self.db.write() as s:
            a = get_live(s, Agency, agency_id, "agency")
            if a.is_home:
                raise ValidationError("the home agency cannot be deleted; mark another agency as home first")
            soft_delete(a)

    @staticmethod
    def _clear_home(s, keep: str | None = None) -> None:
        for other in s.scalars(select(Agency).where(Agency.is_home.is_(True))):
            if other.id != keep:
                other.is_home = False
