"""Mailbox commands: LIST (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE), LSUB, STATUS, CREATE,
DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and APPEND — over the member's folders, the same
rows the web app shows.

Names. A folder's IMAP name is its path of folder names joined by ``/`` (our hierarchy
separator; a folder name cannot hold one). The inbox is ``INBOX`` (any case, also as the
first part of a path); the other system folders keep their names and carry their SPECIAL-USE
attribute (Drafts ``\\Drafts``, Sent ``\\Sent``, Trash ``\\Trash``, Spam ``\\Junk``, Archive
``\\Archive``). On the wire names are modified UTF-7 (``utf7``) unless the client enabled
UTF8=ACCEPT or IMAP4rev2. UIDVALIDITY is the folder's id.

Every command reads the member's folders with one query (``load``); LIST-STATUS and STATUS
count all the folders they need with one grouped query each (``counts``).

APPEND goes through the one ingest path (``IngestSource.IMAP_APPEND``) and answers
``[APPENDUID <uidvalidity> <uid>]``; beyond APPENDLIMIT (``QIYOU_MAX_MESSAGE_SIZE``) the
session refuses the literal with ``[TOOBIG]`` before it is sent; a full mailbox answers
``[OVERQUOTA]``. The mail keeps its own date (old mail, not announced as new).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from mailcore.core.db import select
from mailcore.core.models import Folder, FolderRole
from mailcore.protocols.imap import utf7
from mailcore.protocols.imap.parser import Args, Atom, Command, String
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.session import AUTHENTICATED, Session, command
from mailcore.store import flags as keywords
from mailcore.store import folders
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.request import Delivery, IngestRequest, IngestSource, PolicyRefusal

SEPARATOR = "/"
SPECIAL_USE = {
    FolderRole.DRAFTS: "\\Drafts",
    FolderRole.SENT: "\\Sent",
    FolderRole.TRASH: "\\Trash",
    FolderRole.SPAM: "\\Junk",
    FolderRole.ARCHIVE: "\\Archive",
}
STATUS_ITEMS = (
    "MESSAGES",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "DELETED",
    "SIZE",
    "HIGHESTMODSEQ",
    "APPENDLIMIT",
    "RECENT",
)
SYSTEM_FLAGS = {
    "\\SEEN": "seen",
    "\\ANSWERED": "answered",
    "\\FLAGGED": "flagged",
    "\\DELETED": "deleted",
    "\\DRAFT": "draft",
}
_DATE_TIME = re.compile(r" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-]\d{4})")
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


@dataclass
class Box:
    """One folder as IMAP sees it."""

    id: int
    parent_id: int | None
    name: str
    role: FolderRole | None
    subscribed: bool
    uid_next: int
    path: str = ""  # the IMAP name, decoded
    children: int = 0


class Tree:
    """The member's folders by id and by IMAP name."""

    def __init__(self, boxes: list[Box]) -> None:
        self.by_id = {box.id: box for box in boxes}
        for box in boxes:
            box.path = self._path(box)
            if box.parent_id in self.by_id:
                self.by_id[box.parent_id].children += 1
        inbox_first = sorted(boxes, key=lambda b: (b.role is not FolderRole.INBOX, b.path))
        self.boxes = inbox_first
        self.by_path = {box.path: box for box in boxes}
        self.by_folded = {box.path.casefold(): box for box in boxes}

    def _path(self, box: Box) -> str:
        parts = []
        seen: set[int] = set()
        current: Box | None = box
        while current is not None and current.id not in seen:
            seen.add(current.id)
            parts.append("INBOX" if current.role is FolderRole.INBOX else current.name)
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return SEPARATOR.join(reversed(parts))

    def find(self, path: str) -> Box | None:
        path = canonical(path)
        return self.by_path.get(path) or self.by_folded.get(path.casefold())

    def descendants(self, box: Box) -> list[Box]:
        prefix = box.path + SEPARATOR
        return [b for b in self.boxes if b.path.startswith(prefix)]


