"""The ``search`` query: full-text search in the caller's own mailbox."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore import search
from mailcore.search.contract import Sort
from mailcore.search.errors import SearchError, SearchErrorCode
from mailcore.search.mail import MailSearch, search_mail
from schema.mail.types import PageInfo
from schema.permissions import IsAuthenticated
from schema.search.types import SearchConnection, SearchEdge, SearchMessage, SearchSort


def _error(exc: SearchError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type
class SearchQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=(
            "Search your mail: words in subject, people, body and attachments (Chinese matches"
            ' inside words, the last word typed as a prefix, "quotes" for a phrase). Without'
            " a folder, Trash and Spam are left out. Dates are UTC days, both inclusive."
        ),
    )
    async def search(
        self,
        info: Info,
        query: str,
        folder: str | None = None,
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
        since: date | None = None,
        until: date | None = None,
        has_attachment: bool | None = None,
        unread: bool | None = None,
        sort: SearchSort = SearchSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchConnection:
        request = MailSearch(
            text=query,
            folder=folder,
            sender=from_,
            recipient=to,
            since=since,
            until=until,
            has_attachment=has_attachment,
            unread=unread,
            sort=Sort(sort.value),
            first=first,
            after=after,
        )
        try:
            results = await search_mail(
                search.backend_of(info.context.runtime.indexer), info.context.member_id, request
            )
        except search.SearchUnavailable as exc:
            code = SearchErrorCode.UNAVAILABLE
            raise _error(SearchError(code, "search is not available right now")) from exc
        except SearchError as exc:
            raise _error(exc) from exc
        return SearchConnection(
            edges=[
                SearchEdge(node=SearchMessage(entry=h.entry, snippet=h.snippet), cursor=h.cursor)
                for h in results.hits
            ],
            page_info=PageInfo(has_next_page=results.has_next, end_cursor=results.end_cursor),
            total_count=results.total,
        )
