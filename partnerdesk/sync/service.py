"""SyncService: one installation's side of a shared-folder space (DESIGN §5).

Thread-safe (one lock around every cycle), Qt-free; a GUI page calls ``run_cycle`` from a worker thread with
a progress callback and gets a frozen ``SyncStatusDTO`` back. ``status()`` reads only the local database, so
it is cheap and never waits for the share.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import and_, delete, func, insert, not_, or_, select, update
from sqlalchemy.exc import IntegrityError

from partnerdesk.db.models import (SYNCED_TABLES, AuditEvent, Base, Meta, SyncConflict, SyncMember, SyncOp,
                                   SyncSegment)
from partnerdesk.db.types import iso_utc, session_now
from partnerdesk.db.uow import Database
from partnerdesk.errors import NotFoundError, UserError
from partnerdesk.sync import crypto, heal, keys, members as mem, move, segment as segmod
from partnerdesk.domain.issuing import can_issue_numbers as _can_issue
from partnerdesk.domain.hlc import MAX_DRIFT_MS, parse as parse_hlc
from partnerdesk.sync.dto import (AWAITING, CLOCK_WARNING, FORK, NOT_SET_UP, QUARANTINED, REFUSED_KINDS, SYNCED,
                                  SYNCING, UNAVAILABLE, UNPUBLISHED, ConflictDTO, NodeDTO, PendingDTO, QuarantineDTO,
                                  SyncStatusDTO)
from partnerdesk.sync.merge import _TABLE_ORDER, LOCAL_ONLY, Merger, decode_value
from partnerdesk.sync.segment import SegmentError
from partnerdesk.sync.store import PublishError, RefusedFile, Share, ShareUnavailable
from partnerdesk.sync.transport import is_server, open_share

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
MAX_OPS_PER_SEGMENT = 50_000
HELD_STATUSES = ("quarantined", "held", "newer_format")
LABEL_FIELDS = ("name", "code", "number", "title", "description")


def _noop(_done: int, _total: int, _msg: str) -> None:
    pass


class SyncService:
    def __init__(self, db: Database):
        self.db = db
        self._lock = threading.RLock()
        self._syncing = False

    # -- meta helpers ----------------------------------------------------------------------------
    def _meta(self) -> dict[str, str | None]:
        with self.db.read() as s:
            return {k: v for k, v in s.execute(select(Meta.key, Meta.value).where(Meta.key.like("sync.%")))}

    def _set_meta(self, s, **values: Any) -> None:
        for k, v in values.items():
            key = "sync." + k
            row = s.get(Meta, key)
            text = v if (v is None or isinstance(v, str)) else json.dumps(v, sort_keys=True)
            if row is None:
                s.add(Meta(key=key, value=text))
            else:
                row.value = text

    def _save_meta(self, **values: Any) -> None:
        with self.db.write(audit=False, capture_ops=False) as s:
            self._set_meta(s, **values)

    @property
    def node_id(self) -> str:
        return self.db.node_id

    def _node_name(self) -> str:
        """What people see for this installation: "<display name> — <home agency name> (<machine name>)"."""
        t = Base.metadata.tables["agency"]
        with self.db.read() as s:
            home = s.scalar(select(t.c.name).where(t.c.is_home.is_(True), t.c.deleted_at.is_(None)))
        return node_label(self.db.actor.display_name, home, _machine())

    # -- setting up ------------------------------------------------------------------------------
    @staticmethod
    def _open(where: str | Path, must_exist: bool = True) -> tuple[Any, str, str]:
        """(share, how to name it in messages, what to remember) for a folder or a postgresql:// address."""
        if is_server(where):
            share = open_share(str(where))
            return share, share.url, share.url
        folder = Path(where).expanduser()
        if must_exist and not folder.is_dir():
            raise UserError(f"{folder}: not a folder that can be reached; create it or mount the share first")
        return Share(folder), str(folder), str(folder.resolve())

    def init(self, folder: str | Path, progress: Progress | None = None) -> SyncStatusDTO:
        """Create a new space in ``folder`` and make this installation its first node."""
        with self._lock:
            share, folder, location = self._open(folder)
            meta = self._meta()
            if meta.get("sync.space"):
                raise UserError(f"this installation already syncs with {meta.get('sync.folder')}; it can be in one "
                                "space only")
            try:
                taken = share.has_space()
            except ShareUnavailable as exc:
                raise UserError(f"cannot create the space: {exc}") from None
            if taken:
                raise UserError(f"{folder} already holds a partnerdesk space: use 'partnerdesk sync join {folder}'")
            key = keys.create(self.node_id)
            space_id = uuid.uuid4().hex
            space_key = crypto.new_space_key()
            try:
                share.create_space(space_id, self.node_id, iso_utc(self.db.clock.utcnow()))
            except FileExistsError:
                raise UserError(f"{folder} already holds a partnerdesk space: use 'sync join'") from None
            except (OSError, ShareUnavailable) as exc:
                raise UserError(f"{folder}: cannot create the space ({exc})") from None
            # the founder commits to the space key in its signed request; every joiner checks it by the join code
            self._register(share, key, space_id, key_id=crypto.key_id(space_key))
            mem.publish_envelope(share, space_id, self.node_id, keys.public_b64(key), self.node_id, space_key)
            with self.db.write(action="sync_init", summary=f"created sync space in {folder}") as s:
                self._set_meta(s, folder=location, space=space_id, seq="0", hash=None,
                               founder=self.node_id, founder_key=keys.public_b64(key),
                               key_id=crypto.key_id(space_key),
                               sealed_key=base64.b64encode(crypto.seal(space_key, keys.public_bytes(
                                   key.public_key()))).decode("ascii"))
                home = s.scalar(select(Base.metadata.tables["agency"].c.id).where(
                    Base.metadata.tables["agency"].c.is_home.is_(True)))
                if home:
                    from partnerdesk.db.models import Agency

                    a = s.get(Agency, home)
                    if a.billing_node is None:
                        a.billing_node = self.node_id
                # the founder is the root member: admitted by itself, pinned by the join code
                s.add(SyncMember(id=self.node_id, public_key=keys.public_b64(key), agency_id=_default_agency(s),
                                 display_name=self.db.actor.display_name, machine=_machine(),
                                 status=mem.ADMITTED, admitted_by=self.node_id))
            self._space_key_cache = space_key
            self._baseline(full=True)
            st = self.run_cycle(progress)
            return SyncStatusDTO(**{**st.__dict__, "extra": {**st.extra, "join_code": self.join_code()}})

    def join_code(self) -> str | None:
        """The code a colleague types to join this space: the space and the founder key it must find."""
        meta = self._meta()
        if not meta.get("sync.space") or not meta.get("sync.founder_key"):
            return None
        return crypto.join_code(meta["sync.space"], base64.b64decode(meta["sync.founder_key"]))

    def fingerprint(self) -> str | None:
        """This installation's key fingerprint, for the member who admits it to compare with ``sync pending``."""
        key = keys.load(self.node_id, required=False)
        return crypto.fingerprint(keys.public_bytes(key.public_key())) if key is not None else None

    # -- admission -------------------------------------------------------------------------------------
    def _share_view(self) -> tuple[Share, dict[str, list[str]], mem.Gate]:
        """The share, its nodes' segment names, and who may write, for the admission commands."""
        meta = self._meta()
        if not meta.get("sync.space"):
            raise UserError("sync is not set up: run 'partnerdesk sync init FOLDER' or 'sync join FOLDER'")
        share = open_share(meta["sync.folder"])
        try:
            listing = {n: share.segment_names(n) for n in share.node_ids()}
        except ShareUnavailable as exc:
            raise UserError(str(exc)) from None
        return share, listing, self._gate(share, list(listing))

    def _member_share(self) -> tuple[Share, mem.Gate]:
        share, _listing, gate = self._share_view()
        if not gate.is_member(self.node_id):
            raise UserError("this installation is not admitted to the space yet: only a member can admit or "
                            "revoke installations")
        return share, gate

    def pending(self) -> list[PendingDTO]:
        """Join requests on the share that nobody admitted (read from the share: a hint to decide on)."""
        with self._lock:
            share, listing, gate = self._share_view()
            return [PendingDTO(**a) for a in gate.awaiting(listing, self._space_key(share) is not None)
                    if a["fingerprint"] and not a["is_self"]]

    def _find(self, nodes, text: str, what: str) -> str:
        text = (text or "").strip().lower()
        hits = [n for n in nodes if n.lower().startswith(text)] if len(text) >= 4 else []
        if len(hits) != 1:
            raise UserError(f"NODE {text!r}: {'matches several' if hits else 'matches no'} {what}; give more of the "
                            "node id 'sync pending' or 'sync status' shows")
        return hits[0]

    def admit(self, node: str) -> PendingDTO:
        """Admit a pending installation for the agency it asked for: its changes are applied by every member from
        now on, and it receives the space key sealed to its own key."""
        from partnerdesk.db.models import Agency

        with self._lock:
            share, gate = self._member_share()
            pending = {p.node: p for p in self.pending()}
            n = self._find(pending, node, "installation awaiting approval")
            req = gate.requests[n]
            with self.db.read() as s:
                if req.get("agency_code"):
                    agency_id = s.scalar(select(Agency.id).where(func.upper(Agency.code) == req["agency_code"].upper(),
                                                                 Agency.deleted_at.is_(None)))
                    if agency_id is None:
                        raise UserError(f"{pending[n].name} asks to join for the agency {req['agency_code']}, which "
                                        "is not in this database; add it first (or have it join again with --agency)")
                else:
                    agency_id = mem.agency_of(s, self.node_id) or None
            space_key = self._space_key(share)
            if space_key is None:
                raise UserError("this installation does not hold the space key yet: run 'partnerdesk sync run'")
            mem.publish_envelope(share, self._space_id(), n, req["public_key"], self.node_id, space_key)
            with self.db.write(action="sync_admit", summary=f"admitted {pending[n].name} to sync") as s:
                row = s.get(SyncMember, n) or SyncMember(id=n)
                row.public_key, row.agency_id, row.status = req["public_key"], agency_id, mem.ADMITTED
                row.display_name, row.machine = req.get("display_name"), req.get("machine")
                row.admitted_by, row.revoked_after = self.node_id, None
                s.add(row)
            self.run_cycle(direction="export")
            return pending[n]

    def revoke(self, node: str) -> str:
        """Stop applying an installation's later changes (what it published before stays). A pending request
        is declined the same way. Returns the node's name."""
        with self._lock:
            _share, gate = self._member_share()
            candidates = set(gate.rows) | {p.node for p in self.pending()}
            n = self._find(candidates, node, "installation")
            if n == gate.founder:
                raise UserError("the founder's installation is the root of the space and cannot be revoked")
            if n == self.node_id:
                raise UserError("an installation cannot revoke itself; ask another member")
            name = gate.names.get(n, n[:8])
            with self.db.write(action="sync_revoke", summary=f"revoked {name} from sync") as s:
                upto = s.scalar(select(func.max(SyncSegment.seq)).where(
                    SyncSegment.node == n, SyncSegment.status == "applied")) or 0
                row = s.get(SyncMember, n)
                if row is None:
                    req = gate.requests.get(n) or {}
                    row = SyncMember(id=n, public_key=req.get("public_key"), display_name=req.get("display_name"),
                                     machine=req.get("machine"))
                    s.add(row)
                row.status, row.revoked_after, row.admitted_by = mem.REVOKED, upto, self.node_id
            self.run_cycle(direction="export")
            return name

    def _check_code(self, share: Share, space: dict, code: str | None) -> tuple[str, str, str]:
        """(founder, founder key, space key id) of the space on the share, when they match the join code."""
        if not code:
            raise UserError("--code: joining needs the join code that 'partnerdesk sync init' printed on the "
                            "founder's PC (its 'sync status' shows it too)")
        parsed = crypto.parse_join_code(code)
        if parsed is None:
            raise UserError("--code: not a join code; it is six groups of four letters and digits, as "
                            "'partnerdesk sync init' printed it (e.g. ABCD-EFGH-JKLM-NPQR-STUV-WXYZ)")
        tag, fp = parsed
        if tag != crypto.space_tag(space["space_id"]):
            raise UserError(f"--code: this join code is for another space than the one in {share.folder}")
        founder = str(space.get("founder") or "")
        req = mem.check_request(share.node_entry(founder), founder, space["space_id"]) if founder else None
        if req is None or mem.fingerprint_b64(req["public_key"]) != fp or not req.get("key_id"):
            raise UserError(f"refused: the founder key in {share.folder} does not match the join code (the share "
                            "may have been tampered with); nothing was joined. Check the code with the founder")
        return founder, req["public_key"], str(req["key_id"])

    def join(self, folder: str | Path, code: str | None = None, agency: str | None = None,
             new_identity: bool = False, progress: Progress | None = None) -> SyncStatusDTO:
        """Ask to join the space in ``folder``: this installation becomes a node with its own key, whose changes
        every member applies once one of them admits it (``sync admit``). ``code`` is the join code the founder's
        installation printed: a space whose founder key does not match it is refused. ``agency`` is the code of
        the agency this installation asks to be admitted for (default: its home agency)."""
        with self._lock:
            share, folder, location = self._open(folder, must_exist=False)
            try:
                space = share.read_space()
            except ShareUnavailable as exc:
                raise UserError(f"cannot join: {exc}") from None
            meta = self._meta()
            if meta.get("sync.space") and meta["sync.space"] != space["space_id"] and not new_identity:
                raise UserError(f"this installation already syncs with another space ({meta.get('sync.folder')})")
            if code is None and meta.get("sync.space") == space["space_id"] and meta.get("sync.founder_key"):
                founder, founder_key, key_id = meta["sync.founder"], meta["sync.founder_key"], meta["sync.key_id"]
            else:
                founder, founder_key, key_id = self._check_code(share, space, code)
            if agency is None:
                agency = meta.get("sync.agency_request")
            if new_identity:
                self._new_identity()
            elif meta.get("sync.space") != space["space_id"] and share.node_entry(self.node_id) is not None:
                # this database's node id is already on the roster but the database has never joined:
                # a copied profile. Take a new identity rather than write as someone else.
                self._new_identity()
            key = keys.create(self.node_id)
            try:
                self._register(share, key, space["space_id"], agency_code=agency)
            except PublishError as exc:
                raise UserError(f"cannot join: {exc}; run 'partnerdesk sync join {folder} --new-identity'") from None
            except OSError as exc:
                raise UserError(f"cannot join: {folder} is not writable ({exc.strerror or exc})") from None
            with self.db.write(action="sync_join", summary=f"joined sync space in {folder}", capture_ops=False) as s:
                self._set_meta(s, folder=location, space=space["space_id"], founder=founder,
                               founder_key=founder_key, key_id=key_id, agency_request=agency)
                if s.get(Meta, "sync.seq") is None or new_identity:
                    self._set_meta(s, seq="0", hash=None)
            self._baseline(full=True)
            status = self.run_cycle(progress)
            self._adopt_home(share, space)
            share.rename_node(self.node_id, self._node_name())  # now with the home agency it took
            if status.state == UNAVAILABLE:
                return status
            return SyncStatusDTO(**{**self.status().__dict__, "applied_ops": status.applied_ops,
                                    "published_ops": status.published_ops})

    def _register(self, share: Share, key, space_id: str, key_id: str | None = None,
                  agency_code: str | None = None) -> None:
        """Publish this node's join request (a hint, signed by its own key): who asks, for which agency."""
        with self.db.read() as s:
            t = Base.metadata.tables["agency"]
            home = s.execute(select(t.c.id, t.c.code, t.c.name).where(t.c.is_home.is_(True),
                                                                     t.c.deleted_at.is_(None))).first()
            wanted = home
            if agency_code:
                wanted = s.execute(select(t.c.id, t.c.code, t.c.name).where(
                    func.upper(t.c.code) == agency_code.upper(), t.c.deleted_at.is_(None))).first()
        request = {"node": self.node_id, "space": space_id, "public_key": keys.public_b64(key),
                   "display_name": self.db.actor.display_name, "machine": _machine(),
                   "agency_code": (agency_code or (home.code if home else None)),
                   "agency_name": wanted.name if wanted else None}
        if key_id:
            request["key_id"] = key_id
        share.register_node(self.node_id, {"public_key": keys.public_b64(key), "name": self._node_name(),
                                           "joined": iso_utc(self.db.clock.utcnow()), "request": request,
                                           "request_sig": mem.sign_request(key, request)})

    def _adopt_home(self, share: Share, space: dict) -> None:
        """A colleague joining with an empty database takes the agency it was admitted for as its home."""
        from partnerdesk.db.models import Agency

        with self.db.read() as s:
            home_id = mem.agency_of(s, self.node_id)
        if not home_id:
            return
        with self.db.write(action="sync_join", capture_ops=False) as s:
            if s.scalar(select(Agency.id).where(Agency.is_home.is_(True))):
                return
            t = Agency.__table__
            # a per-installation flag, not an edit: the row keeps the updated_at every replica gives it
            s.execute(update(t).where(t.c.id == home_id).values(is_home=True, updated_at=t.c.updated_at))

    def _new_identity(self) -> None:
        """Give this database a new node id (after a fork): its unexported ops move to the new id."""
        new = uuid.uuid4().hex
        old = self.node_id
        with self.db.write(audit=False, capture_ops=False) as s:
            s.get(Meta, "node_id").value = new
            conn = s.connection()
            for seq, hlc in conn.execute(select(SyncOp.seq, SyncOp.hlc).where(
                    SyncOp.node == old, SyncOp.origin == "local", SyncOp.segment.is_(None))).all():
                conn.execute(update(SyncOp).where(SyncOp.seq == seq).values(node=new, op_id=f"{hlc}-{new}"))
            self._set_meta(s, seq="0", hash=None, forked=None, sealed_key=None)
        self._space_key_cache = None  # sealed to the old identity: the new one waits for its own admission
        self.db.node_id = new
        self.db.capture.node_id = new
        log.warning("sync: node %s took the new identity %s", old, new)

    # -- baseline ----------------------------------------------------------------------------------
    def _baseline(self, full: bool = False) -> int:
        """Rows that exist without ops (demo data, JSON imports) become ops of this node, so others get them."""
        with self.db.write(audit=False, capture_ops=False) as s:
            conn = s.connection()
            audit_seq = conn.execute(select(func.max(AuditEvent.seq))).scalar() or 0
            mark = s.get(Meta, "sync.baseline_audit")
            if not full and mark is not None and mark.value == str(audit_seq):
                return 0
            clock = self.db.hlc
            clock.seed(conn.execute(select(func.max(SyncOp.hlc)).where(SyncOp.node == self.node_id)).scalar())
            ops = []
            for name in [*_TABLE_ORDER, *(t for t in SYNCED_TABLES if t not in _TABLE_ORDER)]:
                t = Base.metadata.tables[name]
                if full:
                    have = set(conn.execute(select(SyncOp.row_id, SyncOp.field).where(SyncOp.tbl == name)).all())
                    rows = conn.execute(select(t)).mappings()
                else:
                    have = set()
                    sub = select(SyncOp.row_id).where(SyncOp.tbl == name)
                    rows = conn.execute(select(t).where(t.c.id.not_in(sub))).mappings()
                from partnerdesk.db.capture import encode

                for r in rows:
                    for col, value in r.items():
                        if value is None or col in ("id", "updated_at") or (name, col) in LOCAL_ONLY:
                            continue
                        if (r["id"], col) in have:
                            continue
                        hlc = clock.now()
                        ops.append(dict(op_id=f"{hlc}-{self.node_id}", hlc=hlc, node=self.node_id, tbl=name,
                                        row_id=r["id"], field=col, origin="local",
                                        value=json.dumps(encode(value), ensure_ascii=False)))
            raw = conn.connection.dbapi_connection
            raw.executemany("INSERT INTO sync_op (op_id, hlc, node, tbl, row_id, field, value, origin) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 'local')",
                            [(o["op_id"], o["hlc"], o["node"], o["tbl"], o["row_id"], o["field"], o["value"])
                             for o in ops])
            from partnerdesk.db.capture import stamp_rows

            # rows that get ops only now: stamped with the time of their newest op, as every replica stamps them
            stamp_rows(conn, ((o["tbl"], o["row_id"], o["field"], o["hlc"]) for o in ops))
            self._set_meta(s, baseline_audit=str(audit_seq))
            return len(ops)

    # -- the cycle ------------------------------------------------------------------------------------
    def run_cycle(self, progress: Progress | None = None, direction: str = "both") -> SyncStatusDTO:
        """Import what others published, then publish our own new ops (``direction`` "import" or "export"
        does one half). Never raises for share trouble: the returned status says "share unavailable" and
        nothing local changes."""
        progress = progress or _noop
        with self._lock:
            meta = self._meta()
            if not meta.get("sync.space"):
                raise UserError("sync is not set up: run 'partnerdesk sync init FOLDER' or 'sync join FOLDER'")
            self._syncing = True
            problems: list[str] = []
            applied = published = 0
            try:
                share = open_share(meta["sync.folder"])
                if not is_server(meta["sync.folder"]):
                    share = self._follow_move(share, meta)
                try:
                    space = share.read_space()
                    if space["space_id"] != meta["sync.space"]:
                        raise ShareUnavailable(f"{share.folder} now holds a different space (was it replaced?)")
                    nodes = share.node_ids()
                    if not nodes:
                        raise ShareUnavailable(f"{share.folder} has no nodes (the share was emptied or replaced)")
                    self._baseline(full=False)
                    progress(0, 1, "reading the share")
                    skew: dict[str, int] = {}
                    if direction in ("both", "import"):
                        applied = self._import(share, nodes, problems, progress, skew)
                        self._adopt_home(share, space)
                    if direction == "import" or meta.get("sync.forked"):
                        published = 0
                    else:
                        published = self._export(share, problems, progress)
                    share.read_space()  # still there at the end, or this cycle is not "synced"
                    state = SYNCED
                    now_meta = self._meta()
                    forked = now_meta.get("sync.forked")
                    # a PC's clock found ahead stays reported, cycle after cycle, until its times are no longer
                    # ahead of ours (ms of its newest time stamp, kept per node)
                    wall = self.db.hlc.wall_ms()
                    ahead_at = {n: int(v) for n, v in json.loads(now_meta.get("sync.ahead") or "{}").items()}
                    for n, ms in skew.items():
                        ahead_at[n] = max(ahead_at.get(n, 0), ms)
                    ahead_at = {n: ms for n, ms in ahead_at.items() if ms - wall > MAX_DRIFT_MS}
                    ahead = {n: ms - wall for n, ms in ahead_at.items()}
                    now_meta = self._meta()
                    behind, warnings = self._clock_warnings(now_meta, ahead)
                    if forked:
                        state = FORK
                        problems.insert(0, forked)
                    elif warnings:
                        state = CLOCK_WARNING
                    problems.extend(warnings)
                    with self.db.write(audit=False, capture_ops=False) as s:
                        audit_seq = s.scalar(select(func.max(AuditEvent.seq))) or 0
                        self._set_meta(s, state=state, last_sync=iso_utc(session_now(s)), problems=problems,
                                       skew=str(max(ahead.values(), default=0)), baseline_audit=str(audit_seq),
                                       ahead=ahead_at, clock_warning="; ".join(warnings) or None,
                                       behind=str(behind))
                    if direction != "import":
                        share.rename_node(self.node_id, self._node_name())
                except ShareUnavailable as exc:
                    log.warning("sync: %s", exc)
                    self._save_meta(state=UNAVAILABLE, problems=[str(exc)])
            finally:
                self._syncing = False
            progress(1, 1, "done")
            st = self.status()
            return SyncStatusDTO(**{**st.__dict__, "applied_ops": applied, "published_ops": published})

    def _clock_warnings(self, meta: dict, ahead: dict[str, int]) -> tuple[int, list[str]]:
        """(how far this PC's own clock is behind, or 0; the warnings for the status). A PC whose times run ahead
        of ours beyond the adoption window is named with how far; when every other PC that writes runs ahead,
        it is this PC's clock that is behind. What the others found about this PC (their segment headers'
        ``clocks``) is told here too, so the PC whose clock is off hears it as well."""
        roster = json.loads(meta.get("sync.roster") or "{}")

        def name(n: str) -> str:
            return roster.get(n, "node " + n[:8])

        with self.db.read() as s:
            writers = set(s.scalars(select(SyncSegment.node).where(SyncSegment.status == "applied").distinct()))
        writers.discard(self.node_id)
        behind = min(ahead.values()) if len(ahead) >= 2 and writers <= set(ahead) else 0
        if behind:
            warnings = [f"the clock of this PC is {_duration(behind)} behind the other PCs "
                        f"({', '.join(name(n) for n in sorted(ahead))}); changes made here lose to theirs. Set "
                        "this PC's date and time"]
        else:
            warnings = [f"the clock of {name(n)} is {_duration(ms)} ahead of this PC; its times were not adopted. "
                        "Check the date and time on both PCs" for n, ms in sorted(ahead.items())]
        for n, ms in sorted(json.loads(meta.get("sync.told") or "{}").items()):
            if n in ahead:
                continue  # said above, from our side
            if ms > 0:
                warnings.append(f"the clock of this PC is {_duration(ms)} ahead of the clock of {name(n)} (as "
                                "that PC found it); changes made here win over later ones made there. Check the "
                                "date and time on both PCs")
            else:
                warnings.append(f"the clock of {name(n)} is {_duration(-ms)} behind the other PCs, as it found "
                                "itself. Check the date and time on that PC")
        return behind, warnings

    # -- import --------------------------------------------------------------------------------------
    def _import(self, share: Share, nodes: list[str], problems: list[str], progress: Progress,
                skew: dict[str, int]) -> int:
        me = self.node_id
        with self.db.read() as s:
            rows = s.execute(select(SyncSegment.node, SyncSegment.name, SyncSegment.seq, SyncSegment.status,
                                    SyncSegment.sha256, SyncSegment.seen, SyncSegment.attempts,
                                    SyncSegment.reason, SyncSegment.applied_seq)).all()
        seen_of: dict[tuple[str, str], dict[str, int]] = {}
        done: dict[str, dict[int, tuple[str, str]]] = {}  # node -> seq -> (name, sha) applied/published
        bad: dict[tuple[str, str], Any] = {}
        republished: set[tuple[str, str]] = set()  # applied here, since published again under a new name
        for r in rows:
            if r.status in ("applied", "published"):
                done.setdefault(r.node, {})[r.seq] = (r.name, r.sha256)
                if (r.reason or "").startswith(heal.REPUBLISHED_AS):
                    republished.add((r.node, r.name))
                if r.seen and (r.node != me or r.applied_seq is not None):  # ours: taken back (sync/heal.py)
                    seen_of[(r.node, r.name)] = json.loads(r.seen)
            else:
                bad[(r.node, r.name)] = r
        # who may write: the admitted members (sync_member, replicated in their own signed streams) and the founder
        # the join code pinned; node.json files are only join requests, applied by nobody until admitted
        space_key = self._space_key(share)
        gate = self._gate(share, nodes)
        listing = {n: share.segment_names(n) for n in nodes}
        if not any(listing.values()) and any(done.get(n) for n in nodes if n != me):
            raise ShareUnavailable(f"{share.folder} has no segments any more (the share was emptied or replaced)")
        applied_total = 0
        told_before = json.loads(self.db.meta("sync.told") or "{}")
        told: dict[str, int] = dict(told_before)  # node -> how far it found our clock ahead (< 0: itself behind)
        status_updates: dict[tuple[str, str], tuple[int, str, str]] = {}  # -> (seq, status, reason)
        blocked: dict[str, str] = {}
        pending = [n for n in nodes if n != me]
        if space_key is None:
            pending = []  # not admitted yet: nothing here can be read, let alone applied
        progress_total = sum(len(listing[n]) for n in pending) or 1
        progress_done = 0
        for n in pending:
            # applied here, gone from the share: its changes stay, and its writer publishes it again
            for seq, (name, _sha) in sorted(done.get(n, {}).items()):
                if name not in listing[n] and (n, name) not in republished:
                    problems.append(f"segment {seq} of node {n[:8]} ({name}) was deleted from the share (its changes "
                                    "stay here)")
                    break
        while True:
            progressed = False
            for n in pending:
                if n in blocked:
                    continue
                nd = done.setdefault(n, {})
                # a node's segments apply in their order; a missing or damaged one holds those after it until its
                # writer republishes it (a copy under a new name, applied in its place); the rest is never
                # blocked by a file that is not a valid segment
                names_done = {v[0] for v in nd.values()}
                for seq, name in sorted((p[0], nm) for nm in listing[n] if (p := segmod.parse_name(nm))):
                    if name in names_done or status_updates.get((n, name), (0, "held"))[1] != "held":
                        continue
                    if not gate.may_apply(n, seq):
                        continue  # awaiting approval (listed in the status) or revoked: never read, never applied
                    try:
                        data = share.read_segment(n, name)
                    except FileNotFoundError:
                        share.read_space()  # the whole share went away mid-sync: "share unavailable"
                        continue
                    except RefusedFile as exc:
                        status_updates[(n, name)] = (seq, "quarantined", str(exc))
                        continue
                    progress_done += 1
                    progress(min(progress_done, progress_total), progress_total, f"checking {name}")
                    try:
                        seg = segmod.verify(data, gate.key, space_key)
                    except SegmentError as exc:
                        status = "newer_format" if exc.kind == segmod.NEWER else "quarantined"
                        status_updates[(n, name)] = (seq, status, str(exc))
                        continue
                    h = seg.header
                    replaced = heal._replaced(seg)
                    reason = None
                    if h.get("node") != n:
                        reason = f"{segmod.REPLAYED}: signed by node {str(h.get('node'))[:8]} but stored under {n[:8]}"
                    elif h.get("seq") != seq or not seg.sha256.startswith(name[15:27]):
                        reason = (f"{segmod.REPLAYED}: its header says segment {h.get('seq')}, the file name says "
                                  f"{seq} (an old segment published again under a new name)")
                    elif h.get("space") != self._space_id():
                        reason = f"{segmod.REPLAYED}: it belongs to another space"
                    elif seq in nd or any(q in nd and nd[q][0] != nm for q, nm, _sha in replaced):
                        reason = (f"fork: node {n[:8]} wrote two different segments numbered {seq} (a copied "
                                  "profile? two PCs are using one identity)")
                        if reason not in problems:
                            problems.append(reason)
                        blocked[n] = reason
                    elif (h.get("prev") and h.get("prev_seq", seq - 1) == seq - 1 and seq - 1 in nd
                          and nd[seq - 1][1] != h.get("prev")):
                        reason = f"broken-chain: it does not follow segment {seq - 1} of node {n[:8]}"
                    if reason:
                        status_updates[(n, name)] = (seq, "quarantined", reason)
                        if n in blocked:
                            break
                        continue
                    ops_name = replaced[0][1] if replaced else name
                    after = heal.position(seg)
                    if ops_name not in names_done and after and after not in nd:
                        status_updates[(n, name)] = (seq, "held", f"waiting for segment {after} of node {n[:8]}, "
                                                     "missing or damaged on the share; its installation publishes "
                                                     "it again the next time it syncs")
                        continue
                    # and after what its writer had applied from the others: an op is judged (authorised,
                    # merged) knowing what its writer knew, whatever order the files arrive in
                    waiting = [(k, int(v)) for k, v in (h.get("seen") or {}).items()
                               if k != n and k in listing and isinstance(v, int) and v and v not in done.get(k, {})]
                    if ops_name not in names_done and waiting:
                        k, v = waiting[0]
                        status_updates[(n, name)] = (seq, "held", f"waiting for segment {v} of node {k[:8]}, which it "
                                                     "builds on")
                        continue
                    n_ops = 0
                    if ops_name not in names_done:
                        seen_of[(n, ops_name)] = h.get("contexts") or []
                        try:
                            n_ops = self._apply(n, ops_name, seg, seen_of, skew)
                        except IntegrityError as exc:
                            log.warning("sync: %s/%s cannot be applied yet: %s", n, name, exc)
                            status_updates[(n, name)] = (seq, "held", "waiting for records it refers to")
                            break
                    if replaced:
                        heal.record_copy(self, n, name, seg, replaced)
                        for q, nm, sha in replaced:
                            nd[q] = (nm, sha)
                            names_done.add(nm)
                            status_updates.pop((n, nm), None)
                            bad.pop((n, nm), None)
                    status_updates.pop((n, name), None)
                    bad.pop((n, name), None)
                    nd[seq] = (name, seg.sha256)
                    names_done.add(name)
                    if not replaced and isinstance(h.get("clocks"), dict):
                        told[n] = _told(h["clocks"], me)
                    if any(op[1] == "sync_member" for op in seg.ops):
                        gate = self._gate(share, nodes)  # an admission or revocation: counts from the next segment
                    applied_total += n_ops
                    progressed = True
            if not progressed:
                break
        self._record_status(status_updates, bad)
        told = {n: ms for n, ms in told.items() if ms}
        if told != told_before:
            self._save_meta(told=told)
        self._save_meta(awaiting=gate.awaiting(listing, space_key is not None), roster=gate.names,
                        revoked=sorted(n for n in gate.rows if gate.revoked(n)))
        # a held or quarantined file that is gone from the share, or whose place in its node's stream was
        # since taken by a segment we applied, is no longer a problem: forget it
        gone = [(n, name) for (n, name), r in bad.items() if (n, name) not in status_updates
                and (name not in listing.get(n, ()) or done.get(n, {}).get(r.seq, (None,))[0] not in (None, name)
                     or name in {v[0] for v in done.get(n, {}).values()})]
        if gone:
            with self.db.write(audit=False, capture_ops=False) as s:
                for n, name in gone:
                    s.execute(delete(SyncSegment).where(SyncSegment.node == n, SyncSegment.name == name,
                                                        SyncSegment.status.in_(HELD_STATUSES)))
        return applied_total

    def _gate(self, share: Share, nodes: list[str]) -> mem.Gate:
        meta = self._meta()
        with self.db.read() as s:
            rows = [dict(r._mapping) for r in s.execute(select(
                SyncMember.id, SyncMember.public_key, SyncMember.status, SyncMember.revoked_after,
                SyncMember.display_name, SyncMember.machine, SyncMember.agency_id))]
            t = Base.metadata.tables["agency"]
            agency_names = dict(s.execute(select(t.c.id, t.c.name)).all())
        space = meta.get("sync.space")
        requests = {n: mem.check_request(share.node_entry(n), n, space) for n in nodes}
        return mem.Gate(self.node_id, meta.get("sync.founder"), meta.get("sync.founder_key"), rows, requests,
                        agency_names)

    def _space_key(self, share: Share | None = None) -> bytes | None:
        """The space key: opened from our sealed copy, or from an envelope a member published for us on the share
        (checked against the key the founder committed to)."""
        cached = getattr(self, "_space_key_cache", None)
        if cached is not None:
            return cached
        meta = self._meta()
        key = keys.load(self.node_id)
        seed = keys.private_seed(key)
        if meta.get("sync.sealed_key"):
            try:
                space_key = crypto.unseal(base64.b64decode(meta["sync.sealed_key"]), seed)
                if crypto.key_id(space_key) == meta.get("sync.key_id"):
                    self._space_key_cache = space_key
                    return space_key
            except (ValueError, crypto.CryptoFailure):
                pass
        if share is None or not meta.get("sync.key_id"):
            return None
        found = mem.find_space_key(share, self.node_id, seed, meta["sync.key_id"])
        if found is None:
            return None
        self._space_key_cache, sealed = found
        self._save_meta(sealed_key=sealed)
        return self._space_key_cache

    def move_to(self, url: str, progress: Progress | None = None) -> SyncStatusDTO:
        """Move the folder space to a PostgreSQL server; every member follows on its next cycle."""
        with self._lock:
            counts = move.move_to(self, url, progress or _noop)
            log.info("sync: moved the space to %s: %s", self._meta().get("sync.folder"), counts)
        status = self.run_cycle(progress)
        status.extra["moved"] = counts
        return status

    def wait_for_change(self, timeout_s: float) -> bool:
        """On a server: True as soon as another installation publishes, False after ``timeout_s``. A folder has
        no push (False at once); a server that cannot be reached raises ShareUnavailable."""
        location = self._meta().get("sync.folder")
        if not is_server(location):
            return False
        return open_share(str(location)).wait_for_change(timeout_s, ignore=self.node_id)

    def _follow_move(self, share: Share, meta: dict[str, str | None]):
        """The server a member moved the space to, when the folder holds its signed pointer; else ``share``."""
        target = move.read_pointer(self, share, str(meta["sync.space"]))
        if target is None:
            return share
        with self.db.write(action="sync_move", summary=f"followed the sync space to {target}", capture_ops=False) as s:
            self._set_meta(s, folder=target)
        meta["sync.folder"] = target
        return open_share(target)

    def _space_id(self) -> str | None:
        if not hasattr(self, "_space_cache"):
            self._space_cache = None
        if self._space_cache is None:
            self._space_cache = self.db.meta("sync.space")
        return self._space_cache

    def _apply(self, node: str, name: str, seg, seen_of, skew: dict[str, int]) -> int:
        from partnerdesk.sync.merge import reindex_contacts as reindex
        from partnerdesk.sync.merge import reprice_applied

        wall = self.db.hlc.wall_ms()
        max_hlc = max((op[0] for op in seg.ops), default=None)
        with self.db.write(audit=False, capture_ops=False, action="sync") as s:
            merger = Merger(s, self.node_id, seen_of)
            res = merger.apply(node, name, seg.ops)
            if res.rows_changed:
                reprice_applied(s, seg.ops)
            if res.contact_ids or res.rows_changed:
                contact_ids = set(res.contact_ids)
                t = Base.metadata.tables["contact_skill"]
                rows = [op[2] for op in seg.ops if op[1] == "contact_skill"]
                for i in range(0, len(rows), 900):
                    contact_ids.update(s.execute(select(t.c.contact_id).where(t.c.id.in_(rows[i:i + 900]))).scalars())
                reindex(s, contact_ids, res.new_contact_ids)
            row = s.scalar(select(SyncSegment).where(SyncSegment.node == node, SyncSegment.name == name))
            if row is None:
                row = SyncSegment(node=node, name=name, seq=seg.seq, op_count=0, attempts=0)
                s.add(row)
            row.status, row.reason, row.sha256 = "applied", None, seg.sha256
            row.seen = json.dumps(seg.header.get("contexts") or [], sort_keys=True)
            row.op_count, row.applied_at = len(seg.ops), session_now(s)
            row.applied_seq = s.scalar(select(func.max(SyncOp.seq))) or 0
            a = self.db.actor
            s.add(AuditEvent(os_user=a.os_user, display_name=a.display_name, action="sync", entity="database",
                             summary=f"applied {res.new_ops} changes from node {node[:8]} ({name})",
                             changes=json.dumps({"rows": res.rows_changed, "conflicts": res.conflicts,
                                                 "duplicates": res.duplicate_ops})))
        if max_hlc:
            ms, _c = parse_hlc(max_hlc)
            if ms > wall + MAX_DRIFT_MS:
                skew[node] = max(skew.get(node, 0), ms)  # when, by our clock, its newest change was made
            self.db.hlc.observe(max_hlc)
        return res.new_ops

    def _record_status(self, updates: dict[tuple[str, str], tuple[int, str, str]], bad: dict) -> None:
        if not updates:
            return
        with self.db.write(audit=False, capture_ops=False) as s:
            for (node, name), (seq, status, reason) in updates.items():
                row = s.scalar(select(SyncSegment).where(SyncSegment.node == node, SyncSegment.name == name))
                if row is None:
                    row = SyncSegment(node=node, name=name, seq=seq, op_count=0, attempts=0)
                    s.add(row)
                    log.warning("sync: %s %s/%s: %s", status, node[:8], name, reason)
                row.status, row.reason = status, reason
                row.attempts = (row.attempts or 0) + 1

    # -- export --------------------------------------------------------------------------------------
    def _export(self, share: Share, problems: list[str], progress: Progress) -> int:
        """Take back our own ops found on the share (a restored backup, an interrupted cycle), publish again what
        is missing or damaged there (sync/heal.py), then publish our new ops."""
        me = self.node_id
        total = 0
        share.clean_temp(me)
        names = share.segment_names(me)
        forked = heal.recover_own(self, share, names, problems)
        if forked:
            self._save_meta(forked=forked)  # the cycle reports it, and nothing more is published from here
            return total
        space_key = self._space_key(share)
        if space_key is None:
            return total  # not admitted yet: nothing is published unencrypted; the ops wait here
        heal.republish(self, share, names, problems)
        self._restamp_lost_edits()
        key = keys.load(me)
        while True:
            with self.db.read() as s:
                conn = s.connection()
                ops = conn.execute(select(SyncOp.seq, SyncOp.op_id, SyncOp.hlc, SyncOp.tbl, SyncOp.row_id,
                                          SyncOp.field, SyncOp.value)
                                   .where(SyncOp.node == me, SyncOp.origin == "local", SyncOp.segment.is_(None))
                                   .order_by(SyncOp.seq).limit(MAX_OPS_PER_SEGMENT)).all()
                # what we had applied of each node, as a prefix of its stream: copies count in the place of the
                # segment they stand for (sync/heal.py)
                imports = conn.execute(select(SyncSegment.applied_seq, SyncSegment.node, SyncSegment.seq)
                                       .where(SyncSegment.status == "applied", SyncSegment.applied_seq.is_not(None),
                                              or_(SyncSegment.reason.is_(None),
                                                  not_(SyncSegment.reason.startswith(heal.COPY_OF))))
                                       .order_by(SyncSegment.applied_seq)).all()
            if not ops:
                if heal.clocks_news(self):  # a clock found off (or put right): the others hear it, even in a quiet
                    seen, contexts = _contexts(imports, [])  # space, from a segment without changes
                    heal._publish(self, share, key, space_key, [], seen, contexts)
                return total
            payload = [[o.hlc, o.tbl, o.row_id, o.field, o.value] for o in ops if (o.tbl, o.field) not in LOCAL_ONLY]
            seen, contexts = _contexts(imports, [(o.seq, o.hlc) for o in ops if (o.tbl, o.field) not in LOCAL_ONLY])
            upto = ops[-1].seq

            def mark(s, name: str, upto: int = upto) -> None:
                s.execute(update(SyncOp).where(SyncOp.node == me, SyncOp.origin == "local", SyncOp.segment.is_(None),
                                               SyncOp.seq <= upto).values(segment=name))

            progress(0, 1, "publishing")
            name = heal._publish(self, share, key, space_key, payload, seen, contexts, mark=mark)
            if name is None:
                problems.append(f"could not publish {len(payload)} changes to {share.folder}")
                return total
            total += len(ops)

    def _restamp_lost_edits(self) -> None:
        """An edit made here after seeing a value stamped ahead of our clock beyond the adoption window (a PC
        whose clock runs days ahead) would show here but lose to that value everywhere else. Before it is
        published it takes the time stamp just after the value it replaced, so every PC keeps it, as a causally
        later edit; our own clock is not moved."""
        from partnerdesk.db.capture import stamp_rows
        from partnerdesk.domain.hlc import MAX_COUNTER, parse as parse_stamp, render

        me = self.node_id
        with self.db.write(audit=False, capture_ops=False) as s:
            conn = s.connection()
            lost = conn.exec_driver_sql(
                "SELECT o.seq, o.tbl, o.row_id, o.field, max(p.hlc) FROM sync_op o JOIN sync_op p "
                "ON p.tbl = o.tbl AND p.row_id = o.row_id AND p.field = o.field AND p.node != o.node "
                "AND p.hlc > o.hlc AND p.seq < o.seq "
                "WHERE o.node = ? AND o.origin = 'local' AND o.segment IS NULL GROUP BY o.seq ORDER BY o.seq",
                (me,)).all()
            if not lost:
                return
            floor: dict[tuple[str, str, str], str] = {}
            for seq, tbl, row_id, fld, above in lost:
                ms, counter = parse_stamp(max(above, floor.get((tbl, row_id, fld), "")))
                while True:
                    ms, counter = (ms + 1, 0) if counter >= MAX_COUNTER else (ms, counter + 1)
                    stamp = render(ms, counter)
                    if conn.execute(select(SyncOp.seq).where(SyncOp.op_id == f"{stamp}-{me}")).first() is None:
                        break
                conn.execute(update(SyncOp).where(SyncOp.seq == seq).values(hlc=stamp, op_id=f"{stamp}-{me}"))
                floor[(tbl, row_id, fld)] = stamp
            touched = sorted({(tbl, row_id) for _seq, tbl, row_id, _f, _a in lost})
            stamp_rows(conn, [(tbl, row_id, f, h) for tbl, row_id in touched for f, h in conn.exec_driver_sql(
                "SELECT field, max(hlc) FROM sync_op WHERE tbl = ? AND row_id = ? GROUP BY field", (tbl, row_id))])
        log.info("sync: %d edits made after seeing times from a clock ahead now follow them", len(lost))

    # -- status --------------------------------------------------------------------------------------
    def status(self) -> SyncStatusDTO:
        meta = self._meta()
        if not meta.get("sync.space"):
            return SyncStatusDTO(state=NOT_SET_UP, folder=None, node=self.node_id, last_sync=None, quarantined=0,
                                 conflicts=0, message="sync is not set up")
        with self.db.read() as s:
            q = s.execute(select(SyncSegment.node, SyncSegment.name, SyncSegment.status, SyncSegment.reason,
                                 SyncSegment.attempts).where(SyncSegment.status.in_(HELD_STATUSES))
                          .order_by(SyncSegment.node, SyncSegment.seq)).all()
            # changes refused (invalid, or not the sender's agency's to make): listed until dismissed
            refused = s.execute(select(SyncConflict.other_node, SyncConflict.tbl, SyncConflict.row_id,
                                       SyncConflict.field, SyncConflict.kind, SyncConflict.reason)
                                .where(SyncConflict.kind.in_(REFUSED_KINDS), SyncConflict.resolved_at.is_(None))
                                .order_by(SyncConflict.detected_at, SyncConflict.id)).all()
            n_conf = s.scalar(select(func.count()).select_from(SyncConflict)
                              .where(SyncConflict.resolved_at.is_(None))) or 0
            per_node = {n: (c, mx) for n, c, mx in s.execute(
                select(SyncSegment.node, func.count(), func.max(SyncSegment.seq))
                .where(SyncSegment.status.in_(("applied", "published"))).group_by(SyncSegment.node))}
            unpublished = s.execute(select(SyncOp.seq).where(
                SyncOp.node == self.node_id, SyncOp.origin == "local", SyncOp.segment.is_(None),
                *[not_(and_(SyncOp.tbl == t, SyncOp.field == f)) for t, f in LOCAL_ONLY]).limit(1)).first()
        roster = json.loads(meta.get("sync.roster") or "{}")
        problems = tuple(json.loads(meta.get("sync.problems") or "[]"))
        awaiting = tuple(PendingDTO(**a) for a in json.loads(meta.get("sync.awaiting") or "[]"))
        revoked = set(json.loads(meta.get("sync.revoked") or "[]"))
        state = SYNCING if self._syncing else (meta.get("sync.state") or SYNCED)
        if state == SYNCED and awaiting:  # "synced" only with nothing awaiting approval, held back or unpublished
            state = AWAITING
        elif state == SYNCED and q:
            state = QUARANTINED
        elif state == SYNCED and unpublished is not None:
            state = UNPUBLISHED
        if state == SYNCED and refused:
            state = QUARANTINED
        quarantine = tuple(QuarantineDTO(node=r.node, name=r.name, status=r.status, reason=r.reason or "",
                                         attempts=r.attempts or 0) for r in q) + tuple(
            QuarantineDTO(node=r.other_node, name=f"{r.tbl}/{r.row_id}/{r.field}", status=r.kind, reason=r.reason or "",
                          attempts=1) for r in refused)
        node_problem = {r.node: r.reason for r in q}
        node_problem.update({n: "revoked: its later changes are not applied" for n in revoked})
        node_problem.update({a.node: "awaiting approval" for a in awaiting})
        nodes = []
        for n in sorted(set(roster) | {self.node_id}):
            c, mx = per_node.get(n, (0, 0))
            nodes.append(NodeDTO(node=n, name=roster.get(n, n[:8]), is_self=n == self.node_id, segments=c,
                                 last_seq=mx or 0, problem=node_problem.get(n)))
        message = problems[0] if problems else ("all changes are shared" if state == SYNCED else
                                                 awaiting[0].reason if state == AWAITING else state)
        return SyncStatusDTO(state=state, folder=meta.get("sync.folder"), node=self.node_id,
                             last_sync=meta.get("sync.last_sync"), quarantined=len(quarantine), conflicts=n_conf,
                             nodes=tuple(nodes), problems=problems, quarantine=quarantine, message=message,
                             clock_skew_ms=int(meta.get("sync.skew") or 0),
                             clock_warning=meta.get("sync.clock_warning") or None, awaiting_approval=awaiting,
                             extra={"join_code": self.join_code()})

    # -- conflicts -----------------------------------------------------------------------------------
    def conflicts(self, include_resolved: bool = False) -> list[ConflictDTO]:
        with self.db.read() as s:
            q = select(SyncConflict).order_by(SyncConflict.detected_at.desc())
            if not include_resolved:
                q = q.where(SyncConflict.resolved_at.is_(None))
            out = []
            for c in s.scalars(q):
                out.append(ConflictDTO(
                    id=c.id, kind=c.kind, table=c.tbl, row_id=c.row_id, field=c.field,
                    kept_value=_json(c.kept_value), kept_node=c.kept_node, other_value=_json(c.other_value),
                    other_node=c.other_node, detected_at=iso_utc(c.detected_at), resolved=c.resolved_at is not None,
                    resolution=c.resolution, label=_label(s, c.tbl, c.row_id), reason=c.reason or ""))
            return out

    def resolve(self, conflict_id: str, use: str = "other") -> ConflictDTO:
        """Settle a conflict: ``use="other"`` writes the other installation's value as a new edit (which then
        syncs everywhere); ``use="kept"`` keeps the current value."""
        if use not in ("other", "kept"):
            raise UserError("use: 'other' or 'kept'")
        with self._lock, self.db.write(action="resolve_conflict") as s:
            c = s.get(SyncConflict, conflict_id)
            if c is None:
                raise NotFoundError(f"no sync conflict with id {conflict_id}")
            if c.resolved_at is not None:
                raise UserError("this conflict is already resolved")
            if use == "other":
                if c.kind == "frozen":
                    raise UserError("the record was frozen when its statement was issued (or the entry invoiced); "
                                    "the other value cannot be applied. Void and reissue to change it")
                if c.kind in ("overpaid", "void_payment"):
                    raise UserError(f"{c.reason or 'a money conflict'}; settle it with a refund or a credit note, then "
                                    "dismiss it with --use kept")
                if c.kind in REFUSED_KINDS:
                    raise UserError(f"this change was refused ({c.reason or c.kind}) and is never applied; dismiss it "
                                    "with --use kept")
                if c.kind == "duplicate":
                    raise UserError("two records share a code: rename or delete one of them instead")
                model = _model(c.tbl)
                obj = s.get(model, c.row_id)
                if obj is None:
                    raise NotFoundError(f"the {c.tbl.replace('_', ' ')} {c.row_id} is not here any more")
                col = model.__table__.columns[c.field]
                setattr(obj, c.field, _python_value(col, decode_value(col, c.other_value)))
                s.info["summary"] = f"sync conflict: used the other value of {c.field}"
            c.resolved_at, c.resolution = session_now(s), use
            s.flush()
        return next(x for x in self.conflicts(include_resolved=True) if x.id == conflict_id)

    # -- billing -------------------------------------------------------------------------------------
    def can_issue_numbers(self, agency: Any) -> bool:
        return _can_issue(agency, self.node_id)


