"""The app's words, one way on every surface (CLI, GUI, reports): counts with their noun in the right number,
and the status words shown for the stored status codes."""

from __future__ import annotations

_IRREGULAR = {"entry": "entries", "agency": "agencies", "category": "categories", "company": "companies",
              "person": "people", "is": "are", "was": "were", "has": "have"}


def plural_of(noun: str) -> str:
    """``agency`` → ``agencies``, ``statement`` → ``statements``, ``warning`` → ``warnings``."""
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 agency``, ``8 agencies``, ``0 rows``, ``1,204 contacts`` (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (many or plural_of(noun))}"


def nouns(n: int, noun: str, many: str | None = None) -> str:
    """The noun alone, in the number ``n`` asks for (``row`` / ``rows``)."""
    return noun if n == 1 else (many or plural_of(noun))


# stored status code -> the word shown (the CLI's tables and the GUI alike; --json keeps the code)
STATUS_WORDS = {"partially_paid": "partially paid", "in_progress": "in progress"}


def statement_status_word(status: str | None, balance_cents: int) -> str:
    """A statement's status as shown, stating the amount of an overpayment: ``overpaid by $12.50``."""
    if status == "overpaid":
        from partnerdesk.domain.money import format_cents

        return f"overpaid by {format_cents(-balance_cents)}"
    return status_word(status)


def status_word(status: str | None) -> str:
    """``partially_paid`` → ``partially paid``: the word a person reads for a stored status."""
    if not status:
        return ""
    return STATUS_WORDS.get(status, status.replace("_", " "))
