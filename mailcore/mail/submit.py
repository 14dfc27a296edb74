"""Sending as a member: one function shared by SMTP submission and GraphQL compose."""

from __future__ import annotations

from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.errors import MailError, MailErrorCode
from mailcore.mail.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.mail.routing import local_recipients, route
from mailcore.models import FolderRole, Member
from mailcore.org.addresses import normalize_address
from mailcore.org.service import member_addresses


async def check_sender(member: Member, envelope_from: str) -> None:
    """The envelope sender must be the member's own address or one of their aliases."""
    if normalize_address(envelope_from) not in await member_addresses(member.id):
        raise MailError(
            MailErrorCode.SENDER_NOT_ALLOWED,
            f"{member.email} may not send as {envelope_from}",
            "from",
        )


async def submit(
    ingestor: Ingestor,
    member: Member,
    raw: bytes,
    *,
    envelope_from: str,
    recipients: list[str],
    bcc: list[str] | None = None,
    source: IngestSource,
    origin_session: int | None = None,
) -> IngestResult:
    """Deliver local recipients now (groups expanded to their members, if the member may post
    to them), queue external ones, keep a copy in the sender's Sent."""
    routes = await route(recipients)
    if routes.invalid:
        raise MailError(
            MailErrorCode.INVALID_RECIPIENT, f"not a valid address: {routes.invalid[0]}", "to"
        )
    if routes.unknown:
        raise MailError(
            MailErrorCode.INVALID_RECIPIENT, f"no such mailbox: {routes.unknown[0]}", "to"
        )
    if not routes.local and not routes.external and not routes.groups:
        raise MailError(MailErrorCode.NO_RECIPIENTS, "at least one recipient is needed", "to")
    refused = await refused_groups(routes.groups, Sender(envelope_from, member.id))
    if refused:
        raise MailError(
            MailErrorCode.NOT_ALLOWED, f"<{refused[0]}>: you may not send to this group", "to"
        )
    if not member.has_room_for(len(raw)):
        raise MailError(
            MailErrorCode.QUOTA_EXCEEDED,
            "your mailbox is full: delete some mail before sending",
            None,
        )
    deliveries = [
        Delivery(member_id=member.id, role=FolderRole.SENT, seen=True, bcc=bcc or []),
        *(Delivery(member_id=mid) for mid in await local_recipients(routes)),
    ]
    return await ingestor.ingest(
        IngestRequest(
            raw=raw,
            source=source,
            envelope_from=envelope_from,
            deliveries=deliveries,
            outbound=routes.external,
            sender_member_id=member.id,
            origin_session=origin_session,
        )
    )
