"""Queries of the mail schema: folders, messages, conversations, one message."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.mail import mailbox
from mailcore.store.errors import MailError
from mailcore.store.folders import resolve_folder
from schema.errors import query_error
from schema.mail.types import (
    Conversation,
    ConversationConnection,
    ConversationEdge,
    Folder,
    Message,
    MessageConnection,
    MessageEdge,
    PageInfo,
)
from schema.permissions import IsAuthenticated


@strawberry.type
class MailQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def folders(self, info: Info) -> list[Folder]:
        return [Folder.from_count(c) for c in await mailbox.folder_counts(info.context.member_id)]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Messages of a folder (role such as INBOX, an id, or a path), newest first.",
    )
    async def messages(
        self,
        info: Info,
        folder: str = "INBOX",
        first: int | None = None,
        after: str | None = None,
    ) -> MessageConnection:
        member_id = info.context.member_id
        try:
            page = await mailbox.list_messages(
                member_id, await resolve_folder(member_id, folder), first, after
            )
        except MailError as exc:
            raise query_error(exc) from exc
        return MessageConnection(
            edges=[
                MessageEdge(
                    node=Message(entry=e), cursor=mailbox.encode_cursor(e.received_at, e.id)
                )
                for e in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Conversations with mail in a folder (default: all but Trash and Spam).",
    )
    async def conversations(
        self,
        info: Info,
        folder: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ConversationConnection:
        member_id = info.context.member_id
        try:
            where = await resolve_folder(member_id, folder) if folder else None
            page = await mailbox.list_conversations(member_id, where, first, after)
        except MailError as exc:
            raise query_error(exc) from exc
        return ConversationConnection(
            edges=[
                ConversationEdge(
                    node=Conversation(conversation=c),
                    cursor=mailbox.encode_cursor(c.thread.last_date, c.thread.id),
                )
                for c in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def message(self, info: Info, id: strawberry.ID) -> Message:
        try:
            return Message(entry=await mailbox.get_entry(info.context.member_id, id))
        except MailError as exc:
            raise query_error(exc) from exc
