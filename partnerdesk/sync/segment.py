"""The segment file: one immutable, signed batch of one node's ops (DESIGN §5).

Layout (all integers big-endian)::

    MAGIC (8 bytes)  b"PDSEG\\x01\\r\\n"   -- the envelope, stable across content format versions
    header length (u32), header JSON (UTF-8, sorted keys)
    payload length (u64), payload (zlib or lzma of a JSON array of ops)
    SHA-256 of everything above (32 bytes)
    Ed25519 signature of that digest by the writing node (64 bytes)

The header names the content ``format`` version, ``space``, ``node``, ``seq``, ``prev`` (SHA-256 of the
node's previous segment, the hash chain), ``count``, ``compression`` and ``seen`` ({node: seq} the writer had
applied when it wrote this segment, which orders segments causally). An op is ``[hlc, tbl, row_id, field,
value_json]``; its node is the header's node and its id ``f"{hlc}-{node}"``.

With a space key (issue 14) the compressed payload is encrypted: the header says ``enc: "aes-256-gcm"`` and
the ``key_id``, and the payload is nonce + AES-GCM ciphertext with the header bytes as associated data. The
header holds only ids, sequence numbers and clock stamps, never a value; the signature covers the ciphertext,
so whose segment it is can be checked before anything is decrypted.

``verify`` never returns part of a file: it either returns the whole decoded segment or raises
``SegmentError`` with a reason a person can act on.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from partnerdesk.sync import crypto

MAGIC = b"PDSEG\x01\r\n"
FORMAT = 1  # the content format this version writes
SUPPORTED_FORMATS = frozenset({1})  # the content formats this version can apply
SIG_LEN = 64
DIGEST_LEN = 32
MIN_LEN = len(MAGIC) + 4 + 8 + DIGEST_LEN + SIG_LEN
MAX_HEADER = 1 << 20
SUFFIX = ".pds"

# Reasons, worded for the status list (the first word is the machine-readable kind).
TRUNCATED = "truncated"
DAMAGED = "damaged"
FORGED = "forged"
UNKNOWN_NODE = "unknown-node"
REPLAYED = "replayed"
NEWER = "newer-format"
LOCKED = "locked"
ENC = "aes-256-gcm"


class SegmentError(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Segment:
    header: dict[str, Any]
    ops: list[list[Any]]
    sha256: str  # hex digest of the whole file (names and chains it)
    raw_size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def node(self) -> str:
        return self.header["node"]

    @property
    def seq(self) -> int:
        return self.header["seq"]

    @property
    def format(self) -> int:
        return self.header["format"]


def file_name(seq: int, sha256_hex: str) -> str:
    return f"seg-{seq:010d}-{sha256_hex[:12]}{SUFFIX}"


def parse_name(name: str) -> tuple[int, str] | None:
    """(seq, hash12) from ``seg-0000000001-0123456789ab.pds``; None for any other file name."""
    if not (name.startswith("seg-") and name.endswith(SUFFIX)) or len(name) != 4 + 10 + 1 + 12 + len(SUFFIX):
        return None
    seq_text, hash12 = name[4:14], name[15:27]
    if not seq_text.isdigit() or any(c not in "0123456789abcdef" for c in hash12):
        return None
    return int(seq_text), hash12


def encode(header: dict[str, Any], ops: list[list[Any]], key: Ed25519PrivateKey,
           compression: str = "zlib", space_key: bytes | None = None) -> bytes:
    header = dict(header, compression=compression, count=len(ops))
    header.setdefault("format", FORMAT)
    if space_key is not None:
        header.update(enc=ENC, key_id=crypto.key_id(space_key))
    body = json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = zlib.compress(body, 6) if compression == "zlib" else lzma.compress(body)
    head = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    if space_key is not None:
        payload = crypto.encrypt(space_key, payload, head)
    blob = b"".join((MAGIC, struct.pack(">I", len(head)), head, struct.pack(">Q", len(payload)), payload))
    digest = hashlib.sha256(blob).digest()
    return blob + digest + key.sign(digest)


def verify(data: bytes, public_key: Callable[[str], Ed25519PublicKey | None],
           space_key: bytes | None = None) -> Segment:
    """Check a whole file: structure, checksum, signature of the node named in the header, payload
    (decrypted with ``space_key`` when the header says it is encrypted; ``LOCKED`` without a key that opens it).

    A newer content format is verified (envelope, hash, signature) and raised as ``NEWER`` so the caller keeps
    it for after an upgrade."""
    if len(data) < MIN_LEN or not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            raise SegmentError(TRUNCATED, f"only {len(data)} bytes")
        if not data.startswith(MAGIC[:len(data)] if len(data) < len(MAGIC) else MAGIC):
            raise SegmentError(DAMAGED, "not a partnerdesk segment (bad magic)")
        raise SegmentError(TRUNCATED, f"only {len(data)} bytes")
    pos = len(MAGIC)
    (hlen,) = struct.unpack_from(">I", data, pos)
    pos += 4
    if hlen > MAX_HEADER:
        raise SegmentError(DAMAGED, "header length out of range")
    if pos + hlen + 8 > len(data):
        raise SegmentError(TRUNCATED, "ends inside the header")
    head = data[pos:pos + hlen]
    pos += hlen
    (plen,) = struct.unpack_from(">Q", data, pos)
    pos += 8
    end = pos + plen
    if end + DIGEST_LEN + SIG_LEN > len(data):
        raise SegmentError(TRUNCATED, f"{len(data)} bytes, the header promises {end + DIGEST_LEN + SIG_LEN}")
    if end + DIGEST_LEN + SIG_LEN < len(data):
        raise SegmentError(DAMAGED, "trailing bytes after the signature")
    digest = hashlib.sha256(data[:end]).digest()
    if digest != data[end:end + DIGEST_LEN]:
        raise SegmentError(DAMAGED, "checksum mismatch (the file was changed after it was written)")
    try:
        header = json.loads(head.decode("utf-8"))
        node = header["node"]
        if not isinstance(header, dict) or not isinstance(node, str):
            raise TypeError
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise SegmentError(DAMAGED, "unreadable header") from None
    key = public_key(node)
    if key is None:
        raise SegmentError(UNKNOWN_NODE, f"node {node[:8]} is not on the space roster")
    try:
        key.verify(data[end + DIGEST_LEN:], digest)
    except InvalidSignature:
        raise SegmentError(FORGED, f"signature does not match node {node[:8]}'s key") from None
    sha = hashlib.sha256(data).hexdigest()
    fmt = header.get("format")
    if not isinstance(fmt, int) or not isinstance(header.get("seq"), int):
        raise SegmentError(DAMAGED, "header without format or seq")
    if fmt not in SUPPORTED_FORMATS:
        raise SegmentError(NEWER, f"written in segment format {fmt}; this version reads "
                                  f"{max(SUPPORTED_FORMATS)}: upgrade partnerdesk to apply it")
    payload = data[pos:end]
    if header.get("enc") is not None:
        if header.get("enc") != ENC:
            raise SegmentError(NEWER, f"encrypted with {header.get('enc')!r}: upgrade partnerdesk to read it")
        if space_key is None or header.get("key_id") != crypto.key_id(space_key):
            raise SegmentError(LOCKED, "encrypted with a space key this installation does not hold (not admitted "
                                       "yet?)")
        try:
            payload = crypto.decrypt(space_key, payload, head)
        except crypto.CryptoFailure as exc:
            raise SegmentError(DAMAGED, f"payload {exc}") from None
    try:
        comp = header.get("compression", "zlib")
        body = zlib.decompress(payload) if comp == "zlib" else lzma.decompress(payload)
        ops = json.loads(body.decode("utf-8"))
        if not isinstance(ops, list) or len(ops) != header.get("count"):
            raise ValueError("op count")
    except (zlib.error, lzma.LZMAError, ValueError, UnicodeDecodeError):
        raise SegmentError(DAMAGED, "payload cannot be decoded") from None
    return Segment(header=header, ops=ops, sha256=sha, raw_size=len(data))
