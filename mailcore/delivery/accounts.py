"""Send-as through an external server: the SMTP target of an external account (its host,
TLS and login, ``mailcore/fetch/smtp.py``) and the envelope sender to use there, the proved
address (providers take mail from the address they log in). A gone or no longer proved
account, or a host on a private network, fails the rows for good (a bounce to the member);
a host that cannot be looked up now is retried."""

from __future__ import annotations

import asyncio

from mailcore.core.config import Settings
from mailcore.core.models import ExternalAccount, ExternalSecurity
from mailcore.delivery.relay import TlsMode
from mailcore.delivery.routes import RouteError, Target
from mailcore.fetch import remote
from mailcore.fetch.crypt import crypt_for
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.smtp import smtp_endpoint

TLS_MODES = {
    ExternalSecurity.TLS: TlsMode.TLS,
    ExternalSecurity.STARTTLS: TlsMode.STARTTLS,
    ExternalSecurity.NONE: TlsMode.PLAIN,
}


async def account_target(account_id: int, settings: Settings) -> tuple[Target, str]:
    account = await ExternalAccount.filter(id=account_id).first()
    if account is None or not account.send_as_address or account.send_as_verified_at is None:
        raise RouteError(
            "550 5.7.1 the external account to send through is gone or no longer proved",
            permanent=True,
        )
    try:
        endpoint = smtp_endpoint(account, crypt_for(settings))
        await asyncio.to_thread(
            remote.check_host, endpoint.host, endpoint.port, settings.fetch_private_hosts
        )
    except FetchError as exc:
        permanent = exc.code in (FetchErrorCode.INVALID, FetchErrorCode.KEY_MISSING)
        status = "550 5.7.1" if permanent else "451 4.4.3"
        raise RouteError(f"{status} {exc.message}", permanent=permanent) from exc
    target = Target(
        host=endpoint.host,
        address=endpoint.host,
        port=endpoint.port,
        tls=TLS_MODES[endpoint.security],
        username=endpoint.username,
        password=endpoint.password,
        verify=endpoint.security is not ExternalSecurity.NONE,
    )
    return target, account.send_as_address
