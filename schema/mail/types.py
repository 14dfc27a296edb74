"""Types of the mail schema; body fields parse the stored blob lazily, once per request;
fields that read other tables go through the request's DataLoaders (``loaders.py``), so a
page of messages costs the same statements whatever its size."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.calendar.access import Caller
from mailcore.calendar.card import card_of
from mailcore.core.mime.display import display_html, parse_blob
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import MailboxEntry
from mailcore.core.models import Message as MessageRow
from mailcore.mail.mailbox import Conversation as CoreConversation
from mailcore.mail.mailbox import FolderCount
from mailcore.store.errors import MailErrorCode as CoreCode
from schema.calendar.types import MailInvitation
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


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a default never shown: __post_init__ sets it


def _sender(m: MessageRow) -> EmailAddress | None:
    return EmailAddress(name=m.from_name, address=m.from_address) if m.from_address else None


def _addresses(pairs: list) -> list[EmailAddress]:
    return [EmailAddress(name=name or "", address=address or "") for name, address in pairs]


@strawberry.type
class Message:
    """A member's copy of a mail. What a list shows is read from the entry once, here, into
    plain fields (GraphQL reads an attribute; a resolver call per field cost a third more of a
    50-item page); the rest are resolvers. Make it with ``Message(entry=...)`` only."""

    entry: strawberry.Private[MailboxEntry]
    id: strawberry.ID = strawberry.ID("")
    subject: str = ""
    from_: EmailAddress | None = strawberry.field(name="from", default=None)
    to: list[EmailAddress] = strawberry.field(default_factory=list)
    date: datetime = strawberry.field(
        description="The Date header, or when it arrived if it has none.", default=EPOCH
    )
    received_at: datetime = EPOCH
    seen: bool = False
    flagged: bool = False
    answered: bool = False
    draft: bool = False
    has_attachments: bool = False
    size: int = 0
    folder_id: strawberry.ID = strawberry.ID("")
    conversation_id: strawberry.ID = strawberry.ID("")
    message_id: str | None = strawberry.field(
        description="The Message-ID header, without angle brackets.", default=None
    )

    def __post_init__(self) -> None:
        entry, m = self.entry, self.entry.message
        self.id = strawberry.ID(str(entry.id))
        self.subject = m.subject
        self.from_ = _sender(m)
        self.to = _addresses(m.to_json)
        self.date = m.date or entry.received_at
        self.received_at = entry.received_at
        self.seen, self.flagged = entry.seen, entry.flagged
        self.answered, self.draft = entry.answered, entry.draft
        self.has_attachments = m.has_attachments
        self.size = entry.size
        self.folder_id = strawberry.ID(str(entry.folder_id))
        self.conversation_id = strawberry.ID(str(entry.thread_id))
        self.message_id = m.message_id

    @strawberry.field
    def cc(self) -> list[EmailAddress]:
        return _addresses(self.entry.message.cc_json)

    @strawberry.field(description="Blind-copied recipients: only on the sender's own copies.")
    def bcc(self) -> list[EmailAddress]:
        return [EmailAddress(name="", address=a) for a in self.entry.bcc_json]

    @strawberry.field
    async def preview(self, info: Info) -> str:
        if await confidential_gate.locked(info, self.entry):  # U17: no body before verifying
            return ""
        return self.entry.message.preview

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

    @strawberry.field(
        description="A meeting invitation, cancellation or answer this mail carries (iTIP), "
        "beside your own calendar; null for other mail."
    )
    async def invitation(self, info: Info) -> MailInvitation | None:
        if await confidential_gate.locked(info, self.entry):
            return None
        member = info.context.identity.member
        who = Caller(member.id, member.enterprise_id, False, member.email)
        raw = await info.context.runtime.blobs.get(self.entry.message.sha256)
        found = await card_of(who, raw)
        return MailInvitation.of(found) if found is not None else None

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
    """A thread as its member sees it; plain fields read once from it (see ``Message``).
    Make it with ``Conversation(conversation=...)`` only."""

    conversation: strawberry.Private[CoreConversation]
    id: strawberry.ID = strawberry.ID("")
    subject: str = ""
    last_date: datetime = EPOCH
    message_count: int = 0
    unread_count: int = 0
    participants: list[EmailAddress] = strawberry.field(default_factory=list)
    latest: Message | None = None
    messages: list[Message] = strawberry.field(
        description="The messages of the conversation, oldest first.", default_factory=list
    )

    def __post_init__(self) -> None:
        thread, entries = self.conversation.thread, self.conversation.entries
        self.id = strawberry.ID(str(thread.id))
        self.subject = thread.subject
        self.last_date = thread.last_date
        self.message_count = len(entries)
        self.unread_count = self.conversation.unread
        self.messages = [Message(entry=e) for e in entries]
        seen: dict[str, EmailAddress] = {}
        for message in self.messages:  # each sender once, as first seen
            if message.from_ and message.from_.address.lower() not in seen:
                seen[message.from_.address.lower()] = message.from_
        self.participants = list(seen.values())
        self.latest = self.messages[-1] if self.messages else None


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
