"""SMTP inbound (MX): no AUTH, no relay; hosted recipients (members, aliases, groups the
envelope sender may post to) only; quota; 250 after fsync."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.ingest import Delivery, IngestRequest, IngestSource
from mailcore.mail.routing import Routes, local_recipients, route
from mailcore.models import Member
from mailcore.org.addresses import split_address
from mailcore.runtime import Runtime
from mailcore.smtp import replies

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 500
_SIZE = re.compile(r"^SIZE=(\d+)$", re.IGNORECASE)


def declared_size(mail_options: list[str]) -> int:
    for option in mail_options or []:
        if m := _SIZE.match(option):
            return int(m.group(1))
    return 0


class InboundHandler:
    """aiosmtpd handler for the MX port."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return replies.TOO_MANY_RECIPIENTS
        routes = await route([address])
        if routes.invalid:
            return replies.BAD_ADDRESS
        if routes.external:
            return replies.NO_RELAY.format(domain=split_address(address)[1])
        if routes.unknown:
            return replies.NO_SUCH_USER.format(address=address)
        if routes.groups:
            if await refused_groups(routes.groups, Sender(envelope.mail_from or "")):
                return replies.GROUP_NOT_ALLOWED.format(address=address)
        else:
            member = await Member.get(id=next(iter(routes.local.values())))
            if not member.has_room_for(declared_size(envelope.mail_options)):
                return replies.MAILBOX_FULL.format(address=address)
        _accepted_routes(envelope).merge(routes)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(options)
        return replies.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        # Routes were resolved at RCPT; groups expand to their members at this moment.
        member_ids = await local_recipients(_accepted_routes(envelope))
        try:
            result = await self.runtime.ingestor.ingest(
                IngestRequest(
                    raw=_with_trace(raw, session, envelope, self.runtime.settings.hostname),
                    source=IngestSource.SMTP_INBOUND,
                    envelope_from=envelope.mail_from or "",
                    deliveries=[Delivery(member_id=mid) for mid in member_ids],
                )
            )
        except Exception:
            log.exception("inbound ingest failed")
            return replies.TEMP_FAILURE
        if member_ids and not result.entries:
            return replies.ALL_MAILBOXES_FULL
        return replies.QUEUED.format(id=result.sha256[:16])


def _accepted_routes(envelope: Envelope) -> Routes:
    """The routes of the recipients accepted so far in this transaction (kept on the envelope,
    which aiosmtpd makes anew for every transaction), so DATA does not resolve them again."""
    routes = getattr(envelope, "qiyou_routes", None)
    if routes is None:
        routes = Routes()
        envelope.qiyou_routes = routes  # type: ignore[attr-defined]
    return routes


def _with_trace(raw: bytes, session: Session, envelope: Envelope, hostname: str) -> bytes:
    """Prepend a Received: trace header (RFC 5321 §4.4)."""
    peer: Any = session.peer
    ip = peer[0] if isinstance(peer, tuple) else str(peer)
    helo = (session.host_name or "unknown").replace("\r", "").replace("\n", "")[:200]
    from email.utils import formatdate

    header = (
        f"Received: from {helo} ([{ip}])\r\n\tby {hostname} (Qiyou) with ESMTP;\r\n"
        f"\t{formatdate(usegmt=True)}\r\n"
    )
    return header.encode("ascii", "replace") + raw
