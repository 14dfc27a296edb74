"""Sending as a member: one function shared by SMTP submission and GraphQL compose.

The rule of who may send as what lives here (``refused_senders``): the envelope sender and
every address of the ``From`` and ``Sender`` headers must be the member's own address or
one of their aliases, at any domain of the enterprise (alias domains included), or an
external account's address the member proved with a mailed code (send-as,
``mailcore/fetch/sendas.py``). Mail sent as a proved address whose account sends through
its own SMTP server has its outbound rows delivered through that server
(``send_as_account``)."""

from __future__ import annotations

from email.parser import HeaderParser
from email.utils import getaddresses

from mailcore.core.mime.charset import decode_header_bytes
from mailcore.core.mime.headers import decode_words, parse_addresses
from mailcore.core.mime.structure import split_headers
from mailcore.core.models import Alias, ExternalAccount, FolderRole, Member, SendMode
from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.routing import local_recipients, route
from mailcore.org.addresses import normalize_address
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.store.request import Dsn

SENDER_HEADERS = ("from", "sender")


class SenderNotAllowed(MailError):
    """The member may not send as ``address`` (envelope or header sender)."""

    def __init__(self, address: str) -> None:
        super().__init__(
            MailErrorCode.SENDER_NOT_ALLOWED,
            f"<{address}>: you may not send as this address",
            "from",
        )
        self.address = address


def header_senders(raw: bytes) -> list[str]:
    """Every address of the ``From`` and ``Sender`` headers, as two header splitters and two
    address parsers read them (ours, whose reading the apps show, and the standard
    library's, as other mail readers do); a header in which neither finds an address is
    returned whole, so it is refused rather than skipped."""
    ours, body = split_headers(raw, 0, min(len(raw), 65536))
    values = [decode_header_bytes(v) for name, v in ours if name in SENDER_HEADERS]
    head = (raw[:body] if body else raw[:65536]).decode("utf-8", "replace")
    theirs = HeaderParser().parsestr(head)  # as text: UTF-8 headers (RFC 6532) kept as such
    values += [str(v) for name in SENDER_HEADERS for v in theirs.get_all(name, [])]
    found: list[str] = []
    for text in values:
        addresses = [a for _, a in getaddresses([text]) if "@" in a]
        addresses += [a.address for a in parse_addresses(decode_words(text)) if "@" in a.address]
        if not addresses and text.strip():
            addresses = [text.strip()[:200]]
        found += addresses
    return list(dict.fromkeys(found))


async def send_as_accounts(member_id: int) -> dict[str, ExternalAccount]:
    """The member's external accounts with a proved send-as address, by that address."""
    rows = await ExternalAccount.filter(
        member_id=member_id, send_as_verified_at__isnull=False
    ).exclude(send_as_address="")
    return {normalize_address(r.send_as_address): r for r in rows}


async def sender_addresses(member: Member) -> list[tuple[str, str]]:
    """What the member may write in From, as (address, kind): ``own``, ``alias``, ``send_as``."""
    aliases = (
        await Alias.filter(member_id=member.id).order_by("email").values_list("email", flat=True)
    )
    proved = await send_as_accounts(member.id)
    found = [(member.email, "own"), *((str(a), "alias") for a in aliases)]
    found += [(r.send_as_address, "send_as") for r in proved.values()]
    return found


async def refused_senders(member: Member, addresses: list[str]) -> list[str]:
    """The addresses the member may not send as: all but their own address and aliases, at
    the domain they are stored with or an alias domain of it, and their proved send-as
    addresses."""
    routes = await route(addresses)
    refused = [a for a in addresses if routes.local.get(normalize_address(a)) != member.id]
    if refused:
        proved = await send_as_accounts(member.id)
        refused = [a for a in refused if normalize_address(a) not in proved]
    return refused


async def send_as_account(member: Member, senders: list[str]) -> int | None:
    """The account whose SMTP server delivers the mail: that of the first of ``senders`` (the
    envelope sender, then the header senders) that is a proved send-as address sent
    through its own server; None: our own delivery."""
    proved = await send_as_accounts(member.id)
    for address in senders:
        account = proved.get(normalize_address(address))
        if account is not None:
            return account.id if account.send_mode is SendMode.SMTP else None
    return None


async def check_sender(member: Member, envelope_from: str) -> None:
    """The envelope sender must be an address the member may send as."""
    if refused := await refused_senders(member, [envelope_from]):
        raise SenderNotAllowed(refused[0])


async def check_senders(member: Member, envelope_from: str, raw: bytes) -> None:
    """The envelope sender and the ``From``/``Sender`` headers: every way of sending calls
    this (a missing ``From`` header is accepted)."""
    if refused := await refused_senders(member, [envelope_from, *header_senders(raw)]):
        raise SenderNotAllowed(refused[0])


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
    dsn: Dsn | None = None,
) -> IngestResult:
    """Deliver local recipients now (groups expanded to their members, if the member may post
    to them), queue external ones, keep a copy in the sender's Sent. The member must be
    allowed to send as the envelope sender and the From/Sender addresses."""
    await check_senders(member, envelope_from, raw)
    smtp_account_id = await send_as_account(member, [envelope_from, *header_senders(raw)])
    routes = await route(recipients)
    if routes.invalid:
        raise MailError(
            MailErrorCode.INVALID_RECIPIENT, f"not a valid address: {routes.invalid[0]}", "to"
        )
    if routes.unknown:
        raise MailError(
            MailErrorCode.INVALID_RECIPIENT, f"no such mailbox: {routes.unknown[0]}", "to"
        )
    if not routes.deliverable:
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
            dsn=dsn,
            sender_member_id=member.id,
            origin_session=origin_session,
            smtp_account_id=smtp_account_id,
        )
    )
