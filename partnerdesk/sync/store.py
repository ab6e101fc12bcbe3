"""The shared folder (DESIGN §5). Nothing here ever replaces or deletes a file another node may read:

    <share>/partnerdesk-space/space.json                    space id, format, founder
    <share>/partnerdesk-space/nodes/<node>/node.json        the node's public key (its roster entry)
    <share>/partnerdesk-space/nodes/<node>/seg-<seq:010d>-<hash12>.pds   immutable segments of <node>

Roster entries are one file per node rather than a list inside space.json, so that joining never rewrites
a file that others are reading. Publishing writes a temp file, fsyncs it, links it under its new final name
(which fails if the name exists), then reads it back and compares.

Anyone who can write to the share can put anything there. Every read goes through ``read_regular``: opened
without following a symlink and without blocking on a FIFO, refused unless it is a regular file, and never
read past a size limit, so a FIFO, a device, a symlink to /dev/zero or a huge file cannot hang or flood a
cycle; the caller quarantines or skips what is refused.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SPACE_DIR = "partnerdesk-space"
SPACE_FILE = "space.json"
SPACE_FORMAT = "partnerdesk-space"
SPACE_VERSION = 1
TMP_PREFIX = ".tmp-"
MAX_SEGMENT_BYTES = 64 << 20  # far above the largest segment a node writes (50,000 ops, compressed)
MAX_JSON_BYTES = 1 << 20  # space.json, node.json
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class ShareUnavailable(Exception):
    """The share is absent, empty, unreadable or a different space. Never a reason to delete anything."""


class PublishError(Exception):
    """A file could not be published intact (the name is taken, or the read-back differs)."""


class RefusedFile(Exception):
    """A file on the share that is not read: not a regular file, or larger than its limit."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISLNK, "a symlink"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path, limit: int) -> bytes:
    """The whole of a regular file of at most ``limit`` bytes. Raises FileNotFoundError, RefusedFile (a folder,
    FIFO, symlink, device or a larger file) or OSError; never blocks on a FIFO, never follows a symlink and
    never reads more than ``limit`` + 1 bytes."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            raise exc from None
        if not stat.S_ISREG(mode):
            raise RefusedFile(f"not a segment: {_kind(mode)}") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RefusedFile(f"not a segment: {_kind(st.st_mode)}")
        if st.st_size > limit:
            raise RefusedFile(f"too large: {st.st_size:,} bytes, more than the {limit:,} allowed")
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:  # grew while we read it
            raise RefusedFile(f"too large: more than the {limit:,} bytes allowed")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish_new(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``directory/name``; never replaces an existing file. Raises FileExistsError if the
    name is taken, PublishError if the file on the share does not read back identical."""
    final = directory / name
    tmp = directory / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        try:
            os.link(tmp, final)  # atomic, and fails when the name exists: never a replace
        except FileExistsError:
            raise
        except OSError:
            # File systems without hard links: exclusive create of the final name. A reader that sees it
            # half-written quarantines it and retries later.
            fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    _fsync_dir(directory)
    try:
        back = read_regular(final, len(data))
    except RefusedFile:
        back = b""
    if back != data:
        raise PublishError(f"{final} does not read back as written")
    return final


