"""Moving one member's old mailbox: log in to the old server, list every folder (the totals
come first, for progress and ETA), then take each message not taken before through the one
ingest path (``IngestSource.MIGRATION``) into the mapped folder, with its flags (\\Seen,
\\Flagged, \\Answered, \\Draft, keywords) and its INTERNALDATE.

Nothing is stored twice: each message taken is recorded (``MigrationMessage``, keyed by the
member's row, the old folder and ``UIDVALIDITY:UID`` or UIDL) in the same transaction as the
mail it became; a restart lists again and skips what is recorded, so a crash resumes where
it stopped and a later run takes only new mail. A message whose Message-ID the target folder
holds already is recorded as a duplicate. A message above the size limit, refused by policy
or by the quota, is recorded as refused with the reason and the run goes on; a folder the
old server will not open is reported on its ``MigrationFolder`` row and skipped.

The row's counters (``messages_done``, ``bytes_done``, ``stored``, ``refused``) change in the
transaction that records the message, so after a crash they equal the records exactly.

A broken or hostile old server costs one message or one folder, not the member
(``mailcore/fetch/link.py``): a message the server stalls on, drops the connection on, or
sends larger than the limit is refused with the reason; a folder whose name is not valid
modified UTF-7 is reported and skipped (``folders_failed``), and so is each UID or UIDL the
server repeats (taken once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore.core.config import Settings
from mailcore.core.db import db_text
from mailcore.core.models import (
    ExternalProtocol,
    FetchOutcome,
    FolderRole,
    MailboxEntry,
    MailMigration,
    MigrationFolder,
    MigrationMember,
    MigrationMessage,
)
from mailcore.fetch import remote
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.fetcher import LeaseLost
from mailcore.fetch.link import Link
from mailcore.migration.folders import FolderMap
from mailcore.store.flags import MAX_KEYWORDS, valid_keyword
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.store.ingest import parse as parse_raw
from mailcore.store.request import PolicyRefusal

log = logging.getLogger(__name__)


@dataclass
class Planned:
    folder: remote.RemoteFolder
    target: int
    role: FolderRole


def endpoint(
    migration: MailMigration, row: MigrationMember, password: str, settings: Settings
) -> remote.Endpoint:
    return remote.endpoint(
        settings,
        protocol=migration.protocol,
        host=migration.host,
        port=migration.port,
        security=migration.security,
        username=row.old_address,
        password=password,
        master_user=migration.master_user,
    )


class Mover:
    def __init__(self, ingestor: Ingestor, settings: Settings, crypt: Crypt) -> None:
        self.ingestor = ingestor
        self.settings = settings
        self.crypt = crypt

    async def move(
        self, migration: MailMigration, row: MigrationMember, held: Callable[[], bool]
    ) -> None:
        """Move what is new; ``held`` says whether to go on (the lease is held and the
        migration is not paused). Raises ``FetchError`` or ``LeaseLost`` (stopped)."""
        secret = migration.master_secret if migration.master_user else row.password_secret
        link = Link(endpoint(migration, row, self.crypt.open(secret), self.settings))
        await link.open()
        try:
            await self._move(migration, row, link, held)
        except BaseException:  # a failure, a pause, the process stopping: no goodbye
            link.abort()
            raise
        await link.close()

    async def _move(
        self,
        migration: MailMigration,
        row: MigrationMember,
        link: Link,
        held: Callable[[], bool],
    ) -> None:
        if migration.protocol is ExternalProtocol.IMAP:
            folders = await link.folders()
        else:
            folders = [remote.RemoteFolder("", ())]
        places = FolderMap(row.member_id)
        await places.load()
        plan: list[Planned] = []
        messages = bytes_ = done = done_bytes = failed = 0
        taken_all = await self._taken(row)
        for folder in folders:  # first the totals
            if not remote.valid_utf7(folder.name):
                failed += 1
                reason = "the old server names it in invalid modified UTF-7: skipped"
                await _folder_row(row, folder.name, "", 0, f"{FetchErrorCode.PROTOCOL}: {reason}")
                continue
            try:
                listing = await link.messages(folder.name, False)
            except FetchError as exc:
                if exc.code is not FetchErrorCode.PROTOCOL:
                    raise  # the connection is gone: the row is retried
                failed += 1
                await _folder_row(row, folder.name, "", 0, f"{exc.code}: {exc.message}")
                continue
            target, role, local = await places.target(folder)
            repeated = (
                f"{FetchErrorCode.PROTOCOL}: the old server repeats {link.repeated} id(s)"
                " of other messages here: those were not taken"
                if link.repeated
                else ""
            )
            failed += bool(link.repeated)
            await _folder_row(row, folder.name, local, len(listing), repeated)
            plan.append(Planned(folder, target, role))
            taken = taken_all.get(folder.name, set())
            messages += len(listing)
            bytes_ += sum(m.size for m in listing)
            done += sum(1 for m in listing if m.key in taken)
            done_bytes += sum(m.size for m in listing if m.key in taken)
        stored, refused = await _outcome_counts(row)
        await MigrationMember.filter(id=row.id).update(
            folders_total=len(plan),
            folders_done=0,
            folders_failed=failed,
            messages_total=messages,
            bytes_total=bytes_,
            messages_done=done,
            bytes_done=done_bytes,
            stored=stored,
            refused=refused,
        )
        for step in plan:
            if not held():
                raise LeaseLost()
            listing = await link.messages(step.folder.name, False)
            taken = taken_all.get(step.folder.name, set())
            for message in listing:
                if message.key in taken:
                    continue
                if not held():
                    raise LeaseLost()
                await self._one(row, link, message, step)
            await MigrationMember.filter(id=row.id).update(folders_done=F("folders_done") + 1)

    async def _taken(self, row: MigrationMember) -> dict[str, set[str]]:
        taken: dict[str, set[str]] = {}
        for folder, key in await MigrationMessage.filter(row_id=row.id).values_list(
            "folder", "key"
        ):
            taken.setdefault(folder, set()).add(key)
        return taken

    async def _one(
        self,
        row: MigrationMember,
        link: Link,
        message: remote.RemoteMessage,
        step: Planned,
    ) -> FetchOutcome | None:
        limit = self.settings.max_message_size
        if message.size > limit:
            return await _refuse(row, message, f"larger than {limit} bytes")
        try:
            raw = await link.retrieve(message)
        except remote.Unfetchable as exc:
            return await _refuse(row, message, str(exc))
        if raw is None:  # deleted on the old server meanwhile
            return None
        if len(raw) > limit:
            return await _refuse(row, message, f"larger than {limit} bytes")
        parsed = await parse_raw(raw)
        message_id = db_text(parsed.message_id or "", 998)
        if (
            message_id
            and await MailboxEntry.filter(
                member_id=row.member_id, folder_id=step.target, message__message_id=message_id
            ).exists()
        ):
            return await _record_alone(row, message, FetchOutcome.DUPLICATE, "")
        outcome = [FetchOutcome.STORED]

        async def record(result: IngestResult) -> None:  # in the mail's own transaction
            if result.over_quota:
                outcome[0] = FetchOutcome.REFUSED
            reason = "the mailbox is full" if result.over_quota else ""
            await _record(row, message, outcome[0], reason)
            ids = [e.entry_id for e in result.entries if e.member_id == row.member_id]
            if message.internal_date is not None and ids:  # when the old server received it
                await MailboxEntry.filter(id__in=ids).update(received_at=message.internal_date)

        keywords = [k for k in message.keywords.split() if valid_keyword(k)][:MAX_KEYWORDS]
        request = IngestRequest(
            raw=raw,
            source=IngestSource.MIGRATION,
            deliveries=[
                Delivery(
                    member_id=row.member_id,
                    role=step.role,
                    folder_id=step.target,
                    seen=message.seen,
                    flagged=message.flagged,
                    answered=message.answered,
                    draft=message.draft or step.role is FolderRole.DRAFTS,
                    keywords=" ".join(keywords),
                )
            ],
            sender_member_id=None,
            on_commit=[record],
            parsed=parsed,
        )
        try:
            await self.ingestor.ingest(request)
        except PolicyRefusal as refusal:
            return await _refuse(row, message, refusal.message)
        except IntegrityError:  # another process took it first
            log.info("migration row %s: %s taken elsewhere", row.id, message.key)
            return None
        return outcome[0]


async def _folder_row(row: MigrationMember, name: str, local: str, total: int, error: str) -> None:
    updated = await MigrationFolder.filter(row_id=row.id, name=name).update(
        local=local[:1000], total=total, error=error[:2000]
    )
    if not updated:
        await MigrationFolder.create(
            row_id=row.id, name=name, local=local[:1000], total=total, error=error[:2000]
        )


async def _outcome_counts(row: MigrationMember) -> tuple[int, int]:
    stored = await MigrationMessage.filter(row_id=row.id, outcome=FetchOutcome.STORED).count()
    refused = await MigrationMessage.filter(row_id=row.id, outcome=FetchOutcome.REFUSED).count()
    return stored, refused


async def _refuse(row: MigrationMember, message: remote.RemoteMessage, reason: str) -> FetchOutcome:
    return await _record_alone(row, message, FetchOutcome.REFUSED, reason)


async def _record_alone(
    row: MigrationMember, message: remote.RemoteMessage, outcome: FetchOutcome, reason: str
) -> FetchOutcome:
    """Record a message not stored (refused, duplicate) in a transaction of its own."""
    try:
        async with in_transaction():
            await _record(row, message, outcome, reason)
    except IntegrityError:
        log.info("migration row %s: %s recorded elsewhere", row.id, message.key)
    return outcome


async def _record(
    row: MigrationMember, message: remote.RemoteMessage, outcome: FetchOutcome, reason: str
) -> None:
    """The message's record and the row's counters, in the caller's transaction (a record
    there already raises ``IntegrityError``: the transaction, and a mail in it, fails)."""
    await MigrationMessage.create(
        row_id=row.id,
        folder=message.folder,
        key=message.key,
        outcome=outcome,
        size=message.size,
        reason=reason[:2000],
    )
    await MigrationMember.filter(id=row.id).update(
        messages_done=F("messages_done") + 1,
        bytes_done=F("bytes_done") + message.size,
        **{
            FetchOutcome.STORED: {"stored": F("stored") + 1},
            FetchOutcome.REFUSED: {"refused": F("refused") + 1},
            FetchOutcome.DUPLICATE: {},
        }[outcome],
    )
