"""SMTP inbound (MX): no AUTH, no relay; hosted recipients (members, aliases, groups the
envelope sender may post to, unknown addresses of a domain with a transfer mailbox) only;
sender black lists at RCPT; SPF/DKIM/DMARC, hosted domains claimed from outside
(``mailcore.mailauth.spoofing``) and spam screening at DATA; quota; 250 after fsync."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailcore.core.db import select
from mailcore.core.models import FolderRole, MailGroup, Member
from mailcore.delivery.dsn import is_report
from mailcore.dns import open_resolver
from mailcore.dns.cache import CachingResolver
from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.routing import Routes, local_recipients, route
from mailcore.mailauth import spoofing
from mailcore.mailauth.check import strip_forged
from mailcore.mailauth.screen import screen
from mailcore.org.addresses import is_utf8, is_valid_address, normalize_address, split_address
from mailcore.policy import lists
from mailcore.policy.lists import Verdict
from mailcore.policy.transfer import transfer_target
from mailcore.protocols.smtp import replies, trace
from mailcore.spam import open_checker
from mailcore.store.ingest import Delivery, IngestRequest, IngestResult, IngestSource, parse
from mailcore.store.request import OnCommit, PolicyRefusal
from mailcore.store.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RECIPIENTS = 500
_QUOTA_FIELDS = ("id", "enterprise_id", "is_vip", "used_bytes", "quota_bytes")
_COLUMNS = ", ".join(f'"{name}"' for name in (*_QUOTA_FIELDS, "email"))
# A member's own address, with the fields the quota check reads.
_OWN_MEMBER = f'SELECT {_COLUMNS} FROM "member" WHERE "email" = ? AND "enabled" = ? LIMIT 1'
_SIZE = re.compile(r"^SIZE=(\d+)$", re.IGNORECASE)
SENDER_BLOCKED = (
    "550 5.7.1 <{address}>: mail from your address is refused by the recipient's organization"
)
SENDER_BLOCKED_BY_MEMBER = "550 5.7.1 <{address}>: the recipient does not accept mail from you"


def declared_size(mail_options: list[str]) -> int:
    for option in mail_options or []:
        if m := _SIZE.match(option):
            return int(m.group(1))
    return 0


class InboundHandler:
    """aiosmtpd handler for the MX port."""

    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.resolver = CachingResolver(open_resolver(settings), settings.dns_cache_seconds)
        self.checker = open_checker(runtime.settings.spam_url)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not address.isascii():  # RFC 6531: only UTF-8, only with SMTPUTF8
            if not is_utf8(address):
                return replies.BAD_SENDER_ADDRESS
            if not envelope.smtp_utf8:
                return replies.NEEDS_SMTPUTF8
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return replies.SENDER_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return replies.TOO_MANY_RECIPIENTS
        if not address.isascii() and not envelope.smtp_utf8:
            return replies.NEEDS_SMTPUTF8 if is_utf8(address) else replies.BAD_ADDRESS
        sender = envelope.mail_from or ""
        member = await _own_member(address)  # most mail: one query, quota fields included
        routes = Routes(local={member.email: member.id}) if member else await route([address])
        if routes.invalid:
            return replies.BAD_ADDRESS
        if routes.external:
            return replies.NO_RELAY.format(domain=split_address(address)[1])
        transferred = None
        if routes.unknown:
            transferred = await transfer_target(address)
            if transferred is None:
                return replies.NO_SUCH_USER.format(address=address)
        if routes.roles:
            pass  # postmaster and co. (RFC 5321 4.5.1): no sender lists, no quota refusal
        elif routes.groups:
            if await refused_groups(routes.groups, Sender(sender)):
                return replies.GROUP_NOT_ALLOWED.format(address=address)
            enterprise_id = await MailGroup.filter(id__in=list(routes.groups.values())).values_list(
                "enterprise_id", flat=True
            )
            for eid in set(enterprise_id):
                if await lists.company_verdict([sender], eid) is Verdict.REFUSE:
                    return SENDER_BLOCKED.format(address=sender)
        else:
            member_id = transferred or next(iter(routes.local.values()))
            if member is None or member.id != member_id:
                member = await Member.filter(id=member_id).only(*_QUOTA_FIELDS).get()
            _enterprises(envelope)[member.id] = member.enterprise_id
            if not member.has_room_for(declared_size(envelope.mail_options)):
                return replies.MAILBOX_FULL.format(address=address)
            verdict = (await lists.verdicts([sender], [member_id])).get(member_id)
            if verdict is Verdict.REFUSE:
                company = await lists.company_verdict([sender], member.enterprise_id)
                if company is Verdict.REFUSE:
                    return SENDER_BLOCKED.format(address=sender)
                return SENDER_BLOCKED_BY_MEMBER.format(address=sender)
        if transferred is not None:
            _transfers(envelope)[address] = transferred
        else:
            _accepted_routes(envelope).merge(routes)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(options)
        return replies.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        settings = self.runtime.settings
        # Routes were resolved at RCPT; groups expand to their members at this moment.
        member_ids = await local_recipients(_accepted_routes(envelope))
        transfers = _transfers(envelope)
        member_ids += [m for m in dict.fromkeys(transfers.values()) if m not in member_ids]
        peer: Any = session.peer
        ip = peer[0] if isinstance(peer, tuple) else ""
        helo = (session.host_name or "").strip()[:255]
        parsed = await parse(raw)  # once, for the spam check and for storing
        try:
            screening = await screen(
                raw,
                ip=ip,
                helo=helo,
                mail_from=envelope.mail_from or "",
                recipients=list(envelope.rcpt_tos),
                member_ids=member_ids,
                resolver=self.resolver,
                checker=self.checker,
                hostname=settings.hostname,
                parsed=parsed,
                enterprises=_enterprises(envelope),
            )
        except Exception:
            log.exception("inbound screening failed")
            return replies.TEMP_FAILURE
        if screening.refusal:
            return screening.refusal
        extra = screening.headers + "".join(
            f"X-Original-To: {address}\r\n" for address in transfers
        )
        stored = _trace(session, envelope, settings.hostname) + extra.encode("utf-8", "replace")
        stored += strip_forged(trace.drop_return_path(raw), settings.hostname)
        # The parser reads nothing from the trace headers prepended, unless the mail starts
        # with what would join them (a folded line) or stop them (an mbox "From " line).
        reuse = not raw[:1].isspace() and not raw.startswith(b"From ")
        try:
            result = await self.runtime.ingestor.ingest(
                IngestRequest(
                    raw=stored,
                    parsed=dataclasses.replace(parsed, size=len(stored)) if reuse else None,
                    source=IngestSource.DSN
                    if is_report(envelope.mail_from, raw)
                    else IngestSource.SMTP_INBOUND,
                    envelope_from=envelope.mail_from or "",
                    deliveries=[
                        Delivery(member_id=mid, role=screening.roles.get(mid, FolderRole.INBOX))
                        for mid in member_ids
                    ],
                    on_commit=_spoof_mark(screening.spoofed),
                )
            )
        except PolicyRefusal as exc:
            return exc.smtp_reply
        except Exception:
            log.exception("inbound ingest failed")
            return replies.TEMP_FAILURE
        if member_ids and not result.entries and result.over_quota:  # not a rule's forward
            return replies.ALL_MAILBOXES_FULL
        return replies.QUEUED.format(id=result.sha256[:16])


async def _own_member(address: str) -> Member | None:
    """The enabled member whose own address this is, with the fields the quota check reads;
    None for anything else (aliases, groups, alias domains, unknown): ``route`` sorts those."""
    normalized = normalize_address(address)
    if not is_valid_address(normalized):
        return None
    rows = await select(_OWN_MEMBER, normalized, True)  # ORM-built, it would cost 5x as much
    return Member(**rows[0]) if rows else None


@dataclasses.dataclass
class SpoofMark:
    """Mail claiming a hosted domain, kept (in Spam) by the owner's choice: the warning the
    apps show is recorded with it. A class, not a closure: an MX process sends it along
    with the mail to the process that commits it (mailcore/store/remote.py)."""

    domains: list[str]

    async def __call__(self, result: IngestResult) -> None:
        await spoofing.mark(result.message_pk, self.domains)


def _spoof_mark(domains: list[str]) -> list[OnCommit]:
    return [SpoofMark(domains)] if domains else []


def _kept(envelope: Envelope, name: str, make: Callable[[], T]) -> T:
    """What this transaction keeps on its envelope (aiosmtpd makes one per transaction)."""
    value = getattr(envelope, name, None)
    if value is None:
        value = make()
        setattr(envelope, name, value)
    return value


def _accepted_routes(envelope: Envelope) -> Routes:
    """The routes of the recipients accepted so far in this transaction, so DATA does not
    resolve them again."""
    return _kept(envelope, "qiyou_routes", Routes)


def _transfers(envelope: Envelope) -> dict[str, int]:
    """Unknown addresses accepted for a domain's transfer mailbox: address → member id."""
    return _kept(envelope, "qiyou_transfers", dict)


def _enterprises(envelope: Envelope) -> dict[int, int]:
    """Member id → enterprise id of the members looked up at RCPT (screening needs them)."""
    return _kept(envelope, "qiyou_enterprises", dict)


def _trace(session: Session, envelope: Envelope, hostname: str) -> bytes:
    """Return-Path (the envelope sender: this is the final delivery) and Received."""
    peer: Any = session.peer
    ip = peer[0] if isinstance(peer, tuple) else str(peer)
    protocol = trace.protocol_name(
        extended=session.extended_smtp, tls=session.ssl is not None, authenticated=False
    )
    return trace.return_path(envelope.mail_from or "") + trace.received(
        helo=session.host_name or "",
        ip=ip,
        hostname=hostname,
        protocol=protocol,
        queue=trace.queue_id(),
        recipients=list(envelope.rcpt_tos),
    )
