"""A generic fuzz harness for importers and the CLI (used by tests/unit/test_fuzz_*.py).

``check_importer(importer, db_path, data, tmp_path)`` writes mutated bytes to a file and hands it to any
importer callable ``importer(path)``. The contract every importer must keep, whatever the bytes:

* it returns normally (the file happened to be acceptable), or
* it raises a ``UserError`` with a one-line message that names the file (exit code 2 on the CLI), and the
  database is byte-for-byte unchanged (every table's rows hash the same as before);
* anything else (an uncaught exception: exit code 1 on the CLI) is a bug and fails the test.

Plug another importer in with a lambda: ``check_importer(lambda p: svc.contacts_import.import_file(p), ...)``.
Mutation strategies work on bytes (flip, cut, splice, insert junk, re-encode) and on parsed JSON (replace a
value with one of another type, drop or rename keys, duplicate rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from partnerdesk.errors import UserError

# `make test` runs every property derandomized (the same examples every run: a verdict, not a dice roll);
# `make proof` sets PARTNERDESK_PROOF=1: random seeds and PROOF_FACTOR times the examples.
PROOF = os.environ.get("PARTNERDESK_PROOF") == "1"
PROOF_FACTOR = 10
FUZZ_SETTINGS = dict(deadline=None, database=None, derandomize=not PROOF, print_blob=PROOF,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large])


def examples(n: int) -> int:
    """``n`` examples in `make test`, PROOF_FACTOR times as many in `make proof`."""
    return n * PROOF_FACTOR if PROOF else n


def fuzz_settings(max_examples: int, **extra):
    return settings(max_examples=examples(max_examples), **FUZZ_SETTINGS, **extra)


# -- database fingerprint ------------------------------------------------------------------------------
def db_digest(db_path: Path) -> dict[str, str]:
    """A hash of every row of every table (a fresh read connection; sees committed data only)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name")]
        out = {}
        for t in tables:
            h = hashlib.sha256()
            for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid'):
                h.update(repr(row).encode())
            out[t] = h.hexdigest()
        return out
    finally:
        conn.close()


def reset_db(db_path: Path, pristine: Path) -> None:
    """Put the pristine copy back into the live file (SQLite backup API: open connections see it)."""
    src = sqlite3.connect(f"file:{pristine}?mode=ro", uri=True)
    dst = sqlite3.connect(db_path, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# -- the contract ------------------------------------------------------------------------------------
def check_importer(importer: Callable[[Path], Any], db_path: Path, data: bytes, tmp_path: Path,
                   name: str = "fuzzed-input", pristine: Path | None = None) -> str:
    """Feed ``data`` to ``importer`` as a file; enforce the contract above. Returns "ok" or "rejected".

    When the import succeeds and ``pristine`` is given, the database is reset to it for the next example."""
    path = tmp_path / name
    path.write_bytes(data)
    before = db_digest(db_path)
    try:
        importer(path)
    except UserError as exc:
        message = str(exc)
        assert message.strip(), "a UserError must say what is wrong"
        assert "\n" not in message.strip(), f"one line, please: {message!r}"
        after = db_digest(db_path)
        changed = [t for t in before if before[t] != after.get(t)]
        assert not changed, f"the import failed ({message}) but changed {changed}"
        return "rejected"
    # any other exception propagates: an uncaught exception is a bug
    if pristine is not None:
        reset_db(db_path, pristine)
    return "ok"


# -- mutation strategies -------------------------------------------------------------------------------
JUNK = st.sampled_from([b"\x00", b"\xff\xfe", b'"', b",", b";", b"\r\n", b"\n\n", b"{", b"}", b"[", b"]",
                        b"\xc3", b"\xe2\x80", b"BEGIN:VCARD", b"END:VCARD", b"=\r\n", b"\t", b"9" * 40, b"-1",
                        b"1e309", b"NaN", b"null", "é".encode("cp1252"), "名前".encode(), b"\\", b"'"])


@st.composite
def mutated_bytes(draw, original: bytes, max_edits: int = 4) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_edits))):
        op = draw(st.sampled_from(("flip", "cut", "truncate", "insert", "splice", "dup_line", "encode")))
        n = len(data)
        if n == 0:
            data += draw(JUNK)
            continue
        i = draw(st.integers(0, n - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i:i + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(JUNK)
        elif op == "splice":
            j = draw(st.integers(0, n - 1))
            data[i:i] = data[j:j + draw(st.integers(1, 80))]
        elif op == "dup_line":
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            end = n if end < 0 else end + 1
            data[end:end] = data[start:end]
        elif op == "encode":
            try:
                data = bytearray(bytes(data).decode("utf-8").encode(draw(st.sampled_from(("utf-16", "cp1252",
                                                                                           "utf-8-sig")))))
            except (UnicodeDecodeError, UnicodeEncodeError):
                data = bytearray(bytes(data).decode("latin-1").encode("utf-8"))
    return bytes(data)


ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                       st.text(max_size=30), st.just(""), st.just("2026-02-30"), st.just("9999-99-99T99:99:99Z"),
                       st.just("2026-03-01T12:00:00"), st.just("a\x00b"), st.just("C" * 5000), st.just(13),
                       st.just(2 ** 70),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                            max_size=2),
                       st.just({"$b64": "!!not base64!!"}), st.just({"$b64": "AAAA"}))


