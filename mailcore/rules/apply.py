"""The ingest policy of personal rules: filters, forwarding and auto-reply for each member
receiving a message into their Inbox.

Filters change that member's ``Delivery`` (folder, flag, seen, Trash). Forwards and
auto-replies are decided here and recorded as ``RuleSend`` rows in the mail's own commit, so
they are never lost; ``mailcore.rules.sender`` sends them afterwards through the one ingest
path. Which of them apply depends on the mail's source (``SORTED``, ``ANSWERED``).
"""

from __future__ import annotations

import asyncio
from email.message import Message as HeaderMessage
from email.parser import BytesHeaderParser
from typing import Any

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import AutoReply, FolderRole, Forwarding, MailFilter, Member, RuleSend
from mailcore.org.addresses import normalize_address
from mailcore.policy.presence import Presence
from mailcore.rules import autoreply, filters
from mailcore.store.request import Delivery, IngestRequest, IngestResult, IngestSource

MAX_HOPS = 10  # forwarded this many times already: a loop, stop forwarding
MAX_RECEIVED = 50  # relayed this often: a loop somewhere, neither forward nor reply
S = IngestSource
# What a member's rules do with a mail, by source: filters sort it; forwards (of a filter or
# of the forwarding setting) and the auto-reply answer it. Delivery reports and our own mail
# are sorted but never answered (a loop, or a reply nobody reads); a member's own stored
# mail (draft, import, IMAP APPEND, migration) and an auditor's restore are left alone.
ANSWERED = frozenset({S.SMTP_INBOUND, S.FETCH, S.SUBMISSION, S.COMPOSE, S.RULE, S.RELEASE})
SORTED = ANSWERED | {S.DSN, S.SYSTEM}


async def _members_with_rules() -> set[int]:
    found: set[int] = set()
    for model in (MailFilter, Forwarding, AutoReply):
        found.update(
            await model.filter(enabled=True).distinct().values_list("member_id", flat=True)
        )
    return found


WITH_RULES = Presence(_members_with_rules)  # members with any enabled filter/forward/reply


def read_headers(raw: bytes) -> HeaderMessage:
    return BytesHeaderParser().parsebytes(raw[:65536])


def _loop_marks(headers: HeaderMessage) -> list[str]:
    return [normalize_address(str(v)) for v in headers.get_all(autoreply.LOOP_HEADER, [])]


async def apply(request: IngestRequest, parsed: ParsedMessage) -> None:
    if request.source not in SORTED:
        return
    answer = request.source in ANSWERED
    targets = [
        d
        for d in request.deliveries
        if d.role is FolderRole.INBOX and d.member_id != request.sender_member_id
    ]
    if not targets:
        return
    ids = {d.member_id for d in targets} & await WITH_RULES.owners()
    if not ids:
        return
    rules: dict[int, list[dict[str, Any]]] = {}
    for row in (
        await MailFilter.filter(member_id__in=ids, enabled=True)
        .order_by("position", "id")
        .values("member_id", "conditions", "match_all", "actions", "stop")
    ):  # plain rows: no model instances for what may be hundreds of filters
        rules.setdefault(row["member_id"], []).append(row)
    forwards: dict[int, Forwarding] = {}
    replies: dict[int, AutoReply] = {}
    if answer:
        forwards = {
            f.member_id: f for f in await Forwarding.filter(member_id__in=ids, enabled=True)
        }
        replies = {
            r.member_id: r
            for r in await AutoReply.filter(member_id__in=ids, enabled=True)
            if autoreply.active(r)
        }
    if not (rules or forwards or replies):
        return
    headers = read_headers(request.raw)
    marks = _loop_marks(headers)
    looping = len(marks) >= MAX_HOPS or len(headers.get_all("received", [])) > MAX_RECEIVED
    emails = dict(await Member.filter(id__in=ids).values_list("id", "email"))
    sends: list[tuple[int, str, list[str]]] = []
    dropped: list[Delivery] = []
    for delivery in targets:
        member_id = delivery.member_id
        seen_here = emails.get(member_id, "") in marks or looping
        forward_to: list[str] = []
        for row in rules.get(member_id, []):
            if not filters.matches(row["conditions"], row["match_all"], parsed):
                continue
            _act(delivery, filters.Actions.of(row["actions"]), forward_to)
            if row["stop"]:
                break
        if not answer:
            continue  # sorted only: a filter's forward is not sent either
        forwarding = forwards.get(member_id)
        if forwarding is not None and forwarding.addresses:
            forward_to += forwarding.addresses
            if not forwarding.keep_copy and not seen_here:
                dropped.append(delivery)
        forward_to = [a for a in dict.fromkeys(forward_to) if a != emails.get(member_id)]
        if forward_to and not seen_here:
            sends.append((member_id, "forward", forward_to))
        reply = replies.get(member_id)
        if (
            reply is not None
            and not seen_here
            and normalize_address(request.envelope_from) != emails.get(member_id)
            and not autoreply.is_automatic(headers, request.envelope_from)
        ):
            sends.append((member_id, "autoreply", [normalize_address(request.envelope_from)]))
    for delivery in dropped:
        request.deliveries.remove(delivery)
    if sends:
        request.on_commit.append(_recorder(sends))


def _act(delivery: Delivery, actions: filters.Actions, forward_to: list[str]) -> None:
    if actions.delete:
        delivery.role = FolderRole.TRASH
        delivery.folder_id = None
    elif actions.folder_id:
        delivery.folder_id = actions.folder_id
    if actions.flag:
        delivery.flagged = True
    if actions.mark_read:
        delivery.seen = True
    forward_to += actions.forward_to


def _recorder(sends: list[tuple[int, str, list[str]]]):
    async def record(result: IngestResult) -> None:
        await RuleSend.bulk_create(
            [
                RuleSend(member_id=m, kind=kind, message_pk=result.message_pk, addresses=addresses)
                for m, kind, addresses in sends
            ]
        )
        from mailcore.rules.sender import wake_soon

        # Runs inside the commit: wake the sender a moment later, once the rows are visible.
        asyncio.get_running_loop().call_later(0.2, wake_soon)

    return record
