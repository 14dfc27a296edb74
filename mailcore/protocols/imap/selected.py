"""The selected mailbox: SELECT/EXAMINE (with CONDSTORE and QRESYNC), the message number ↔
UID map, ``sync`` from the change log, CLOSE and UNSELECT.

The session keeps the folder's UIDs in order (message number n is ``uids[n - 1]``) and the
highest modification sequence it has told the client (``modseq``). ``sync`` reads what the
store's change log (``mailbox_change``) and the entries say happened after that: entries
that left the folder (``EXPUNGE``, or ``VANISHED`` with QRESYNC), new entries (``EXISTS``)
and flag changes (``FETCH (UID FLAGS MODSEQ)``). The log is the truth; bus events only wake
IDLE. During FETCH, STORE and SEARCH by number no EXPUNGE may be sent: removals wait in
``gone`` (their numbers stay valid, their data is gone) until a command that allows them.
``told`` holds the modification sequence each message was last reported at, so a change the
session made itself (STORE) is not reported twice.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from mailcore.core.db import select
from mailcore.core.models import Folder
from mailcore.protocols.imap import mailboxes, mailrows
from mailcore.protocols.imap.parser import Args, Atom, Command
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.sequence import BadSequence, SequenceSet, compact
from mailcore.protocols.imap.sequence import parse as parse_set
from mailcore.protocols.imap.session import AUTHENTICATED, SELECTED, Session, command

if TYPE_CHECKING:
    from mailcore.protocols.imap.mailrows import Row

FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
COMMON_KEYWORDS = ("$Forwarded", "$MDNSent", "$Junk", "$NotJunk", "$Phishing")


class Selected:
    def __init__(self, member_id: int, folder: Folder, readonly: bool) -> None:
        self.member_id = member_id
        self.folder_id = folder.id
        self.uidvalidity = folder.id
        self.readonly = readonly
        self.uids: list[int] = []
        self.modseq = 0
        self.gone: set[int] = set()  # removed, EXPUNGE not yet sent
        self.told: dict[int, int] = {}  # uid → modseq the client was last told
        self.saved: list[int] = []  # SEARCHRES "$": UIDs of the last SEARCH ... SAVE

    # --- numbers -------------------------------------------------------------------------

    def msn(self, uid: int) -> int:
        """The message number of ``uid`` (0 if not in the mailbox)."""
        i = bisect_left(self.uids, uid)
        return i + 1 if i < len(self.uids) and self.uids[i] == uid else 0

    def resolve(self, seqset: SequenceSet, by_uid: bool) -> list[int]:
        """The UIDs a sequence set names (message numbers or UIDs), ascending."""
        if seqset.saved:
            return [u for u in self.saved if self.msn(u)]
        if by_uid:
            return seqset.pick(self.uids)
        try:
            numbers = seqset.message_numbers(len(self.uids))
        except BadSequence as exc:
            raise Bad(f"invalid message set: {exc}") from None
        uids = self.uids
        return [uids[n - 1] for n in numbers]

    def parse_set(self, text: str, by_uid: bool) -> list[int]:
        try:
            return self.resolve(parse_set(text), by_uid)
        except BadSequence as exc:
            raise Bad(str(exc)) from None

    def note(self, rows: list[Row]) -> None:
        """The client has been told these rows' flags (at their modseq)."""
        for row in rows:
            self.told[row.uid] = row.modseq

    # --- sync ----------------------------------------------------------------------------

    async def highest_modseq(self) -> int:
        return (await mailboxes.highest_modseqs(self.member_id, [self.folder_id]))[self.folder_id]

    async def member_modseq(self) -> int:
        found = await select('SELECT "modseq" FROM "member" WHERE "id" = ?', self.member_id)
        return int(found[0]["modseq"]) if found else 0

    async def removed_since(self, since: int) -> list[int]:
        """UIDs that left this folder after ``since`` (moved away or expunged)."""
        found = await select(
            'SELECT "uid" FROM "mailbox_change" WHERE "member_id" = ? AND "from_folder_id" = ?'
            ' AND "modseq" > ?',
            self.member_id,
            self.folder_id,
            since,
        )
        return sorted({int(r["uid"]) for r in found if r["uid"] is not None})

    async def sync(self, session: Session, *, expunges: bool) -> None:
        top = await self.member_modseq()
        if top <= self.modseq and not (expunges and self.gone):
            return
        since = self.modseq
        if top > since:
            for uid in await self.removed_since(since):
                if self.msn(uid):
                    self.gone.add(uid)
            rows = await mailrows.load(self.folder_id, changed_since=since)
            last = self.uids[-1] if self.uids else 0
            new = [r for r in rows if r.uid > last]
            changed = [r for r in rows if r.uid <= last and self.told.get(r.uid, 0) < r.modseq]
            self.modseq = top  # not higher: a removal above it may not have been read yet
        else:
            new, changed = [], []
        if expunges and self.gone:
            self._expunged(session, sorted(self.gone))
        for row in changed:
            n = self.msn(row.uid)
            if n and row.uid not in self.gone:
                session.write(self.flags_response(session, n, row))
        self.note(changed)
        if new:
            self.uids.extend(r.uid for r in new)
            self.note(new)
            session.untagged(f"{len(self.uids)} EXISTS")

    def flags_response(self, session: Session, n: int, row: Row) -> bytes:
        modseq = f" MODSEQ ({row.modseq})" if session.condstore else ""
        return f"* {n} FETCH (UID {row.uid} FLAGS {row.flag_list()}{modseq})\r\n".encode()

    def _expunged(self, session: Session, uids: list[int]) -> None:
        """Tell the client these UIDs are gone and drop them from the map."""
        gone = set(uids)
        if session.qresync:
            present = [u for u in uids if self.msn(u)]
            if present:
                session.untagged(f"VANISHED {compact(present)}")
        else:
            numbers = [self.msn(u) for u in uids]
            for n in sorted((n for n in numbers if n), reverse=True):
                session.untagged(f"{n} EXPUNGE")
        self.uids = [u for u in self.uids if u not in gone]
        for uid in gone:
            self.told.pop(uid, None)
        self.gone -= gone

    def forget(self, session: Session, uids: list[int]) -> None:
        """Entries this session removed itself (EXPUNGE, MOVE): reported now."""
        self._expunged(session, uids)


