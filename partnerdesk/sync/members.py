"""Sync membership (issue 14): which installations are admitted to the space, for which agency.

Membership is the synced table ``sync_member`` (one row per admitted node, ``id`` = node id). Its rows
arrive only in segments whose signer the importing node already counts as a member, and the founder, pinned
by the join code, is the root; ``space.json`` and ``node.json`` on the share are hints, never trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerdesk.db.models import SyncMember
from partnerdesk.sync import crypto
from partnerdesk.sync.store import RefusedFile

ADMITTED = "admitted"
REVOKED = "revoked"


def agency_of(session: Session, node_id: str) -> str | None:
    """The agency id ``node_id`` is admitted for; None when it is not admitted (or was revoked). A member
    admitted for no agency (a space founded before its database had any) gives "": admitted, owning nothing."""
    row = session.execute(select(SyncMember.agency_id, SyncMember.status, SyncMember.deleted_at)
                          .where(SyncMember.id == node_id)).first()
    if row is None or row.status != ADMITTED or row.deleted_at is not None:
        return None
    return row.agency_id or ""


def roster(session: Session) -> dict[str, SyncMember]:
    """Every membership record (admitted and revoked), by node id."""
    return {m.id: m for m in session.scalars(select(SyncMember))}


# -- join requests and key envelopes on the share (hints: each is checked before use) --------------------------
KEYS_DIR = "keys"  # <share>/partnerdesk-space/keys/<member>-from-<admitter>.key: the space key sealed to <member>


def sign_request(key, request: dict[str, Any]) -> str:
    """The node's own signature over its join request: proves the request was made by the key it names."""
    return base64.b64encode(key.sign(_canonical(request))).decode("ascii")


def check_request(entry: dict[str, Any] | None, node: str, space_id: str | None) -> dict[str, Any] | None:
    """The join request in a ``node.json`` entry when it is signed by the key it names, for ``node`` and this
    space; else None. (Anyone can write such a request: admitting it is a person's decision.)"""
    if not isinstance(entry, dict):
        return None
    req, sig = entry.get("request"), entry.get("request_sig")
    if not isinstance(req, dict) or not isinstance(sig, str) or req.get("node") != node:
        return None
    if space_id is not None and req.get("space") != space_id:
        return None
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(req["public_key"], validate=True))
        pub.verify(base64.b64decode(sig, validate=True), _canonical(req))
    except (KeyError, TypeError, ValueError, binascii.Error, InvalidSignature):
        return None
    return req


def fingerprint_b64(public_b64: str) -> str:
    try:
        return crypto.fingerprint(base64.b64decode(public_b64, validate=True))
    except (TypeError, ValueError, binascii.Error):
        return "?"


def publish_envelope(share, space_id: str, member: str, member_public_b64: str, admitter: str,
                     space_key: bytes) -> None:
    """Seal the space key to ``member``'s key and put it on the share (folder or server) for it to find."""
    sealed = crypto.seal(space_key, base64.b64decode(member_public_b64))
    data = json.dumps({"space": space_id, "to": member, "from": admitter, "key_id": crypto.key_id(space_key),
                       "sealed": base64.b64encode(sealed).decode("ascii")}, sort_keys=True).encode("utf-8")
    try:
        share.publish_file(f"{KEYS_DIR}/{member}-from-{admitter}.key", data)
    except FileExistsError:
        pass  # published before (or a stray file under that name: another member's envelope serves too)


