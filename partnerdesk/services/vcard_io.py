"""vCard reading and writing through the maintained ``vobject`` library.

vobject reads single-valued text properties (NOTE, TITLE, TEL…) as comma lists and keeps only the
first item, so an iPhone NOTE such as ``Skills: Exchange, Active Directory`` would lose everything
after the first comma. Real exporters (Apple, Outlook) do not escape those commas. We register a
vCard behaviour whose default text handling unescapes the whole value (vobject's own
``stringToTextValues`` with no list separator); everything else is vobject's stock vCard 3.0 behaviour.
"""

from __future__ import annotations

import vobject
from vobject.base import registerBehavior
from vobject.icalendar import stringToTextValues
from vobject.vcard import VCard3_0, VCardTextBehavior


class WholeTextBehavior(VCardTextBehavior):
    """A single text value: backslash escapes removed, unescaped commas kept."""

    @classmethod
    def decode(cls, line):
        if line.encoded and not getattr(line, "encoding_param", None) and isinstance(line.value, str):
            line.value = stringToTextValues(line.value, listSeparator=None)[0]
            line.encoded = False
            return
        super().decode(line)


class LenientVCard(VCard3_0):
    """vCard 3.0 (also used for 2.1 input) with whole-value text properties."""

    defaultBehavior = WholeTextBehavior


class WholeFN(WholeTextBehavior):
    name = "FN"
    description = "Formatted name"


registerBehavior(LenientVCard, default=True)
registerBehavior(WholeFN, default=True)


def read_cards(text: str):
    """Iterate the vCards in ``text`` (vobject components); raises vobject's ParseError when broken."""
    return vobject.readComponents(text, ignoreUnreadable=False)


def new_card():
    return vobject.vCard()