async def load(member_id: int) -> Tree:
    rows = await select(
        'SELECT "id", "parent_id", "name", "role", "subscribed", "uid_next" FROM "folder"'
        ' WHERE "member_id" = ?',
        member_id,
    )
    return Tree(
        [
            Box(
                id=int(r["id"]),
                parent_id=r["parent_id"],
                name=r["name"],
                role=FolderRole(r["role"]) if r["role"] else None,
                subscribed=bool(r["subscribed"]),
                uid_next=int(r["uid_next"] or 1),
            )
            for r in rows
        ]
    )


def canonical(path: str) -> str:
    """``inbox/x`` → ``INBOX/x``; a trailing separator dropped."""
    path = path.rstrip(SEPARATOR) if path != SEPARATOR else path
    head, sep, rest = path.partition(SEPARATOR)
    if head.upper() == "INBOX":
        return "INBOX" + sep + rest
    return path


def decode_name(session: Session, raw: bytes) -> str:
    """A mailbox name from the wire: UTF-8 when enabled (or when the client sent 8-bit
    anyway), else modified UTF-7."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise Bad("a mailbox name is not valid UTF-8") from None
    if session.utf8 or not text.isascii():
        return text
    try:
        return utf7.decode(text)
    except utf7.Utf7Error as exc:
        raise Bad(f"bad mailbox name: {exc}") from None


def wire_name(session: Session, path: str) -> bytes:
    return session.quote(path if session.utf8 else utf7.encode(path))


def mailbox_arg(session: Session, args: Args) -> str:
    return decode_name(session, args.astring_bytes("mailbox name"))


async def find(session: Session, name: str) -> Folder | None:
    """The member's folder of a decoded IMAP name (for SELECT, COPY, MOVE …)."""
    assert session.member is not None
    box = (await load(session.member.id)).find(name)
    if box is None:
        return None
    return await Folder.filter(id=box.id, member_id=session.member.id).first()


# --- LIST / LSUB ---------------------------------------------------------------------------


class Pattern:
    """A LIST pattern (RFC 9051 §6.3.9): ``*`` matches anything, ``%`` anything but the
    separator. Matched by stepping the set of pattern positions along the name, so the
    time is at most the name's length times the pattern's, whatever the wildcards (a
    regular expression backtracks: ``*a*a*a…X`` took seconds on one folder name)."""

    def __init__(self, text: str) -> None:
        tokens: list[str] = []
        for char in text:
            if char == "*" and tokens and tokens[-1] in "*%":
                tokens[-1] = "*"  # "**", "%*" and "*%" match what "*" matches
            elif not (char == "%" and tokens and tokens[-1] == "*"):
                tokens.append(char)
        self.tokens = tokens

    def _closure(self, states: set[int]) -> set[int]:
        out, todo = set(states), list(states)
        while todo:
            i = todo.pop()
            if i < len(self.tokens) and self.tokens[i] in "*%" and i + 1 not in out:
                out.add(i + 1)
                todo.append(i + 1)
        return out

    def fullmatch(self, name: str) -> bool:
        tokens, end = self.tokens, len(self.tokens)
        states = self._closure({0})
        for char in name:
            step: set[int] = set()
            for i in states:
                if i == end:
                    continue
                token = tokens[i]
                if token == "*" or (token == "%" and char != "/"):
                    step.add(i)
                elif token == char:
                    step.add(i + 1)
            if not step:
                return False
            states = self._closure(step)
        return end in states


# A pattern longer than any folder path, or with more wildcards than this, matches nothing:
# the states alive at once (and so the time per character) grow with the wildcards.
MAX_PATTERN = 2100
MAX_WILDCARDS = 16


def pattern_regex(reference: str, pattern: str) -> Pattern:
    """The matcher of a LIST reference and pattern (INBOX case-insensitively)."""
    full = reference + pattern
    if len(full) > MAX_PATTERN or full.count("*") + full.count("%") > MAX_WILDCARDS:
        full = "\x00"  # no folder name holds NUL: matches nothing
    if full[:5].upper() == "INBOX" and (len(full) == 5 or full[5] in "/*%"):
        full = "INBOX" + full[5:]
    return Pattern(full)


@dataclass
class ListOptions:
    subscribed: bool = False  # selection: only subscribed
    recursive: bool = False  # RECURSIVEMATCH
    special_only: bool = False  # selection SPECIAL-USE
    return_subscribed: bool = False
    status: tuple[str, ...] = ()


