"""FETCH and UID FETCH (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE/QRESYNC).

One query reads the rows named (flags, UID, dates, sizes, blob keys: ``mailrows``); the
message bytes are read only for items that need them, one message at a time, and each
response is written as it is made (``session.pace`` waits while the client reads).
ENVELOPE, BODY and BODYSTRUCTURE are rendered once per blob and kept in a bounded cache: a
stored message's bytes never change, so nothing ever invalidates it. Reading a
body part without ``.PEEK`` sets ``\\Seen`` through the store (so the web app sees it), in
one change for the whole command, and the response carries the new FLAGS.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from mailcore.core.mime.transfer import decode_transfer
from mailcore.protocols.imap import mailrows
from mailcore.protocols.imap.bodyparts import BadSection, Entity, Section, extract, part
from mailcore.protocols.imap.bodyparts import parse as parse_entities
from mailcore.protocols.imap.envelope import render as render_structures
from mailcore.protocols.imap.fetchitems import Item, parse
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.sequence import compact
from mailcore.protocols.imap.sequence import parse as parse_set
from mailcore.protocols.imap.session import SELECTED, Session, command
from mailcore.store.changes import MAX_IDS

if TYPE_CHECKING:
    from mailcore.protocols.imap.mailrows import Row
    from mailcore.protocols.imap.parser import Command
    from mailcore.protocols.imap.selected import Selected

CACHED = 50_000  # messages whose ENVELOPE/BODY/BODYSTRUCTURE are kept (~0.5 KB each)
PARSED = 8  # messages kept parsed for the next section of the same message
PREFETCH = 16  # blobs read at once when summaries are missing
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_KNOWN_CTE = frozenset({"7bit", "8bit", "binary", "base64", "quoted-printable"})

STRUCTURES = frozenset({"ENVELOPE", "BODY", "BODYSTRUCTURE"})
_rendered: OrderedDict[str, dict[str, bytes]] = OrderedDict()  # blob → kind → bytes
_parsed: OrderedDict[str, tuple[bytes, Entity | None]] = OrderedDict()


def internal_date(row: Row) -> str:
    d = row.internal_date()
    return f'"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year:04d} {d:%H:%M:%S} +0000"'


def _remember(sha256: str, raw: bytes, kinds: set[str]) -> dict[str, bytes]:
    found = _rendered.get(sha256)
    if found is None:
        found = _rendered[sha256] = {}
        if len(_rendered) > CACHED:
            _rendered.popitem(last=False)
    found.update(render_structures(raw, kinds - found.keys()))
    return found


class Reader:
    """The bytes and entity tree of the messages one command reads."""

    def __init__(self, session: Session) -> None:
        self.blobs = session.runtime.blobs
        self.loaded: dict[str, bytes] = {}  # read ahead for the rows being answered

    async def preload(self, rows: list[Row]) -> None:
        """Read the bytes of these rows in one go (one thread hand-off for the batch)."""
        keys = list(dict.fromkeys(r.sha256 for r in rows if r.sha256 not in _parsed))
        self.loaded = dict(zip(keys, await mailrows.raw_many(self.blobs, keys), strict=True))

    async def raw(self, sha256: str, tree: bool = True) -> tuple[bytes, Entity | None]:
        """A message's bytes and (if ``tree``) its entity tree; the last few are kept."""
        ahead = self.loaded.pop(sha256, None)
        if ahead is not None and not tree:
            return ahead, None  # a whole message: read once, sent, not kept
        found = _parsed.get(sha256)
        if found is not None:
            _parsed.move_to_end(sha256)
            if found[1] is not None or not tree:
                return found
            found = (found[0], parse_entities(found[0]))
        else:
            raw = ahead if ahead is not None else await mailrows.raw_of(self.blobs, sha256)
            found = (raw, parse_entities(raw) if tree else None)
        _parsed[sha256] = found
        if len(_parsed) > PARSED:
            _parsed.popitem(last=False)
        return found

    async def structure(self, sha256: str, kind: str) -> bytes:
        """ENVELOPE, BODY or BODYSTRUCTURE of a message, from the cache when there."""
        found = _rendered.get(sha256)
        if found is None or kind not in found:
            found = _remember(sha256, await mailrows.raw_of(self.blobs, sha256), {kind})
        return found[kind]

    async def prefetch(self, rows: list[Row], kinds: set[str]) -> None:
        """Render what the cache lacks, reading up to ``PREFETCH`` blobs at a time."""
        missing = list(
            dict.fromkeys(
                r.sha256
                for r in rows
                if r.sha256 not in _rendered or kinds - _rendered[r.sha256].keys()
            )
        )
        for start in range(0, len(missing), PREFETCH):
            keys = missing[start : start + PREFETCH]
            raws = await mailrows.raw_many(self.blobs, keys)
            for key, raw in zip(keys, raws, strict=True):
                _remember(key, raw, kinds)


