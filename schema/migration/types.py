"""GraphQL types of mail migrations: the job with its totals, each member's progress and
report; the old passwords are never among them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import MailMigration, MigrationMember, MigrationState
from mailcore.migration.errors import MigrationError
from mailcore.migration.errors import MigrationErrorCode as CoreCode
from mailcore.migration.progress import Progress, measure, member_report
from mailcore.migration.source import Source

MailMigrationErrorCode = strawberry.enum(
    StrEnum("MailMigrationErrorCode", {c.name: c.value for c in CoreCode})
)
MailMigrationState = strawberry.enum(
    StrEnum("MailMigrationState", {c.name: c.value for c in MigrationState}),
    description="RUNNING (or waiting for a worker), PAUSED, DONE or FAILED.",
)


@strawberry.type(name="MailMigrationFolder")
class MailMigrationFolderType:
    name: str = strawberry.field(description='The old folder ("INBOX"; "" for POP3).')
    local: str = strawberry.field(description="Our folder it went to.")
    old: int = strawberry.field(description="Messages in the old folder at the last listing.")
    new: int = strawberry.field(description="Messages stored from it.")
    duplicates: int
    refused: int
    error: str | None = strawberry.field(description="Why the folder was skipped.")


@strawberry.type(name="MailMigrationRefusal")
class MailMigrationRefusalType:
    folder: str
    key: str = strawberry.field(description="UIDVALIDITY:UID (IMAP) or the UIDL (POP3).")
    reason: str


@strawberry.type(name="MailMigrationReport")
class MailMigrationReportType:
    folders: list[MailMigrationFolderType]
    refusals: list[MailMigrationRefusalType]


def _at(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


@strawberry.type(name="MailMigrationMember")
class MailMigrationMemberType:
    row: strawberry.Private[MigrationMember]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def old_address(self) -> str:
        return self.row.old_address

    @strawberry.field
    def new_address(self) -> str:
        return self.row.member.email

    @strawberry.field
    def state(self) -> MailMigrationState:  # type: ignore[valid-type]
        return MailMigrationState[self.row.state.name]

    @strawberry.field
    def folders_total(self) -> int:
        return self.row.folders_total

    @strawberry.field
    def folders_done(self) -> int:
        return self.row.folders_done

    @strawberry.field(description="Old folders left out (their errors are in the report).")
    def folders_failed(self) -> int:
        return self.row.folders_failed

    @strawberry.field
    def messages_total(self) -> int:
        return self.row.messages_total

    @strawberry.field(description="Messages stored, duplicates skipped and messages refused.")
    def messages_done(self) -> int:
        return self.row.messages_done

    @strawberry.field
    def bytes_total(self) -> float:
        return float(self.row.bytes_total)

    @strawberry.field
    def bytes_done(self) -> float:
        return float(self.row.bytes_done)

    @strawberry.field(description="Messages stored in the new mailbox.")
    def stored(self) -> int:
        return self.row.stored

    @strawberry.field(description="Messages left out (too large, refused, mailbox full).")
    def refused(self) -> int:
        return self.row.refused

    @strawberry.field(description="Why the last attempt failed, as CODE: words.")
    def last_error(self) -> str | None:
        return self.row.last_error or None

    @strawberry.field
    def started_at(self) -> datetime | None:
        return self.row.started_at

    @strawberry.field
    def finished_at(self) -> datetime | None:
        return self.row.finished_at

    @strawberry.field(description="When a failed attempt is tried again (RUNNING rows).")
    def next_attempt_at(self) -> datetime | None:
        return _at(self.row.next_attempt_at) if self.row.failures else None

    @strawberry.field(description="Folders with old and new counts, and what was refused.")
    async def report(self) -> MailMigrationReportType:
        got = await member_report(self.row)
        return MailMigrationReportType(
            folders=[
                MailMigrationFolderType(
                    name=f.name,
                    local=f.local,
                    old=f.old,
                    new=f.new,
                    duplicates=f.duplicates,
                    refused=f.refused,
                    error=f.error or None,
                )
                for f in got.folders
            ],
            refusals=[
                MailMigrationRefusalType(folder=f, key=k, reason=r) for f, k, r in got.refusals
            ],
        )


@strawberry.type(name="MailMigration")
class MailMigrationType:
    row: strawberry.Private[MailMigration]
    rows: strawberry.Private[list[MigrationMember]]

    @property
    def progress(self) -> Progress:
        return measure(self.row, self.rows)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="The old server, e.g. imaps://mail.old.example:993.")
    def source(self) -> str:
        return Source(self.row.protocol, self.row.security, self.row.host, self.row.port).url

    @strawberry.field
    def state(self) -> MailMigrationState:  # type: ignore[valid-type]
        return MailMigrationState[self.row.state.name]

    @strawberry.field(description="The IMAP master user logging in as each member (or null).")
    def master_user(self) -> str | None:
        return self.row.master_user or None

    @strawberry.field
    def created_by(self) -> str:
        return self.row.created_by

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def finished_at(self) -> datetime | None:
        return self.row.finished_at

    @strawberry.field(
        description="1 the first run; each run of the ended migration again (only new mail, "
        "the cut-over day) adds one."
    )
    def runs(self) -> int:
        return self.row.runs

    @strawberry.field(description="When the last run began.")
    def run_started_at(self) -> datetime | None:
        return self.row.run_started_at

    @strawberry.field
    def members(self) -> list[MailMigrationMemberType]:
        return [MailMigrationMemberType(row=r) for r in self.rows]

    @strawberry.field
    def messages_total(self) -> int:
        return self.progress.messages_total

    @strawberry.field(description="Messages stored, duplicates skipped and messages refused.")
    def messages_done(self) -> int:
        return self.progress.messages_done

    @strawberry.field
    def bytes_total(self) -> float:
        return float(self.progress.bytes_total)

    @strawberry.field
    def bytes_done(self) -> float:
        return float(self.progress.bytes_done)

    @strawberry.field
    def stored(self) -> int:
        return self.progress.stored

    @strawberry.field(description="Messages left out (each member's report says why).")
    def refused(self) -> int:
        return self.progress.refused

    @strawberry.field(description="Members whose part ended (DONE or FAILED).")
    def members_finished(self) -> int:
        return self.progress.finished

    @strawberry.field(description="Messages per second since the first member started.")
    def rate(self) -> float:
        return self.progress.rate

    @strawberry.field(description="Bytes per second since the first member started.")
    def byte_rate(self) -> float:
        return self.progress.byte_rate

    @strawberry.field(description="Seconds left at the current rate (null: unknown or ended).")
    def eta_seconds(self) -> int | None:
        return self.progress.eta_seconds

    @strawberry.field(description="Ended with every member DONE and nothing refused.")
    def complete(self) -> bool:
        return self.progress.complete


@strawberry.type(name="MailMigrationError")
class MailMigrationErrorType:
    code: MailMigrationErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: MigrationError) -> MailMigrationErrorType:
        code = MailMigrationErrorCode(exc.code.value)
        return cls(code=code, message=exc.message, field=exc.field)


MailMigrationResult = Annotated[
    MailMigrationType | MailMigrationErrorType, strawberry.union("MailMigrationResult")
]


@strawberry.input
class MailMigrationMemberInput:
    """One line of the members' list (CSV/XLSX: old address, old password, new address)."""

    old_address: str = strawberry.field(description="The login on the old server.")
    old_password: str = strawberry.field(
        default="", description="Its password (kept encrypted); blank with a master user."
    )
    new_address: str = strawberry.field(description="A member of your enterprise.")
