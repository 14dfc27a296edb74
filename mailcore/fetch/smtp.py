"""The SMTP server of an external account, for sending as its address (send-as): where it
is and how to log in, and a test login (aiosmtplib) made before the settings are saved.

Each setting the member left empty comes from the fetch side: the host from the provider
preset of the fetch server (``presets.smtp_preset``), the user name and password from the
fetch login. The delivery worker (``mailcore/delivery/worker.py``) sends through it.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import aiosmtplib

from mailcore.core.models import ExternalAccount, ExternalSecurity
from mailcore.fetch import remote
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.presets import smtp_preset

DEFAULT_PORTS = {
    ExternalSecurity.TLS: 465,
    ExternalSecurity.STARTTLS: 587,
    ExternalSecurity.NONE: 25,
}


@dataclass(frozen=True)
class SmtpEndpoint:
    host: str
    port: int
    security: ExternalSecurity
    username: str
    password: str


def smtp_endpoint(account: ExternalAccount, crypt: Crypt) -> SmtpEndpoint:
    """The account's SMTP server with the defaults filled in; ``INVALID`` without a host."""
    preset = smtp_preset(account.host)
    host = account.smtp_host or (preset.smtp_host if preset else "")
    if not host:
        raise FetchError(
            FetchErrorCode.INVALID,
            "no SMTP server is known for this account: give its host",
            "smtpHost",
        )
    if account.smtp_host:
        security = account.smtp_security
        port = account.smtp_port or DEFAULT_PORTS[security]
    else:
        assert preset is not None
        security = preset.smtp_security
        port = account.smtp_port or preset.smtp_port
    sealed = account.smtp_password_secret or account.password_secret
    return SmtpEndpoint(
        host=host,
        port=port,
        security=security,
        username=account.smtp_username or account.username,
        password=crypt.open(sealed),
    )


def _error(exc: BaseException, host: str) -> FetchError:
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return FetchError(
            FetchErrorCode.LOGIN_FAILED, f"the SMTP server refused the login: {exc}", "smtpPassword"
        )
    if isinstance(exc, ssl.SSLError) or "SSL" in type(exc).__name__:
        return FetchError(FetchErrorCode.TLS_FAILED, f"TLS with {host} failed: {exc}", "smtpHost")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return FetchError(FetchErrorCode.TIMEOUT, f"{host} stopped answering", "smtpHost")
    if isinstance(exc, aiosmtplib.SMTPConnectError | OSError):
        return FetchError(
            FetchErrorCode.CONNECT_FAILED, f"no connection to {host}: {exc}", "smtpHost"
        )
    return FetchError(FetchErrorCode.PROTOCOL, f"the SMTP server answered badly: {exc}", "smtpHost")


async def check_login(
    endpoint: SmtpEndpoint, *, timeout: float, private_hosts: bool, local_hostname: str
) -> None:
    """Connect, secure the connection as set, and log in; a typed error if anything fails.
    A server that offers no AUTH is refused (the mail would leave without the login)."""
    try:
        await asyncio.to_thread(remote.check_host, endpoint.host, endpoint.port, private_hosts)
    except FetchError as exc:
        exc.field = "smtpHost"
        raise
    smtp = aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        local_hostname=local_hostname,
        timeout=timeout,
        use_tls=endpoint.security is ExternalSecurity.TLS,
        start_tls=endpoint.security is ExternalSecurity.STARTTLS,
    )
    try:
        await smtp.connect()
        await smtp.ehlo()  # the extensions (over TLS after STARTTLS)
        if not smtp.supports_extension("auth"):
            raise FetchError(
                FetchErrorCode.PROTOCOL, f"{endpoint.host} offers no SMTP AUTH", "smtpHost"
            )
        await smtp.login(endpoint.username, endpoint.password)
        await smtp.quit()
    except FetchError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a typed error
        raise _error(exc, endpoint.host) from None
    finally:
        smtp.close()
