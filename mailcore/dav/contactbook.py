"""The member's personal contacts as a writable CardDAV address book (RFC 6352) beside the
read-only directory: PROPFIND, GET/HEAD, PUT (with If-Match / If-None-Match), DELETE, and
the reports addressbook-multiget, addressbook-query and sync-collection (``contactsync``).

A card is stored byte for byte as the client wrote it, once ``mailcore.contacts`` has read
it (one VCARD, version 3.0 or 4.0, at most ``MAX_CARD``), so a PUT answers with its ETag.
Refusals name the CardDAV precondition (section 6.3.2.1): valid-address-data,
supported-address-data, max-resource-size, no-uid-conflict."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from xml.etree.ElementTree import Element

from mailcore.calendar.access import Level
from mailcore.contacts import book
from mailcore.contacts.errors import ContactError, ContactErrorCode
from mailcore.contacts.vcard import MAX_CARD
from mailcore.core.models import Member, PersonalContact
from mailcore.dav import cards, contactsync, errors, paths, props
from mailcore.dav.cardquery import matches, parse_filter
from mailcore.dav.errors import DavError
from mailcore.dav.paths import Kind, Target
from mailcore.dav.xml import CARDDAV, CS, DAV, element, hrefs, response, tag

NAME = "个人联系人"
VALID_DATA = tag(CARDDAV, "valid-address-data")
SUPPORTED_DATA = tag(CARDDAV, "supported-address-data")
MAX_SIZE = tag(CARDDAV, "max-resource-size")
NO_UID_CONFLICT = tag(CARDDAV, "no-uid-conflict")
QUOTA = tag(DAV, "quota-not-exceeded")
TYPES = ("text/vcard", "text/x-vcard", "text/directory", "")

Answer = tuple[int, bytes, dict[str, str]]


def _card(contact: PersonalContact) -> cards.Card:
    return cards.Card(contact.resource, contact.vcard)


def book_props(member: Member) -> dict[str, props.Getter]:
    async def resourcetype() -> Element:
        return element(
            tag(DAV, "resourcetype"),
            None,
            element(tag(DAV, "collection")),
            element(tag(CARDDAV, "addressbook")),
        )

    async def name() -> Element:
        return element(tag(DAV, "displayname"), NAME)

    async def ctag() -> Element:
        return element(tag(CS, "getctag"), contactsync.ctag(await contactsync.entries(member.id)))

    async def token() -> Element:
        return element(tag(DAV, "sync-token"), await contactsync.current(member.id))

    async def privileges() -> Element:
        return props.privilege_set(Level.OWNER)

    async def reports() -> Element:
        names = [
            tag(CARDDAV, "addressbook-multiget"),
            tag(CARDDAV, "addressbook-query"),
            tag(DAV, "sync-collection"),
        ]
        return element(
            tag(DAV, "supported-report-set"),
            None,
            *[
                element(
                    tag(DAV, "supported-report"),
                    None,
                    element(tag(DAV, "report"), None, element(n)),
                )
                for n in names
            ],
        )

    async def data() -> Element:
        kinds = []
        for version in ("3.0", "4.0"):
            kind = element(tag(CARDDAV, "address-data-type"))
            kind.set("content-type", "text/vcard")
            kind.set("version", version)
            kinds.append(kind)
        return element(tag(CARDDAV, "supported-address-data"), None, *kinds)

    async def size() -> Element:
        return element(tag(CARDDAV, "max-resource-size"), str(MAX_CARD))

    async def owner() -> Element:
        return element(
            tag(DAV, "owner"), None, element(tag(DAV, "href"), paths.principal(member.email))
        )

    return {
        **props.common(member),
        tag(DAV, "resourcetype"): resourcetype,
        tag(DAV, "displayname"): name,
        tag(CS, "getctag"): ctag,
        tag(DAV, "sync-token"): token,
        tag(DAV, "current-user-privilege-set"): privileges,
        tag(DAV, "supported-report-set"): reports,
        tag(CARDDAV, "supported-address-data"): data,
        tag(CARDDAV, "max-resource-size"): size,
        tag(DAV, "owner"): owner,
    }


async def propfind(member: Member, target: Target, deep: bool) -> list[tuple[str, dict]]:
    if target.kind is Kind.CONTACT:
        contact = await _find(member, target.uid)
        return [(paths.contact(member.email, contact.resource), props.card(_card(contact)))]
    found: list[tuple[str, dict]] = [(paths.contacts(member.email), book_props(member))]
    if deep:
        for contact in await PersonalContact.filter(member_id=member.id).order_by("id"):
            found.append(
                (paths.contact(member.email, contact.resource), props.card(_card(contact)))
            )
    return found


async def _find(member: Member, resource: str) -> PersonalContact:
    found = await PersonalContact.filter(member_id=member.id, resource=resource).first()
    if found is None:
        raise DavError(404, "no such card")
    return found


async def report(
    member: Member, root: Element, wanted: list[str] | None
) -> tuple[list[Element], str | None]:
    """The responses of a report on the book, and the new sync token of a sync-collection."""
    if root.tag == tag(CARDDAV, "addressbook-multiget"):
        return await _multiget(member, hrefs(root), wanted), None
    if root.tag == tag(CARDDAV, "addressbook-query"):
        return await _query(member, root, wanted), None
    if root.tag == tag(DAV, "sync-collection"):
        return await _sync(member, root, wanted)
    raise DavError(403, "this report is not supported", tag(DAV, "supported-report"))


async def _answer(member: Member, contact: PersonalContact, wanted: list[str] | None) -> Element:
    values, missing = await props.answer(props.card(_card(contact)), wanted)
    return response(paths.contact(member.email, contact.resource), values, missing)


async def _multiget(member: Member, urls: list[str], wanted: list[str] | None) -> list[Element]:
    names: dict[str, str] = {}
    for url in dict.fromkeys(urls[:1000]):
        found = paths.resolve(url, member.email)
        key = found.uid if found is not None and found.kind is Kind.CONTACT else "\0" + url
        names[key] = url
    stored = {
        c.resource: c
        for c in await PersonalContact.filter(member_id=member.id, resource__in=list(names))
    }
    responses = []
    for name, url in names.items():
        contact = stored.get(name)
        if contact is None:
            responses.append(response(url, {}, status="404 Not Found"))
        else:
            values, missing = await props.answer(props.card(_card(contact)), wanted)
            responses.append(response(url, values, missing))
    return responses


async def _query(member: Member, root: Element, wanted: list[str] | None) -> list[Element]:
    condition, limit = parse_filter(root)
    found = await PersonalContact.filter(member_id=member.id).order_by("search_key", "id")
    if condition is not None:  # each card read with vobject: ~0.25 ms, off the event loop
        found = await asyncio.to_thread(lambda: [c for c in found if matches(condition, c.vcard)])
    if limit is not None:
        found = found[:limit]
    return [await _answer(member, contact, wanted) for contact in found]


async def _sync(
    member: Member, root: Element, wanted: list[str] | None
) -> tuple[list[Element], str]:
    node = root.find(tag(DAV, "sync-token"))
    token = (node.text or "").strip() if node is not None else ""
    changes = await contactsync.since(member.id, token)
    stored = {
        c.resource: c
        for c in await PersonalContact.filter(
            member_id=member.id, resource__in=changes.changed or [""]
        )
    }
    responses = [
        await _answer(member, stored[name], wanted) for name in changes.changed if name in stored
    ]
    for name in changes.deleted:
        responses.append(response(paths.contact(member.email, name), {}, status="404 Not Found"))
    return responses, changes.token


async def get(member: Member, target: Target) -> Answer:
    if target.kind is not Kind.CONTACT:
        raise DavError(405, "only cards are read with GET")
    contact = await _find(member, target.uid)
    headers = {"Content-Type": "text/vcard; charset=utf-8", "ETag": f'"{contact.etag}"'}
    return 200, contact.vcard.encode(), headers


def _preconditions(existing: PersonalContact | None, headers: Mapping[str, str]) -> None:
    """If-Match and If-None-Match (RFC 9110 section 13): 412 when they fail."""
    current = f'"{existing.etag}"' if existing is not None else None
    match = headers.get("if-match")
    if match is not None:
        tags = {t.strip() for t in match.split(",")}
        if current is None or ("*" not in tags and current not in tags):
            raise DavError(412, "the card changed (If-Match)")
    none_match = headers.get("if-none-match")
    if none_match is not None and current is not None:
        tags = {t.strip() for t in none_match.split(",")}
        if "*" in tags or current in tags:
            raise DavError(412, "the card exists (If-None-Match)")


async def put(member: Member, target: Target, headers: Mapping[str, str], body: bytes) -> Answer:
    if target.kind is not Kind.CONTACT:
        raise DavError(405, "only cards are written with PUT")
    existing = await PersonalContact.filter(member_id=member.id, resource=target.uid).first()
    _preconditions(existing, headers)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in TYPES:
        raise DavError(415, "cards are text/vcard", SUPPORTED_DATA)
    if len(body) > MAX_CARD:
        raise DavError(403, f"a card is at most {MAX_CARD} bytes", MAX_SIZE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DavError(400, "a card is UTF-8 text", VALID_DATA) from None
    try:
        stored = await book.put(member.id, target.uid, text, existing)
    except ContactError as exc:
        raise _refusal(exc) from None
    return (204 if existing is not None else 201), b"", {"ETag": f'"{stored.etag}"'}


def _refusal(exc: ContactError) -> DavError:
    if exc.code is ContactErrorCode.TOO_LARGE:
        return DavError(403, exc.message, MAX_SIZE)
    if exc.code is ContactErrorCode.CONFLICT:
        return DavError(409, exc.message, NO_UID_CONFLICT)
    if exc.code is ContactErrorCode.LIMIT_REACHED:
        return DavError(507, exc.message, QUOTA)
    if exc.field == "version":
        return DavError(403, exc.message, SUPPORTED_DATA)
    return DavError(400, exc.message, VALID_DATA)


async def delete(member: Member, target: Target, headers: Mapping[str, str]) -> Answer:
    if target.kind is not Kind.CONTACT:
        raise DavError(403, "the address book is not deleted over DAV", errors.NEED_PRIVILEGES)
    existing = await _find(member, target.uid)
    _preconditions(existing, headers)
    await existing.delete()
    return 204, b"", {}
