"""Queries and mutations of external mailboxes: each converts its input, calls one service of
``mailcore/fetch/service.py`` for the signed-in member, and maps the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.core.models import ExternalProtocol, ExternalSecurity, SendMode
from mailcore.fetch import sendas, service
from mailcore.fetch.crypt import crypt_for
from mailcore.fetch.errors import FetchError, not_found
from mailcore.fetch.presets import PRESETS
from mailcore.mail.submit import sender_addresses
from schema.fetch.types import (
    AddExternalAccountInput,
    DeleteExternalAccountResult,
    ExternalAccountDeleted,
    ExternalAccountErrorType,
    ExternalAccountPresetType,
    ExternalAccountResult,
    ExternalAccountType,
    SendAsCodeResult,
    SendAsCodeSent,
    SenderAddress,
    UpdateExternalAccountInput,
    UpdateSendAsInput,
)
from schema.permissions import IsAuthenticated

SIGNED_IN = [IsAuthenticated]


def _id(value: object, field: str = "id") -> int:
    text = str(value)
    if not text.isdecimal() or len(text) > 12:
        error = not_found()
        error.field = field
        raise error
    return int(text)


def _enum(kind: type, value: object) -> object:
    return None if value is None else kind(value.value)  # type: ignore[attr-defined]


@strawberry.type
class FetchQuery:
    @strawberry.field(permission_classes=SIGNED_IN, description="Your external accounts.")
    async def external_accounts(self, info: Info) -> list[ExternalAccountType]:
        rows = await service.list_accounts(info.context.identity.member)
        return [ExternalAccountType(row=row) for row in rows]

    @strawberry.field(
        permission_classes=SIGNED_IN,
        description="Server settings of common providers (QQ/Exmail, 163, Gmail, Outlook).",
    )
    def external_account_presets(self) -> list[ExternalAccountPresetType]:
        return [ExternalAccountPresetType(preset=p) for p in PRESETS]

    @strawberry.field(
        permission_classes=SIGNED_IN,
        description="The addresses you may send from: your own, your aliases, and the "
        "external addresses you proved (send-as).",
    )
    async def sender_addresses(self, info: Info) -> list[SenderAddress]:
        found = await sender_addresses(info.context.identity.member)
        return [SenderAddress(address=address, kind=kind) for address, kind in found]


@strawberry.type
class FetchMutation:
    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="Add an external IMAP/POP3 account; its login is tested first (a wrong "
        "password saves nothing). Its first fetch starts at once.",
    )
    async def add_external_account(
        self, info: Info, input: AddExternalAccountInput
    ) -> ExternalAccountResult:
        settings = info.context.runtime.settings
        try:
            given = service.AccountInput(
                protocol=_enum(ExternalProtocol, input.protocol),  # type: ignore[arg-type]
                host=input.host,
                port=input.port,
                security=_enum(ExternalSecurity, input.security),  # type: ignore[arg-type]
                username=input.username,
                password=input.password,
                folder_id=None if input.folder_id is None else _id(input.folder_id, "folderId"),
                mirror_folders=input.mirror_folders,
                leave_on_server=input.leave_on_server,
            )
            row = await service.add_account(
                info.context.identity.member, given, settings, crypt_for(settings)
            )
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountType(row=row)

    @strawberry.mutation(permission_classes=SIGNED_IN, description="Change an external account.")
    async def update_external_account(
        self, info: Info, id: strawberry.ID, input: UpdateExternalAccountInput
    ) -> ExternalAccountResult:
        settings = info.context.runtime.settings
        try:
            given = service.AccountInput(
                protocol=_enum(ExternalProtocol, input.protocol),  # type: ignore[arg-type]
                host=input.host,
                port=input.port,
                security=_enum(ExternalSecurity, input.security),  # type: ignore[arg-type]
                username=input.username,
                password=input.password,
                folder_id=None if input.folder_id is None else _id(input.folder_id, "folderId"),
                clear_folder=input.use_inbox,
                mirror_folders=input.mirror_folders,
                leave_on_server=input.leave_on_server,
                enabled=input.enabled,
            )
            row = await service.update_account(
                info.context.identity.member, _id(id), given, settings, crypt_for(settings)
            )
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountType(row=row)

    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="Delete an external account (mail fetched from it stays).",
    )
    async def delete_external_account(
        self, info: Info, id: strawberry.ID
    ) -> DeleteExternalAccountResult:
        try:
            await service.delete_account(info.context.identity.member, _id(id))
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountDeleted(id=id)

    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="Fetch an external account now (a worker starts within seconds; watch "
        "lastSuccessAt / lastError).",
    )
    async def fetch_external_account(self, info: Info, id: strawberry.ID) -> ExternalAccountResult:
        try:
            row = await service.request_fetch(info.context.identity.member, _id(id))
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountType(row=row)

    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="Mail a confirmation code to the address you want to send as (default: "
        "the account's send-as address, else its user name); a new address withdraws the "
        "earlier proof. Once a minute, a few times an hour.",
    )
    async def request_send_as_code(
        self, info: Info, id: strawberry.ID, address: str | None = None
    ) -> SendAsCodeResult:
        try:
            sent = await sendas.request_code(
                info.context.runtime.ingestor, info.context.identity.member, _id(id), address
            )
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return SendAsCodeSent(
            account=ExternalAccountType(row=sent.account),
            address=sent.address,
            expires_at=sent.expires_at,
        )

    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="Prove the send-as address with the mailed code; then you may send as it.",
    )
    async def confirm_send_as(
        self, info: Info, id: strawberry.ID, code: str
    ) -> ExternalAccountResult:
        try:
            row = await sendas.confirm_code(info.context.identity.member, _id(id), code)
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountType(row=row)

    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="How mail sent as the address leaves: our delivery queue, or the external "
        "server's SMTP (its login is tried before it is saved).",
    )
    async def update_send_as(
        self, info: Info, id: strawberry.ID, input: UpdateSendAsInput
    ) -> ExternalAccountResult:
        settings = info.context.runtime.settings
        try:
            given = sendas.SendAsInput(
                mode=_enum(SendMode, input.mode),  # type: ignore[arg-type]
                smtp_host=input.smtp_host,
                smtp_port=input.smtp_port,
                smtp_security=_enum(ExternalSecurity, input.smtp_security),  # type: ignore[arg-type]
                smtp_username=input.smtp_username,
                smtp_password=input.smtp_password,
            )
            row = await sendas.update_send_as(
                info.context.identity.member, _id(id), given, settings, crypt_for(settings)
            )
        except FetchError as exc:
            return ExternalAccountErrorType.of(exc)
        return ExternalAccountType(row=row)
