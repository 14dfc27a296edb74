"""SMTP submission: STARTTLS then AUTH PLAIN/LOGIN; the envelope sender and the From/Sender
headers must be addresses the member may send as (``mailcore.mail.submit``);
local recipients delivered at once, external ones queued, a copy kept in Sent."""

from __future__ import annotations

import base64
import binascii
import logging
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, Session

from mailcore.core.models import ClientKind, Member
from mailcore.delivery.notify import report_delivered
from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.routing import route
from mailcore.mail.submit import SenderNotAllowed, check_sender, submit
from mailcore.org.addresses import is_utf8, normalize_address
from mailcore.policy import restrict
from mailcore.protocols.smtp import replies, trace
from mailcore.protocols.smtp.protocol import envelope_dsn
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.security.login import Attempt, authenticate
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.ingest import IngestSource
from mailcore.store.request import PolicyRefusal
from mailcore.store.services import Services

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 1000


AUTH_INVALID = "535 5.7.8 Authentication credentials invalid"
AUTH_LOCKED = "454 4.7.0 Too many failed logins: try again in {seconds} seconds"
AUTH_IP_NOT_ALLOWED = "535 5.7.8 Authentication refused: logins from your address are not allowed"
AUTH_PASSWORD_CHANGE = "535 5.7.8 Authentication refused: change your password in webmail first"
AUTH_APP_PASSWORD_REQUIRED = (
    "535 5.7.8 Authentication refused: this account needs an app password for mail clients,"
    " create one in webmail settings"
)
AUTH_PROTOCOL_DISABLED = "535 5.7.8 Authentication refused: mail clients are off for this account"


def _auth_reply(exc: SecurityError) -> str:
    if exc.code is SecurityErrorCode.LOCKED:
        return AUTH_LOCKED.format(seconds=exc.retry_after or 60)
    if exc.code is SecurityErrorCode.IP_NOT_ALLOWED:
        return AUTH_IP_NOT_ALLOWED
    if exc.code is SecurityErrorCode.PASSWORD_CHANGE_REQUIRED:
        return AUTH_PASSWORD_CHANGE
    if exc.code is SecurityErrorCode.APP_PASSWORD_REQUIRED:
        return AUTH_APP_PASSWORD_REQUIRED
    if exc.code is SecurityErrorCode.PROTOCOL_DISABLED:
        return AUTH_PROTOCOL_DISABLED
    return AUTH_INVALID


