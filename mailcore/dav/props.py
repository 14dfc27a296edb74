"""The WebDAV properties of each kind of resource, as CalDAV clients ask for them: the
principal (RFC 5397, RFC 4791 section 6.2.1), the calendar home, a calendar (with the
Apple colour and the CalendarServer ctag that Apple Calendar and DAVx⁵ read) and an event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from mailcore.calendar.access import Level
from mailcore.core.models import Calendar, CalendarEvent, Member
from mailcore.dav import cards, objects, paths, sync
from mailcore.dav.xml import APPLE, CALDAV, CARDDAV, CS, DAV, element, href, tag

Getter = Callable[[], Awaitable[Element | None]]


@dataclass
class Shown:
    """A calendar with the caller's level on it and their colour for it."""

    calendar: Calendar
    level: Level
    color: str


def _value(name: str, *children: Element, text: str | None = None) -> Element:
    return element(name, text, *children)


def common(member: Member) -> dict[str, Getter]:
    async def principal() -> Element:
        return _value(tag(DAV, "current-user-principal"), href(paths.principal(member.email)))

    return {tag(DAV, "current-user-principal"): principal}


def root(member: Member) -> dict[str, Getter]:
    async def resourcetype() -> Element:
        return _value(tag(DAV, "resourcetype"), element(tag(DAV, "collection")))

    return {**common(member), tag(DAV, "resourcetype"): resourcetype}


def principal(member: Member) -> dict[str, Getter]:
    async def resourcetype() -> Element:
        return _value(
            tag(DAV, "resourcetype"),
            element(tag(DAV, "collection")),
            element(tag(DAV, "principal")),
        )

    async def url() -> Element:
        return _value(tag(DAV, "principal-URL"), href(paths.principal(member.email)))

    async def name() -> Element:
        return _value(tag(DAV, "displayname"), text=member.name or member.email)

    async def home() -> Element:
        return _value(tag(CALDAV, "calendar-home-set"), href(paths.home(member.email)))

    async def addresses() -> Element:
        return _value(tag(CALDAV, "calendar-user-address-set"), href(f"mailto:{member.email}"))

    async def books() -> Element:
        return _value(tag(CARDDAV, "addressbook-home-set"), href(paths.books(member.email)))

    async def inbox() -> Element:  # RFC 6638 2.2
        return _value(tag(CALDAV, "schedule-inbox-URL"), href(paths.inbox(member.email)))

    async def outbox() -> Element:  # RFC 6638 2.1
        return _value(tag(CALDAV, "schedule-outbox-URL"), href(paths.outbox(member.email)))

    return {
        **common(member),
        tag(DAV, "resourcetype"): resourcetype,
        tag(DAV, "principal-URL"): url,
        tag(DAV, "displayname"): name,
        tag(CALDAV, "calendar-home-set"): home,
        tag(CALDAV, "calendar-user-address-set"): addresses,
        tag(CALDAV, "schedule-inbox-URL"): inbox,
        tag(CALDAV, "schedule-outbox-URL"): outbox,
        tag(CARDDAV, "addressbook-home-set"): books,
    }


def home(member: Member) -> dict[str, Getter]:
    async def resourcetype() -> Element:
        return _value(tag(DAV, "resourcetype"), element(tag(DAV, "collection")))

    async def privileges() -> Element:
        return privilege_set(Level.READ)

    return {
        **common(member),
        tag(DAV, "resourcetype"): resourcetype,
        tag(DAV, "current-user-privilege-set"): privileges,
        tag(DAV, "owner"): _owner(member),
    }


def _owner(member: Member) -> Getter:
    async def owner() -> Element:
        return _value(tag(DAV, "owner"), href(paths.principal(member.email)))

    return owner


def privilege_set(level: Level) -> Element:
    """READ (and FREEBUSY: every event busy-only) reads; EDIT and OWNER also write events."""
    names = [
        tag(DAV, "read"),
        tag(DAV, "read-current-user-privilege-set"),
        tag(CALDAV, "read-free-busy"),
    ]
    if level >= Level.EDIT:
        names += [
            tag(DAV, "write"),
            tag(DAV, "write-content"),
            tag(DAV, "bind"),
            tag(DAV, "unbind"),
        ]
    return _value(
        tag(DAV, "current-user-privilege-set"),
        *[element(tag(DAV, "privilege"), None, element(n)) for n in names],
    )


