"""How text compares: the one accent- and case-insensitive fold, for search, matching and imports."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str | None) -> str:
    """``text`` without its accents, case kept: "Zoë Núñez" -> "Zoe Nunez"."""
    if not text:
        return ""
    if text.isascii():  # most text: nothing to strip (the loop below costs per character)
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str | None) -> str:
    """Case- and accent-insensitive form, as the FTS tokenizer (unicode61 remove_diacritics 2) sees text:
    "Zoë Straße" -> "zoe strasse"."""
    return strip_accents(text).casefold()