class SubmissionHandler:
    """aiosmtpd handler for the submission port (auth_required, require_starttls)."""

    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime

    async def _authenticate(self, server: SMTP, login: bytes, password: bytes) -> AuthResult:
        """Every check of a login (lockout, IP limits, history) through mailcore.security."""
        session = server.session
        peer = session.peer if session is not None else None
        attempt = Attempt(
            login=login.decode("utf-8", "replace"),
            password=password.decode("utf-8", "replace"),
            client=ClientKind.SMTP,
            ip=str(peer[0]) if isinstance(peer, tuple) and peer else "",
            user_agent=f"EHLO {session.host_name}" if session and session.host_name else "",
        )
        try:
            member = await authenticate(attempt, self.runtime.settings)
        except SecurityError as exc:
            return AuthResult(success=False, handled=False, message=_auth_reply(exc))
        return AuthResult(success=True, auth_data=member.id)

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x00")
        if len(parts) != 3:
            await server.push("501 5.5.2 Can't split auth value")
            return AuthResult(success=False, handled=True)
        _authzid, login, password = parts
        return await self._authenticate(server, login, password)

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 1:
            login = await server.challenge_auth("Username:")
            if login is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                login = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        password = await server.challenge_auth("Password:")
        if password is MISSING:
            return AuthResult(success=False, handled=True)
        return await self._authenticate(server, login, password)

    async def _member(self, session: Session) -> Member | None:
        return await Member.filter(id=session.auth_data, enabled=True).first()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not address.isascii():  # RFC 6531: only UTF-8, only with SMTPUTF8
            if not is_utf8(address):
                return replies.BAD_SENDER_ADDRESS
            if not envelope.smtp_utf8:
                return replies.NEEDS_SMTPUTF8
        member = await self._member(session)
        if member is None:
            return replies.ACCOUNT_DISABLED
        try:
            await check_sender(member, address)
        except MailError:
            return replies.SENDER_NOT_OWNED.format(address=address)
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
        routes = await route([address])
        if routes.invalid:
            return replies.BAD_ADDRESS
        if routes.unknown:
            return replies.NO_SUCH_USER.format(address=address)
        if routes.groups and await refused_groups(
            routes.groups, Sender(envelope.mail_from or "", session.auth_data)
        ):
            return replies.GROUP_NOT_ALLOWED.format(address=address)
        if routes.external and await restrict.is_restricted(session.auth_data):
            member = await self._member(session)
            sender = member.email if member else envelope.mail_from or ""
            return restrict.SMTP_REPLY.format(address=address, sender=sender)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(options)
        return replies.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        member = await self._member(session)
        if member is None:
            return replies.ACCOUNT_DISABLED
        envelope_from = envelope.mail_from or member.email
        stored = _with_trace(raw, session, envelope, self.runtime.settings.hostname)
        try:
            result = await submit(
                self.runtime.ingestor,
                member,
                stored,
                envelope_from=envelope_from,
                recipients=list(envelope.rcpt_tos),
                bcc=_bcc(raw, envelope.rcpt_tos),
                source=IngestSource.SUBMISSION,
                dsn=envelope_dsn(envelope),
            )
        except PolicyRefusal as refusal:
            return refusal.smtp_reply
        except SenderNotAllowed as exc:  # a From/Sender header the member may not use
            return replies.SENDER_NOT_ALLOWED.format(address=exc.address)
        except MailError as exc:
            if exc.code is MailErrorCode.QUOTA_EXCEEDED:
                return replies.MAILBOX_FULL.format(address=member.email)
            if exc.code is MailErrorCode.NOT_ALLOWED:
                return f"550 5.7.1 {exc.message}"
            return f"554 5.6.0 {exc.message}"
        except Exception:
            log.exception("submission ingest failed")
            return replies.TEMP_FAILURE
        await self._report_delivered(member, envelope, stored)
        return replies.QUEUED.format(id=result.sha256[:16])

    async def _report_delivered(self, member: Member, envelope: Envelope, stored: bytes) -> None:
        """NOTIFY=SUCCESS for recipients here: they have it now (RFC 3461 6.2.1); recipients
        elsewhere are reported on by the delivery worker."""
        dsn = envelope_dsn(envelope)
        if not any("SUCCESS" in notify for notify in dsn.notify.values()):
            return
        try:
            routes = await route(envelope.rcpt_tos)
            external = {normalize_address(a) for a in routes.external}
            groups = {normalize_address(a) for a in routes.groups}
            here = {
                r: "expanded" if normalize_address(r) in groups else "delivered"
                for r in envelope.rcpt_tos
                if normalize_address(r) not in external
            }
            await report_delivered(
                self.runtime.settings,
                self.runtime.ingestor,
                sender_id=member.id,
                envelope_from=envelope.mail_from or member.email,
                original=stored,
                recipients=here,
                dsn=dsn,
            )
        except Exception:  # the message is stored: its report is not worth a retry
            log.exception("delivery report for a submitted message failed")


def _with_trace(raw: bytes, session: Session, envelope: Envelope, hostname: str) -> bytes:
    """Return-Path (for the local copies; taken off again before relaying), Received, and
    the Date and Message-ID the client left out (RFC 5322 requires Date)."""
    peer: Any = session.peer
    protocol = trace.protocol_name(
        extended=session.extended_smtp, tls=session.ssl is not None, authenticated=True
    )
    head = trace.return_path(envelope.mail_from or "") + trace.received(
        helo=session.host_name or "",
        ip=peer[0] if isinstance(peer, tuple) else str(peer),
        hostname=hostname,
        protocol=protocol,
        queue=trace.queue_id(),
        recipients=list(envelope.rcpt_tos),
    )
    return head + trace.missing_required(raw, hostname) + trace.drop_return_path(raw)


def _bcc(raw: bytes, rcpt_tos: list[str]) -> list[str]:
    """Envelope recipients absent from To/Cc: the ones the sender blind-copied."""
    headers = BytesHeaderParser().parsebytes(raw[:65536])
    shown = {
        normalize_address(a)
        for _, a in getaddresses([str(v) for k in ("to", "cc") for v in headers.get_all(k, [])])
    }
    return [r for r in rcpt_tos if normalize_address(r) not in shown]
