"""How far a migration got: totals over its members' rows with the rate and time left, the
rows as they change (for the live subscription), and each member's report — the old
folders with counts old vs new, and every message refused with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.functions import Count

from mailcore.core.models import (
    FetchOutcome,
    MailMigration,
    MigrationFolder,
    MigrationMember,
    MigrationMessage,
    MigrationState,
)
from mailcore.fetch import remote


@dataclass
class FolderReport:
    name: str  # the old server's folder, decoded ("INBOX"; "" for POP3)
    local: str  # our folder's path
    old: int  # messages in it at the last listing
    new: int  # stored
    duplicates: int
    refused: int
    error: str


@dataclass
class MemberReport:
    folders: list[FolderReport] = field(default_factory=list)
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # folder, key, reason


@dataclass
class Progress:
    """A migration's totals over its members' rows, with its rate and the time left."""

    members: int = 0
    finished: int = 0  # rows DONE or FAILED
    failed: int = 0
    messages_total: int = 0
    messages_done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    stored: int = 0
    refused: int = 0
    folders_failed: int = 0  # old folders left out (reported on the members' reports)
    rate: float = 0.0  # messages per second since the first row started
    byte_rate: float = 0.0
    eta_seconds: int | None = None  # None: unknown or not running

    @property
    def complete(self) -> bool:
        """Ended with nothing left out: every row DONE, nothing refused, no folder left out."""
        return (
            self.finished == self.members
            and not self.failed
            and not self.refused
            and not self.folders_failed
        )


def measure(migration: MailMigration, rows: list[MigrationMember]) -> Progress:
    got = Progress(members=len(rows))
    for row in rows:
        got.finished += row.state in (MigrationState.DONE, MigrationState.FAILED)
        got.failed += row.state is MigrationState.FAILED
        got.messages_total += row.messages_total
        got.messages_done += row.messages_done
        got.bytes_total += row.bytes_total
        got.bytes_done += row.bytes_done
        got.stored += row.stored
        got.refused += row.refused
        got.folders_failed += row.folders_failed
    started = [r.started_at for r in rows if r.started_at is not None]
    if started:
        end = migration.finished_at or datetime.now(UTC)
        seconds = (end - min(started)).total_seconds()
        if seconds > 0:
            got.rate = round(got.messages_done / seconds, 2)
            got.byte_rate = round(got.bytes_done / seconds, 1)
    if migration.state is MigrationState.RUNNING and got.rate > 0:
        got.eta_seconds = int(max(got.messages_total - got.messages_done, 0) / got.rate)
    return got


async def rows_of(migration_ids: list[int]) -> dict[int, list[MigrationMember]]:
    """The members' rows of these migrations, with their new members (one query)."""
    found: dict[int, list[MigrationMember]] = {m: [] for m in migration_ids}
    for row in (
        await MigrationMember.filter(migration_id__in=migration_ids)
        .select_related("member")
        .order_by("id")
    ):
        found[row.migration_id].append(row)
    return found


async def watch(
    migration: MailMigration, interval: float = 1.0
) -> AsyncIterator[tuple[MailMigration, list[MigrationMember]]]:
    """The migration and its rows whenever a counter or state changed (looked at every
    ``interval`` seconds: the workers moving it may be in other processes); ends after
    yielding it ended."""
    shown: tuple | None = None
    while True:
        current = await MailMigration.get_or_none(id=migration.id)
        if current is None:
            return
        rows = (await rows_of([current.id]))[current.id]
        seen = (current.state, *((r.state, r.messages_done, r.last_error) for r in rows))
        if seen != shown:
            shown = seen
            yield current, rows
        if current.state in (MigrationState.DONE, MigrationState.FAILED):
            return
        await asyncio.sleep(interval)


async def member_report(row: MigrationMember) -> MemberReport:
    """Folders with old and new counts, and every refusal with its reason."""
    counts: dict[tuple[str, str], int] = {}
    for folder, outcome, n in (
        await MigrationMessage.filter(row_id=row.id)
        .group_by("folder", "outcome")
        .annotate(n=Count("id"))
        .values_list("folder", "outcome", "n")
    ):
        counts[(folder, str(outcome))] = int(n)
    report = MemberReport()
    for folder in await MigrationFolder.filter(row_id=row.id).order_by("id"):
        report.folders.append(
            FolderReport(
                name=_shown(folder.name),
                local=folder.local,
                old=folder.total,
                new=counts.get((folder.name, FetchOutcome.STORED.value), 0),
                duplicates=counts.get((folder.name, FetchOutcome.DUPLICATE.value), 0),
                refused=counts.get((folder.name, FetchOutcome.REFUSED.value), 0),
                error=folder.error,
            )
        )
    refused = (
        await MigrationMessage.filter(row_id=row.id, outcome=FetchOutcome.REFUSED)
        .order_by("id")
        .limit(1000)
        .values_list("folder", "key", "reason")
    )
    report.refusals = [(_shown(f), k, r) for f, k, r in refused]
    return report


def _shown(name: str) -> str:
    """An old folder's name decoded, or as the old server sent it when it is not valid
    modified UTF-7."""
    return remote.decode_utf7(name) if remote.valid_utf7(name) else name