# --- SELECT / EXAMINE -------------------------------------------------------------------------


def _parameters(args: Args) -> tuple[bool, list | None]:
    """``(CONDSTORE)`` / ``(QRESYNC (…))`` after the mailbox name."""
    params = args.optional_list()
    args.end()
    condstore, qresync = False, None
    if params is None:
        return condstore, qresync
    while params.more():
        name = params.keyword("select parameter", "CONDSTORE", "QRESYNC")
        if name == "CONDSTORE":
            condstore = True
        else:
            qresync = params.next("QRESYNC parameters")
            if not isinstance(qresync, list):
                raise Bad("QRESYNC takes a parenthesized list")
    return condstore, qresync


@command("SELECT", "EXAMINE", states=AUTHENTICATED)
async def select_mailbox(session: Session, cmd: Command) -> str:
    assert session.member is not None
    if session.selected is not None and (session.rev2 or session.qresync):
        session.untagged("OK [CLOSED] Previous mailbox closed")  # RFC 7162 §3.2.11
    session.selected = None  # a failed SELECT leaves nothing selected (RFC 9051 §6.3.2)
    name = mailboxes.mailbox_arg(session, cmd.args)
    condstore, qresync = _parameters(cmd.args)
    if qresync is not None and not session.qresync:
        raise Bad("QRESYNC must be enabled first")
    if condstore:
        session.enabled.add("CONDSTORE")
    folder = await mailboxes.find(session, name)
    if folder is None:
        raise No("[NONEXISTENT] no such mailbox")
    readonly = cmd.name == "EXAMINE"
    selected = Selected(session.member.id, folder, readonly)
    selected.modseq = await selected.member_modseq()  # first: later changes are synced
    uids, unseen = await mailrows.uid_list(folder.id)
    selected.uids = uids
    highest = await selected.highest_modseq()
    keywords = await _keywords(folder.id)
    flags = " ".join([FLAGS, *keywords])
    session.untagged(f"{len(uids)} EXISTS")
    if not session.rev2:
        session.untagged("0 RECENT")
    session.untagged(f"FLAGS ({flags})")
    permanent = "" if readonly else f"{flags} \\*"
    session.untagged(f"OK [PERMANENTFLAGS ({permanent})] Flags permitted")
    if unseen and not session.rev2:
        session.untagged(f"OK [UNSEEN {selected.msn(unseen[0])}] First unseen")
    session.untagged(f"OK [UIDVALIDITY {selected.uidvalidity}] UIDs valid")
    uid_next = max(folder.uid_next, (uids[-1] + 1) if uids else 1)
    session.untagged(f"OK [UIDNEXT {uid_next}] Predicted next UID")
    session.untagged(f"OK [HIGHESTMODSEQ {highest}] Highest")
    if session.rev2:
        await _list_line(session, name)
    if qresync is not None:
        await _qresync(session, selected, Args(qresync))
    session.selected = selected
    mode = "READ-ONLY" if readonly else "READ-WRITE"
    return f"[{mode}] {cmd.name} completed"


