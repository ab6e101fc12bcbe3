"""Space encryption and node fingerprints (issue 14, guarantee 8), composed from library primitives only.

- Segment contents are encrypted with the space key: AES-256-GCM (``cryptography``), a random 96-bit nonce per
  segment, the segment's header as associated data.
- Each admitted member receives the space key sealed to its own key: a libsodium sealed box (PyNaCl) to the
  X25519 key that libsodium derives from the member's Ed25519 signing key. One key per installation, kept in
  the OS keyring, both signs and opens.
- A node's fingerprint is the SHA-256 of its Ed25519 public key in base32, grouped for reading over the
  phone. The join code is a short tag of the space id plus the founder's fingerprint.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.exceptions import CryptoError
from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

KEY_LEN = 32
NONCE_LEN = 12
FINGERPRINT_CHARS = 20  # 100 bits of the key's SHA-256
SPACE_TAG_CHARS = 4  # 20 bits of the space id: says "another space" rather than "another key"
_B32 = re.compile(r"^[A-Z2-7]+$")


class CryptoFailure(Exception):
    """A ciphertext does not open with the key given (wrong key, or changed bytes)."""


def new_space_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def key_id(space_key: bytes) -> str:
    """Names a space key without revealing it (the key is 256 random bits)."""
    return hashlib.sha256(b"partnerdesk space key\0" + space_key).hexdigest()[:32]


def encrypt(space_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(space_key).encrypt(nonce, plaintext, aad)


def decrypt(space_key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(space_key).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
    except (InvalidTag, ValueError):
        raise CryptoFailure("does not open with this space's key") from None


def seal(space_key: bytes, member_public_raw: bytes) -> bytes:
    """The space key sealed to the member whose Ed25519 public key is given (only it can open it)."""
    return SealedBox(VerifyKey(member_public_raw).to_curve25519_public_key()).encrypt(space_key)


def unseal(sealed: bytes, private_seed: bytes) -> bytes:
    try:
        key = SealedBox(SigningKey(private_seed).to_curve25519_private_key()).decrypt(sealed)
    except (CryptoError, ValueError):
        raise CryptoFailure("not sealed to this installation's key") from None
    if len(key) != KEY_LEN:
        raise CryptoFailure("not a space key")
    return key


def box_public_b64(public_raw: bytes) -> str:
    """The X25519 key the space key is sealed to (derived from the Ed25519 key; shown for reference)."""
    return base64.b64encode(bytes(VerifyKey(public_raw).to_curve25519_public_key())).decode("ascii")


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _groups(text: str) -> str:
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def fingerprint(public_raw: bytes) -> str:
    """``ABCD-EFGH-IJKL-MNOP-QRST``: 100 bits of SHA-256 of the Ed25519 public key."""
    return _groups(_b32(hashlib.sha256(b"partnerdesk node key\0" + public_raw).digest())[:FINGERPRINT_CHARS])


def space_tag(space_id: str) -> str:
    return _b32(hashlib.sha256(b"partnerdesk space\0" + space_id.encode("utf-8")).digest())[:SPACE_TAG_CHARS]


def join_code(space_id: str, founder_public_raw: bytes) -> str:
    """Six groups of four: the space tag, then the founder's fingerprint."""
    return _groups(space_tag(space_id) + fingerprint(founder_public_raw).replace("-", ""))


def parse_join_code(code: str) -> tuple[str, str] | None:
    """(space tag, founder fingerprint) from a code as typed (any case, spaces or dashes); None if malformed."""
    text = re.sub(r"[\s\-]", "", code or "").upper()
    if len(text) != SPACE_TAG_CHARS + FINGERPRINT_CHARS or not _B32.match(text):
        return None
    return text[:SPACE_TAG_CHARS], _groups(text[SPACE_TAG_CHARS:])
