"""The read gate of the mail schema: is this copy locked, and its ``confidential`` field.

Confidential rows are loaded once per request for all listed messages (a DataLoader on
the request state); whether a recipient's session has verified is asked once per copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from mailcore.confidential import access
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import ConfidentialMessage, MailboxEntry, Member
from schema.confidential.types import ConfidentialChannel, ConfidentialInfo

_STATE = "qiyou_confidential_gate"


async def _load(keys: list[int]) -> list[ConfidentialMessage | None]:
    found = await access.confidential_by_message(list(keys))
    return [found.get(k) for k in keys]


@dataclass
class _Gate:
    rows: DataLoader[int, ConfidentialMessage | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load)
    )
    until: dict[int, datetime | None] = field(default_factory=dict)  # entry id → open until


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
        gate.until[entry.id] = await access.open_until(
            conf, entry.member_id, info.context.session_id
        )
    return conf, gate.until[entry.id] is None


async def locked(info: Info, entry: MailboxEntry) -> bool:
    return (await _state(info, entry))[1]


def notice(entry: MailboxEntry) -> ParsedMessage:
    return access.notice(entry.message.subject)


async def confidential_info(info: Info, entry: MailboxEntry) -> ConfidentialInfo | None:
    conf, closed = await _state(info, entry)
    if conf is None:
        return None
    mine = conf.sender_id == entry.member_id
    channels = []
    if not mine:
        member = info.context.identity.member if info.context.identity else None
        if member is None or member.id != entry.member_id:
            member = await Member.get(id=entry.member_id)
        channels = await access.channels(info.context.runtime.settings, member)
    return ConfidentialInfo(
        verified=not closed,
        channels=[ConfidentialChannel(c.value) for c in channels],
        sender=mine,
        visible_until=None if mine or closed else _gate(info).until.get(entry.id),
    )