def _list_options(args: Args) -> tuple[ListOptions, bool]:
    """Selection options before the reference (LIST-EXTENDED); whether any were given."""
    options = ListOptions()
    selection = args.optional_list()
    if selection is None:
        return options, False
    while selection.more():
        word = selection.keyword("selection option")
        if word == "SUBSCRIBED":
            options.subscribed = True
        elif word == "RECURSIVEMATCH":
            options.recursive = True
        elif word == "SPECIAL-USE":
            options.special_only = True
        elif word != "REMOTE":
            raise Bad(f"unknown LIST selection option {word}")
    if options.recursive and not options.subscribed:
        raise Bad("RECURSIVEMATCH needs another selection option")
    return options, True


def _return_options(args: Args, options: ListOptions) -> None:
    if not args.more():
        return
    if args.keyword("RETURN") != "RETURN":
        raise Bad("expected RETURN")
    returns = args.list("return options")
    while returns.more():
        word = returns.keyword("return option")
        if word == "SUBSCRIBED":
            options.return_subscribed = True
        elif word == "STATUS":
            options.status = _status_items(returns.list("status items"))
        elif word not in ("CHILDREN", "SPECIAL-USE"):  # always returned
            raise Bad(f"unknown LIST return option {word}")
    args.end()


def _patterns(session: Session, args: Args) -> list[str]:
    value = args.next("mailbox pattern")
    values = value if isinstance(value, list) else [value]
    if not values:
        raise Bad("empty pattern list")
    patterns = []
    for item in values:
        if isinstance(item, String):
            patterns.append(decode_name(session, item.value))
        elif isinstance(item, Atom):
            patterns.append(decode_name(session, item.encode()))
        else:
            raise Bad("a mailbox pattern must be a string")
    return patterns


@command("LIST", states=AUTHENTICATED)
async def list_(session: Session, cmd: Command) -> None:
    await _list(session, cmd, lsub=False)


@command("LSUB", states=AUTHENTICATED)
async def lsub(session: Session, cmd: Command) -> None:
    await _list(session, cmd, lsub=True)


async def _list(session: Session, cmd: Command, *, lsub: bool) -> None:
    assert session.member is not None
    args = cmd.args
    options, _ = (ListOptions(), False) if lsub else _list_options(args)
    reference = mailbox_arg(session, args)
    patterns = _patterns(session, args)
    if lsub:
        args.end()
        options.subscribed = True
    else:
        _return_options(args, options)
    verb = "LSUB" if lsub else "LIST"
    if patterns == [""]:  # the hierarchy separator and root (RFC 9051 §6.3.9)
        session.untagged(f'{verb} (\\Noselect) "/" ""')
        return
    tree = await load(session.member.id)
    regexes = [pattern_regex(reference, p) for p in patterns]
    listed: list[tuple[Box, list[str], str]] = []
    for box in tree.boxes:
        if not any(r.fullmatch(box.path) for r in regexes):
            continue
        extra = ""
        if options.special_only and box.role not in SPECIAL_USE:
            continue
        if options.subscribed and not box.subscribed:
            if not (options.recursive and any(d.subscribed for d in tree.descendants(box))):
                continue
            extra = ' ("CHILDINFO" ("SUBSCRIBED"))'
        attributes = []
        if not lsub:
            attributes.append("\\HasChildren" if box.children else "\\HasNoChildren")
            if box.role in SPECIAL_USE:
                attributes.append(SPECIAL_USE[box.role])
        if box.subscribed and (options.subscribed or options.return_subscribed) and not lsub:
            attributes.append("\\Subscribed")
        listed.append((box, attributes, extra))
    statuses = {}
    if options.status and listed:
        statuses = await counts(session.member.id, [box for box, _, _ in listed])
    for box, attributes, extra in listed:
        name = wire_name(session, box.path)
        line = f'* {verb} ({" ".join(attributes)}) "/" '.encode() + name + extra.encode()
        session.write(line + b"\r\n")
        if options.status:
            session.write(_status_line(session, box, options.status, statuses.get(box.id)))
        await session.pace()


