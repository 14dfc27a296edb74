"""GraphQL types of external mailboxes; the passwords are never among them (``hasPassword``,
``hasSmtpPassword``). Send-as: the proved address, the send mode and the SMTP settings."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import ExternalAccount, ExternalProtocol, ExternalSecurity, SendMode
from mailcore.fetch.errors import FetchError
from mailcore.fetch.errors import FetchErrorCode as CoreCode
from mailcore.fetch.presets import Preset
from mailcore.fetch.sendas import is_verified

ExternalAccountErrorCode = strawberry.enum(
    StrEnum("ExternalAccountErrorCode", {c.name: c.value for c in CoreCode})
)
ExternalAccountProtocol = strawberry.enum(
    StrEnum("ExternalAccountProtocol", {c.name: c.value for c in ExternalProtocol}),
    description="IMAP or POP3.",
)
ExternalAccountSecurity = strawberry.enum(
    StrEnum("ExternalAccountSecurity", {c.name: c.value for c in ExternalSecurity}),
    description="TLS from the start (993/995), STARTTLS, or none (trusted networks only).",
)
SendAsMode = strawberry.enum(
    StrEnum("SendAsMode", {c.name: c.value for c in SendMode}),
    description="How mail sent as the address leaves: QUEUE, our own delivery; SMTP, the "
    "external server's SMTP with its login.",
)


@strawberry.type(name="ExternalAccount")
class ExternalAccountType:
    row: strawberry.Private[ExternalAccount]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def protocol(self) -> ExternalAccountProtocol:  # type: ignore[valid-type]
        return ExternalAccountProtocol[self.row.protocol.name]

    @strawberry.field
    def host(self) -> str:
        return self.row.host

    @strawberry.field
    def port(self) -> int:
        return self.row.port

    @strawberry.field
    def security(self) -> ExternalAccountSecurity:  # type: ignore[valid-type]
        return ExternalAccountSecurity[self.row.security.name]

    @strawberry.field
    def username(self) -> str:
        return self.row.username

    @strawberry.field(description="Whether a password is stored (it is never returned).")
    def has_password(self) -> bool:
        return bool(self.row.password_secret)

    @strawberry.field(description="The folder fetched mail goes to; null: the Inbox.")
    def folder_id(self) -> strawberry.ID | None:
        folder_id = self.row.folder_id
        return None if folder_id is None else strawberry.ID(str(folder_id))

    @strawberry.field(description="IMAP: the server's folders are made under the target.")
    def mirror_folders(self) -> bool:
        return self.row.mirror_folders

    @strawberry.field
    def leave_on_server(self) -> bool:
        return self.row.leave_on_server

    @strawberry.field
    def enabled(self) -> bool:
        return self.row.enabled

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When a fetch last ended well (null: never).")
    def last_success_at(self) -> datetime | None:
        return self.row.last_success_at

    @strawberry.field(description="Why the last fetch failed, as CODE: words (null: it did not).")
    def last_error(self) -> str | None:
        return self.row.last_error or None

    @strawberry.field
    def last_error_at(self) -> datetime | None:
        return self.row.last_error_at if self.row.last_error else None

    @strawberry.field(description="Fetches that failed in a row (retried with a backoff).")
    def failures(self) -> int:
        return self.row.failures

    @strawberry.field(description="When the next fetch is due.")
    def next_fetch_at(self) -> datetime | None:
        at = self.row.next_attempt_at
        return datetime.fromtimestamp(at / 1000, UTC) if at else None

    @strawberry.field(description="Messages stored from this account so far.")
    def fetched_count(self) -> int:
        return self.row.fetched_count

    @strawberry.field(description="The address to send as (empty: none asked for yet).")
    def send_as_address(self) -> str:
        return self.row.send_as_address

    @strawberry.field(description="The send-as address was proved with a mailed code.")
    def send_as_verified(self) -> bool:
        return is_verified(self.row)

    @strawberry.field
    def send_as_verified_at(self) -> datetime | None:
        return self.row.send_as_verified_at if is_verified(self.row) else None

    @strawberry.field
    def send_mode(self) -> SendAsMode:  # type: ignore[valid-type]
        return SendAsMode[self.row.send_mode.name]

    @strawberry.field(description="The SMTP server (empty: the provider preset's).")
    def smtp_host(self) -> str:
        return self.row.smtp_host

    @strawberry.field(description="0: the default port of the security setting.")
    def smtp_port(self) -> int:
        return self.row.smtp_port

    @strawberry.field
    def smtp_security(self) -> ExternalAccountSecurity:  # type: ignore[valid-type]
        return ExternalAccountSecurity[self.row.smtp_security.name]

    @strawberry.field(description="The SMTP user name (empty: the fetch user name).")
    def smtp_username(self) -> str:
        return self.row.smtp_username

    @strawberry.field(description="A separate SMTP password is stored (else the fetch one).")
    def has_smtp_password(self) -> bool:
        return bool(self.row.smtp_password_secret)


@strawberry.type(name="ExternalAccountPreset")
class ExternalAccountPresetType:
    preset: strawberry.Private[Preset]

    @strawberry.field
    def key(self) -> str:
        return self.preset.key

    @strawberry.field
    def name(self) -> str:
        return self.preset.name

    @strawberry.field
    def protocol(self) -> ExternalAccountProtocol:  # type: ignore[valid-type]
        return ExternalAccountProtocol[self.preset.protocol.name]

    @strawberry.field
    def host(self) -> str:
        return self.preset.host

    @strawberry.field
    def port(self) -> int:
        return self.preset.port

    @strawberry.field
    def security(self) -> ExternalAccountSecurity:  # type: ignore[valid-type]
        return ExternalAccountSecurity[self.preset.security.name]

    @strawberry.field(description="The provider's SMTP server, for send-as.")
    def smtp_host(self) -> str:
        return self.preset.smtp_host

    @strawberry.field
    def smtp_port(self) -> int:
        return self.preset.smtp_port

    @strawberry.field
    def smtp_security(self) -> ExternalAccountSecurity:  # type: ignore[valid-type]
        return ExternalAccountSecurity[self.preset.smtp_security.name]


@strawberry.type(name="ExternalAccountError")
class ExternalAccountErrorType:
    code: ExternalAccountErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: FetchError) -> ExternalAccountErrorType:
        return cls(
            code=ExternalAccountErrorCode(exc.code.value), message=exc.message, field=exc.field
        )


@strawberry.type
class ExternalAccountDeleted:
    id: strawberry.ID


@strawberry.type
class SendAsCodeSent:
    account: ExternalAccountType
    address: str = strawberry.field(description="Where the code went.")
    expires_at: datetime


@strawberry.type(description="An address you may write in From.")
class SenderAddress:
    address: str
    kind: str = strawberry.field(description="own, alias or send_as.")


ExternalAccountResult = Annotated[
    ExternalAccountType | ExternalAccountErrorType, strawberry.union("ExternalAccountResult")
]
DeleteExternalAccountResult = Annotated[
    ExternalAccountDeleted | ExternalAccountErrorType,
    strawberry.union("DeleteExternalAccountResult"),
]
SendAsCodeResult = Annotated[
    SendAsCodeSent | ExternalAccountErrorType, strawberry.union("SendAsCodeResult")
]


@strawberry.input
class AddExternalAccountInput:
    protocol: ExternalAccountProtocol  # type: ignore[valid-type]
    host: str
    port: int
    security: ExternalAccountSecurity  # type: ignore[valid-type]
    username: str
    password: str = strawberry.field(description="The password or app password (授权码).")
    folder_id: strawberry.ID | None = strawberry.field(
        default=None, description="The target folder; null: the Inbox."
    )
    mirror_folders: bool = False
    leave_on_server: bool = True


@strawberry.input
class UpdateExternalAccountInput:
    """Only what is given changes; a new server or login is tested before it is saved."""

    protocol: ExternalAccountProtocol | None = None  # type: ignore[valid-type]
    host: str | None = None
    port: int | None = None
    security: ExternalAccountSecurity | None = None  # type: ignore[valid-type]
    username: str | None = None
    password: str | None = None
    folder_id: strawberry.ID | None = strawberry.field(
        default=None, description="A new target folder (see useInbox)."
    )
    use_inbox: bool = strawberry.field(default=False, description="Back to the Inbox.")
    mirror_folders: bool | None = None
    leave_on_server: bool | None = None
    enabled: bool | None = None


@strawberry.input
class UpdateSendAsInput:
    """Only what is given changes; an empty string puts a setting back to its default (the
    preset's SMTP server, the fetch login). With mode SMTP the login is tried first."""

    mode: SendAsMode | None = None  # type: ignore[valid-type]
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: ExternalAccountSecurity | None = None  # type: ignore[valid-type]
    smtp_username: str | None = None
    smtp_password: str | None = strawberry.field(
        default=None, description="The SMTP password or app password (授权码)."
    )
