"""Self-healing of this installation's own stream on the share (issue 14, guarantee 6).

Segments are immutable: what is missing, damaged or rolled back on the share is never rewritten in place.

* ``recover_own``: segments on the share signed by this node that this database does not know are ours from
  before a crash or a restored backup: their ops are taken back (nothing is published twice, no "fork"). Only
  a segment written by another installation under our identity (another ``writer`` tag: a copied profile, two
  live writers) is a fork.
* ``republish``: while we hold our ops, every published segment of ours that is gone from the share or no
  longer reads back as written is published again as a *copy* under a new number and name. Its header says
  what it replaces (``replaces``: [[seq, name, sha256], ...], the first being the segment whose ops it
  carries); readers apply the ops under the original name (so causality is judged the same everywhere) and
  count every replaced number as present.
* ``next_seq``: a new segment never reuses a number that is on the share, or that any member has seen from us
  (a share restored from an older backup, a local backup restored as well); ``prev_seq`` in its header tells
  readers which numbers were skipped on purpose.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from partnerdesk.db.models import Meta, SyncOp, SyncSegment
from partnerdesk.db.types import session_now
from partnerdesk.domain.wording import plural
from partnerdesk.sync import keys, segment as segmod
from partnerdesk.sync.merge import LOCAL_ONLY
from partnerdesk.sync.store import PublishError, RefusedFile, Share, ShareUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from partnerdesk.sync.service import SyncService

log = logging.getLogger(__name__)

COPY_OF = "copy of "
REPUBLISHED_AS = "republished as "


def source_of(reason: str | None) -> str | None:
    """The segment a copy stands for, from its row's reason ("copy of X", or "republished as Y; copy of X")."""
    reason = reason or ""
    if reason.startswith(COPY_OF):
        return reason[len(COPY_OF):]
    _, sep, source = reason.partition(f"; {COPY_OF}")
    return source if sep else None


def writer_tag(svc: SyncService) -> str:
    """Which installation wrote a segment: the machine and the database file. A restored backup keeps it; a
    profile copied to another PC (or folder) does not."""
    try:
        host = socket.gethostname()
    except OSError:
        host = ""
    return hashlib.sha256(f"{host}|{svc.db.path.resolve()}".encode("utf-8")).hexdigest()[:16]


def _own_rows(svc: SyncService) -> dict[str, Any]:
    with svc.db.read() as s:
        return {r.name: r for r in s.execute(select(
            SyncSegment.name, SyncSegment.seq, SyncSegment.sha256, SyncSegment.status, SyncSegment.reason,
            SyncSegment.seen).where(SyncSegment.node == svc.node_id))}


def _read_own(share: Share, svc: SyncService, name: str, pub, space_key) -> segmod.Segment | None:
    me = svc.node_id
    try:
        seg = segmod.verify(share.read_segment(me, name), lambda n: pub if n == me else None, space_key)
    except (FileNotFoundError, RefusedFile, segmod.SegmentError):
        return None
    parsed = segmod.parse_name(name)
    h = seg.header
    if (parsed is None or h.get("node") != me or h.get("seq") != parsed[0] or not seg.sha256.startswith(parsed[1])
            or h.get("space") != svc._space_id()):
        return None
    return seg


def recover_own(svc: SyncService, share: Share, names: list[str], problems: list[str]) -> str | None:
    """Take back our own ops from segments of ours this database does not know. Returns a fork message when
    another installation writes under our identity, else None."""
    rows = _own_rows(svc)
    unknown = sorted((p[0], nm) for nm in names if (p := segmod.parse_name(nm)) and nm not in rows)
    if not unknown:
        return None
    pub = keys.load(svc.node_id).public_key()
    space_key = svc._space_key(share)
    tag = writer_tag(svc)
    recovered = 0
    for _seq, name in unknown:
        seg = _read_own(share, svc, name, pub, space_key)
        if seg is None:
            continue  # not ours (a stray or damaged file): readers quarantine it, it is no fork
        if seg.header.get("writer") not in (None, tag):
            return (f"fork: another installation is writing as this node ({svc.node_id[:8]}), probably a copied "
                    "profile. Nothing more is published from here. On the copy, run 'partnerdesk sync join FOLDER "
                    "--new-identity'")
        recovered += _recover(svc, share, name, seg)
    if recovered:
        problems.append(f"recovered {recovered} of this installation's own changes from the share (a backup was "
                        "restored, or a cycle was interrupted)")
    return None


