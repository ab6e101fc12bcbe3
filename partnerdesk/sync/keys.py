"""Signing keys: each node's Ed25519 private key lives in the OS keyring (never in a file or the database).

When the only keyring available stores secrets in plain text, or there is none, we refuse with a message
that says what to install, rather than silently writing the key somewhere readable.
"""

from __future__ import annotations

import base64

import keyring
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from partnerdesk.errors import UserError

SERVICE = "partnerdesk-sync"
INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
INSECURE_NAMES = ("plaintext", "uncrypted", "unencrypted", "null", "fail")


class KeyringUnavailable(UserError):
    """No secure keyring: sync cannot keep a signing key."""


def _leaves(backend) -> list:
    inner = getattr(backend, "backends", None)
    if inner is None:
        return [backend]
    out = []
    for b in inner:
        out.extend(_leaves(b))
    return out


def backend_problem(backend=None) -> str | None:
    """Why the current keyring backend is not fit for a private key, or None when it is."""
    backend = backend or keyring.get_keyring()
    leaves = _leaves(backend)
    if not leaves:
        return "no keyring backend is available"
    for b in leaves:
        mod = type(b).__module__
        name = type(b).__name__.lower()
        if mod.startswith(INSECURE_MODULES) or any(w in name for w in INSECURE_NAMES):
            return f"the only keyring available ({type(b).__module__}.{type(b).__name__}) is not secure"
        prio = getattr(b, "priority", 1)
        try:
            prio = float(prio)
        except (TypeError, ValueError):
            prio = 1
        if prio < 1:
            return f"the keyring {type(b).__name__} stores secrets without encryption"
    return None


def _require_secure() -> None:
    problem = backend_problem()
    if problem:
        raise KeyringUnavailable(
            f"sync needs a secure keyring for its signing key, but {problem}. Install and unlock the "
            "system keyring (Windows Credential Manager, macOS Keychain, or GNOME Keyring / KWallet on Linux) "
            "and try again; the key is never stored in plain text")


def _account(node_id: str) -> str:
    return f"node-{node_id}"


def public_bytes(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(public_bytes(key.public_key())).decode("ascii")


def load_public(b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64))


def create(node_id: str) -> Ed25519PrivateKey:
    """A new key for this node, stored in the keyring (an existing key for the node is reused)."""
    existing = load(node_id, required=False)
    if existing is not None:
        return existing
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    try:
        keyring.set_password(SERVICE, _account(node_id), base64.b64encode(raw).decode("ascii"))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"cannot store the sync signing key in the keyring: {exc}") from exc
    if load(node_id, required=False) is None:
        raise KeyringUnavailable("the keyring accepted the sync signing key but does not give it back")
    return key


def load(node_id: str, required: bool = True) -> Ed25519PrivateKey | None:
    _require_secure()
    try:
        text = keyring.get_password(SERVICE, _account(node_id))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"cannot read the sync signing key from the keyring: {exc}") from exc
    if not text:
        if required:
            raise KeyringUnavailable("this installation's sync signing key is not in the keyring (was the "
                                     "profile copied from another PC?); run 'partnerdesk sync join FOLDER "
                                     "--new-identity'")
        return None
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def private_seed(key: Ed25519PrivateKey) -> bytes:
    """The 32-byte seed (the space key is sealed to the X25519 key libsodium derives from it)."""
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