def find_space_key(share, me: str, seed: bytes, key_id: str) -> tuple[bytes, str] | None:
    """(space key, its sealed form) from an envelope on the share addressed to ``me`` that opens with our key
    and holds the space key the founder committed to (``key_id``); anyone can seal a key to us, so a key that
    is not the space's own is ignored."""
    names = [n for n in share.list_files(f"{KEYS_DIR}/{me}-from-") if n.endswith(".key")]
    for name in names:
        try:
            env = json.loads(share.read_file(name, 4096).decode("utf-8"))
            sealed = base64.b64decode(env["sealed"], validate=True)
            space_key = crypto.unseal(sealed, seed)
        except (OSError, RefusedFile, ValueError, KeyError, TypeError, binascii.Error, crypto.CryptoFailure):
            continue
        if crypto.key_id(space_key) == key_id:
            return space_key, base64.b64encode(sealed).decode("ascii")
    return None


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def node_label(display_name: str | None, agency_name: str | None, machine: str | None) -> str:
    """How people see an installation: "<display name> — <agency name> (<machine>)"."""
    who = display_name or "someone"
    where = f" — {agency_name}" if agency_name else ""
    return f"{who}{where} ({machine or 'unknown PC'})"


class Gate:
    """Who may write, as this installation knows it now: the founder (pinned by the join code) and the nodes
    the membership records admit; a revoked node's segments after its cut-off are not applied."""

    def __init__(self, me: str, founder: str | None, founder_key: str | None, rows: list[dict[str, Any]],
                 requests: dict[str, dict[str, Any] | None], agency_names: dict[str, str]):
        self.me, self.founder, self.requests = me, founder, requests
        self.rows = {r["id"]: r for r in rows}
        self._keys: dict[str, Ed25519PublicKey] = {}
        for r in rows:
            if r["status"] in (ADMITTED, REVOKED) and r["public_key"]:
                try:
                    self._keys[r["id"]] = Ed25519PublicKey.from_public_bytes(base64.b64decode(r["public_key"]))
                except (ValueError, binascii.Error):
                    pass
        if founder and founder_key:
            self._keys[founder] = Ed25519PublicKey.from_public_bytes(base64.b64decode(founder_key))
        self.names: dict[str, str] = {}
        for n, req in requests.items():
            if req is not None:
                self.names[n] = node_label(req.get("display_name"), req.get("agency_name") or req.get("agency_code"),
                                           req.get("machine"))
        for r in rows:
            self.names[r["id"]] = node_label(r["display_name"], agency_names.get(r["agency_id"] or ""), r["machine"])

    def key(self, node: str) -> Ed25519PublicKey | None:
        return self._keys.get(node)

    def is_member(self, node: str) -> bool:
        return node == self.founder or (node in self.rows and self.rows[node]["status"] == ADMITTED)

    def may_apply(self, node: str, seq: int) -> bool:
        if node == self.founder:
            return True
        r = self.rows.get(node)
        if r is None or node not in self._keys:
            return False
        if r["status"] == ADMITTED:
            return True
        return r["status"] == REVOKED and seq <= (r["revoked_after"] or 0)

    def revoked(self, node: str) -> bool:
        return node != self.founder and node in self.rows and self.rows[node]["status"] == REVOKED

    def awaiting(self, listing: dict[str, list[str]], have_space_key: bool) -> list[dict[str, Any]]:
        """Installations on the share nobody admitted (their segments held, never applied), and this one while
        it waits for its own admission."""
        out = []
        waiting_myself = not (self.is_member(self.me) and have_space_key)
        for n in sorted(set(listing) | set(self.requests)):
            if waiting_myself and n != self.me:
                continue  # it reads nothing yet, so it cannot tell members from strangers
            if n == self.me:
                if self.is_member(n) and have_space_key:
                    continue
            elif n in self.rows or n == self.founder:
                continue
            req = self.requests.get(n)
            segs = sum(1 for nm in listing.get(n, ()) if nm.startswith("seg-"))
            if n != self.me and req is None and not segs:
                continue
            out.append({"node": n, "name": self.names.get(n, f"unknown installation {n[:8]}"),
                        "display_name": (req or {}).get("display_name"), "agency": (req or {}).get("agency_code"),
                        "machine": (req or {}).get("machine"),
                        "fingerprint": fingerprint_b64(req["public_key"]) if req else None,
                        "segments": segs, "is_self": n == self.me,
                        "reason": ("this installation waits for a member to admit it ('partnerdesk sync admit')"
                                   if n == self.me else "not admitted: its changes are held, never applied"
                                   if req else "no valid join request: its files are never applied")})
        return out
