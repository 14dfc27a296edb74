"""SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH ``RETURN (MIN MAX COUNT ALL SAVE)``,
SEARCHRES ``$``, CONDSTORE ``MODSEQ`` and ``CHARSET`` (UTF-8 and US-ASCII; others answer
``NO [BADCHARSET (UTF-8 US-ASCII)]``).

Keys parse to a small tree (``parse_keys``) evaluated over the rows of one query
(``mailrows``: flags, dates, sizes, modseq, and the message columns stored at ingest:
subject, from, to, cc, bcc, date). Keys that need the message itself (BODY, TEXT, HEADER)
are answered in a second pass only for messages the other keys did not already rule out:
evaluation is three-valued (``None`` = needs the message), so ``SEARCH UNSEEN BODY x``
reads only the unseen messages. Matching is case-insensitive on decoded text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from mailcore.core.mime.charset import decode_header_bytes
from mailcore.core.mime.headers import decode_words
from mailcore.core.mime.parse import parse_message
from mailcore.protocols.imap import mailrows
from mailcore.protocols.imap.bodyparts import header_lines, parse_header
from mailcore.protocols.imap.parser import Args, Atom, Command, String
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.sequence import BadSequence, compact, is_sequence_set
from mailcore.protocols.imap.sequence import parse as parse_set
from mailcore.protocols.imap.session import SELECTED, Session, command

if TYPE_CHECKING:
    from mailcore.protocols.imap.mailrows import Row
    from mailcore.protocols.imap.selected import Selected

CHARSETS = frozenset({"UTF-8", "US-ASCII"})
MAX_DEPTH = 50
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\Z")
_FLAG_KEYS = {
    "ANSWERED": ("answered", True),
    "DELETED": ("deleted", True),
    "DRAFT": ("draft", True),
    "FLAGGED": ("flagged", True),
    "SEEN": ("seen", True),
    "UNANSWERED": ("answered", False),
    "UNDELETED": ("deleted", False),
    "UNDRAFT": ("draft", False),
    "UNFLAGGED": ("flagged", False),
    "UNSEEN": ("seen", False),
    "OLD": None,  # no \Recent here: every message is old
    "ALL": None,
}
_TEXT_KEYS = {"BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"}
_DATE_KEYS = {
    "BEFORE": ("internal", "before"),
    "ON": ("internal", "on"),
    "SINCE": ("internal", "since"),
    "SENTBEFORE": ("sent", "before"),
    "SENTON": ("sent", "on"),
    "SENTSINCE": ("sent", "since"),
}


@dataclass(frozen=True, slots=True)
class Key:
    """One search key: ``kind`` and its arguments (``children`` for AND/OR/NOT)."""

    kind: str
    arg: Any = None
    arg2: Any = None
    children: tuple[Key, ...] = ()


# --- parsing ----------------------------------------------------------------------------------


def _string(args: Args, what: str) -> str:
    value = args.next(what)
    if isinstance(value, String):
        return value.text()
    if isinstance(value, Atom):
        return str(value)
    raise Bad(f"{what} must be a string")


def _date(args: Args) -> date:
    text = _string(args, "date")
    m = _DATE.match(text)
    if m is None or m.group(2).upper() not in _MONTHS:
        raise Bad("a date is written like 1-Feb-2026")
    try:
        return date(int(m.group(3)), _MONTHS[m.group(2).upper()], int(m.group(1)))
    except ValueError:
        raise Bad("no such date") from None


def _key(args: Args, depth: int) -> Key:
    if depth > MAX_DEPTH:
        raise Bad("search keys nested too deeply")
    value = args.next("search key")
    if isinstance(value, list):
        inner = Args(value)
        if not inner.more():
            raise Bad("empty search key list")
        return Key("AND", children=tuple(_keys(inner, depth + 1)))
    if not isinstance(value, Atom):
        raise Bad("a search key is an atom")
    word = value.upper()
    if word in _FLAG_KEYS:
        flag = _FLAG_KEYS[word]
        return Key("ALL") if flag is None else Key("FLAG", *flag)
    if word in ("NEW", "RECENT"):
        return Key("NONE")
    if word in ("KEYWORD", "UNKEYWORD"):
        return Key("KEYWORD", args.atom("keyword").casefold(), word == "KEYWORD")
    if word in _TEXT_KEYS:
        return Key("TEXT", word, _string(args, f"{word} string").casefold())
    if word == "HEADER":
        name = _string(args, "header field name").lower()
        return Key("HEADER", name, _string(args, "header string").casefold())
    if word in _DATE_KEYS:
        where, op = _DATE_KEYS[word]
        return Key("DATE", (where, op), _date(args))
    if word in ("LARGER", "SMALLER"):
        return Key("SIZE", word, args.number("size"))
    if word == "UID":
        text = args.atom("UID set")
        try:
            return Key("SET", parse_set(text), True)
        except BadSequence as exc:
            raise Bad(str(exc)) from None
    if word == "NOT":
        return Key("NOT", children=(_key(args, depth + 1),))
    if word == "OR":
        return Key("OR", children=(_key(args, depth + 1), _key(args, depth + 1)))
    if word == "MODSEQ":
        if isinstance(args.peek(), String):  # entry name and type: ignored (one modseq)
            args.next()
            args.atom("entry type")
        return Key("MODSEQ", args.number("mod-sequence"))
    if is_sequence_set(value):
        return Key("SET", parse_set(value), False)
    raise Bad(f"unknown search key {value[:40]}")


def _keys(args: Args, depth: int = 0) -> list[Key]:
    keys = [_key(args, depth)]
    while args.more():
        keys.append(_key(args, depth))
    return keys


def parse_keys(args: Args) -> Key:
    """The search keys up to the end of the arguments, ANDed."""
    if not args.more():
        raise Bad("SEARCH needs search keys")
    keys = _keys(args)
    return keys[0] if len(keys) == 1 else Key("AND", children=tuple(keys))


def check_charset(name: str) -> None:
    if name.upper() not in CHARSETS:
        raise No("[BADCHARSET (UTF-8 US-ASCII)] only UTF-8 and US-ASCII are supported")


def parse_charset(args: Args) -> None:
    """An optional ``CHARSET name``: UTF-8 or US-ASCII, else ``NO [BADCHARSET …]``."""
    value = args.peek()
    if isinstance(value, Atom) and value.upper() == "CHARSET":
        args.next()
        check_charset(_string(args, "charset"))


def needs_message(key: Key) -> bool:
    """Whether the key reads the message columns (subject, addresses, sent date)."""
    if key.kind in ("TEXT", "HEADER") or (key.kind == "DATE" and key.arg[0] == "sent"):
        return True
    return any(needs_message(child) for child in key.children)


def uses_modseq(key: Key) -> bool:
    return key.kind == "MODSEQ" or any(uses_modseq(child) for child in key.children)


# --- evaluation -------------------------------------------------------------------------------


class Context:
    """What evaluation needs beyond the row: the selected mailbox and the message texts."""

    def __init__(self, selected: Selected) -> None:
        self.selected = selected
        self.largest_uid = selected.uids[-1] if selected.uids else 0
        self.count = len(selected.uids)
        self.texts: dict[str, tuple[str, list[tuple[str, str]], str]] = {}

    def text(self, row: Row) -> tuple[str, list[tuple[str, str]], str] | None:
        """(header text, decoded header fields, body text) once loaded, else None."""
        return self.texts.get(row.sha256)


def _addresses(items: list[dict]) -> str:
    return " ".join(f"{a.get('name', '')} <{a.get('address', '')}>" for a in items)


def _column_text(row: Row, which: str) -> str | None:
    m = row.message or {}
    if which == "FROM":
        return f"{m.get('from_name') or ''} <{m.get('from_address') or ''}>"
    if which == "SUBJECT":
        return m.get("subject") or ""
    if which in ("TO", "CC", "BCC"):
        return _addresses(row.addresses(which.lower()))
    return None


def _sent_date(row: Row) -> date | None:
    value = (row.message or {}).get("date")
    return None if value is None else mailrows.timestamp(value).date()


def _compare(day: date | None, op: str, wanted: date) -> bool:
    if day is None:
        return False
    if op == "before":
        return day < wanted
    if op == "on":
        return day == wanted
    return day >= wanted


def evaluate(key: Key, row: Row, ctx: Context) -> bool | None:
    """True/False, or None when only the message's text can tell."""
    kind = key.kind
    if kind == "ALL":
        return True
    if kind == "NONE":
        return False
    if kind == "FLAG":
        return getattr(row, key.arg) == key.arg2
    if kind == "KEYWORD":
        present = key.arg in {w.casefold() for w in row.keywords.split()}
        return present == key.arg2
    if kind == "SET":
        if key.arg.saved:
            return row.uid in ctx.selected.saved
        if key.arg2:
            return key.arg.contains(row.uid, ctx.largest_uid)
        return key.arg.contains(ctx.selected.msn(row.uid), ctx.count)
    if kind == "SIZE":
        return row.size > key.arg2 if key.arg == "LARGER" else row.size < key.arg2
    if kind == "MODSEQ":
        return row.modseq >= key.arg
    if kind == "DATE":
        where, op = key.arg
        day = row.internal_date().date() if where == "internal" else _sent_date(row)
        return _compare(day, op, key.arg2)
    if kind == "TEXT":
        column = _column_text(row, key.arg)
        if column is not None:
            return key.arg2 in column.casefold()
        loaded = ctx.text(row)
        if loaded is None:
            return None
        header, _, body = loaded
        haystack = body if key.arg == "BODY" else header + "\n" + body
        return key.arg2 in haystack
    if kind == "HEADER":
        loaded = ctx.text(row)
        if loaded is None:
            return None
        return any(name == key.arg and key.arg2 in value for name, value in loaded[1])
    if kind == "NOT":
        inner = evaluate(key.children[0], row, ctx)
        return None if inner is None else not inner
    if kind == "OR":
        a = evaluate(key.children[0], row, ctx)
        if a:
            return True
        b = evaluate(key.children[1], row, ctx)
        if b:
            return True
        return None if a is None or b is None else False
    if kind == "AND":
        unknown = False
        for child in key.children:
            value = evaluate(child, row, ctx)
            if value is False:
                return False
            unknown = unknown or value is None
        return None if unknown else True
    raise AssertionError(kind)