def _replaced(seg: segmod.Segment) -> list[tuple[int, str, str]]:
    out = []
    for item in seg.header.get("replaces") or []:
        try:
            seq, name, sha = int(item[0]), str(item[1]), str(item[2])
        except (TypeError, ValueError, IndexError):
            continue
        if segmod.parse_name(name):
            out.append((seq, name, sha))
    return out


def position(seg: segmod.Segment) -> int:
    """The number of the writer's segment that comes before this one in its stream (0: none). For a copy,
    the one before the segment it stands for: the copy is applied in that segment's place."""
    h = seg.header
    items = h.get("replaces") or []
    try:
        if items:
            return int(items[0][3]) if len(items[0]) > 3 else int(items[0][0]) - 1
        return int(h.get("prev_seq", seg.seq - 1))
    except (TypeError, ValueError, IndexError):
        return seg.seq - 1


def record_copy(svc: SyncService, node: str, name: str, seg: segmod.Segment,
                replaced: list[tuple[int, str, str]]) -> None:
    """Book a copy applied (or found already applied) here: the segments it replaces count as applied."""
    with svc.db.write(audit=False, capture_ops=False) as s:
        for i, (q, nm, sha) in enumerate(replaced):
            row = s.scalar(select(SyncSegment).where(SyncSegment.node == node, SyncSegment.name == nm))
            if row is None:
                row = SyncSegment(node=node, name=nm, seq=q, op_count=0, attempts=0)
                s.add(row)
            row.seq, row.sha256, row.status, row.reason = q, sha, "applied", f"{REPUBLISHED_AS}{name}"
            if i == 0 and row.applied_seq is None:  # the segment whose ops the copy carries
                row.applied_seq = s.scalar(select(func.max(SyncOp.seq))) or 0
                row.seen = json.dumps(seg.header.get("contexts") or [], sort_keys=True)
                row.applied_at = session_now(s)
        row = s.scalar(select(SyncSegment).where(SyncSegment.node == node, SyncSegment.name == name))
        if row is None:
            row = SyncSegment(node=node, name=name, seq=seg.seq, op_count=0, attempts=0)
            s.add(row)
        row.seq, row.sha256, row.status, row.reason = seg.seq, seg.sha256, "applied", f"{COPY_OF}{replaced[0][1]}"
        row.op_count, row.applied_at, row.applied_seq = len(seg.ops), session_now(s), None


def _recover(svc: SyncService, share: Share, name: str, seg: segmod.Segment) -> int:
    """Apply one of our own segments found on the share and record it (and what it replaces) as published."""
    me = svc.node_id
    replaced = _replaced(seg)
    ops_name = replaced[0][1] if replaced else name
    contexts = seg.header.get("contexts") or []
    ids = [f"{op[0]}-{me}" for op in seg.ops]
    with svc.db.read() as s:
        have = set()
        for i in range(0, len(ids), 900):
            have.update(s.scalars(select(SyncOp.op_id).where(SyncOp.op_id.in_(ids[i:i + 900]))))
    if len(have) < len(ids):
        svc._apply(me, ops_name, seg, {(me, ops_name): contexts}, {})
    with svc.db.write(audit=False, capture_ops=False) as s:
        upto = 0
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            upto = max(upto, s.scalar(select(SyncOp.seq).where(SyncOp.op_id.in_(chunk))
                                      .order_by(SyncOp.seq.desc()).limit(1)) or 0)
            s.execute(update(SyncOp).where(SyncOp.op_id.in_(chunk), SyncOp.node == me)
                      .values(origin="local", segment=ops_name))
        # per-installation fields written between them were never to be sent: covered by the same segment
        for tbl, fld in LOCAL_ONLY:
            s.execute(update(SyncOp).where(SyncOp.node == me, SyncOp.origin == "local", SyncOp.segment.is_(None),
                                           SyncOp.seq <= upto, SyncOp.tbl == tbl, SyncOp.field == fld)
                      .values(segment=ops_name))
        entries = [(seg.seq, name, seg.sha256, f"{COPY_OF}{ops_name}" if replaced else None)]
        entries += [(q, nm, sha, f"{REPUBLISHED_AS}{name}" + (f"; {COPY_OF}{ops_name}" if i else ""))
                    for i, (q, nm, sha) in enumerate(replaced)]
        for q, nm, sha, reason in entries:
            row = s.scalar(select(SyncSegment).where(SyncSegment.node == me, SyncSegment.name == nm))
            if row is None:
                row = SyncSegment(node=me, name=nm, seq=q, op_count=0, attempts=0)
                s.add(row)
            row.seq, row.sha256, row.status, row.reason = q, sha, "published", reason
            row.seen = json.dumps(contexts, sort_keys=True)
            row.op_count = len(seg.ops) if nm == ops_name else row.op_count
        last_row = s.get(Meta, "sync.seq")
        if seg.seq > int((last_row.value if last_row else None) or 0):
            svc._set_meta(s, seq=str(seg.seq), hash=seg.sha256)
    log.warning("sync: took back %d own ops from %s on the share", len(ids) - len(have), name)
    return len(ids) - len(have)


