"""A member's external accounts: list, add (after a test login: a wrong password saves
nothing), change, delete, and ask for a fetch now. Every call names the member; an account
of anyone else is ``NOT_FOUND``."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from mailcore.core.config import Settings
from mailcore.core.models import (
    ExternalAccount,
    ExternalProtocol,
    ExternalSecurity,
    Folder,
    Member,
)
from mailcore.fetch import remote
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode, invalid, not_found
from mailcore.fetch.fetcher import endpoint
from mailcore.store.leases import now_ms

MAX_ACCOUNTS = 20  # per member
HOST_NAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?\.?)+$|^\[?[0-9A-Fa-f:.]+\]?$")


@dataclass
class AccountInput:
    """What the member gives; None on an update: unchanged."""

    protocol: ExternalProtocol | None = None
    host: str | None = None
    port: int | None = None
    security: ExternalSecurity | None = None
    username: str | None = None
    password: str | None = None
    folder_id: int | None = None
    clear_folder: bool = False  # update: back to the Inbox
    mirror_folders: bool | None = None
    leave_on_server: bool | None = None
    enabled: bool | None = None


async def list_accounts(member: Member) -> list[ExternalAccount]:
    return await ExternalAccount.filter(member_id=member.id).order_by("id")


async def get_account(member: Member, account_id: int) -> ExternalAccount:
    account = await ExternalAccount.filter(id=account_id, member_id=member.id).first()
    if account is None:
        raise not_found()
    return account


def _clean(given: AccountInput) -> None:
    if given.host is not None:
        given.host = given.host.strip().lower()
        if not given.host or len(given.host) > 255 or not HOST_NAME.match(given.host):
            raise invalid("the server's host name is not valid", "host")
    if given.port is not None and not 1 <= given.port <= 65535:
        raise invalid("the port must be 1 to 65535", "port")
    if given.username is not None:
        given.username = given.username.strip()
        if not given.username or len(given.username) > 320 or "\n" in given.username:
            raise invalid("the user name needs 1 to 320 characters", "username")
    if given.password is not None and (
        not given.password or len(given.password) > 1000 or "\n" in given.password
    ):
        raise invalid("the password needs 1 to 1000 characters", "password")


async def _check_folder(member: Member, folder_id: int | None) -> None:
    if folder_id is None:
        return
    if not await Folder.filter(id=folder_id, member_id=member.id).exists():
        raise FetchError(FetchErrorCode.NOT_FOUND, "no such folder", "folderId")


async def _verify(account: ExternalAccount, password: str, settings: Settings) -> None:
    await asyncio.to_thread(remote.check_login, endpoint(account, password, settings))


async def add_account(
    member: Member, given: AccountInput, settings: Settings, crypt: Crypt
) -> ExternalAccount:
    _clean(given)
    for name in ("protocol", "host", "port", "security", "username", "password"):
        if getattr(given, name) is None:
            raise invalid(f"{name} is required", name)
    assert given.password is not None
    await _check_folder(member, given.folder_id)
    if await ExternalAccount.filter(member_id=member.id).count() >= MAX_ACCOUNTS:
        raise FetchError(
            FetchErrorCode.LIMIT_REACHED, f"at most {MAX_ACCOUNTS} external accounts", None
        )
    account = ExternalAccount(
        member_id=member.id,
        protocol=given.protocol,
        host=given.host,
        port=given.port,
        security=given.security,
        username=given.username,
        password_secret=crypt.seal(given.password),
        folder_id=given.folder_id,
        mirror_folders=bool(given.mirror_folders),
        leave_on_server=True if given.leave_on_server is None else given.leave_on_server,
        enabled=True if given.enabled is None else given.enabled,
        next_attempt_at=now_ms(),  # the first fetch at once
    )
    await _verify(account, given.password, settings)
    await account.save()
    return account


async def update_account(
    member: Member, account_id: int, given: AccountInput, settings: Settings, crypt: Crypt
) -> ExternalAccount:
    account = await get_account(member, account_id)
    _clean(given)
    await _check_folder(member, given.folder_id)
    connection = ("protocol", "host", "port", "security", "username", "password")
    changed = any(getattr(given, n) is not None for n in connection)
    for name in ("protocol", "host", "port", "security", "username"):
        if getattr(given, name) is not None:
            setattr(account, name, getattr(given, name))
    if given.clear_folder:
        account.folder_id = None
    elif given.folder_id is not None:
        account.folder_id = given.folder_id
    for name in ("mirror_folders", "leave_on_server", "enabled"):
        if getattr(given, name) is not None:
            setattr(account, name, getattr(given, name))
    if changed:  # a new server or login: it must work before it is saved
        password = given.password or crypt.open(account.password_secret)
        await _verify(account, password, settings)
        account.password_secret = crypt.seal(password)
        account.failures, account.last_error, account.next_attempt_at = 0, "", now_ms()
    await account.save()
    return account


async def delete_account(member: Member, account_id: int) -> None:
    account = await get_account(member, account_id)
    await account.delete()  # what was fetched stays in the mailbox


async def request_fetch(member: Member, account_id: int) -> ExternalAccount:
    """Due now: a worker of any process takes it within its poll."""
    account = await get_account(member, account_id)
    if not account.enabled:
        raise FetchError(FetchErrorCode.INVALID, "the account is disabled", "id")
    account.next_attempt_at = now_ms()
    await ExternalAccount.filter(id=account.id).update(next_attempt_at=account.next_attempt_at)
    return account