# --- STATUS --------------------------------------------------------------------------------


def _status_items(items: Args) -> tuple[str, ...]:
    names = []
    while items.more():
        names.append(items.keyword("status item", *STATUS_ITEMS))
    if not names:
        raise Bad("STATUS needs at least one item")
    return tuple(names)


@dataclass
class Counts:
    messages: int = 0
    unseen: int = 0
    deleted: int = 0
    size: int = 0
    highest_modseq: int = 1


async def counts(member_id: int, boxes: list[Box]) -> dict[int, Counts]:
    """Message counts and highest modification sequences of folders, in two queries."""
    ids = [box.id for box in boxes]
    found: dict[int, Counts] = {i: Counts() for i in ids}
    marks = ", ".join("?" * len(ids))
    rows = await select(
        'SELECT "folder_id" AS f, COUNT(*) AS n,'
        ' SUM(CASE WHEN "seen" THEN 0 ELSE 1 END) AS unseen,'
        ' SUM(CASE WHEN "deleted" THEN 1 ELSE 0 END) AS deleted, SUM("size") AS size'
        f' FROM "mailbox_entry" WHERE "member_id" = ? AND "folder_id" IN ({marks})'
        ' GROUP BY "folder_id"',
        member_id,
        *ids,
    )
    for r in rows:
        c = found[int(r["f"])]
        c.messages, c.unseen = int(r["n"]), int(r["unseen"] or 0)
        c.deleted, c.size = int(r["deleted"] or 0), int(r["size"] or 0)
    for folder_id, highest in (await highest_modseqs(member_id, ids)).items():
        found[folder_id].highest_modseq = highest
    return found


async def highest_modseqs(member_id: int, ids: list[int]) -> dict[int, int]:
    """HIGHESTMODSEQ of each folder: the highest value of the change-log rows in it or
    leaving it (1 for a folder with none)."""
    marks = ", ".join("?" * len(ids))
    rows = await select(
        'SELECT f, MAX(m) AS m FROM (SELECT "folder_id" AS f, "modseq" AS m'
        f' FROM "mailbox_change" WHERE "member_id" = ? AND "folder_id" IN ({marks})'
        ' UNION ALL SELECT "from_folder_id" AS f, "modseq" AS m FROM "mailbox_change"'
        f' WHERE "member_id" = ? AND "from_folder_id" IN ({marks})) AS t GROUP BY f',
        member_id,
        *ids,
        member_id,
        *ids,
    )
    found = dict.fromkeys(ids, 1)
    for r in rows:
        found[int(r["f"])] = max(1, int(r["m"] or 0))
    return found


def _status_line(session: Session, box: Box, items: tuple[str, ...], c: Counts | None) -> bytes:
    c = c or Counts()
    values = {
        "MESSAGES": c.messages,
        "UIDNEXT": box.uid_next,
        "UIDVALIDITY": box.id,
        "UNSEEN": c.unseen,
        "DELETED": c.deleted,
        "SIZE": c.size,
        "HIGHESTMODSEQ": c.highest_modseq,
        "APPENDLIMIT": session.settings.max_message_size,
        "RECENT": 0,
    }
    body = " ".join(f"{item} {values[item]}" for item in items)
    return b"* STATUS " + wire_name(session, box.path) + f" ({body})\r\n".encode()


@command("STATUS", states=AUTHENTICATED)
async def status(session: Session, cmd: Command) -> None:
    assert session.member is not None
    name = mailbox_arg(session, cmd.args)
    items = _status_items(cmd.args.list("status items"))
    cmd.args.end()
    tree = await load(session.member.id)
    box = tree.find(name)
    if box is None:
        raise No("[NONEXISTENT] no such mailbox")
    if "HIGHESTMODSEQ" in items:
        session.enabled.add("CONDSTORE")  # RFC 7162 §3.1: a CONDSTORE enabling command
    found = await counts(session.member.id, [box])
    session.write(_status_line(session, box, items, found.get(box.id)))


# --- CREATE / DELETE / RENAME / SUBSCRIBE -------------------------------------------------


