"""Mutations of the mail schema: send, drafts, flags, move, delete, folders."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from mailcore.core.mime.build import OutgoingAttachment
from mailcore.mail import compose, mailbox
from mailcore.org.service import get_member
from mailcore.policy import massmail, recall
from mailcore.store import folders
from mailcore.store.errors import MailError
from schema.mail.types import (
    DeleteFolderResult,
    DeleteResult,
    DraftSaved,
    Folder,
    FolderDeleted,
    FolderPayload,
    FolderResult,
    MailErrorCode,
    MailErrorType,
    Message,
    MessagesDeleted,
    MessagesUpdated,
    RecallMailResult,
    SaveDraftResult,
    SendMailResult,
    SendMailSuccess,
    UpdateResult,
)
from schema.permissions import IsAuthenticated
from schema.policy.types import MassMailJobType, RecallType

MAX_FILENAME = 255


@strawberry.enum
class SendMode(Enum):
    NORMAL = "normal"
    SEPARATE = "separate"


@strawberry.input
class ComposeInput:
    to: list[str] = strawberry.field(default_factory=list)
    cc: list[str] = strawberry.field(default_factory=list)
    bcc: list[str] = strawberry.field(default_factory=list)
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    attachments: list[Upload] = strawberry.field(default_factory=list)
    reply_to: strawberry.ID | None = strawberry.field(
        default=None, description="Id of the message this replies to."
    )
    forward: strawberry.ID | None = strawberry.field(
        default=None, description="Id of the message this forwards (its attachments go along)."
    )
    draft_id: strawberry.ID | None = strawberry.field(
        default=None, description="The draft this replaces; it is removed once sent or saved."
    )
    keep_attachments: list[int] = strawberry.field(
        default_factory=list,
        description=(
            "Attachments of the draft named by draftId (your own, in Drafts) to carry over, by"
            " their Attachment.index: the server copies them from the stored draft, so a file"
            " is uploaded once however often the draft is saved. They come first, then the"
            " forwarded ones, then the uploaded attachments."
        ),
    )
    forward_attachments: list[int] | None = strawberry.field(
        default=None,
        description=(
            "With forward: the forwarded message's attachments that go along, by their"
            " Attachment.index (null: all of them; an empty list: none)."
        ),
    )
    personal_group_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Personal groups whose addresses are added to To."
    )
    append_signature: bool = strawberry.field(
        default=True,
        description="Append the sender's signature on send (an enforced company one always is).",
    )
    mode: SendMode = strawberry.field(
        default=SendMode.NORMAL,
        description="SEPARATE: each recipient gets a copy addressed only to them (mass mail).",
    )
    hidden: list[str] = strawberry.field(
        default_factory=list,
        description="To/Cc recipients hidden from the others: they receive it as if Bcc.",
    )
    hide_all_recipients: bool = strawberry.field(
        default=False, description="Hide every recipient from the others."
    )
    confidential: bool = strawberry.field(
        default=False, description="Confidential mail (U17): recipients verify with a code."
    )
    request_read_receipt: bool | None = strawberry.field(
        default=False,
        description="Ask recipients for a read receipt (Disposition-Notification-To: sender).",
    )
    from_: str | None = strawberry.field(
        default=None,
        name="from",
        description="The From address: your own, an alias, or a send-as address you proved "
        "(senderAddresses); null: your own.",
    )


def _error(exc: MailError) -> MailErrorType:
    return MailErrorType(code=MailErrorCode(exc.code.value), message=exc.message, field=exc.field)


async def _form(data: ComposeInput) -> compose.ComposeInput:
    attachments = []
    for upload in data.attachments:
        body = await upload.read()
        attachments.append(
            OutgoingAttachment(
                filename=(upload.filename or "attachment")[:MAX_FILENAME],
                content_type=upload.content_type or "application/octet-stream",
                data=body,
            )
        )
    return compose.ComposeInput(
        to=data.to,
        cc=data.cc,
        bcc=data.bcc,
        subject=data.subject,
        text=data.text,
        html=data.html,
        attachments=attachments,
        reply_to_id=data.reply_to,
        forward_id=data.forward,
        draft_id=data.draft_id,
        keep_attachments=data.keep_attachments,
        forward_attachments=data.forward_attachments,
        personal_group_ids=[_int(g) for g in data.personal_group_ids],
        append_signature=data.append_signature,
        mode=compose.SendMode(data.mode.value),
        hidden=data.hidden,
        hide_all=data.hide_all_recipients,
        confidential=data.confidential,
        request_read_receipt=bool(data.request_read_receipt),
        from_address=data.from_,
    )


async def _messages(member_id: int, ids: list[int]) -> list[Message]:
    return [Message(entry=e) for e in await mailbox.get_entries(member_id, ids)]


@strawberry.type
class MailMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def send_mail(self, info: Info, input: ComposeInput) -> SendMailResult:
        ctx = info.context
        try:
            outcome = await compose.send_mail(
                ctx.runtime.ingestor,
                ctx.runtime.blobs,
                await get_member(ctx.member_id),
                await _form(input),
                max_size=ctx.runtime.settings.max_message_size,
                origin=ctx.session_id,
                sync_limit=ctx.runtime.settings.mass_mail_sync_limit,
            )
        except MailError as exc:
            return _error(exc)
        result = outcome.result
        sent = next((e.entry_id for e in result.entries if e.member_id == ctx.member_id), None)
        message = Message(entry=await mailbox.get_entry(ctx.member_id, sent)) if sent else None
        job = None
        if outcome.job is not None:
            job = MassMailJobType.of(await massmail.progress(ctx.member_id, outcome.job.id))
        return SendMailSuccess(sent=message, queued=result.queued, mass_mail_job=job)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Recall a sent message (its Sent id) from internal recipients' mailboxes.",
    )
    async def recall_message(self, info: Info, id: strawberry.ID) -> RecallMailResult:
        ctx = info.context
        try:
            row = await recall.recall_sent(
                ctx.runtime.ingestor.changes, await get_member(ctx.member_id), id, ctx.session_id
            )
        except MailError as exc:
            return _error(exc)
        return RecallType.of(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def save_draft(self, info: Info, input: ComposeInput) -> SaveDraftResult:
        ctx = info.context
        try:
            entry_id = await compose.save_draft(
                ctx.runtime.ingestor,
                ctx.runtime.blobs,
                await get_member(ctx.member_id),
                await _form(input),
                max_size=ctx.runtime.settings.max_message_size,
                origin=ctx.session_id,
            )
            return DraftSaved(draft=Message(entry=await mailbox.get_entry(ctx.member_id, entry_id)))
        except MailError as exc:
            return _error(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def mark_read(
        self, info: Info, ids: list[strawberry.ID], read: bool = True
    ) -> UpdateResult:
        return await _flags(info, ids, seen=read)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def flag(
        self, info: Info, ids: list[strawberry.ID], flagged: bool = True
    ) -> UpdateResult:
        return await _flags(info, ids, flagged=flagged)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def move(self, info: Info, ids: list[strawberry.ID], folder: str) -> UpdateResult:
        ctx = info.context
        try:
            target = await folders.resolve_folder(ctx.member_id, folder)
            entries = await ctx.runtime.ingestor.changes.move(
                ctx.member_id, list(ids), target, ctx.session_id
            )
            return MessagesUpdated(messages=await _messages(ctx.member_id, [e.id for e in entries]))
        except MailError as exc:
            return _error(exc)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Move to Trash; messages already in Trash (or drafts) are removed for good.",
    )
    async def delete(self, info: Info, ids: list[strawberry.ID]) -> DeleteResult:
        ctx = info.context
        try:
            trashed, expunged = await ctx.runtime.ingestor.changes.delete(
                ctx.member_id, list(ids), ctx.session_id
            )
            return MessagesDeleted(
                trashed=await _messages(ctx.member_id, [e.id for e in trashed]),
                expunged=[strawberry.ID(str(i)) for i in expunged],
            )
        except MailError as exc:
            return _error(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_folder(
        self, info: Info, name: str, parent_id: strawberry.ID | None = None
    ) -> FolderResult:
        try:
            parent = int(parent_id) if parent_id else None
        except ValueError:
            parent = -1
        try:
            folder = await folders.create_folder(info.context.member_id, name, parent)
        except MailError as exc:
            return _error(exc)
        return FolderPayload(folder=Folder.from_count(mailbox.FolderCount(folder, 0, 0)))

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def rename_folder(self, info: Info, id: strawberry.ID, name: str) -> FolderResult:
        member_id = info.context.member_id
        try:
            folder = await folders.rename_folder(member_id, _int(id), name)
        except MailError as exc:
            return _error(exc)
        counts = {c.folder.id: c for c in await mailbox.folder_counts(member_id)}
        return FolderPayload(folder=Folder.from_count(counts[folder.id]))

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete a custom folder and its sub-folders; their mail goes to Trash.",
    )
    async def delete_folder(self, info: Info, id: strawberry.ID) -> DeleteFolderResult:
        try:
            ctx = info.context
            ids = await ctx.runtime.ingestor.changes.delete_folder(
                ctx.member_id, _int(id), ctx.session_id
            )
        except MailError as exc:
            return _error(exc)
        return FolderDeleted(ids=[strawberry.ID(str(i)) for i in ids])


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


async def _flags(info: Info, ids: list[strawberry.ID], **flags: bool) -> UpdateResult:
    ctx = info.context
    try:
        entries = await ctx.runtime.ingestor.changes.set_flags(
            ctx.member_id, list(ids), ctx.session_id, **flags
        )
        return MessagesUpdated(messages=await _messages(ctx.member_id, [e.id for e in entries]))
    except MailError as exc:
        return _error(exc)
