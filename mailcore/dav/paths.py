"""Where things are (RFC 6764 discovery leads to ``ROOT``): a member's principal, their
calendar home holding every calendar in their list (their own, and those shared with them
or subscribed), each event as ``<uid>.ics`` in its calendar, and their address book home
with the directory's book, each card ``<uid>.vcf``, and the member's own contacts, each
card under the name its client gave it. A member sees only their own principal
and homes; anything else is not found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote, unquote, urlsplit

ROOT = "/dav/"
PRINCIPALS = ROOT + "principals/"
CALENDARS = ROOT + "calendars/"
ADDRESSBOOKS = ROOT + "addressbooks/"
SUFFIX = ".ics"
CARD_SUFFIX = ".vcf"
BOOK = "directory"  # the enterprise directory, read-only
CONTACTS = "contacts"  # the member's personal contacts, writable
INBOX = "inbox"  # in the calendar home: RFC 6638 scheduling (no calendar takes these names)
OUTBOX = "outbox"
MAX_NAME = 255  # a personal card's resource name
# A calendar's name chosen by a client's MKCALENDAR (Apple and Thunderbird: a UUID), not all
# digits (those are ids)
CALENDAR_NAME = re.compile(r"^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$")


class Kind(Enum):
    ROOT = "root"
    PRINCIPAL = "principal"
    HOME = "home"
    CALENDAR = "calendar"
    EVENT = "event"
    BOOKS = "books"  # the address book home
    BOOK = "book"
    CARD = "card"
    CONTACTS = "contacts"  # the personal address book
    CONTACT = "contact"  # a card of it (uid: the resource name, with its suffix)
    INBOX = "inbox"  # RFC 6638 scheduling inbox (always empty: invitations go to calendars)
    OUTBOX = "outbox"  # RFC 6638 scheduling outbox (free/busy requests are POSTed to it)


@dataclass(frozen=True)
class Target:
    kind: Kind
    calendar_id: int = 0
    uid: str = ""  # of an event or a card
    name: str = ""  # a calendar named by the client that made it (MKCALENDAR), not by id


def principal(email: str) -> str:
    return f"{PRINCIPALS}{quote(email, safe='@')}/"


def home(email: str) -> str:
    return f"{CALENDARS}{quote(email, safe='@')}/"


def calendar(email: str, calendar_id: int | str) -> str:
    """``calendar_id``: the id, or the name the client that made it gave it."""
    return f"{home(email)}{quote(str(calendar_id), safe='')}/"


def inbox(email: str) -> str:
    return f"{home(email)}{INBOX}/"


def outbox(email: str) -> str:
    return f"{home(email)}{OUTBOX}/"


def event(email: str, calendar_id: int | str, uid: str) -> str:
    return f"{calendar(email, calendar_id)}{quote(uid, safe='')}{SUFFIX}"


def books(email: str) -> str:
    return f"{ADDRESSBOOKS}{quote(email, safe='@')}/"


def book(email: str) -> str:
    return f"{books(email)}{BOOK}/"


def card(email: str, uid: str) -> str:
    return f"{book(email)}{quote(uid, safe='')}{CARD_SUFFIX}"


def contacts(email: str) -> str:
    return f"{books(email)}{CONTACTS}/"


def contact(email: str, resource: str) -> str:
    return f"{contacts(email)}{quote(resource, safe='')}"


def resolve(path: str, email: str) -> Target | None:
    """What ``path`` (or an absolute URL, as some clients write hrefs) names for the member
    ``email``; None when it is nothing of theirs."""
    if path.startswith(("http://", "https://")):
        path = urlsplit(path).path
    if path == ROOT.rstrip("/"):
        return Target(Kind.ROOT)
    if not path.startswith(ROOT):
        return None
    parts = [unquote(p) for p in path[len(ROOT) :].split("/")]
    if parts and parts[-1] == "":
        parts.pop()
    if not parts:
        return Target(Kind.ROOT)
    if len(parts) < 2 or parts[1].lower() != email.lower():
        return None
    if parts[0] == "principals" and len(parts) == 2:
        return Target(Kind.PRINCIPAL)
    if parts[0] == "addressbooks":
        return _in_books(parts[2:])
    if parts[0] != "calendars":
        return None
    if len(parts) == 2:
        return Target(Kind.HOME)
    if parts[2] in (INBOX, OUTBOX):
        return Target(Kind(parts[2])) if len(parts) == 3 else None
    if parts[2].isdigit() and len(parts[2]) <= 10:
        calendar_id, name = int(parts[2]), ""
    elif CALENDAR_NAME.match(parts[2]):
        calendar_id, name = 0, parts[2]
    else:
        return None
    if len(parts) == 3:
        return Target(Kind.CALENDAR, calendar_id, name=name)
    if len(parts) == 4 and parts[3].endswith(SUFFIX) and len(parts[3]) > len(SUFFIX):
        return Target(Kind.EVENT, calendar_id, parts[3][: -len(SUFFIX)], name=name)
    return None


def _in_books(parts: list[str]) -> Target | None:
    if not parts:
        return Target(Kind.BOOKS)
    if parts[0] == CONTACTS:
        if len(parts) == 1:
            return Target(Kind.CONTACTS)
        name = parts[1]
        if len(parts) == 2 and 0 < len(name) <= MAX_NAME and name not in (".", ".."):
            return Target(Kind.CONTACT, uid=name)
        return None
    if parts[0] != BOOK:
        return None
    if len(parts) == 1:
        return Target(Kind.BOOK)
    name = parts[1]
    if len(parts) == 2 and name.endswith(CARD_SUFFIX) and len(name) > len(CARD_SUFFIX):
        return Target(Kind.CARD, uid=name[: -len(CARD_SUFFIX)])
    return None
