"""Moving a folder space to a PostgreSQL server (``sync move-to``), and members following it there.

The move copies the space byte for byte: its record, every roster hint, every key envelope and every
segment under its own name. Segments are immutable and signed, so a copy is exactly as trustworthy as the
original, and the server's unique key means a second run (after an interruption) adds only what is missing:
nothing is lost and nothing is duplicated. Then the mover leaves a pointer in the folder, ``moved.json``,
signed with its own key. Another member that reads the pointer follows only when the signature is that of
an admitted member and the space is its own; an unsigned or foreign pointer is ignored (anyone can write to
the folder).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from partnerdesk.db.models import SyncMember
from partnerdesk.db.types import iso_utc
from partnerdesk.errors import UserError
from partnerdesk.sync import keys
from partnerdesk.sync import members as mem
from partnerdesk.sync.store import PublishError, RefusedFile, ShareUnavailable
from partnerdesk.sync.transport import is_server, open_share

log = logging.getLogger(__name__)

POINTER = "moved.json"


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")


def copy_space(src, dst, progress: Callable[[int, int, str], None]) -> dict[str, int]:
    """Copy everything of ``src``'s space to ``dst``; returns counts (copied, already there, unreadable)."""
    space = src.read_space()
    if dst.has_space():
        there = dst.read_space()
        if there.get("space_id") != space["space_id"]:
            raise UserError(f"{dst.url} already holds another partnerdesk space; choose an empty database")
    else:
        dst.create_space(space["space_id"], space["founder"], space.get("created") or "")
    counts = {"segments": 0, "already": 0, "unreadable": 0, "files": 0}
    nodes = src.node_ids()
    for i, node in enumerate(nodes):
        progress(i, len(nodes), f"node {node[:8]}")
        entry = src.node_entry(node)
        if entry is not None:
            try:
                dst.register_node(node, {k: v for k, v in entry.items() if k != "node"})
            except PublishError as exc:
                log.warning("sync move: roster entry of %s not copied: %s", node[:8], exc)
        for name in src.segment_names(node):
            try:
                data = src.read_segment(node, name)
            except (FileNotFoundError, RefusedFile):
                counts["unreadable"] += 1  # its writer republishes it under a new name on its next cycle
                continue
            try:
                dst.publish_segment(node, name, data)
                counts["segments"] += 1
            except FileExistsError:
                counts["already"] += 1
            except PublishError:
                counts["unreadable"] += 1  # not a segment name: junk in the folder
    for rel in src.list_files(f"{mem.KEYS_DIR}/"):
        try:
            dst.publish_file(rel, src.read_file(rel, 4096))
            counts["files"] += 1
        except FileExistsError:
            pass
        except (OSError, RefusedFile):
            counts["unreadable"] += 1
    progress(len(nodes), len(nodes), "copied")
    return counts


def write_pointer(svc, folder_share, url: str, space_id: str) -> None:
    key = keys.load(svc.node_id)
    body = {"space": space_id, "to": url, "by": svc.node_id, "at": iso_utc(svc.db.clock.utcnow())}
    data = json.dumps({"pointer": body, "sig": base64.b64encode(key.sign(_canonical(body))).decode("ascii")},
                      indent=1, sort_keys=True).encode("utf-8")
    try:
        folder_share.publish_file(POINTER, data)
    except FileExistsError:
        log.warning("sync move: %s already holds a pointer; it was left as it is", folder_share.folder)


def read_pointer(svc, folder_share, space_id: str) -> str | None:
    """The server address a valid pointer in the folder names: signed by an admitted member, for our space."""
    try:
        doc = json.loads(folder_share.read_file(POINTER, 4096).decode("utf-8"))
        body, sig = doc["pointer"], base64.b64decode(doc["sig"], validate=True)
    except (OSError, RefusedFile, ValueError, KeyError, TypeError, binascii.Error):
        return None
    if not isinstance(body, dict) or body.get("space") != space_id or not is_server(body.get("to")):
        return None
    with svc.db.read() as s:
        member = s.scalar(select(SyncMember).where(SyncMember.id == str(body.get("by"))))
        if member is None or member.status != mem.ADMITTED or not member.public_key:
            return None
        public = member.public_key
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(sig, _canonical(body))
    except (ValueError, binascii.Error, InvalidSignature):
        return None
    return str(body["to"])


def move_to(svc, url: str, progress: Callable[[int, int, str], None]) -> dict[str, int]:
    """Move this installation's folder space to the server at ``url``; members follow on their next cycle."""
    meta = svc._meta()
    if not meta.get("sync.space"):
        raise UserError("sync is not set up: there is no space to move")
    if not is_server(url):
        raise UserError(f"{url}: move-to needs a postgresql://USER@HOST:PORT/DB address")
    if is_server(meta.get("sync.folder")):
        raise UserError(f"the space is already on a server ({meta.get('sync.folder')})")
    src = open_share(meta["sync.folder"])
    dst = open_share(url)
    try:
        if src.read_space()["space_id"] != meta["sync.space"]:
            raise UserError(f"{src.folder} holds another space than this installation's; nothing was moved")
        counts = copy_space(src, dst, progress)
    except ShareUnavailable as exc:
        raise UserError(f"cannot move the space: {exc}") from None
    write_pointer(svc, src, dst.url, meta["sync.space"])
    with svc.db.write(action="sync_move", summary=f"moved the sync space to {dst.url}", capture_ops=False) as s:
        svc._set_meta(s, folder=dst.url)
    return counts
