"""The enterprise directory as a read-only CardDAV address book (RFC 6352): one vCard 3.0
per colleague the member may see in the directory (``mailcore.directory.contacts``: no
hidden members, none only in hidden departments, no disabled or deleted ones), and one
group card per visible department listing its members (Apple's
``X-ADDRESSBOOKSERVER-KIND:group``, which Apple Contacts and DAVx⁵ show as groups).

The cards are made from the directory on each request, so they are never stale; a card's
etag is a hash of its text, the book's ctag a hash of all etags."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from mailcore.core.models import DepartmentMember, Member
from mailcore.directory.contacts import view_for

BOOK = "directory"
BOOK_NAME = "公司通讯录"
SUFFIX = ".vcf"


@dataclass(frozen=True)
class Card:
    uid: str
    text: str

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:32]


async def directory(enterprise_id: int) -> dict[str, Card]:
    """Every card of the book by UID, colleagues first, then departments."""
    view = await view_for(enterprise_id, include_hidden=False)
    members = (
        await Member.filter(view.where())
        .order_by("id")
        .values("id", "email", "name", "mobile", "tel", "position")
    )
    ids = [m["id"] for m in members]
    links = await DepartmentMember.filter(member_id__in=ids or [0]).values_list(
        "member_id", "department_id"
    )
    by_department: dict[int, list[int]] = defaultdict(list)
    departments_of: dict[int, list[int]] = defaultdict(list)
    for member_id, department_id in links:
        if department_id in view.departments:
            by_department[department_id].append(member_id)
            departments_of[member_id].append(department_id)
    cards: dict[str, Card] = {}
    for m in members:
        shown = view.shown(departments_of[m["id"]])
        org = view.tree.path_name(shown[0]) if shown else ""
        lines = [
            f"FN:{_text(m['name'] or m['email'])}",
            f"N:{_text(m['name'])};;;;",
            f"EMAIL;TYPE=INTERNET,WORK:{_text(m['email'])}",
        ]
        if m["mobile"]:
            lines.append(f"TEL;TYPE=CELL:{_text(m['mobile'])}")
        if m["tel"]:
            lines.append(f"TEL;TYPE=WORK:{_text(m['tel'])}")
        if m["position"]:
            lines.append(f"TITLE:{_text(m['position'])}")
        if org:
            lines.append(f"ORG:{';'.join(_text(part) for part in org.split('/'))}")
        uid = member_uid(m["id"])
        cards[uid] = Card(uid, _card(uid, lines))
    for department_id in sorted(by_department, key=view.tree.path_name):
        if department_id == view.tree.root_id:
            continue
        uid = f"qiyou-department-{department_id}"
        lines = [
            f"FN:{_text(view.tree.nodes[department_id].name)}",
            f"N:{_text(view.tree.nodes[department_id].name)};;;;",
            "X-ADDRESSBOOKSERVER-KIND:group",
        ] + [
            f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{member_uid(member_id)}"
            for member_id in sorted(by_department[department_id])
        ]
        cards[uid] = Card(uid, _card(uid, lines))
    return cards


def member_uid(member_id: int) -> str:
    return f"qiyou-member-{member_id}"


def ctag(cards: dict[str, Card]) -> str:
    return hashlib.sha256("".join(c.etag for c in cards.values()).encode()).hexdigest()[:32]


def _text(value: str) -> str:
    """A vCard TEXT value (RFC 6350 section 3.4): backslash, comma, semicolon and line
    breaks escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _card(uid: str, lines: list[str]) -> str:
    body = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Qiyou//Directory//EN", f"UID:{uid}"]
    body += lines + ["END:VCARD"]
    return "".join(_fold(line) + "\r\n" for line in body)


def _fold(line: str) -> str:
    """Long lines folded at 75 octets of UTF-8 (RFC 6350 section 3.2), never inside a
    character."""
    parts: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > 74 and current:
            parts.append(current)
            current = " "
        current += char
    parts.append(current)
    return "\r\n".join(parts)