def calendar(member: Member, shown: Shown) -> dict[str, Getter]:
    found = shown.calendar

    async def resourcetype() -> Element:
        return _value(
            tag(DAV, "resourcetype"),
            element(tag(DAV, "collection")),
            element(tag(CALDAV, "calendar")),
        )

    async def name() -> Element:
        return _value(tag(DAV, "displayname"), text=found.name)

    async def color() -> Element:
        return _value(tag(APPLE, "calendar-color"), text=shown.color)

    async def description() -> Element:
        return _value(tag(CALDAV, "calendar-description"), text=found.description)

    async def components() -> Element:
        vevent = element(tag(CALDAV, "comp"))
        vevent.set("name", "VEVENT")
        return _value(tag(CALDAV, "supported-calendar-component-set"), vevent)

    async def data() -> Element:
        kind = element(tag(CALDAV, "calendar-data"))
        kind.set("content-type", "text/calendar")
        kind.set("version", "2.0")
        return _value(tag(CALDAV, "supported-calendar-data"), kind)

    async def ctag() -> Element:
        return _value(tag(CS, "getctag"), text=sync.ctag(found, shown.level))

    async def token() -> Element:
        return _value(tag(DAV, "sync-token"), text=await sync.current(found, shown.level))

    async def privileges() -> Element:
        return privilege_set(shown.level)

    async def reports() -> Element:
        names = [
            tag(CALDAV, "calendar-query"),
            tag(CALDAV, "calendar-multiget"),
            tag(DAV, "sync-collection"),
        ]
        return _value(
            tag(DAV, "supported-report-set"),
            *[
                element(
                    tag(DAV, "supported-report"),
                    None,
                    element(tag(DAV, "report"), None, element(n)),
                )
                for n in names
            ],
        )

    async def size() -> Element:
        return _value(tag(CALDAV, "max-resource-size"), text=str(objects.MAX_OBJECT))

    async def zone() -> Element:
        return _value(tag(CALDAV, "calendar-timezone-id"), text=found.time_zone)

    getters: dict[str, Getter] = {
        **common(member),
        tag(DAV, "resourcetype"): resourcetype,
        tag(DAV, "displayname"): name,
        tag(APPLE, "calendar-color"): color,
        tag(CALDAV, "calendar-description"): description,
        tag(CALDAV, "supported-calendar-component-set"): components,
        tag(CALDAV, "supported-calendar-data"): data,
        tag(CS, "getctag"): ctag,
        tag(DAV, "sync-token"): token,
        tag(DAV, "current-user-privilege-set"): privileges,
        tag(DAV, "supported-report-set"): reports,
        tag(CALDAV, "max-resource-size"): size,
        tag(CALDAV, "calendar-timezone-id"): zone,
    }
    if found.owner_id == member.id:  # type: ignore[attr-defined]
        getters[tag(DAV, "owner")] = _owner(member)
    return getters


def event(event: CalendarEvent, masked: bool) -> dict[str, Getter]:
    async def etag() -> Element:
        return _value(tag(DAV, "getetag"), text=f'"{objects.etag(event, masked)}"')

    async def content_type() -> Element:
        return _value(
            tag(DAV, "getcontenttype"), text="text/calendar; charset=utf-8; component=vevent"
        )

    async def resourcetype() -> Element:
        return _value(tag(DAV, "resourcetype"))

    async def data() -> Element:
        return _value(tag(CALDAV, "calendar-data"), text=objects.text(event, masked))

    return {
        tag(DAV, "getetag"): etag,
        tag(DAV, "getcontenttype"): content_type,
        tag(DAV, "resourcetype"): resourcetype,
        tag(CALDAV, "calendar-data"): data,
    }


def book(member: Member, found: dict[str, cards.Card]) -> dict[str, Getter]:
    """The directory's address book: read by every member, changed by none over DAV."""

    async def resourcetype() -> Element:
        return _value(
            tag(DAV, "resourcetype"),
            element(tag(DAV, "collection")),
            element(tag(CARDDAV, "addressbook")),
        )

    async def name() -> Element:
        return _value(tag(DAV, "displayname"), text=cards.BOOK_NAME)

    async def ctag() -> Element:
        return _value(tag(CS, "getctag"), text=cards.ctag(found))

    async def privileges() -> Element:
        return privilege_set(Level.READ)

    async def reports() -> Element:
        multiget = element(tag(CARDDAV, "addressbook-multiget"))
        return _value(
            tag(DAV, "supported-report-set"),
            element(
                tag(DAV, "supported-report"), None, element(tag(DAV, "report"), None, multiget)
            ),
        )

    async def data() -> Element:
        kind = element(tag(CARDDAV, "address-data-type"))
        kind.set("content-type", "text/vcard")
        kind.set("version", "3.0")
        return _value(tag(CARDDAV, "supported-address-data"), kind)

    return {
        **common(member),
        tag(DAV, "resourcetype"): resourcetype,
        tag(DAV, "displayname"): name,
        tag(CS, "getctag"): ctag,
        tag(DAV, "current-user-privilege-set"): privileges,
        tag(DAV, "supported-report-set"): reports,
        tag(CARDDAV, "supported-address-data"): data,
    }


def card(found: cards.Card) -> dict[str, Getter]:
    async def etag() -> Element:
        return _value(tag(DAV, "getetag"), text=f'"{found.etag}"')

    async def content_type() -> Element:
        return _value(tag(DAV, "getcontenttype"), text="text/vcard; charset=utf-8")

    async def resourcetype() -> Element:
        return _value(tag(DAV, "resourcetype"))

    async def data() -> Element:
        return _value(tag(CARDDAV, "address-data"), text=found.text)

    return {
        tag(DAV, "getetag"): etag,
        tag(DAV, "getcontenttype"): content_type,
        tag(DAV, "resourcetype"): resourcetype,
        tag(CARDDAV, "address-data"): data,
    }


# What ``allprop`` answers (RFC 4918: not the costly ones, such as calendar-data)
ALL = {
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
    tag(DAV, "getetag"),
    tag(DAV, "getcontenttype"),
    tag(DAV, "current-user-principal"),
    tag(CS, "getctag"),
    tag(APPLE, "calendar-color"),
}


async def answer(getters: dict[str, Getter], wanted: list[str] | None) -> tuple[dict, list[str]]:
    """The values of the properties asked for (``None``: allprop), and those missing."""
    names = [n for n in getters if n in ALL] if wanted is None else wanted
    found: dict[str, Element] = {}
    missing: list[str] = []
    for name in names:
        getter = getters.get(name)
        value = await getter() if getter is not None else None
        if value is None:
            missing.append(name)
        else:
            found[name] = value
    return found, missing
