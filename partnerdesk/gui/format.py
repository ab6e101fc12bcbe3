"""Display formatting shared by pages."""

from __future__ import annotations

from partnerdesk.domain.money import format_cents


def money(cents: int | None) -> str:
    return "—" if cents is None else format_cents(cents)


def hours(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes / 60:,.2f}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def direction(d: str) -> str:
    return {"given": "We helped them", "received": "They helped us"}.get(d, d)