def message_text(raw: bytes) -> tuple[str, list[tuple[str, str]], str]:
    """Decoded header text, decoded fields and body text of a message, casefolded."""
    root = parse_header(raw)  # the top-level header block is all this reads
    fields = [
        (name, decode_words(decode_header_bytes(line.partition(b":")[2].strip())).casefold())
        for name, line in header_lines(raw, root)
    ]
    header = "\n".join(f"{name}: {value}" for name, value in fields)
    parsed = parse_message(raw)
    body = (parsed.text or "") + "\n" + (parsed.html or "")
    return header, fields, body.casefold()


async def run(
    session: Session, selected: Selected, key: Key, *, with_message: bool = False
) -> list[Row]:
    """The rows of the selected mailbox that match ``key``, in UID order (with the message
    columns when the key or ``with_message`` asks for them)."""
    wanted = with_message or needs_message(key)
    rows = await mailrows.load(selected.folder_id, with_message=wanted, read=True)
    ctx = Context(selected)
    found: list[Row] = []
    for row in rows:
        if selected.msn(row.uid) == 0:
            continue
        value = evaluate(key, row, ctx)
        if value is None:
            raw = await mailrows.raw_of(session.runtime.blobs, row.sha256)
            ctx.texts[row.sha256] = message_text(raw)
            value = evaluate(key, row, ctx)
            del ctx.texts[row.sha256]
        if value:
            found.append(row)
    return found