class Share:
    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.root = self.folder / SPACE_DIR

    @property
    def nodes_dir(self) -> Path:
        return self.root / "nodes"

    def node_dir(self, node: str) -> Path:
        return self.nodes_dir / node

    # -- space -----------------------------------------------------------------------------------
    def create_space(self, space_id: str, founder: str, created: str) -> dict[str, Any]:
        if not self.folder.is_dir():
            raise ShareUnavailable(f"{self.folder} is not a folder that can be reached")
        if (self.root / SPACE_FILE).exists():
            raise FileExistsError(str(self.root / SPACE_FILE))
        self.nodes_dir.mkdir(parents=True, exist_ok=True)
        space = {"format": SPACE_FORMAT, "version": SPACE_VERSION, "space_id": space_id, "founder": founder,
                 "created": created}
        publish_new(self.root, SPACE_FILE, json.dumps(space, indent=1, sort_keys=True).encode("utf-8"))
        return space

    def read_space(self) -> dict[str, Any]:
        path = self.root / SPACE_FILE
        try:
            data = json.loads(read_regular(path, MAX_JSON_BYTES).decode("utf-8"))
        except RefusedFile as exc:
            raise ShareUnavailable(f"{path} is {str(exc).split(': ', 1)[-1]}, not a partnerdesk space") from None
        except FileNotFoundError:
            raise ShareUnavailable(f"no partnerdesk space in {self.folder} (the share is absent, empty or "
                                   "was replaced)") from None
        except OSError as exc:
            raise ShareUnavailable(f"{self.folder} cannot be read ({exc.strerror or exc})") from None
        except (UnicodeDecodeError, ValueError):
            raise ShareUnavailable(f"{path} is unreadable (still being copied?)") from None
        if not isinstance(data, dict) or data.get("format") != SPACE_FORMAT or "space_id" not in data:
            raise ShareUnavailable(f"{path} is not a partnerdesk space")
        return data

    # -- roster ----------------------------------------------------------------------------------
    def register_node(self, node: str, entry: dict[str, Any]) -> None:
        d = self.node_dir(node)
        d.mkdir(parents=True, exist_ok=True)
        data = json.dumps(dict(entry, node=node), indent=1, sort_keys=True).encode("utf-8")
        try:
            publish_new(d, "node.json", data)
        except FileExistsError:
            current = self.node_entry(node)
            if current is None or current.get("public_key") != entry.get("public_key"):
                raise PublishError(f"node {node[:8]} is already on the roster with another key") from None

    def rename_node(self, node: str, name: str) -> None:
        """Put ``name`` into our own roster entry (a hint for people, never trusted), keeping everything else."""
        entry = self.node_entry(node)
        if entry is None or entry.get("name") == name:
            return
        d = self.node_dir(node)
        data = json.dumps(dict(entry, name=name), indent=1, sort_keys=True).encode("utf-8")
        tmp = d / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        try:
            tmp.write_bytes(data)
            os.replace(tmp, d / "node.json")
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            log.warning("sync: cannot rename node %s on the share: %s", node[:8], exc)

    def node_entry(self, node: str) -> dict[str, Any] | None:
        try:
            data = json.loads(read_regular(self.node_dir(node) / "node.json", MAX_JSON_BYTES).decode("utf-8"))
        except (OSError, RefusedFile, UnicodeDecodeError, ValueError):
            return None  # missing, unreadable or not a file: not on the roster
        return data if isinstance(data, dict) and data.get("node") == node else None

    def node_ids(self) -> list[str]:
        try:
            return sorted(e.name for e in os.scandir(self.nodes_dir)
                          if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
        except FileNotFoundError:
            raise ShareUnavailable(f"{self.nodes_dir} is missing (the share was emptied or replaced)") from None
        except OSError as exc:
            raise ShareUnavailable(f"{self.nodes_dir} cannot be read ({exc.strerror or exc})") from None

    def has_space(self) -> bool:
        return (self.root / SPACE_FILE).exists()

    # -- other write-once files (key envelopes) -----------------------------------------------------
    def _file(self, rel: str) -> Path:
        parts = rel.split("/")
        if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a file name inside the space: {rel!r}")
        return self.root.joinpath(*parts)

    def publish_file(self, rel: str, data: bytes) -> None:
        """Write a new file under the space (``keys/…``); FileExistsError when the name is taken."""
        path = self._file(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        publish_new(path.parent, path.name, data)

    def read_file(self, rel: str, limit: int = MAX_JSON_BYTES) -> bytes:
        """A file under the space; FileNotFoundError, RefusedFile (not a regular file, too large) or OSError."""
        return read_regular(self._file(rel), limit)

    def list_files(self, prefix: str) -> list[str]:
        """The regular files under the space whose path starts with ``prefix`` (a folder, then a name start)."""
        folder, _, start = prefix.rpartition("/")
        try:
            entries = list(os.scandir(self._file(folder) if folder else self.root))
        except OSError:
            return []
        return sorted(f"{folder}/{e.name}" if folder else e.name for e in entries
                      if e.name.startswith(start) and e.is_file(follow_symlinks=False))

    # -- segments --------------------------------------------------------------------------------
    def segment_names(self, node: str) -> list[str]:
        """Every name in the node's folder that starts like a segment: the caller parses, reads and refuses."""
        if os.path.islink(self.node_dir(node)):
            return []
        try:
            return sorted(e.name for e in os.scandir(self.node_dir(node)) if e.name.startswith("seg-"))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ShareUnavailable(f"{self.node_dir(node)} cannot be read ({exc.strerror or exc})") from None

    def read_segment(self, node: str, name: str) -> bytes:
        """The file's bytes. Raises FileNotFoundError, RefusedFile (not a regular file, too large) or
        ShareUnavailable."""
        try:
            return read_regular(self.node_dir(node) / name, MAX_SEGMENT_BYTES)
        except (FileNotFoundError, RefusedFile):
            raise
        except OSError as exc:
            raise ShareUnavailable(f"{self.node_dir(node) / name} cannot be read ({exc.strerror or exc})") from None

    def segment_mark(self, node: str, name: str) -> tuple[int, int] | None:
        """What changes when a segment file is replaced or damaged in place (size, mtime); None if absent."""
        try:
            st = os.lstat(self.node_dir(node) / name)
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def publish_segment(self, node: str, name: str, data: bytes) -> Path:
        d = self.node_dir(node)
        d.mkdir(parents=True, exist_ok=True)
        return publish_new(d, name, data)

    def clean_temp(self, node: str, older_than_s: float = 600) -> None:
        """Remove this node's own abandoned temp files (a writer killed mid-write leaves them)."""
        now = time.time()  # not a date: compared with the files' modification times, which are real time
        try:
            for e in os.scandir(self.node_dir(node)):
                if e.name.startswith(TMP_PREFIX) and now - e.stat().st_mtime > older_than_s:
                    try:
                        os.unlink(e.path)
                    except OSError:
                        pass
        except OSError:
            pass
