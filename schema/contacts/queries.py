"""Queries of the contacts schema: only the caller's own contacts."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.contacts import book
from mailcore.contacts.errors import ContactError
from schema.contacts.types import (
    PersonalContactConnection,
    PersonalContactEdge,
    PersonalContactType,
    parse_id,
)
from schema.mail.types import PageInfo
from schema.permissions import IsAuthenticated


def _error(exc: ContactError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type
class ContactsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your personal contacts in pinyin order, searched by name (pinyin, "
        "initials), address, phone number, organisation or group.",
    )
    async def personal_contacts(
        self,
        info: Info,
        query: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> PersonalContactConnection:
        try:
            found = await book.page(info.context.member_id, query, first, after)
        except ContactError as exc:
            raise _error(exc) from exc
        return PersonalContactConnection(
            edges=[
                PersonalContactEdge(node=PersonalContactType.of(c), cursor=book.encode_cursor(c))
                for c in found.contacts
            ],
            page_info=PageInfo(has_next_page=found.has_next, end_cursor=found.end_cursor),
            total_count=found.total,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One of your contacts, or null if you have none with this id.",
    )
    async def personal_contact(self, info: Info, id: strawberry.ID) -> PersonalContactType | None:
        try:
            return PersonalContactType.of(await book.get(info.context.member_id, parse_id(id)))
        except ContactError:
            return None

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your contacts (all, or those of ids) as the text of one .vcf file "
        "(at most 20 MB: TOO_LARGE).",
    )
    async def export_personal_contacts(
        self, info: Info, ids: list[strawberry.ID] | None = None
    ) -> str:
        wanted = None if ids is None else [parse_id(i) for i in ids[: book.MAX_CONTACTS]]
        try:
            return await book.export_vcf(info.context.member_id, wanted)
        except ContactError as exc:
            raise _error(exc) from exc
