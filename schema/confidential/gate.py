"""The read gate of the mail schema: is this copy locked, and its ``confidential`` field.

Confidential rows are loaded once per request for all listed messages (a DataLoader on
the request state); whether a recipient's session has verified is asked once per copy,
for all listed copies of a member at once (a second DataLoader, uncached: ``forget``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from mailcore.confidential import access
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import CodeChannel, ConfidentialMessage, MailboxEntry, Member
from schema.confidential.types import ConfidentialChannel, ConfidentialInfo

_STATE = "qiyou_confidential_gate"


async def _load(keys: list[int]) -> list[ConfidentialMessage | None]:
    found = await access.confidential_by_message(list(keys))
    return [found.get(k) for k in keys]


def _opened_loader(session_id: int | None) -> DataLoader[tuple[int, int], datetime | None]:
    async def load(keys: list[tuple[int, int]]) -> list[datetime | None]:
        found: dict[tuple[int, int], datetime] = {}
        for member_id in {m for _, m in keys}:  # one member in a request, as a rule
            ids = [c for c, m in keys if m == member_id]
            opened = await access.open_until_many(ids, member_id, session_id)
            found.update({(c, member_id): until for c, until in opened.items()})
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load, cache=False)


@dataclass
class _Gate:
    rows: DataLoader[int, ConfidentialMessage | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load)
    )
    until: dict[int, datetime | None] = field(default_factory=dict)  # entry id → open until
    opened: DataLoader[tuple[int, int], datetime | None] | None = None  # (conf, member) → until
    channels: dict[int, asyncio.Future[list[CodeChannel]]] = field(default_factory=dict)


def _gate(info: Info) -> _Gate:
    state = info.context.request.state
    gate = getattr(state, _STATE, None)
    if gate is None:
        gate = _Gate()
        setattr(state, _STATE, gate)
    return gate


def forget(info: Info) -> None:
    """After a verification: ask the database again."""
    _gate(info).until.clear()


async def _state(info: Info, entry: MailboxEntry) -> tuple[ConfidentialMessage | None, bool]:
    """The confidential row (None: ordinary mail) and whether the body is closed."""
    gate = _gate(info)
    conf = await gate.rows.load(entry.message_id)
    if conf is None or conf.sender_id == entry.member_id:
        return conf, False
    if entry.id not in gate.until:
        if gate.opened is None:
            gate.opened = _opened_loader(info.context.session_id)
        gate.until[entry.id] = await gate.opened.load((conf.id, entry.member_id))
    return conf, gate.until[entry.id] is None


async def locked(info: Info, entry: MailboxEntry) -> bool:
    return (await _state(info, entry))[1]


def notice(entry: MailboxEntry) -> ParsedMessage:
    return access.notice(entry.message.subject)


async def _channels(info: Info, member_id: int) -> list[CodeChannel]:
    member = info.context.identity.member if info.context.identity else None
    if member is None or member.id != member_id:
        member = await Member.get(id=member_id)
    return await access.channels(info.context.runtime.settings, member)


async def confidential_info(info: Info, entry: MailboxEntry) -> ConfidentialInfo | None:
    conf, closed = await _state(info, entry)
    if conf is None:
        return None
    mine = conf.sender_id == entry.member_id
    channels = []
    if not mine:
        known = _gate(info).channels  # member id → their channels, once per request
        if entry.member_id not in known:
            known[entry.member_id] = asyncio.ensure_future(_channels(info, entry.member_id))
        channels = await asyncio.shield(known[entry.member_id])
    return ConfidentialInfo(
        verified=not closed,
        channels=[ConfidentialChannel(c.value) for c in channels],
        sender=mine,
        visible_until=None if mine or closed else _gate(info).until.get(entry.id),
    )