def _mail_error(error: MailError) -> No:
    code = {
        MailErrorCode.FOLDER_EXISTS: "ALREADYEXISTS",
        MailErrorCode.NOT_FOUND: "NONEXISTENT",
        MailErrorCode.FOLDER_PROTECTED: "CANNOT",
        MailErrorCode.QUOTA_EXCEEDED: "OVERQUOTA",
    }.get(error.code, "CANNOT")
    return No(f"[{code}] {error.message}")


def _parts(path: str) -> list[str]:
    parts = canonical(path).split(SEPARATOR)
    if not path or any(not p.strip() for p in parts):
        raise No("[CANNOT] a mailbox name needs a name between separators")
    return parts


@command("CREATE", states=AUTHENTICATED)
async def create(session: Session, cmd: Command) -> None:
    """Creates the missing superior folders too (``a/b/c``)."""
    assert session.member is not None
    member_id = session.member.id
    name = mailbox_arg(session, cmd.args)
    cmd.args.end()
    parts = _parts(name)
    tree = await load(member_id)
    if tree.find(name) is not None:
        raise No("[ALREADYEXISTS] the mailbox exists")
    parent: int | None = None
    for depth in range(len(parts)):
        existing = tree.find(SEPARATOR.join(parts[: depth + 1]))
        if existing is not None:
            parent = existing.id
            continue
        try:
            folder = await folders.create_folder(member_id, parts[depth], parent)
        except MailError as error:
            raise _mail_error(error) from None
        parent = folder.id


@command("DELETE", states=AUTHENTICATED)
async def delete(session: Session, cmd: Command) -> None:
    """A folder with sub-folders is not deleted (RFC 9051 keeps inferior names, which our
    folders cannot); the mail of a deleted folder goes to Trash, as on the web."""
    assert session.member is not None
    name = mailbox_arg(session, cmd.args)
    cmd.args.end()
    box = (await load(session.member.id)).find(name)
    if box is None:
        raise No("[NONEXISTENT] no such mailbox")
    if box.role is not None:
        raise No("[CANNOT] system mailboxes cannot be deleted")
    if box.children:
        raise No("[HASCHILDREN] delete or move its sub-mailboxes first")
    try:
        await session.runtime.ingestor.changes.delete_folder(session.member.id, box.id)
    except MailError as error:
        raise _mail_error(error) from None


@command("RENAME", states=AUTHENTICATED)
async def rename(session: Session, cmd: Command) -> None:
    assert session.member is not None
    member_id = session.member.id
    old = mailbox_arg(session, cmd.args)
    new = mailbox_arg(session, cmd.args)
    cmd.args.end()
    tree = await load(member_id)
    box = tree.find(old)
    if box is None:
        raise No("[NONEXISTENT] no such mailbox")
    if box.role is not None:
        raise No("[CANNOT] system mailboxes cannot be renamed")
    parts = _parts(new)
    target = tree.find(new)
    if target is not None and target.id != box.id:
        raise No("[ALREADYEXISTS] a mailbox with the new name exists")
    parent = tree.find(SEPARATOR.join(parts[:-1])) if len(parts) > 1 else None
    if len(parts) > 1 and parent is None:
        raise No("[NONEXISTENT] create the superior mailbox first")
    parent_id = parent.id if parent is not None else None
    if parent is not None and (parent.id == box.id or parent in tree.descendants(box)):
        raise No("[CANNOT] a mailbox cannot move inside itself")
    try:
        if parent_id != box.parent_id:
            await _reparent(member_id, box, parent_id, parts[-1])
        elif parts[-1] != box.name:
            await folders.rename_folder(member_id, box.id, parts[-1])
    except MailError as error:
        raise _mail_error(error) from None


async def _reparent(member_id: int, box: Box, parent_id: int | None, name: str) -> None:
    """Move a folder under another (its id, hence UIDVALIDITY and UIDs, stay)."""
    if name != box.name:
        await folders.rename_folder(member_id, box.id, name)  # checks the name
    siblings = await Folder.filter(member_id=member_id, parent_id=parent_id).values_list(
        "name", flat=True
    )
    taken = {s.casefold() for s in siblings}
    if parent_id is None:
        taken |= {n.casefold() for n in folders.SYSTEM_FOLDERS.values()}
    if name.casefold() in taken:
        raise MailError(MailErrorCode.FOLDER_EXISTS, "a mailbox with the new name exists")
    await Folder.filter(member_id=member_id, id=box.id).update(parent_id=parent_id)


