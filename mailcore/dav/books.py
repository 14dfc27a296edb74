"""The address book home and the directory's book (``cards.py``) as DAV resources: what a
PROPFIND lists, an addressbook-multiget, a card by UID. Nothing here is writable; the home
also lists the member's own book of contacts (``contactbook.py``)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from mailcore.core.models import Member
from mailcore.dav import cards, contactbook, errors, paths, props
from mailcore.dav.errors import DavError
from mailcore.dav.paths import Kind, Target
from mailcore.dav.xml import response


async def propfind(
    member: Member, enterprise_id: int, target: Target, deep: bool
) -> list[tuple[str, dict[str, props.Getter]]]:
    if target.kind is Kind.BOOKS:
        found = [(paths.books(member.email), props.home(member))]
        if deep:
            book = await cards.directory(enterprise_id)
            found.append((paths.book(member.email), props.book(member, book)))
            found.append((paths.contacts(member.email), contactbook.book_props(member)))
        return found
    book = await cards.directory(enterprise_id)
    if target.kind is Kind.CARD:
        return [(paths.card(member.email, target.uid), props.card(_one(book, target.uid)))]
    found = [(paths.book(member.email), props.book(member, book))]
    if deep:
        found += [(paths.card(member.email, uid), props.card(c)) for uid, c in book.items()]
    return found


async def multiget(
    member: Member, enterprise_id: int, urls: list[str], wanted: list[str] | None
) -> list[Element]:
    book = await cards.directory(enterprise_id)
    responses = []
    for url in dict.fromkeys(urls[:1000]):
        found = paths.resolve(url, member.email)
        card = book.get(found.uid) if found is not None and found.kind is Kind.CARD else None
        if card is None:
            responses.append(response(url, {}, status="404 Not Found"))
            continue
        values, missing = await props.answer(props.card(card), wanted)
        responses.append(response(url, values, missing))
    return responses


async def card(enterprise_id: int, uid: str) -> cards.Card:
    return _one(await cards.directory(enterprise_id), uid)


def read_only(target: Target) -> None:
    if target.kind in (Kind.BOOKS, Kind.BOOK, Kind.CARD):
        raise DavError(403, "the directory is read-only", errors.NEED_PRIVILEGES)


def _one(book: dict[str, cards.Card], uid: str) -> cards.Card:
    found = book.get(uid)
    if found is None:
        raise DavError(404, "no such card")
    return found
