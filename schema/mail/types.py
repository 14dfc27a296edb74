"""Types of the mail schema; body fields parse the stored blob lazily, once per request;
fields that read other tables go through the request's DataLoaders (``loaders.py``), so a
page of messages costs the same statements whatever its size."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.core.mime.display import display_html, parse_blob
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import MailboxEntry
from mailcore.mail.mailbox import Conversation as CoreConversation
from mailcore.mail.mailbox import FolderCount
from mailcore.store.errors import MailErrorCode as CoreCode
from schema.confidential import gate as confidential_gate
from schema.confidential.types import ConfidentialInfo
from schema.mail import loaders, receipts
from schema.mail.receipts import ReadReceipt, ReadReceiptRequest
from schema.policy.types import MassMailJobType, RecallType

MailErrorCode = strawberry.enum(StrEnum("MailErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.type
class EmailAddress:
    name: str
    address: str


@strawberry.type
class Folder:
    id: strawberry.ID
    name: str
    role: str | None
    parent_id: strawberry.ID | None
    unread: int
    total: int

    @classmethod
    def from_count(cls, count: FolderCount) -> Folder:
        f = count.folder
        return cls(
            id=strawberry.ID(str(f.id)),
            name=f.name,
            role=f.role.value.upper() if f.role else None,
            parent_id=strawberry.ID(str(f.parent_id)) if f.parent_id else None,
            unread=count.unread,
            total=count.total,
        )


@strawberry.type
class Attachment:
    id: strawberry.ID
    index: int
    filename: str
    content_type: str
    size: int
    inline: bool
    content_id: str | None
    url: str


@strawberry.type
class OutboundDelivery:
    recipient: str
    status: str
    attempts: int
    last_error: str


def _addresses(pairs: list) -> list[EmailAddress]:
    return [EmailAddress(name=name or "", address=address or "") for name, address in pairs]


@strawberry.type
class Message:
    entry: strawberry.Private[MailboxEntry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.entry.id))

    @strawberry.field
    def subject(self) -> str:
        return self.entry.message.subject

    @strawberry.field(name="from")
    def from_(self) -> EmailAddress | None:
        m = self.entry.message
        return EmailAddress(name=m.from_name, address=m.from_address) if m.from_address else None

    @strawberry.field
    def to(self) -> list[EmailAddress]:
        return _addresses(self.entry.message.to_json)

    @strawberry.field
    def cc(self) -> list[EmailAddress]:
        return _addresses(self.entry.message.cc_json)

    @strawberry.field(description="Blind-copied recipients: only on the sender's own copies.")
    def bcc(self) -> list[EmailAddress]:
        return [EmailAddress(name="", address=a) for a in self.entry.bcc_json]

    @strawberry.field(description="The Date header, or when it arrived if it has none.")
    def date(self) -> datetime:
        return self.entry.message.date or self.entry.received_at

    @strawberry.field
    def received_at(self) -> datetime:
        return self.entry.received_at

    @strawberry.field
    def seen(self) -> bool:
        return self.entry.seen

    @strawberry.field
    def flagged(self) -> bool:
        return self.entry.flagged

    @strawberry.field
    def answered(self) -> bool:
        return self.entry.answered

    @strawberry.field
    def draft(self) -> bool:
        return self.entry.draft

    @strawberry.field
    def has_attachments(self) -> bool:
        return self.entry.message.has_attachments

    @strawberry.field
    async def preview(self, info: Info) -> str:
        if await confidential_gate.locked(info, self.entry):  # U17: no body before verifying
            return ""
        return self.entry.message.preview

    @strawberry.field
    def size(self) -> int:
        return self.entry.size

    @strawberry.field
    def folder_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.entry.folder_id))

    @strawberry.field
    def conversation_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.entry.thread_id))

    @strawberry.field(description="The Message-ID header, without angle brackets.")
    def message_id(self) -> str | None:
        return self.entry.message.message_id

    @strawberry.field(description="Delivery state of each external recipient (sender only).")
    async def deliveries(self, info: Info) -> list[OutboundDelivery]:
        rows = await info.context.loader(loaders.deliveries).load(self.entry)
        return [
            OutboundDelivery(
                recipient=r.recipient,
                status=r.status.value.upper(),
                attempts=r.attempts,
                last_error=r.last_error,
            )
            for r in rows
        ]

    @strawberry.field(description="The latest recall of this sent message, if any (sender).")
    async def recall(self, info: Info) -> RecallType | None:
        row = await info.context.loader(loaders.recall).load(self.entry)
        return RecallType.of(row) if row else None

    @strawberry.field(description="Separate copies sent from this Sent entry: their progress.")
    async def mass_mail_job(self, info: Info) -> MassMailJobType | None:
        found = await info.context.loader(loaders.mass_mail).load(self.entry)
        return MassMailJobType.of(found) if found else None

    @strawberry.field(
        description="The read receipt this mail asks of the viewer (RFC 8098); null if none."
    )
    async def read_receipt_request(self, info: Info) -> ReadReceiptRequest | None:
        return await receipts.request_of(info, self.entry)

    @strawberry.field(
        description="The mail asks for a read receipt (Disposition-Notification-To), on every "
        "copy: the sender's, drafts, recipients'."
    )
    async def read_receipt_requested(self, info: Info) -> bool:
        return await receipts.requested(info, self.entry)

    @strawberry.field(description="Read receipts that came back for this mail (its sender only).")
    async def read_receipts(self, info: Info) -> list[ReadReceipt]:
        return await receipts.receipts_of(info, self.entry)

    @strawberry.field(description="Confidential mail (U17): null for ordinary mail.")
    async def confidential(self, info: Info) -> ConfidentialInfo | None:
        return await confidential_gate.confidential_info(info, self.entry)

    @strawberry.field(
        description="A warning to show prominently: the mail came from outside claiming a "
        "domain of this mail system, without passing SPF or DKIM for it. Null for other mail."
    )
    async def spoof_warning(self, info: Info) -> str | None:
        return await info.context.loader(loaders.spoof_warning).load(self.entry)

    async def _parsed(self, info: Info) -> ParsedMessage:
        if await confidential_gate.locked(info, self.entry):  # U17: a notice until verified
            return confidential_gate.notice(self.entry)
        cache = info.context.parsed
        if self.entry.message_id not in cache:  # one parse for text, html and attachments
            cache[self.entry.message_id] = asyncio.ensure_future(self._parse(info))
        return await asyncio.shield(cache[self.entry.message_id])

    async def _parse(self, info: Info) -> ParsedMessage:
        sha256 = self.entry.message.sha256
        # off the loop (a large HTML mail takes seconds), once for concurrent readers
        return await parse_blob(sha256, lambda: info.context.runtime.blobs.get(sha256))

    @strawberry.field
    async def text(self, info: Info) -> str:
        return (await self._parsed(info)).text

    @strawberry.field(description="The HTML body, sanitized for display; null for plain mail.")
    async def html(self, info: Info) -> str | None:
        parsed = await self._parsed(info)
        return await display_html(parsed.html, parsed.text) if parsed.html else None

    @strawberry.field(description="The message as a .eml download, signed for you for a while.")
    async def raw_url(self, info: Info) -> str:
        return await info.context.download_url(f"/messages/{self.entry.id}/raw")

    @strawberry.field
    async def attachments(self, info: Info) -> list[Attachment]:
        parsed = await self._parsed(info)
        sign = info.context.download_url
        return [
            Attachment(
                id=strawberry.ID(f"{self.entry.id}:{a.index}"),
                index=a.index,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                inline=a.inline,
                content_id=a.content_id,
                url=await sign(f"/attachments/{self.entry.id}/{a.index}"),
            )
            for a in parsed.attachments
        ]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class MessageEdge:
    node: Message
    cursor: str


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo


@strawberry.type
class Conversation:
    conversation: strawberry.Private[CoreConversation]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.conversation.thread.id))

    @strawberry.field
    def subject(self) -> str:
        return self.conversation.thread.subject

    @strawberry.field
    def last_date(self) -> datetime:
        return self.conversation.thread.last_date

    @strawberry.field
    def message_count(self) -> int:
        return len(self.conversation.entries)

    @strawberry.field
    def unread_count(self) -> int:
        return self.conversation.unread

    @strawberry.field
    def participants(self) -> list[EmailAddress]:
        seen: dict[str, EmailAddress] = {}
        for entry in self.conversation.entries:
            m = entry.message
            if m.from_address and m.from_address.lower() not in seen:
                seen[m.from_address.lower()] = EmailAddress(
                    name=m.from_name, address=m.from_address
                )
        return list(seen.values())

    @strawberry.field
    def latest(self) -> Message | None:
        entries = self.conversation.entries
        return Message(entry=entries[-1]) if entries else None

    @strawberry.field(description="The messages of the conversation, oldest first.")
    def messages(self) -> list[Message]:
        return [Message(entry=e) for e in self.conversation.entries]


@strawberry.type
class ConversationEdge:
    node: Conversation
    cursor: str


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    page_info: PageInfo


@strawberry.type(name="MailError")
class MailErrorType:
    code: MailErrorCode
    message: str
    field: str | None = None


@strawberry.type
class SendMailSuccess:
    sent: Message | None = strawberry.field(description="The copy in the sender's Sent folder.")
    queued: int
    mass_mail_job: MassMailJobType | None = strawberry.field(
        default=None, description="Separate copies: the job making them (poll massMailJob)."
    )


@strawberry.type
class DraftSaved:
    draft: Message


@strawberry.type
class MessagesUpdated:
    messages: list[Message]


@strawberry.type
class MessagesDeleted:
    trashed: list[Message]
    expunged: list[strawberry.ID]


@strawberry.type
class FolderPayload:
    folder: Folder


@strawberry.type
class FolderDeleted:
    ids: list[strawberry.ID]


@strawberry.type
class NewMail:
    id: strawberry.ID
    subject: str
    from_: EmailAddress = strawberry.field(name="from")
    date: datetime
    folder: str


@strawberry.type
class MailboxChange:
    change: str
    ids: list[strawberry.ID]
    folder_id: strawberry.ID | None = None


RecallMailResult = Annotated[RecallType | MailErrorType, strawberry.union("RecallMailResult")]
SendMailResult = Annotated[SendMailSuccess | MailErrorType, strawberry.union("SendMailResult")]
SaveDraftResult = Annotated[DraftSaved | MailErrorType, strawberry.union("SaveDraftResult")]
UpdateResult = Annotated[MessagesUpdated | MailErrorType, strawberry.union("UpdateResult")]
DeleteResult = Annotated[MessagesDeleted | MailErrorType, strawberry.union("DeleteResult")]
FolderResult = Annotated[FolderPayload | MailErrorType, strawberry.union("FolderResult")]
DeleteFolderResult = Annotated[
    FolderDeleted | MailErrorType, strawberry.union("DeleteFolderResult")
]
