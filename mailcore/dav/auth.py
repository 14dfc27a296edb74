"""Who is asking: HTTP Basic (RFC 7617) with the member's main password or an app password,
checked by ``mailcore.security.login.sign_in_client`` as IMAP, POP3 and SMTP logins are
(lockouts, IP rules, account state, app passwords where required, the login history).

A calendar client sends its credentials with every request, dozens in one sync; hashing the
password each time would cost ~50 ms of CPU per request. A login that passed is therefore
remembered for ``REMEMBER`` seconds for the same credentials and client address, and still
checked on every request with ``still_signed_in`` and the IP rules (a disabled member, a
changed password, a revoked app password or a new IP rule ends it at once)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from dataclasses import dataclass

from mailcore.admin.scope import scope_for
from mailcore.calendar.access import Caller
from mailcore.core.config import Settings
from mailcore.core.models import AdminPermission, ClientKind, Member
from mailcore.security.errors import SecurityError
from mailcore.security.iprules import ip_allowed
from mailcore.security.login import (
    MAX_CREDENTIAL,
    Attempt,
    ClientLogin,
    sign_in_client,
    still_signed_in,
)

REMEMBER = 300.0
MAX_REMEMBERED = 10_000


class Unauthorized(Exception):
    """No credentials, or credentials that did not sign in (the message says why)."""


@dataclass(frozen=True)
class Signed:
    member: Member
    caller: Caller


_remembered: dict[tuple[str, str, str], tuple[float, ClientLogin]] = {}


def credentials(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 4 * MAX_CREDENTIAL:
        raise Unauthorized("sign in with your address and password (HTTP Basic)")
    try:
        login, sep, password = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("malformed Basic credentials") from None
    if not sep or not login:
        raise Unauthorized("malformed Basic credentials")
    return login, password


async def sign_in(header: str, ip: str, user_agent: str, settings: Settings) -> Signed:
    login_name, password = credentials(header)
    key = (login_name.lower(), hashlib.sha256(password.encode()).hexdigest(), ip)
    remembered = _remembered.get(key)
    login: ClientLogin | None = None
    if remembered is not None and time.monotonic() - remembered[0] < REMEMBER:
        if await still_signed_in(remembered[1]) and await ip_allowed(remembered[1].member, ip):
            login = remembered[1]
    if login is None:
        _remembered.pop(key, None)
        attempt = Attempt(login_name, password, ClientKind.DAV, ip, user_agent[:200])
        try:
            login = await sign_in_client(attempt, settings)
        except SecurityError as exc:
            raise Unauthorized(exc.message) from None
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
        _remembered[key] = (time.monotonic(), login)
    member = await Member.get(id=login.member.id)
    scope = await scope_for(member, ip)
    is_admin = (  # company calendars and rooms: super admins and the calendar permission
        scope is not None
        and scope.enterprise_id == member.enterprise_id
        and scope.may(AdminPermission.CALENDAR)
    )
    return Signed(member, Caller(member.id, member.enterprise_id, is_admin, member.email))
