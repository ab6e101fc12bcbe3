"""Issue 17: a contacts file's encoding is decided for the whole file, and never guessed into mojibake.

The sample files re-encoded seven ways (UTF-8, UTF-8 with a BOM, UTF-16 with a BOM, UTF-16 LE and BE without
one, Windows-1252, Mac Roman) and mixed (one Windows-1252 byte in a UTF-8 file): each either imports with
the same names as the original or is refused with one line naming the line and byte. After every import no
stored name holds "Ã" followed by a Latin-1 letter (UTF-8 read as Windows-1252)."""

from __future__ import annotations

import re

import pytest

from partnerdesk.errors import ImportFormatError

FILES = ("contacts-outlook-ansi.csv", "contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "mac_roman", "mixture")
MOJIBAKE = re.compile(r"Ã[\u00a0-\u00ff]|Â[\u00a0-\u00bf]")


def _text(samples, name: str) -> str:
    raw = (samples / name).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # the Outlook "ANSI" sample


def _encoded(text: str, encoding: str) -> bytes | None:
    if encoding == "mixture":  # a UTF-8 file with one stray Windows-1252 byte on line 17
        if not any(ord(c) > 127 for c in text):
            return None
        lines = text.encode("utf-8").split(b"\n")
        lines[16] += "é".encode("cp1252")
        return b"\n".join(lines)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None  # (the iPhone file has a Vietnamese name neither Windows-1252 nor Mac Roman can hold)


def _names(ctx) -> set[str]:
    return {c.name for c in ctx.services.contacts.list()} | {a.name for a in ctx.services.agencies.list()}


@pytest.mark.parametrize("name", FILES)
def test_every_encoding_imports_the_same_names_or_is_refused_with_the_line(ctx, samples, tmp_path, name):
    text = _text(samples, name)
    expected = None
    outcomes = {}
    for encoding in ENCODINGS:
        data = _encoded(text, encoding)
        if data is None:
            continue
        f = tmp_path / f"{encoding}-{name}"
        f.write_bytes(data)
        try:
            result = ctx.services.directory.import_file(f, dry_run=True)
        except ImportFormatError as exc:
            outcomes[encoding] = str(exc)
            assert "\n" not in str(exc)
            continue
        names = sorted(a.name for a in result.actions)
        assert not [n for n in names if MOJIBAKE.search(n)], (encoding, names)
        if expected is None:
            expected = names
        assert names == expected, f"{encoding} read the names differently"
        outcomes[encoding] = "ok"
    ctx.services.directory.import_file(tmp_path / f"utf-8-{name}")
    assert not [n for n in _names(ctx) if MOJIBAKE.search(n)]
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"):
        assert outcomes[encoding] == "ok", (encoding, outcomes[encoding])
    if "mixture" in outcomes:
        assert "line 17 is not UTF-8 (byte 0xE9): save the file as UTF-8 or Windows-1252" in outcomes["mixture"]
    accented = any(127 < ord(c) < 256 for c in text)
    if "cp1252" in outcomes:
        assert outcomes["cp1252"] == "ok"
    if "mac_roman" in outcomes and accented:
        assert "Mac Roman" in outcomes["mac_roman"], outcomes["mac_roman"]


def test_a_bom_with_a_stray_byte_names_the_line_not_a_strange_column(ctx, samples, tmp_path):
    lines = ("\ufeff" + _text(samples, "contacts-outlook-ansi.csv")).encode("utf-8").split(b"\n")
    lines[3] += b"\xe9"
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\n".join(lines))
    with pytest.raises(ImportFormatError, match=r"bom\.csv: line 4 is not UTF-8 \(byte 0xE9\)"):
        ctx.services.directory.import_file(f)
    assert ctx.services.contacts.count() == 0


def test_excel_unicode_text_is_read_as_utf16(ctx, samples, tmp_path):
    f = tmp_path / "unicode.csv"
    f.write_bytes(_text(samples, "contacts-google.csv").encode("utf-16"))
    result = ctx.services.directory.import_file(f)
    assert result.created == 20
    assert "Zoë Castillo" in _names(ctx) or any("ë" in n for n in _names(ctx))


def test_a_mac_roman_file_is_refused_instead_of_creating_a_duplicate(ctx, tmp_path):
    f = tmp_path / "mac.csv"
    f.write_bytes("Name,Organization Name\nMaría García,City of X\n".encode("mac_roman"))
    with pytest.raises(ImportFormatError, match=r"line 2 looks like Mac \(Mac Roman\) text"):
        ctx.services.directory.import_file(f)
    assert ctx.services.contacts.count() == 0


def test_windows_1252_with_curly_apostrophes_stays_windows_1252(ctx, tmp_path):
    f = tmp_path / "ansi.csv"
    f.write_bytes("Name,Organization Name,Notes\nLiam O’Neill,City of X,don’t call before 7\n"
                  "José Ruiz,City of X,\n".encode("cp1252"))
    ctx.services.directory.import_file(f)
    assert {"Liam O’Neill", "José Ruiz"} <= _names(ctx)