Chunks = bytes | tuple[bytes, bytes]  # an item, or its head and a literal's bytes


def _data(label: str, data: bytes | None, partial: tuple[int, int] | None) -> Chunks:
    """``LABEL {n}\r\n`` and the bytes, kept apart so that a large body is not copied."""
    if data is None:
        return label.encode() + b" NIL"
    if partial is not None:
        data = data[partial[0] : partial[0] + partial[1]]
    return b"%s {%d}\r\n" % (label.encode(), len(data)), data


def _binary(raw: bytes, root: Entity, parts: tuple[int, ...]) -> bytes:
    """The decoded content of a part (BINARY[…]); ``No`` for an unknown encoding."""
    if not parts:
        return raw
    entity = part(root, list(parts))
    data = raw[entity.body_start : entity.end]
    if entity.is_multipart or entity.message is not None:
        return data
    value = entity.get("content-transfer-encoding")
    cte = value.decode("latin-1").strip().lower() if value else "7bit"
    if cte not in _KNOWN_CTE:
        raise No("[UNKNOWN-CTE] the part has an unknown Content-Transfer-Encoding")
    return decode_transfer(data, cte)


def render_now(item: Item, row: Row) -> bytes | None:
    """An item answered without reading the message (or from the structure cache), with no
    await: most of a ``(FLAGS ENVELOPE)`` fetch of a whole mailbox; None otherwise."""
    name = item.name
    if name == "UID":
        return b"UID %d" % row.uid
    if name == "FLAGS":
        return b"FLAGS " + row.flag_list().encode()
    if name == "INTERNALDATE":
        return b"INTERNALDATE " + internal_date(row).encode()
    if name == "RFC822.SIZE":
        return b"RFC822.SIZE %d" % row.size
    if name == "MODSEQ":
        return b"MODSEQ (%d)" % row.modseq
    if name in STRUCTURES and item.section is None:
        found = _rendered.get(row.sha256)
        if found is not None and name in found:
            return name.encode() + b" " + found[name]
    return None


async def render(reader: Reader, item: Item, row: Row) -> Chunks:
    """One item of one message's FETCH response that ``render_now`` did not answer."""
    name = item.name
    if name in STRUCTURES and item.section is None:
        return name.encode() + b" " + await reader.structure(row.sha256, name)
    section = item.section
    whole = name == "RFC822" or (name == "BODY" and section == Section())
    raw, root = await reader.raw(row.sha256, tree=not whole)
    if whole:
        return _data("RFC822" if name == "RFC822" else item.label(), raw, item.partial)
    assert root is not None
    if name == "RFC822.HEADER":
        return _data("RFC822.HEADER", extract(raw, root, Section(text="HEADER")), None)
    if name == "RFC822.TEXT":
        return _data("RFC822.TEXT", extract(raw, root, Section(text="TEXT")), None)
    assert section is not None
    try:
        if name == "BODY":
            return _data(item.label(), extract(raw, root, section), item.partial)
        data = _binary(raw, root, section.parts)
    except BadSection:
        return item.label().encode() + b" NIL"
    if name == "BINARY.SIZE":
        return item.label().encode() + b" %d" % len(data)
    if item.partial is not None:
        data = data[item.partial[0] : item.partial[0] + item.partial[1]]
    binary = b"~" if b"\x00" in data else b""  # literal8 (RFC 3516)
    return b"%s %s{%d}\r\n" % (item.label().encode(), binary, len(data)), data