def next_seq(svc: SyncService, names: list[str]) -> tuple[int, int, str | None]:
    """(number for our next segment, our last number, its hash)."""
    me = svc.node_id
    last = int(svc.db.meta("sync.seq") or 0)
    last_hash = svc.db.meta("sync.hash")
    on_share = max(((segmod.parse_name(nm) or (0,))[0] for nm in names), default=0)
    seen_by_others = 0
    with svc.db.read() as s:
        for (seen,) in s.execute(select(SyncSegment.seen).where(SyncSegment.node != me,
                                                                SyncSegment.status == "applied")):
            try:
                ctx = json.loads(seen or "[]")
                vec = ctx[-1][1] if ctx and isinstance(ctx, list) else {}
                seen_by_others = max(seen_by_others, int(vec.get(me, 0)))
            except (ValueError, TypeError, IndexError, AttributeError):
                continue
    return max(last, on_share, seen_by_others) + 1, last, last_hash


def republish(svc: SyncService, share: Share, names: list[str], problems: list[str]) -> int:
    """Publish again, under new names, every segment of ours that is missing or damaged on the share."""
    rows = _own_rows(svc)
    present = set(names)
    checked: dict[str, tuple[int, int]] = svc.__dict__.setdefault("_own_checked", {})
    broken = []
    for r in sorted(rows.values(), key=lambda r: r.seq):
        if r.status != "published" or (r.reason or "").startswith(REPUBLISHED_AS):
            continue
        if r.name not in present:
            broken.append((r, "missing"))
            continue
        mark = share.segment_mark(svc.node_id, r.name)
        if mark is None:
            continue
        if checked.get(r.name) == mark:
            continue
        try:
            ok = hashlib.sha256(share.read_segment(svc.node_id, r.name)).hexdigest() == r.sha256
        except (FileNotFoundError, RefusedFile):
            ok = False
        if ok:
            checked[r.name] = mark
        else:
            broken.append((r, "damaged"))
    if not broken:
        return 0
    space_key = svc._space_key(share)
    if space_key is None:
        return 0
    key = keys.load(svc.node_id)
    done = 0
    for r, why in broken:
        source = source_of(r.reason) or r.name
        src = rows.get(source)
        if src is None or segmod.parse_name(source) is None:
            continue
        before = max((o.seq for o in rows.values() if o.seq < src.seq), default=0)
        # every earlier copy of it as well: a reader may have found any of them damaged or missing
        replaces = [[src.seq, source, src.sha256, before]] + [
            [o.seq, o.name, o.sha256] for o in sorted(rows.values(), key=lambda o: o.seq)
            if source_of(o.reason) == source]
        with svc.db.read() as s:
            ops = [o for o in s.execute(select(SyncOp.seq, SyncOp.hlc, SyncOp.tbl, SyncOp.row_id, SyncOp.field,
                                               SyncOp.value)
                                        .where(SyncOp.node == svc.node_id, SyncOp.segment == source)
                                        .order_by(SyncOp.seq)) if (o.tbl, o.field) not in LOCAL_ONLY]
        try:
            contexts = json.loads(src.seen or "[]")
        except ValueError:
            contexts = []
        if not isinstance(contexts, list):
            contexts = []
        seen = contexts[-1][1] if contexts else {}
        payload = [[o.hlc, o.tbl, o.row_id, o.field, o.value] for o in ops]
        name = _publish(svc, share, key, space_key, payload, seen, contexts, replaces=replaces)
        if name is None:
            problems.append(f"could not republish segment {r.seq} of this installation ({why} on the share)")
            return done
        with svc.db.write(audit=False, capture_ops=False) as s:
            s.execute(update(SyncSegment).where(SyncSegment.node == svc.node_id, SyncSegment.name == r.name)
                      .values(reason=f"{REPUBLISHED_AS}{name}" + (f"; {COPY_OF}{source}" if source != r.name else "")))
        done += 1
        log.warning("sync: segment %s was %s on the share; republished as %s", r.name, why, name)
    if done:
        problems.append(f"republished {plural(done, 'segment')} of this installation that were missing or damaged on "
                        "the share")
    return done


