"""STORE, COPY, MOVE, EXPUNGE and their UID forms (RFC 9051, UIDPLUS RFC 4315, MOVE RFC 6851,
CONDSTORE ``UNCHANGEDSINCE`` RFC 7162).

Every write goes through the store (``runtime.ingestor.changes``), in changes of at most
``MAX_IDS`` entries, so the web app and the member's other sessions see it at once and the
change log records it. The selected state is told what this session did (``note``,
``forget``) so that the next ``sync`` does not report it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailcore.core.models import MailboxEntry
from mailcore.core.sqlwork import batches
from mailcore.protocols.imap import mailboxes, mailrows
from mailcore.protocols.imap.mailrows import SYSTEM_FLAGS
from mailcore.protocols.imap.parser import Args, Atom, Command
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.selected import Selected
from mailcore.protocols.imap.sequence import compact
from mailcore.protocols.imap.session import SELECTED, Session, command
from mailcore.store.changes import MAX_IDS
from mailcore.store.errors import MailError, MailErrorCode

if TYPE_CHECKING:
    from mailcore.protocols.imap.mailrows import Row

_SYSTEM = {name.upper(): attr for attr, name in SYSTEM_FLAGS}


def _selected(session: Session) -> Selected:
    selected = session.selected
    assert isinstance(selected, Selected) and session.member is not None
    return selected


def _writable(selected: Selected) -> None:
    if selected.readonly:
        raise No("[READ-ONLY] the mailbox is open read-only (EXAMINE)")


def entry_flags(entry: MailboxEntry) -> str:
    flags = [name for attr, name in SYSTEM_FLAGS if getattr(entry, attr)]
    return "(" + " ".join(flags + (entry.keywords or "").split()) + ")"


# --- STORE ------------------------------------------------------------------------------------


def parse_flags(values: list) -> tuple[dict[str, bool], list[str]]:
    """System flags (by attribute) and keywords of a flag list; ``Bad`` for \\Recent or an
    unknown system flag."""
    system: dict[str, bool] = {}
    words: list[str] = []
    for value in values:
        if not isinstance(value, Atom):
            raise Bad("flags are atoms")
        if value.startswith("\\"):
            attr = _SYSTEM.get(value.upper())
            if attr is None:
                raise Bad(f"cannot store the flag {value[:40]}")
            system[attr] = True
        else:
            words.append(str(value))
    return system, words


def _store_arguments(args: Args) -> tuple[int | None, str, bool, list]:
    unchanged_since = None
    modifiers = args.optional_list()
    while modifiers is not None and modifiers.more():
        modifiers.keyword("STORE modifier", "UNCHANGEDSINCE")
        unchanged_since = modifiers.number("mod-sequence")
    op = args.atom("+FLAGS, -FLAGS or FLAGS").upper()
    silent = op.endswith(".SILENT")
    op = op.removesuffix(".SILENT")
    if op not in ("FLAGS", "+FLAGS", "-FLAGS"):
        raise Bad("STORE takes FLAGS, +FLAGS or -FLAGS")
    listed = args.optional_list()
    values = listed.rest() if listed is not None else args.rest()
    args.end()
    return unchanged_since, op, silent, values


@command("STORE", "UID STORE", states=SELECTED)
async def store(session: Session, cmd: Command) -> str | None:
    selected = _selected(session)
    by_uid = cmd.name == "UID STORE"
    uids = selected.parse_set(cmd.args.atom("sequence set"), by_uid)
    unchanged_since, op, silent, values = _store_arguments(cmd.args)
    system, words = parse_flags(values)
    _writable(selected)
    if unchanged_since is not None:
        session.enabled.add("CONDSTORE")
    if op == "FLAGS":
        flags = {attr: attr in system for _, attr in _SYSTEM.items()}
        keywords = {"keywords_set": words}
    elif op == "+FLAGS":
        flags, keywords = system, {"keywords_add": words}
    else:
        flags = dict.fromkeys(system, False)
        keywords = {"keywords_remove": words}
    rows = await mailrows.load(selected.folder_id, uids)
    uid_of = {r.id: r.uid for r in rows}
    changes = session.runtime.ingestor.changes
    member_id = session.member.id  # type: ignore[union-attr]
    done: list[MailboxEntry] = []
    modified: list[int] = []
    try:
        for batch in batches([r.id for r in rows], MAX_IDS):
            result = await changes.store_flags(
                member_id, batch, unchanged_since=unchanged_since, **keywords, **flags
            )
            done += result.entries
            modified += [uid_of[e.id] for e in result.modified]
    except MailError as exc:
        raise Bad(exc.message) from None
    done.sort(key=lambda e: uid_of[e.id])
    for entry in done:
        uid = uid_of[entry.id]
        selected.told[uid] = entry.modseq
        n = selected.msn(uid)
        if silent and unchanged_since is None or not n:
            continue
        items = [f"UID {uid}"] if by_uid or session.qresync else []
        if not silent:
            items.append(f"FLAGS {entry_flags(entry)}")
        if session.condstore:
            items.append(f"MODSEQ ({entry.modseq})")
        session.write(f"* {n} FETCH ({' '.join(items)})\r\n".encode())
    if modified:
        numbers = sorted(modified if by_uid else [selected.msn(u) for u in modified])
        return f"[MODIFIED {compact(numbers)}] {cmd.name} completed"
    return None


# --- COPY / MOVE ------------------------------------------------------------------------------


async def _target(session: Session, args: Args):
    name = mailboxes.mailbox_arg(session, args)
    args.end()
    folder = await mailboxes.find(session, name)
    if folder is None:
        raise No("[TRYCREATE] no such mailbox")
    return folder


@command("COPY", "UID COPY", states=SELECTED)
async def copy(session: Session, cmd: Command) -> str | None:
    selected = _selected(session)
    by_uid = cmd.name == "UID COPY"
    uids = selected.parse_set(cmd.args.atom("sequence set"), by_uid)
    folder = await _target(session, cmd.args)
    rows = await mailrows.load(selected.folder_id, uids)
    if not rows:
        return None if by_uid else "[EXPUNGEISSUED] no such messages"
    uid_of = {r.id: r.uid for r in rows}
    changes = session.runtime.ingestor.changes
    pairs: list[tuple[int, int]] = []
    try:
        for batch in batches([r.id for r in rows], MAX_IDS):
            made = await changes.copy(session.member.id, batch, folder)  # type: ignore[union-attr]
            pairs += [(uid_of[old], new.uid) for old, new in made]
    except MailError as exc:
        if exc.code == MailErrorCode.QUOTA_EXCEEDED:
            raise No("[OVERQUOTA] the mailbox is full") from None
        raise No(exc.message) from None
    source, target = compact([p[0] for p in pairs]), compact([p[1] for p in pairs])
    return f"[COPYUID {folder.id} {source} {target}] {cmd.name} completed"


@command("MOVE", "UID MOVE", states=SELECTED)
async def move(session: Session, cmd: Command) -> str | None:
    selected = _selected(session)
    by_uid = cmd.name == "UID MOVE"
    uids = selected.parse_set(cmd.args.atom("sequence set"), by_uid)
    folder = await _target(session, cmd.args)
    _writable(selected)
    if folder.id == selected.folder_id:
        raise No("[CANNOT] the messages are in that mailbox already")
    rows = await mailrows.load(selected.folder_id, uids)
    if not rows:
        return None if by_uid else "[EXPUNGEISSUED] no such messages"
    uid_of = {r.id: r.uid for r in rows}
    changes = session.runtime.ingestor.changes
    pairs: list[tuple[int, int]] = []
    for batch in batches([r.id for r in rows], MAX_IDS):
        try:
            moved = await changes.move(session.member.id, batch, folder)  # type: ignore[union-attr]
        except MailError as exc:
            raise No(exc.message) from None
        pairs += sorted((uid_of[e.id], e.uid) for e in moved)
    source, target = compact([p[0] for p in pairs]), compact([p[1] for p in pairs])
    session.untagged(f"OK [COPYUID {folder.id} {source} {target}] Moved")
    selected.forget(session, [p[0] for p in pairs])
    return None


# --- EXPUNGE ----------------------------------------------------------------------------------


async def expunge_deleted(
    session: Session, selected: Selected, uids: list[int] | None
) -> list[int]:
    """Remove the \\Deleted messages (of ``uids`` if given) for good; their UIDs."""
    if uids is not None and not uids:
        return []
    rows: list[Row] = [r for r in await mailrows.load(selected.folder_id, uids) if r.deleted]
    if not rows:
        return []
    uid_of = {r.id: r.uid for r in rows}
    changes = session.runtime.ingestor.changes
    gone: list[int] = []
    for batch in batches(list(uid_of), MAX_IDS):
        removed = await changes.expunge(session.member.id, batch)  # type: ignore[union-attr]
        gone += [uid_of[i] for i in removed]
    return sorted(gone)


@command("EXPUNGE", states=SELECTED)
async def expunge(session: Session, cmd: Command) -> None:
    selected = _selected(session)
    cmd.args.end()
    _writable(selected)
    selected.forget(session, await expunge_deleted(session, selected, None))


@command("UID EXPUNGE", states=SELECTED)
async def uid_expunge(session: Session, cmd: Command) -> None:
    selected = _selected(session)
    uids = selected.parse_set(cmd.args.atom("UID set"), True)
    cmd.args.end()
    _writable(selected)
    if uids:
        selected.forget(session, await expunge_deleted(session, selected, uids))