async def mark_seen(session: Session, selected: Selected, rows: list[Row]) -> set[int]:
    """Set \\Seen on the rows that lack it (one store change per ``MAX_IDS``); their UIDs."""
    unseen = [r for r in rows if not r.seen]
    if not unseen or session.member is None:
        return set()
    changes = session.runtime.ingestor.changes
    by_id = {r.id: r for r in unseen}
    for start in range(0, len(unseen), MAX_IDS):
        batch = [r.id for r in unseen[start : start + MAX_IDS]]
        result = await changes.store_flags(session.member.id, batch, seen=True)
        for entry in result.entries:
            row = by_id[entry.id]
            row.seen = True
            row.modseq = entry.modseq
    selected.note(unseen)
    return {r.uid for r in unseen}


SIMPLE = frozenset({"UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "MODSEQ"})
READ_AHEAD = 64  # messages whose bytes one read brings
PACE_BYTES = 64 * 1024  # responses written between checks for a client that is not reading
READ_AHEAD_BYTES = 4 << 20  # and at most about this many bytes


def _batch_end(rows: list[Row], start: int) -> int:
    """The end of the read-ahead batch starting at ``start``."""
    end, size = start, 0
    while end < len(rows) and end - start < READ_AHEAD:
        if size >= READ_AHEAD_BYTES and end > start:
            break
        size += rows[end].size
        end += 1
    return end


@command("FETCH", "UID FETCH", states=SELECTED)
async def fetch(session: Session, cmd: Command) -> str | None:
    selected: Selected = session.selected  # type: ignore[assignment]
    by_uid = cmd.name == "UID FETCH"
    text = cmd.args.atom("sequence set")
    request = parse(cmd.args)
    uids = selected.parse_set(text, by_uid)
    items = request.items
    names = {i.name for i in items}
    if by_uid and "UID" not in names:
        items.insert(0, Item("UID"))
    if request.changed_since is not None or "MODSEQ" in names:
        session.enabled.add("CONDSTORE")
        if "MODSEQ" not in names:
            items.append(Item("MODSEQ"))
    if request.vanished:
        if not by_uid or not session.qresync:
            raise Bad("VANISHED needs UID FETCH and QRESYNC enabled")
        removed = await selected.removed_since(request.changed_since or 0)
        if removed:
            named = parse_set(text)
            largest = max(removed[-1], selected.uids[-1] if selected.uids else 0)
            vanished = [u for u in removed if not selected.msn(u) and named.contains(u, largest)]
            if vanished:
                session.untagged(f"VANISHED (EARLIER) {compact(vanished)}")
    rows = await mailrows.load(
        selected.folder_id, uids, changed_since=request.changed_since, read=True
    )
    reader = Reader(session)
    structures = {i.name for i in items if i.name in STRUCTURES and i.section is None}
    if structures:
        await reader.prefetch(rows, structures)
    seen_now: set[int] = set()
    if not selected.readonly and any(i.sets_seen for i in items):
        seen_now = await mark_seen(session, selected, rows)
    with_flags = [*items, Item("FLAGS")] if "FLAGS" not in names else items
    reads = any(i.name not in SIMPLE and (i.name not in STRUCTURES or i.section) for i in items)
    batch_end = unpaced = 0
    for index, row in enumerate(rows):
        if reads and index >= batch_end:  # read the next messages' bytes ahead, in one go
            batch_end = _batch_end(rows, index)
            await reader.preload(rows[index:batch_end])
        n = selected.msn(row.uid)
        if not n:
            continue
        chunks = [b"* %d FETCH (" % n]
        for i, item in enumerate(with_flags if row.uid in seen_now else items):
            if i:
                chunks.append(b" ")
            part = render_now(item, row) or await render(reader, item, row)
            if isinstance(part, tuple):
                chunks += part
            else:
                chunks.append(part)
        chunks.append(b")\r\n")
        size = sum(map(len, chunks))
        if len(chunks) < 16 and size < 16384:
            session.write(b"".join(chunks))
        else:
            for chunk in chunks:
                session.write(chunk)
        unpaced += size
        if unpaced >= PACE_BYTES:  # let a slow reader hold us up, not every response
            unpaced = 0
            await session.pace()
    await session.pace()
    if "FLAGS" in names or "MODSEQ" in names:
        selected.note(rows)
    if not by_uid and len(rows) < len(uids) and request.changed_since is None:
        return "[EXPUNGEISSUED] some of the messages no longer exist"
    return None