def _default_agency(s) -> str | None:
    """The agency an installation works for when nobody said: its home agency, else its oldest agency."""
    t = Base.metadata.tables["agency"]
    return s.scalar(select(t.c.id).where(t.c.deleted_at.is_(None))
                    .order_by(t.c.is_home.desc(), t.c.created_at, t.c.id).limit(1))


def _machine() -> str:
    try:
        return socket.gethostname() or "pc"
    except OSError:
        return "pc"


node_label = mem.node_label


def _contexts(imports, ops: list[tuple[int, str]]) -> tuple[dict[str, int], list]:
    """The seen vector now, and for each op the segments its writer (we) had applied before writing it,
    as runs: [[from_hlc, {node: seq}], ...]."""
    vec: dict[str, int] = {}
    out: list = []
    i = 0
    for lseq, hlc in ops:
        changed = False
        while i < len(imports) and (imports[i].applied_seq or 0) < lseq:
            if imports[i].seq > vec.get(imports[i].node, 0):
                vec[imports[i].node] = imports[i].seq
                changed = True
            i += 1
        if changed or not out:
            out.append([hlc, dict(vec)])
    while i < len(imports):
        if imports[i].seq > vec.get(imports[i].node, 0):
            vec[imports[i].node] = imports[i].seq
        i += 1
    return vec, out