# --- the command ------------------------------------------------------------------------------


def _return_options(args: Args) -> list[str] | None:
    """``RETURN (…)``: the ESEARCH options asked for (``[]`` = ALL), or None without it."""
    value = args.peek()
    if not (isinstance(value, Atom) and value.upper() == "RETURN"):
        return None
    args.next()
    options = args.list("RETURN options")
    wanted: list[str] = []
    while options.more():
        wanted.append(options.keyword("RETURN option", "MIN", "MAX", "COUNT", "ALL", "SAVE"))
    return wanted


def esearch(tag: str, by_uid: bool, numbers: list[int], shown: list[str], modseq: int) -> str:
    """``* ESEARCH (TAG "t") [UID] MIN … MAX … ALL … COUNT …`` (RFC 4731)."""
    parts = [f'ESEARCH (TAG "{tag}")'] + (["UID"] if by_uid else [])
    if numbers:
        if "MIN" in shown:
            parts.append(f"MIN {numbers[0]}")
        if "MAX" in shown:
            parts.append(f"MAX {numbers[-1]}")
        if "ALL" in shown:
            parts.append(f"ALL {compact(numbers)}")
    if "COUNT" in shown:
        parts.append(f"COUNT {len(numbers)}")
    if modseq and numbers:
        parts.append(f"MODSEQ {modseq}")
    return " ".join(parts)


@command("SEARCH", "UID SEARCH", states=SELECTED)
async def search(session: Session, cmd: Command) -> str | None:
    selected: Selected = session.selected  # type: ignore[assignment]
    by_uid = cmd.name == "UID SEARCH"
    options = _return_options(cmd.args)
    parse_charset(cmd.args)
    key = parse_keys(cmd.args)
    if uses_modseq(key):
        session.enabled.add("CONDSTORE")
    rows = await run(session, selected, key)
    uids = [r.uid for r in rows]
    numbers = uids if by_uid else [selected.msn(u) for u in uids]
    modseq = max((r.modseq for r in rows), default=0) if uses_modseq(key) else 0
    if options is not None and "SAVE" in options:
        selected.saved = uids
    if options is not None or session.rev2:
        wanted = options if options is not None else []
        shown = [w for w in wanted if w != "SAVE"]
        if shown or not wanted:  # RETURN (SAVE) alone answers nothing (RFC 5182)
            session.untagged(esearch(cmd.tag, by_uid, numbers, shown or ["ALL"], modseq))
        return None
    text = "SEARCH" + "".join(f" {n}" for n in numbers)
    if modseq:
        text += f" (MODSEQ {modseq})"
    session.untagged(text)
    return None
