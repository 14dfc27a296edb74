"""Send-as (U11): a member proves an external account's address is theirs with a code
mailed to it, then may send as that address, through our delivery queue or through the
external server's SMTP (``mailcore/fetch/smtp.py``), as they choose.

The code has six digits, is stored hashed with a salt, lives ``CODE_MINUTES``, allows
``MAX_ATTEMPTS`` guesses, and may be asked for once a ``RESEND_SECONDS`` and
``MAX_PER_HOUR`` times an hour per account; a new code replaces the older ones. It goes out
like any mail of ours (``IngestSource.SYSTEM``, the outbound queue). An address at a domain
hosted here cannot be claimed this way (an administrator gives it as an alias). Changing
the address withdraws the proof. ``mailcore/mail/submit.py`` accepts a proved address as a
sender of its owner; see docs/external-accounts.md.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from mailcore.core.config import Settings
from mailcore.core.mime.build import build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import (
    Domain,
    ExternalAccount,
    ExternalSecurity,
    Member,
    SendAsCode,
    SendMode,
)
from mailcore.fetch import smtp
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode, invalid
from mailcore.fetch.service import HOST_NAME, get_account
from mailcore.org.addresses import is_valid_address, normalize_address, split_address
from mailcore.store.ingest import Ingestor, IngestRequest, IngestSource

CODE_MINUTES = 30
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
MAX_PER_HOUR = 5
MAX_CODE = 16


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def is_verified(account: ExternalAccount) -> bool:
    return bool(account.send_as_address) and account.send_as_verified_at is not None


async def _check_address(account: ExternalAccount, address: str | None) -> str:
    given = (address or account.send_as_address or account.username).strip()
    if not is_valid_address(normalize_address(given)):
        raise invalid("give the address to send as (name@domain)", "address")
    domain = split_address(normalize_address(given))[1]
    if await Domain.filter(name=domain).exists():
        raise invalid(
            "an address of a domain hosted here is given by an administrator (an alias)",
            "address",
        )
    return given


async def _throttle(account: ExternalAccount) -> None:
    now = _now()
    codes = SendAsCode.filter(account_id=account.id)
    if await codes.filter(created_at__gt=now - timedelta(hours=1)).count() >= MAX_PER_HOUR:
        raise FetchError(
            FetchErrorCode.TOO_MANY_REQUESTS, "too many codes asked for: try again later", None
        )
    last = await codes.order_by("-id").first()
    if last is not None and last.created_at > now - timedelta(seconds=RESEND_SECONDS):
        wait = RESEND_SECONDS - int((now - last.created_at).total_seconds())
        raise FetchError(
            FetchErrorCode.TOO_MANY_REQUESTS,
            f"a code was just sent: ask again in {max(wait, 1)} seconds",
            None,
        )


def code_mail(member: Member, address: str, code: str) -> bytes:
    domain = split_address(member.email)[1]
    text = (
        f"您的发信验证码：{code}（{CODE_MINUTES} 分钟内有效）\n"
        f"{member.name or member.email} <{member.email}> 想在企邮中以 {address} 的名义发信。\n"
        f"如果不是您本人操作，请忽略此邮件。\n\n"
        f"Your code to send as {address}: {code}\n"
        f"{member.name or member.email} <{member.email}> asked to send mail as this address "
        f"from Qiyou. It is valid for {CODE_MINUTES} minutes. If you did not ask for it, "
        f"ignore this mail.\n"
    )
    raw, _ = build_message(
        from_=Address("企邮 Qiyou", f"no-reply@{domain}"),
        to=[Address("", address)],
        cc=[],
        subject=f"发信验证码 Send-as code: {code}",
        text=text,
        html=None,
        extra_headers={"Auto-Submitted": "auto-generated"},
        domain=domain,
    )
    return raw


@dataclass(frozen=True)
class CodeSent:
    account: ExternalAccount
    address: str
    expires_at: datetime


async def request_code(
    ingestor: Ingestor, member: Member, account_id: int, address: str | None = None
) -> CodeSent:
    """Mail a new code to ``address`` (default: the account's send-as address, else its user
    name); a different address than before withdraws the earlier proof."""
    account = await get_account(member, account_id)
    wanted = await _check_address(account, address)
    await _throttle(account)
    if normalize_address(wanted) != normalize_address(account.send_as_address):
        account.send_as_address = wanted
        account.send_as_verified_at = None
        await account.save(update_fields=["send_as_address", "send_as_verified_at"])
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    row = await SendAsCode.create(
        account_id=account.id,
        address=account.send_as_address,
        code_hash=_hash(salt, code),
        salt=salt,
        expires_at=_now() + timedelta(minutes=CODE_MINUTES),
    )
    try:
        await ingestor.ingest(
            IngestRequest(
                raw=code_mail(member, account.send_as_address, code),
                source=IngestSource.SYSTEM,
                envelope_from=member.email,  # a bounce (no such address) comes back to them
                outbound=[account.send_as_address],
            )
        )
    except Exception:
        await row.delete()
        raise
    await SendAsCode.filter(account_id=account.id, id__lt=row.id, used_at=None).update(
        used_at=_now()
    )
    return CodeSent(account, account.send_as_address, row.expires_at)


async def confirm_code(member: Member, account_id: int, code: str) -> ExternalAccount:
    """A right code proves the address: the member may send as it from now on."""
    account = await get_account(member, account_id)
    code = (code or "").strip()
    row = (
        await SendAsCode.filter(
            account_id=account.id, address=account.send_as_address, used_at=None
        )
        .order_by("-id")
        .first()
    )
    if row is None or not code or len(code) > MAX_CODE:
        raise FetchError(FetchErrorCode.INVALID_CODE, "this is not the code we sent", "code")
    if row.expires_at <= _now():
        raise FetchError(
            FetchErrorCode.CODE_EXPIRED, "the code has expired: ask for a new one", "code"
        )
    # One guess is taken atomically, so parallel guesses cannot pass the limit.
    taken = await SendAsCode.filter(id=row.id, used_at=None, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not taken:
        raise FetchError(
            FetchErrorCode.TOO_MANY_ATTEMPTS, "too many wrong codes: ask for a new one", "code"
        )
    if not hmac.compare_digest(_hash(row.salt, code), row.code_hash):
        if row.attempts + 1 >= MAX_ATTEMPTS:
            raise FetchError(
                FetchErrorCode.TOO_MANY_ATTEMPTS, "too many wrong codes: ask for a new one", "code"
            )
        raise FetchError(FetchErrorCode.INVALID_CODE, "this is not the code we sent", "code")
    now = _now()
    await SendAsCode.filter(id=row.id).update(used_at=now)
    account.send_as_verified_at = now
    await account.save(update_fields=["send_as_verified_at"])
    return account


@dataclass
class SendAsInput:
    """How mail sent as the address leaves; None: unchanged, "" (strings): the default."""

    mode: SendMode | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: ExternalSecurity | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None


def _clean(given: SendAsInput) -> None:
    if given.smtp_host is not None:
        given.smtp_host = given.smtp_host.strip().lower()
        if given.smtp_host and (len(given.smtp_host) > 255 or not HOST_NAME.match(given.smtp_host)):
            raise invalid("the SMTP server's host name is not valid", "smtpHost")
    if given.smtp_port is not None and not 0 <= given.smtp_port <= 65535:
        raise invalid("the port must be 1 to 65535 (0: the default)", "smtpPort")
    if given.smtp_username is not None:
        given.smtp_username = given.smtp_username.strip()
        if len(given.smtp_username) > 320 or "\n" in given.smtp_username:
            raise invalid("the user name has at most 320 characters", "smtpUsername")
    if given.smtp_password is not None and (
        len(given.smtp_password) > 1000 or "\n" in given.smtp_password
    ):
        raise invalid("the password has at most 1000 characters", "smtpPassword")


async def update_send_as(
    member: Member, account_id: int, given: SendAsInput, settings: Settings, crypt: Crypt
) -> ExternalAccount:
    """Change the send mode and the SMTP settings; with the external SMTP mode, the login is
    tried first (a wrong password saves nothing)."""
    account = await get_account(member, account_id)
    _clean(given)
    if given.mode is not None:
        account.send_mode = given.mode
    for name in ("smtp_host", "smtp_port", "smtp_security", "smtp_username"):
        if getattr(given, name) is not None:
            setattr(account, name, getattr(given, name))
    if given.smtp_password is not None:
        account.smtp_password_secret = (
            crypt.seal(given.smtp_password) if given.smtp_password else ""
        )
    if account.send_mode is SendMode.SMTP:
        await smtp.check_login(
            smtp.smtp_endpoint(account, crypt),
            timeout=settings.fetch_timeout,
            private_hosts=settings.fetch_private_hosts,
            local_hostname=settings.hostname,
        )
    await account.save()
    return account