def _clocks(svc: SyncService) -> dict[str, Any]:
    """What this node found about clocks, for the others to hear: the PCs running ahead of it beyond the
    adoption window (ms), or, when it found its own clock behind all of them, how far."""
    from partnerdesk.domain.hlc import MAX_DRIFT_MS

    behind = int(svc.db.meta("sync.behind") or 0)
    if behind:
        return {"behind": behind}
    wall = svc.db.hlc.wall_ms()
    ahead = {n: int(ms) - wall for n, ms in json.loads(svc.db.meta("sync.ahead") or "{}").items()}
    return {"ahead": {n: ms for n, ms in ahead.items() if ms > MAX_DRIFT_MS}}


def _clock_key(clocks: dict[str, Any]) -> str:
    """What must change before the clock findings are published again (to the hour, not to the millisecond)."""
    hours = {n: round(ms / 3_600_000) for n, ms in (clocks.get("ahead") or {}).items()}
    return json.dumps({"ahead": hours, "behind": round(int(clocks.get("behind") or 0) / 3_600_000)}, sort_keys=True)


def clocks_news(svc: SyncService) -> bool:
    """Whether what this node finds about clocks changed since its last segment told the others."""
    return _clock_key(_clocks(svc)) != (svc.db.meta("sync.clocks_sent") or _clock_key({}))


def _publish(svc: SyncService, share: Share, key, space_key, payload: list, seen: dict, contexts: list,
             replaces: list | None = None, mark=None) -> str | None:
    """Write one new segment of ours under the next free number; returns its name (None if it could not)."""
    me = svc.node_id
    for _attempt in range(5):
        nxt, last, last_hash = next_seq(svc, share.segment_names(me))
        header = {"format": segmod.FORMAT, "space": svc._space_id(), "node": me, "seq": nxt,
                  "prev": last_hash if nxt == last + 1 else None, "prev_seq": last, "seen": seen,
                  "contexts": contexts, "writer": writer_tag(svc), "clocks": _clocks(svc),
                  "created": svc.db.clock.now().isoformat(timespec="seconds")}
        if replaces:
            header["replaces"] = replaces
        data = segmod.encode(header, payload, key, space_key=space_key)
        sha = hashlib.sha256(data).hexdigest()
        name = segmod.file_name(nxt, sha)
        try:
            share.publish_segment(me, name, data)
        except FileExistsError:
            continue  # somebody put a file there meanwhile: take the next number
        except PublishError as exc:
            log.warning("sync: could not publish %s: %s", name, exc)
            return None
        except OSError as exc:
            raise ShareUnavailable(f"cannot write to {share.folder} ({exc.strerror or exc})") from None
        svc.__dict__.setdefault("_own_checked", {}).pop(name, None)
        with svc.db.write(audit=False, capture_ops=False) as s:
            if mark is not None:
                mark(s, name)
            s.add(SyncSegment(node=me, name=name, seq=nxt, sha256=sha, status="published",
                              reason=f"{COPY_OF}{replaces[0][1]}" if replaces else None,
                              seen=json.dumps(contexts, sort_keys=True), op_count=len(payload), attempts=0,
                              applied_at=session_now(s)))
            svc._set_meta(s, seq=str(nxt), hash=sha, clocks_sent=_clock_key(header["clocks"]))
        return name
    return None
