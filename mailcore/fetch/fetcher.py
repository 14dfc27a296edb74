"""One fetch of one external account: list the server's messages, take each one not taken
before through the one ingest path (``IngestSource.FETCH``), and delete what was taken when
the member does not leave mail on the server.

Nothing is fetched twice: each message taken is recorded (``ExternalFetched``, keyed by
account, remote folder and ``UIDVALIDITY:UID`` or UIDL) in the same transaction as the mail
it became, and the table's unique key refuses a second copy even from another process. A
message whose Message-ID the member already has in the target folder is recorded as a
duplicate and not stored. A message above the server's size limit, or refused by policy or
quota, is recorded as refused with the reason (and left on the server), never retried.
IMAP \\Seen, \\Flagged and \\Answered are kept; the message keeps its own date (``FETCH``
is old mail to the ingest path).

A broken or hostile server costs one message, not the fetch (``mailcore/fetch/link.py``): a
message the server stalls on, drops the connection on, or sends larger than the limit is
refused with the reason and the fetch goes on; a mirrored folder whose name is not valid
modified UTF-7 is skipped; a repeated UID or UIDL is taken once. What was left out shows
on the account (``left_out``: ``SKIPPED: ...`` in its error) while the fetch succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError

from mailcore.core.config import Settings
from mailcore.core.db import db_text
from mailcore.core.models import (
    ExternalAccount,
    ExternalFetched,
    ExternalProtocol,
    FetchOutcome,
    Folder,
    FolderRole,
    MailboxEntry,
)
from mailcore.fetch import remote
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.link import Link
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.store.ingest import parse as parse_raw
from mailcore.store.request import PolicyRefusal

log = logging.getLogger(__name__)

MAX_DEPTH = 8  # remote folders deeper than this go into their ancestor at this depth


class LeaseLost(Exception):  # noqa: N818 - a state, not a failure of ours
    """Another worker holds the account now: stop without recording anything."""


@dataclass
class FetchReport:
    stored: int = 0
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)  # "folder key: reason"
    skipped: list[str] = field(default_factory=list)  # folders left out, with the reason
    deleted: int = 0


def endpoint(account: ExternalAccount, password: str, settings: Settings) -> remote.Endpoint:
    return remote.endpoint(
        settings,
        protocol=account.protocol,
        host=account.host,
        port=account.port,
        security=account.security,
        username=account.username,
        password=password,
    )


async def left_out(account_id: int, report: FetchReport) -> str:
    """The account's error after a fetch that went well: "" when nothing was ever left out,
    else ``SKIPPED:`` the folders this fetch skipped and the messages refused so far."""
    refused = ExternalFetched.filter(account_id=account_id, outcome=FetchOutcome.REFUSED)
    count = await refused.count()
    if not count and not report.skipped:
        return ""
    parts = list(report.skipped)
    if count:
        latest = await refused.order_by("-id").limit(3).values_list("folder", "key", "reason")
        said = "; ".join(f"{remote.decode_utf7(f) or 'INBOX'} {k}: {r}" for f, k, r in latest)
        parts.append(f"{count} message(s) left on the server ({said})")
    return f"{FetchErrorCode.SKIPPED}: " + "; ".join(parts)


class Fetcher:
    def __init__(self, ingestor: Ingestor, settings: Settings, crypt: Crypt) -> None:
        self.ingestor = ingestor
        self.settings = settings
        self.crypt = crypt

    async def fetch(
        self, account: ExternalAccount, held: Callable[[], bool] = lambda: True
    ) -> FetchReport:
        """Fetch the account's new mail; ``held`` says whether this worker still holds it.
        Raises ``FetchError`` (recorded on the account by the caller) or ``LeaseLost``."""
        password = self.crypt.open(account.password_secret)
        link = Link(endpoint(account, password, self.settings))
        await link.open()
        try:
            report = await self._fetch(account, link, held)
        except BaseException:  # a failure, a lost lease, the process stopping: no goodbye
            link.abort()  # also wakes a thread still waiting on the server
            raise
        await link.close()
        return report

    async def _fetch(
        self, account: ExternalAccount, link: Link, held: Callable[[], bool]
    ) -> FetchReport:
        report = FetchReport()
        mirror = account.mirror_folders and account.protocol is ExternalProtocol.IMAP
        if mirror:
            folders = await link.folders()
            for folder in [f for f in folders if not remote.valid_utf7(f.name)]:
                report.skipped.append(f"folder {folder.name!r}: not valid modified UTF-7")
            folders = [f for f in folders if remote.valid_utf7(f.name)]
        elif account.protocol is ExternalProtocol.IMAP:
            folders = [remote.RemoteFolder(remote.INBOX, ())]
        else:
            folders = [remote.RemoteFolder("", ())]
        for folder in folders:
            if not held():
                raise LeaseLost()
            target = await self._target(account, folder.path if mirror else ())
            await self._folder(account, link, folder, target, report, held)
        return report

    async def _folder(
        self,
        account: ExternalAccount,
        link: Link,
        folder: remote.RemoteFolder,
        target: int,
        report: FetchReport,
        held: Callable[[], bool],
    ) -> None:
        writable = not account.leave_on_server
        listing = await link.messages(folder.name, writable)
        if link.repeated:
            shown = remote.decode_utf7(folder.name) or "INBOX"
            report.skipped.append(f"folder {shown}: the server repeats {link.repeated} id(s)")
        taken = dict(
            await ExternalFetched.filter(account_id=account.id, folder=folder.name).values_list(
                "key", "outcome"
            )
        )
        for message in listing:
            if message.key in taken:
                continue
            if not held():
                raise LeaseLost()
            outcome = await self._one(account, link, message, target, report)
            if outcome is not None:
                taken[message.key] = outcome
        if writable:  # taken before (a crash may have come between storing and deleting)
            gone = [
                m
                for m in listing
                if taken.get(m.key) in (FetchOutcome.STORED, FetchOutcome.DUPLICATE)
            ]
            await link.delete(folder.name, gone)
            report.deleted += len(gone)

    async def _one(
        self,
        account: ExternalAccount,
        link: Link,
        message: remote.RemoteMessage,
        target: int,
        report: FetchReport,
    ) -> FetchOutcome | None:
        limit = self.settings.max_message_size
        if message.size > limit:
            return await self._refuse(account, message, f"larger than {limit} bytes", report)
        try:
            raw = await link.retrieve(message)
        except remote.Unfetchable as exc:
            return await self._refuse(account, message, str(exc), report)
        if raw is None:  # deleted on the server meanwhile
            return None
        if len(raw) > limit:
            return await self._refuse(account, message, f"larger than {limit} bytes", report)
        parsed = await parse_raw(raw)
        message_id = db_text(parsed.message_id or "", 998)
        if (
            message_id
            and await MailboxEntry.filter(
                member_id=account.member_id, folder_id=target, message__message_id=message_id
            ).exists()
        ):
            await _record(account, message, FetchOutcome.DUPLICATE, "")
            report.duplicates += 1
            return FetchOutcome.DUPLICATE
        outcome = [FetchOutcome.STORED]

        async def record(result: IngestResult) -> None:  # in the mail's own transaction
            if result.over_quota:
                outcome[0] = FetchOutcome.REFUSED
            reason = "the mailbox is full" if result.over_quota else ""
            await _record(account, message, outcome[0], reason, in_commit=True)

        request = IngestRequest(
            raw=raw,
            source=IngestSource.FETCH,
            deliveries=[
                Delivery(
                    member_id=account.member_id,
                    role=FolderRole.INBOX,
                    folder_id=target,
                    seen=message.seen,
                    flagged=message.flagged,
                    answered=message.answered,
                )
            ],
            sender_member_id=None,
            on_commit=[record],
            parsed=parsed,
        )
        try:
            await self.ingestor.ingest(request)
        except PolicyRefusal as refusal:
            return await self._refuse(account, message, refusal.message, report)
        except IntegrityError:  # another process took it first
            log.info("external account %s: %s taken elsewhere", account.id, message.key)
            return None
        if outcome[0] is FetchOutcome.REFUSED:
            report.refused.append(f"{message.folder} {message.key}: the mailbox is full")
        else:
            report.stored += 1
        return outcome[0]

    async def _refuse(
        self,
        account: ExternalAccount,
        message: remote.RemoteMessage,
        reason: str,
        report: FetchReport,
    ) -> FetchOutcome:
        await _record(account, message, FetchOutcome.REFUSED, reason)
        report.refused.append(f"{message.folder} {message.key}: {reason}")
        return FetchOutcome.REFUSED

    async def _target(self, account: ExternalAccount, path: tuple[str, ...]) -> int:
        """The local folder of a remote folder path (``()``: the account's target folder)."""
        if account.folder_id is not None and not path:
            return account.folder_id
        if not path and not account.mirror_folders:
            inbox = await Folder.get(member_id=account.member_id, role=FolderRole.INBOX)
            return inbox.id
        parent_id = account.folder_id
        if parent_id is None:  # mirror without a parent: one folder named after the account
            parent_id = await _child(account.member_id, None, f"{account.username}")
        for name in path[:MAX_DEPTH]:
            parent_id = await _child(account.member_id, parent_id, name)
        return parent_id


async def _child(member_id: int, parent_id: int | None, name: str) -> int:
    name = " ".join(name.replace("/", "_").split())[:200] or "_"
    found = await Folder.filter(member_id=member_id, parent_id=parent_id, name=name).first()
    if found is None:
        found = await Folder.create(member_id=member_id, parent_id=parent_id, name=name)
    return found.id


async def _record(
    account: ExternalAccount,
    message: remote.RemoteMessage,
    outcome: FetchOutcome,
    reason: str,
    *,
    in_commit: bool = False,
) -> None:
    try:
        await ExternalFetched.create(
            account_id=account.id,
            folder=message.folder,
            key=message.key,
            outcome=outcome,
            reason=reason[:2000],
        )
    except IntegrityError:
        if in_commit:
            raise  # fails the ingest's transaction: the mail is not stored twice
        log.info("external account %s: %s recorded elsewhere", account.id, message.key)


__all__ = ["FetchError", "FetchReport", "Fetcher", "LeaseLost"]