# Values that must be refused wherever they appear in an import file, as raw JSON text (some cannot be built
# with json.dumps: nesting deeper than its recursion limit, integers of more digits than int() converts).
HOSTILE_JSON = [
    b'{"$b64": "QUJD"}',  # binary data in a text field
    b"13", b"0", b"-1",  # a month that does not exist (fy_start_month), and their kin
    rb'"Pat\u0000Example"', rb'"tab\tand\u0007bell"',  # control characters (JSON escapes)
    b'"' + b"X" * 5000 + b'"',  # a 5,000-character code or name
    b'"2026-03-01T12:00:00"', b'"2026-03-01 12:00:00"', b'"0001-01-01T00:00:00Z"',  # no time zone; year 1
    b'"0001-01-01"', b'"2026-02-30"', b'"9999-12-31"',  # dates out of range or unreal
    str(2 ** 70).encode(), str(-(2 ** 64)).encode(), b"9" * 5000,  # integers SQLite cannot hold
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,  # nesting deeper than the parser goes
    b"1e400", b"-0.0", b"true", b'"JVBERi0xLjQ="',  # a float, a boolean, a string where bytes belong
]
_SENTINEL = "\ue000hostile\ue000"


@st.composite
def hostile_json(draw, original: Any) -> bytes:
    """The export with one or two values (anywhere: a row's field, a table, a top-level key) replaced by a
    value from HOSTILE_JSON, spliced in as raw JSON text."""
    doc = json.loads(json.dumps(original))
    snippets = []
    for _ in range(draw(st.integers(1, 2))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        _get(doc, path[:-1])[path[-1]] = _SENTINEL
        snippets.append(draw(st.sampled_from(HOSTILE_JSON)))
    text = json.dumps(doc, ensure_ascii=False).encode()
    for snippet in snippets:
        text = text.replace(json.dumps(_SENTINEL, ensure_ascii=False).encode(), snippet, 1)
    return text


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:6]):  # enough depth into row lists without exploding
            out += _paths(v, prefix + (i,))
    return out


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


@st.composite
def mutated_json(draw, original: Any, max_edits: int = 3) -> bytes:
    """Structural mutations of a JSON document, serialised (sometimes with a byte-level edit on top)."""
    doc = json.loads(json.dumps(original))
    for _ in range(draw(st.integers(1, max_edits))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        key = path[-1]
        op = draw(st.sampled_from(("replace", "replace", "delete", "rename", "duplicate")))
        if op == "replace":
            parent[key] = draw(ODD_VALUES)
        elif op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(("", "id", "tables", "version", "x-unknown", str(key).upper())))] = \
                parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[key])))
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode()
    if draw(st.integers(0, 4)) == 0:
        data = draw(mutated_bytes(data, max_edits=1))
    return data
