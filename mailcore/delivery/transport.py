"""One SMTP client transaction with aiosmtplib: EHLO, STARTTLS (opportunistic or required)
and EHLO again (aiosmtplib forgets the extensions at STARTTLS; RFC 3207 4.2), AUTH (relay),
MAIL, RCPT for each recipient, DATA; each recipient's reply is reported the moment the server
answers DATA (before QUIT), with whether the server took the sender's DSN parameters (passed
on when it advertises DSN, RFC 3461 6.2)."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

from mailcore.delivery.dsn_params import xtext_encode
from mailcore.delivery.relay import TlsMode
from mailcore.delivery.routes import Target
from mailcore.org.addresses import ascii_form
from mailcore.store.request import Dsn


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    @property
    def line(self) -> str:
        text = " ".join(self.text.split())[:500]
        return f"{self.code} {text}"

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        return self.code >= 500


class ConnectionFailed(Exception):
    """No transaction with this host (try the next): refused, lost, timed out, TLS failed,
    or a greeting/EHLO/AUTH/MAIL reply that applies to the whole connection."""

    def __init__(self, reply: str, permanent: bool = False, tls_failed: bool = False) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent
        self.tls_failed = tls_failed


OnReplies = Callable[[dict[str, Reply], bool], Awaitable[None]]


def mail_dsn_options(dsn: Dsn) -> list[str]:
    options = [f"RET={dsn.ret}"] if dsn.ret else []
    return options + ([f"ENVID={xtext_encode(dsn.envid)}"] if dsn.envid else [])


def rcpt_dsn_options(dsn: Dsn, recipient: str) -> list[str]:
    """NOTIFY as given; ORCPT as given, else the address we were given (RFC 3461 4.2) —
    but not for an address outside ASCII, which an ``rfc822`` ORCPT cannot hold (RFC 6533's
    ``utf-8`` type is not offered: ORCPT is optional)."""
    key = recipient.lower()
    options = [f"NOTIFY={dsn.notify[key]}"] if dsn.notify.get(key) else []
    kind, _, address = (dsn.orcpt.get(key) or f"rfc822;{recipient}").partition(";")
    if not (kind.isascii() and address.isascii()):
        return options
    return [*options, f"ORCPT={kind};{xtext_encode(address)}"]


async def transact(
    target: Target,
    *,
    local_hostname: str,
    sender: str,
    recipients: list[str],
    message: bytes,
    timeout: float,
    on_replies: OnReplies,
    dsn: Dsn | None = None,
) -> None:
    smtp = aiosmtplib.SMTP(
        hostname=target.address,
        port=target.port,
        local_hostname=local_hostname,
        timeout=timeout,
        use_tls=target.tls == TlsMode.TLS,
        start_tls=False,
        validate_certs=target.verify,
    )
    try:
        try:
            await smtp.connect()
            await smtp.ehlo()
            if target.tls == TlsMode.STARTTLS or (
                target.tls == TlsMode.OPPORTUNISTIC and smtp.supports_extension("starttls")
            ):
                try:
                    await smtp.starttls(server_hostname=target.host, validate_certs=target.verify)
                except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
                    reply = f"421 4.7.0 {target.host}: STARTTLS failed: {exc}"
                    raise ConnectionFailed(reply, tls_failed=True) from exc
                await smtp.ehlo()  # the extensions offered over TLS
            if target.username:
                await smtp.login(target.username, target.password)
            options = []
            if not message.isascii() and smtp.supports_extension("8bitmime"):
                options.append("BODY=8BITMIME")
            utf8 = smtp.supports_extension("smtputf8")
            if not (sender + "".join(recipients)).isascii() and utf8:
                options.append("SMTPUTF8")
            wire_sender = sender if utf8 else ascii_form(sender)
            if wire_sender is None:  # RFC 6531 3.2: no SMTPUTF8, no UTF-8 local part
                reply = f"553 5.6.7 {target.host} does not accept UTF-8 addresses (no SMTPUTF8)"
                raise ConnectionFailed(reply, permanent=True)
            pass_dsn = dsn is not None and smtp.supports_extension("dsn")
            if pass_dsn and dsn is not None:
                options += mail_dsn_options(dsn)
            encoding = "utf-8" if "SMTPUTF8" in options else "ascii"  # aiosmtplib's default
            await smtp.mail(wire_sender, options=options, encoding=encoding)
        except ConnectionFailed:
            raise
        except aiosmtplib.SMTPResponseException as exc:
            raise ConnectionFailed(f"{exc.code} {exc.message}", exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ConnectionFailed(f"421 4.4.2 {target.host}: {exc or type(exc).__name__}") from exc
        replies: dict[str, Reply] = {}
        accepted = []
        try:
            for rcpt in recipients:
                wire = rcpt if utf8 else ascii_form(rcpt)
                if wire is None:
                    replies[rcpt] = Reply(553, f"5.6.7 {target.host} has no SMTPUTF8 for {rcpt}")
                    continue
                try:
                    rcpt_options = rcpt_dsn_options(dsn, rcpt) if pass_dsn and dsn else []
                    await smtp.rcpt(wire, options=rcpt_options, encoding=encoding)
                    accepted.append(rcpt)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    replies[rcpt] = Reply(exc.code, exc.message)
            if accepted:
                response = await smtp.data(message)
                for rcpt in accepted:
                    replies[rcpt] = Reply(response.code, response.message)
        except aiosmtplib.SMTPResponseException as exc:
            for rcpt in accepted:
                replies[rcpt] = Reply(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Lost during the transaction: no outcome for whoever has none (retried later).
            lost = Reply(
                421, f"4.4.2 connection to {target.host} lost: {exc or type(exc).__name__}"
            )
            for rcpt in recipients:
                replies.setdefault(rcpt, lost)
        await on_replies(replies, pass_dsn)
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await smtp.quit()
    finally:
        smtp.close()