@command("SUBSCRIBE", "UNSUBSCRIBE", states=AUTHENTICATED)
async def subscribe(session: Session, cmd: Command) -> None:
    assert session.member is not None
    name = mailbox_arg(session, cmd.args)
    cmd.args.end()
    box = (await load(session.member.id)).find(name)
    if box is None:
        raise No("[NONEXISTENT] no such mailbox")
    await Folder.filter(member_id=session.member.id, id=box.id).update(
        subscribed=cmd.name == "SUBSCRIBE"
    )


# --- APPEND --------------------------------------------------------------------------------


def parse_date_time(text: str) -> datetime:
    """``"17-Jul-1996 02:44:25 -0700"`` (RFC 9051 date-time; the day may be one digit)."""
    match = re.fullmatch(
        r" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-]\d{4})", text
    )
    if match is None or match.group(2).upper() not in _MONTHS:
        raise Bad("date-time must look like 17-Jul-1996 02:44:25 -0700")
    day, month, year, hh, mm, ss, zone = match.groups()
    try:
        return datetime.strptime(
            f"{int(day):02d} {_MONTHS.index(month.upper()) + 1:02d} {year} {hh}:{mm}:{ss} {zone}",
            "%d %m %Y %H:%M:%S %z",
        )
    except ValueError:
        raise Bad("date-time is not a valid date") from None


def _append_flags(values: Args) -> tuple[dict[str, bool], list[str]]:
    system: dict[str, bool] = {}
    words: list[str] = []
    while values.more():
        flag = values.atom("flag")
        upper = flag.upper()
        if upper in SYSTEM_FLAGS:
            system[SYSTEM_FLAGS[upper]] = True
        elif flag.startswith("\\"):
            if upper != "\\RECENT":
                raise Bad(f"unknown system flag {flag[:40]}")
        else:
            words.append(str(flag))
    try:
        return system, keywords.checked(words)
    except MailError as error:
        raise Bad(error.message) from None


@command("APPEND", states=AUTHENTICATED)
async def append(session: Session, cmd: Command) -> str:
    assert session.member is not None
    member_id = session.member.id
    args = cmd.args
    name = mailbox_arg(session, args)
    flag_list = args.optional_list()
    system, words = _append_flags(flag_list) if flag_list is not None else ({}, [])
    value = args.next("message literal")
    if isinstance(value, String) and not value.literal:
        parse_date_time(value.text())  # checked; the mail keeps its own date (old mail)
        value = args.next("message literal")
    if isinstance(value, Atom) and value.upper() == "UTF8":  # RFC 6855: UTF8 (~{n}...)
        inner = args.list("UTF8 message")
        value = inner.next("message literal")
        inner.end()
    args.end()
    if not isinstance(value, String) or not value.literal:
        raise Bad("the message must be a literal")
    raw = value.value
    if not raw:
        raise Bad("the message is empty")
    if len(raw) > session.settings.max_message_size:
        raise No("[TOOBIG] message larger than APPENDLIMIT")
    box = (await load(member_id)).find(name)
    if box is None:
        raise No("[TRYCREATE] no such mailbox")
    delivery = Delivery(
        member_id,
        role=box.role or FolderRole.INBOX,
        folder_id=box.id,
        keywords=" ".join(words),
        **system,
    )
    request = IngestRequest(
        raw=raw, source=IngestSource.IMAP_APPEND, deliveries=[delivery], origin_session=None
    )
    try:
        result = await session.runtime.ingestor.ingest(request)
    except PolicyRefusal as refusal:
        raise No(f"[CANNOT] {refusal.message}") from None
    except MailError as error:
        raise _mail_error(error) from None
    if member_id in result.over_quota or not result.entries:
        raise No("[OVERQUOTA] the mailbox is full")
    entry = result.entries[0]
    return f"[APPENDUID {box.id} {entry.uid}] APPEND completed"
