"""Logging in: STARTTLS, LOGIN and AUTHENTICATE PLAIN/LOGIN (with SASL-IR, RFC 4959).

Every check is ``mailcore.security.login.authenticate`` (lockouts, passwords, account state,
IP rules, the login history): this module only moves credentials from the wire to it and
words its refusals as RFC 5530 response codes. A password is refused before TLS
(``[PRIVACYREQUIRED]``, and ``LOGINDISABLED`` in the capabilities) unless
``QIYOU_ALLOW_PLAINTEXT_AUTH`` allows it for the client's address. After
``MAX_FAILED_LOGINS`` refusals the connection is closed.
"""

from __future__ import annotations

import asyncio
import binascii

from mailcore.core.models import ClientKind
from mailcore.protocols.imap.parser import Command
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.session import (
    HANDSHAKE_TIMEOUT,
    MAX_FAILED_LOGINS,
    NOT_AUTHENTICATED,
    Answered,
    Session,
    command,
)
from mailcore.security.errors import SecurityError
from mailcore.security.login import MAX_CREDENTIAL, Attempt, sign_in_client

# Security error codes → RFC 5530 response codes; any other refusal is AUTHENTICATIONFAILED.
RESPONSE_CODES = {
    "LOCKED": "UNAVAILABLE",
    "ACCOUNT_DISABLED": "CONTACTADMIN",
    "IP_NOT_ALLOWED": "CONTACTADMIN",
    "PASSWORD_CHANGE_REQUIRED": "EXPIRED",
}
MAX_SASL_LINE = 4 * MAX_CREDENTIAL  # base64 of authzid, login and password


@command("STARTTLS", states=NOT_AUTHENTICATED)
async def starttls(session: Session, cmd: Command) -> None:
    cmd.args.end()
    if session.conn.tls:
        raise Bad("TLS is already active")
    session.write(f"{cmd.tag} OK Begin TLS negotiation now\r\n".encode())
    await session.flush()
    await session.conn.start_tls(session.tls_context, HANDSHAKE_TIMEOUT)
    raise Answered


@command("LOGIN", states=NOT_AUTHENTICATED)
async def login(session: Session, cmd: Command) -> str:
    name = cmd.args.astring("user name")
    password = cmd.args.astring("password")
    cmd.args.end()
    _require_privacy(session)
    return await _log_in(session, name, password)


@command("AUTHENTICATE", states=NOT_AUTHENTICATED)
async def authenticate_(session: Session, cmd: Command) -> str:
    mechanism = cmd.args.atom("mechanism").upper()
    initial = cmd.args.atom("initial response") if cmd.args.more() else None
    cmd.args.end()
    if mechanism not in ("PLAIN", "LOGIN"):
        raise No("[CANNOT] unsupported mechanism; use PLAIN or LOGIN")
    _require_privacy(session)
    if mechanism == "PLAIN":
        data = _decode(initial) if initial is not None else await _challenge(session, "")
        parts = data.split(b"\x00")
        if len(parts) != 3:
            raise Bad("PLAIN needs authzid NUL login NUL password")
        authzid, name, password = (_text(part) for part in parts)
        if authzid and authzid.lower() != name.lower():
            raise No("[AUTHORIZATIONFAILED] logging in as another user is not supported")
    else:
        if initial is not None:
            name = _text(_decode(initial))
        else:
            name = _text(await _challenge(session, "VXNlcm5hbWU6"))  # "Username:"
        password = _text(await _challenge(session, "UGFzc3dvcmQ6"))  # "Password:"
    return await _log_in(session, name, password)


def _require_privacy(session: Session) -> None:
    if not session.plaintext_ok:
        raise No("[PRIVACYREQUIRED] use STARTTLS or the IMAPS port before logging in")


async def _challenge(session: Session, text: str) -> bytes:
    """Send ``+ text`` and read the client's base64 answer (``*`` cancels)."""
    session.write(f"+ {text}\r\n".encode())
    await session.flush()
    line = (await session.conn.read_line(MAX_SASL_LINE)).rstrip(b"\r\n")
    if line == b"*":
        raise Bad("authentication cancelled")
    return _decode(line.decode("latin-1"))


def _decode(value: str) -> bytes:
    if value == "=":
        return b""
    try:
        return binascii.a2b_base64(value.encode("latin-1"), strict_mode=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise Bad("invalid base64") from None


def _text(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise Bad("credentials must be UTF-8") from None


async def _log_in(session: Session, name: str, password: str) -> str:
    user_agent = " ".join(
        session.client_id[key] for key in ("name", "version") if session.client_id.get(key)
    )
    attempt = Attempt(name, password, ClientKind.IMAP, session.ip, user_agent=user_agent[:200])
    try:
        async with session.logins.turn(name, session.ip):
            login = await sign_in_client(attempt, session.settings)
    except SecurityError as error:
        session.failed_logins += 1
        code = RESPONSE_CODES.get(str(error.code), "AUTHENTICATIONFAILED")
        if session.failed_logins >= MAX_FAILED_LOGINS:
            session.untagged("BYE too many failed logins")
            session.logged_out = True  # closed once the tagged NO is out
        raise No(f"[{code}] {error.message}") from None
    session.member, session.login = login.member, login
    session.login_checked = asyncio.get_running_loop().time()
    if session.lease is not None:
        session.lease.busy()  # a logged-in client is never closed to make room
    return f"{session.capability_code()} logged in"
