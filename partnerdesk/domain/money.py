"""Money is integer cents. Decimal appears only when parsing or multiplying, with explicit half-up rounding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from partnerdesk.errors import ValidationError

_CLEAN = re.compile(r"^\s*(?P<neg>-|\()?\s*\$?\s*(?P<num>[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*\)?\s*$")


def round_half_up(value: Decimal) -> int:
    """Round a Decimal amount of cents to whole cents, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, order=True, slots=True)
class Money:
    cents: int = 0

    def __post_init__(self):
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError(f"Money needs integer cents, got {self.cents!r}")

    @classmethod
    def parse(cls, text: str | int | Decimal) -> "Money":
        """Parse "1,234.56", "$12", "12.5", "-3.10", "(4.00)": the one parser of money people type (CLI,
        GUI, services). An amount is never rounded: one with a fraction of a cent ("1.005") is refused;
        zeros past the cents ("1.500") are exact and accepted."""
        if isinstance(text, int) and not isinstance(text, bool):
            return cls(text * 100)
        if isinstance(text, Decimal):
            return cls(_exact_cents(text, text))
        m = _CLEAN.match(str(text))
        if not m:
            raise ValidationError(f"'{text}' is not an amount of money (try 1,234.56)")
        num = m.group("num")
        if "," in num and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]*)?", num):
            raise ValidationError(f"'{text}' has misplaced thousands separators")
        try:
            value = Decimal(num.replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
            raise ValidationError(f"'{text}' is not an amount of money") from exc
        cents = _exact_cents(value, text)
        return cls(-cents if m.group("neg") else cents)

    @classmethod
    def from_decimal_dollars(cls, value: Decimal) -> "Money":
        return cls(round_half_up(value * 100))

    def format(self, symbol: bool = True) -> str:
        sign = "-" if self.cents < 0 else ""
        dollars, cents = divmod(abs(self.cents), 100)
        return f"{sign}{'$' if symbol else ''}{dollars:,}.{cents:02d}"

    def __str__(self) -> str:
        return self.format()

    def __add__(self, other: "Money") -> "Money":
        return Money(self.cents + _cents(other))

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.cents - _cents(other))

    def __neg__(self) -> "Money":
        return Money(-self.cents)

    def __bool__(self) -> bool:
        return self.cents != 0

    def times(self, factor: Decimal | int | str) -> "Money":
        """Multiply by a decimal factor, rounding half-up to the cent."""
        return Money(round_half_up(Decimal(self.cents) * Decimal(str(factor))))

    def as_decimal(self) -> Decimal:
        return Decimal(self.cents) / 100


def _exact_cents(dollars: Decimal, text: object) -> int:
    """Whole cents of ``dollars``; a fraction of a cent is refused, never rounded."""
    if not dollars.is_finite():
        raise ValidationError(f"'{text}' is not an amount of money")
    cents = dollars * 100
    if cents != cents.to_integral_value():
        raise ValidationError(f"'{text}' has more than two decimals: give dollars and cents (amounts are "
                              "never rounded)")
    return int(cents)


def _cents(other: object) -> int:
    if not isinstance(other, Money):
        raise TypeError(f"cannot combine Money with {type(other).__name__}")
    return other.cents


def format_cents(cents: int, symbol: bool = True) -> str:
    return Money(cents).format(symbol)