async def _list_line(session: Session, name: str) -> None:
    """IMAP4rev2 SELECT also answers the mailbox's LIST line (RFC 9051 §6.3.2)."""
    assert session.member is not None
    box = (await mailboxes.load(session.member.id)).find(name)
    if box is None:
        return
    attributes = ["\\HasChildren" if box.children else "\\HasNoChildren"]
    if box.role in mailboxes.SPECIAL_USE:
        attributes.append(mailboxes.SPECIAL_USE[box.role])
    head = f'* LIST ({" ".join(attributes)}) "/" '.encode()
    session.write(head + mailboxes.wire_name(session, box.path) + b"\r\n")


async def _keywords(folder_id: int) -> list[str]:
    rows = await select(
        'SELECT DISTINCT "keywords" FROM "mailbox_entry" WHERE "folder_id" = ?'
        " AND \"keywords\" <> ''",
        folder_id,
    )
    found = {k.casefold(): k for r in rows for k in (r["keywords"] or "").split()}
    for word in COMMON_KEYWORDS:
        found.setdefault(word.casefold(), word)
    return sorted(found.values(), key=str.casefold)


async def _qresync(session: Session, selected: Selected, params: Args) -> None:
    """RFC 7162 §3.2.5: what changed since the client's modseq, if its UIDVALIDITY holds."""
    uidvalidity = params.number("UIDVALIDITY", nonzero=True)
    since = params.number("mod-sequence")
    known: SequenceSet | None = None
    if params.more() and isinstance(params.peek(), Atom):
        try:
            known = parse_set(params.atom("known UIDs"))
        except BadSequence as exc:
            raise Bad(str(exc)) from None
    if params.more():
        params.list("sequence match data")  # accepted; the UID map is exact here
    params.end()
    if uidvalidity != selected.uidvalidity:
        return
    vanished = [u for u in await selected.removed_since(since) if not selected.msn(u)]
    if known is not None and vanished:
        vanished = [u for u in vanished if known.contains(u, vanished[-1])]
    if vanished:
        session.untagged(f"VANISHED (EARLIER) {compact(vanished)}")
    rows = await mailrows.load(selected.folder_id, changed_since=since)
    for row in rows:
        n = selected.msn(row.uid)
        if n:
            session.write(
                f"* {n} FETCH (UID {row.uid} FLAGS {row.flag_list()} MODSEQ ({row.modseq}))"
                "\r\n".encode()
            )
    selected.note(rows)


# --- CLOSE / UNSELECT -------------------------------------------------------------------------


@command("UNSELECT", states=SELECTED)
async def unselect(session: Session, cmd: Command) -> None:
    cmd.args.end()
    session.selected = None


@command("CLOSE", states=SELECTED)
async def close(session: Session, cmd: Command) -> None:
    """Expunge what is \\Deleted (silently), unless the mailbox was opened read-only."""
    cmd.args.end()
    selected = session.selected
    assert isinstance(selected, Selected) and session.member is not None
    session.selected = None
    if not selected.readonly:
        from mailcore.protocols.imap.messages import expunge_deleted

        await expunge_deleted(session, selected, None)