def _told(clocks: dict, me: str) -> int:
    """From a segment header's ``clocks``: how far its writer found our clock ahead of its own, or minus how
    far it found its own clock behind everyone's; 0 when it found nothing."""
    try:
        behind = int(clocks.get("behind") or 0)
        return -behind if behind > 0 else int((clocks.get("ahead") or {}).get(me) or 0)
    except (TypeError, ValueError, AttributeError):
        return 0


def _duration(ms: int) -> str:
    minutes = round(ms / 60000)
    if minutes < 120:
        return f"{minutes} minutes"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} hours"
    return f"{round(minutes / (24 * 60))} days"


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _model(tbl: str):
    for m in Base.registry.mappers:
        if m.local_table is not None and m.local_table.name == tbl:
            return m.class_
    raise NotFoundError(f"unknown table {tbl}")


def _python_value(col, value: Any) -> Any:
    proc = getattr(col.type, "process_result_value", None)
    if proc is not None and isinstance(value, str):
        return proc(value, None)
    return value


def _label(s, tbl: str, row_id: str) -> str:
    if tbl not in Base.metadata.tables:
        return row_id
    t = Base.metadata.tables[tbl]
    for f in LABEL_FIELDS:
        if f in t.c:
            v = s.execute(select(t.c[f]).where(t.c.id == row_id)).scalar()
            if v:
                return f"{tbl.replace('_', ' ').capitalize()}: {v}"
    return f"{tbl.replace('_', ' ').capitalize()} {row_id[:8]}"


def can_issue_numbers(agency: Any, node_id: str) -> bool:
    return _can_issue(agency, node_id)
