"""Who a message is from and for, as the policies of the ingest path see it.

The approval policy strips the recipients of a held message; the archive still records
them. So the first policy of ours to run snapshots the envelope on the request
(``snapshot``), and the later ones read the snapshot (``envelope_of``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import FolderRole, Member
from mailcore.store.request import IngestRequest

_ATTR = "_qiyou_envelope"
OWN_COPIES = (FolderRole.SENT, FolderRole.DRAFTS)


@dataclass
class Party:
    member_id: int
    email: str
    enterprise_id: int


@dataclass
class Envelope:
    sender: Party | None  # the signed-in member who sent it (None: from outside)
    recipients: list[Party] = field(default_factory=list)  # local mailboxes
    external: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)

    @property
    def enterprises(self) -> set[int]:
        found = {p.enterprise_id for p in self.recipients}
        if self.sender is not None:
            found.add(self.sender.enterprise_id)
        return found


async def snapshot(request: IngestRequest) -> Envelope:
    """The request's envelope now (before any of our policies changed it), kept on it."""
    existing = getattr(request, _ATTR, None)
    if existing is not None:
        return existing
    local = [d.member_id for d in request.deliveries if d.role not in OWN_COPIES]
    bcc = [a for d in request.deliveries if d.role is FolderRole.SENT for a in d.bcc]
    wanted = set(local)
    if request.sender_member_id is not None:
        wanted.add(request.sender_member_id)
    rows = {
        pk: Party(pk, email, ent)
        for pk, email, ent in await Member.filter(id__in=wanted).values_list(
            "id", "email", "enterprise_id"
        )
    }
    envelope = Envelope(
        sender=rows.get(request.sender_member_id) if request.sender_member_id else None,
        recipients=[rows[m] for m in dict.fromkeys(local) if m in rows],
        external=list(dict.fromkeys(request.outbound)),
        bcc=bcc,
    )
    setattr(request, _ATTR, envelope)
    return envelope


async def envelope_of(request: IngestRequest) -> Envelope:
    return await snapshot(request)


_HELD = "_qiyou_held"


def mark_held(request: IngestRequest) -> None:
    """The approval policy holds this message: its recipients get it only when approved."""
    setattr(request, _HELD, True)


def is_held(request: IngestRequest) -> bool:
    return bool(getattr(request, _HELD, False))


def matches_keywords(keywords: list[str], parsed: ParsedMessage, body: str) -> bool:
    """Any keyword in the subject or the body (no keywords: everything matches)."""
    if not keywords:
        return True
    haystack = f"{parsed.subject}\n{body}".casefold()
    return any(k.casefold() in haystack for k in keywords if k)


class DepartmentTree:
    """An enterprise's department tree, loaded once (one query) for many subtree checks."""

    def __init__(self, rows: list[tuple[int, int | None]]) -> None:
        self.children: dict[int | None, list[int]] = {}
        for pk, parent in rows:
            self.children.setdefault(parent, []).append(pk)
        self._cache: dict[tuple[int, ...], set[int]] = {}

    @classmethod
    async def load(cls, enterprise_id: int) -> DepartmentTree:
        from mailcore.core.models import Department

        rows = await Department.filter(enterprise_id=enterprise_id).values_list("id", "parent_id")
        return cls(rows)

    def subtree(self, roots: list[int]) -> set[int]:
        key = tuple(sorted(roots))
        if key not in self._cache:
            found: set[int] = set()
            frontier = list(key)
            while frontier:
                current = frontier.pop()
                if current not in found:
                    found.add(current)
                    frontier.extend(self.children.get(current, []))
            self._cache[key] = found
        return self._cache[key]
