"""Reading a text file someone hands us (contacts, an hours spreadsheet): its encoding decided once, for the
whole file, and never guessed into mojibake. One rule for every importer (issue 17)."""

from __future__ import annotations

import re

from partnerdesk.errors import ImportFormatError

# A valid UTF-8 sequence of two or more bytes. A file with one of these was written as UTF-8: a byte that
# does not decode in it is damage or a mixture, never a reason to read the whole file as Windows-1252.
_UTF8_MULTIBYTE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
                             rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
                             rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ASCII_LETTER = frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(name: str, data: bytes, kind: str = "a text file") -> str:
    """The file's text, its encoding decided for the whole file, never guessed line by line:

    * a byte-order mark says UTF-8, UTF-16 or UTF-32 (Excel's "Unicode text" is UTF-16 with a mark);
    * without one, text with a NUL in every other byte is UTF-16 (little- or big-endian);
    * valid UTF-8 is UTF-8;
    * Windows-1252 (Outlook's "ANSI" export) only when the file has no valid multi-byte UTF-8 sequence at all;
      a file that has some and also bytes that are not UTF-8 is a mixture: refused, naming the first bad line;
    * text that reads as letters in Mac Roman but as symbols in Windows-1252 is refused (it would be stored
      with the wrong letters and match no one)."""
    if not data.strip():
        raise ImportFormatError(f"{name}: the file is empty")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                if codec == "utf-8-sig":
                    raise _not_utf8(name, data, exc.start + 3) from None
                raise ImportFormatError(f"{name}: is marked as {codec.upper()} text but is not valid "
                                        f"{codec.upper()} (byte {exc.start:,}); save the file again") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    head = data[:8192]
    if b"\x00" in head or sum(1 for b in head if b < 9 or 13 < b < 32) > len(head) // 20:
        raise ImportFormatError(f"{name}: this is a binary file, not {kind}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            raise _not_utf8(name, data, exc.start) from None
    try:
        text = data.decode("cp1252")  # Outlook's "ANSI" export on an English Windows
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{name}: line {_line_of(data, exc.start)} is neither UTF-8 nor Windows-1252 "
                                f"(byte 0x{data[exc.start]:02X}): save the file as UTF-8") from None
    mac = _mac_roman_evidence(data)
    if mac is not None:
        raise ImportFormatError(f"{name}: line {_line_of(data, mac)} looks like Mac (Mac Roman) text, "
                                f"not UTF-8 or Windows-1252 (byte 0x{data[mac]:02X}): save the file as UTF-8")
    return text


def _not_utf8(name: str, data: bytes, offset: int) -> ImportFormatError:
    return ImportFormatError(f"{name}: line {_line_of(data, offset)} is not UTF-8 (byte 0x{data[offset]:02X}): "
                             "save the file as UTF-8 or Windows-1252")


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the text has a NUL in (nearly) every odd/even byte, as UTF-16 of mostly
    ASCII text does; else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _mac_roman_evidence(data: bytes) -> int | None:
    """The offset of the first byte that reads as a letter in Mac Roman but not in Windows-1252, when the
    file's bytes above 0x7F read as letters in place (beside letters, in the right case) more often in Mac
    Roman than in Windows-1252; else None. A curly apostrophe (0x92 in Windows-1252, "í" in Mac Roman) counts
    for Windows-1252 in O’Neill and don’t."""
    cp_score = mac_score = 0
    first = None
    for m in re.finditer(rb"[\x80-\xff]", data):
        i = m.start()
        prev = data[i - 1] if i else 0
        nxt = data[i + 1] if i + 1 < len(data) else 0
        if prev not in _ASCII_LETTER and nxt not in _ASCII_LETTER:
            continue
        cp = bytes([data[i]]).decode("cp1252", errors="replace")
        mac = bytes([data[i]]).decode("mac_roman")
        if data[i] in (0x91, 0x92) and prev in _ASCII_LETTER and (
                0x41 <= nxt <= 0x5A or re.match(rb"(s|t|d|m|ll|re|ve)(?![a-z])", data[i + 1:i + 4])):
            cp_score += 1  # O’Neill, don’t: an apostrophe
            continue
        cp_ok = _plausible_letter(cp, prev)
        mac_ok = _plausible_letter(mac, prev)
        cp_score += cp_ok
        mac_score += mac_ok
        if mac_ok and not cp_ok and first is None:
            first = i
    return first if mac_score > cp_score else None


def _plausible_letter(c: str, prev: int) -> bool:
    """A letter, and not a capital right after a small letter ("JosŽ" is Mac Roman "José" read wrongly)."""
    return c.isalpha() and not (c.isupper() and 0x61 <= prev <= 0x7A)
