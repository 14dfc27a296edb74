"""The CalDAV methods: OPTIONS, PROPFIND, PROPPATCH (a calendar's name, colour and
description: ``collections.py``), REPORT (calendar-query, calendar-multiget,
sync-collection), GET/HEAD, PUT and DELETE of events and DELETE of one's own calendars;
the directory's read-only CardDAV book (PROPFIND, addressbook-multiget, GET); and the
member's own writable book of contacts (``contactbook.py``).

Each calendar is reached through ``calendars.visible`` (the levels of ``access.py``): one the
caller may not see is not found, a shared READ or FREEBUSY calendar refuses writes with 403
DAV:need-privileges, and events the caller may see only as busy (free/busy access, another
member's private event) are served with their times only and cannot be changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement

from tortoise.expressions import Q

from mailcore.calendar import calendars, events, ical
from mailcore.calendar.access import Caller, Level
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import CalendarEvent, Member
from mailcore.dav import (
    books,
    collections,
    contactbook,
    errors,
    objects,
    paths,
    props,
    schedule,
    sync,
)
from mailcore.dav.errors import DavError
from mailcore.dav.paths import Kind, Target
from mailcore.dav.xml import CALDAV, CARDDAV, DAV, BadXml, hrefs, multistatus, parse, response, tag
from mailcore.dav.xml import wanted_props as _wanted

ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, POST"
# calendar-auto-schedule: the server sends invitations and answers (RFC 6638 section 2),
# so clients do not mail them as well
DAV_CLASSES = "1, 3, access-control, calendar-access, calendar-auto-schedule, addressbook"
XML = "application/xml; charset=utf-8"


@dataclass
class Context:
    member: Member
    who: Caller
    time_zone: str  # the server's, for a default calendar made on first use


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


async def handle(
    ctx: Context, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> Reply:
    target = paths.resolve(path, ctx.member.email)
    if method == "OPTIONS":
        return Reply(200, headers={"Allow": ALLOW, "DAV": DAV_CLASSES})
    if target is None:
        raise DavError(404, "not found")
    try:
        if target.kind in (Kind.CONTACTS, Kind.CONTACT):
            return await _contacts(ctx, method, path, target, headers, body)
        if method == "MKCALENDAR":
            await collections.mkcalendar(ctx.who, target, parse(body), ctx.time_zone)
            return Reply(201)
        if method == "POST" and target.kind is Kind.OUTBOX:  # a free/busy request
            answer = await schedule.post(ctx.who, body)
            return Reply(200, answer, {"Content-Type": XML})
        if target.name:  # a calendar a client made, by the name it gave it
            target = await collections.named(ctx.who, target)
        if method == "PROPFIND":
            return await propfind(ctx, path, target, headers.get("depth", "1"), body)
        if method == "PROPPATCH":
            return await proppatch(ctx, path, target, body)
        if method == "REPORT":
            return await report(ctx, path, target, body)
        if method in ("GET", "HEAD"):
            reply = await get(ctx, target)
            return Reply(reply.status, b"" if method == "HEAD" else reply.body, reply.headers)
        if method == "PUT":
            return await put(ctx, target, headers, body)
        if method == "DELETE":
            return await delete(ctx, target, headers)
    except CalendarError as exc:
        raise errors.from_calendar(exc) from None
    except BadXml as exc:
        raise DavError(400, str(exc)) from None
    raise DavError(405, f"{method} is not supported here")


async def _contacts(
    ctx: Context, method: str, path: str, target: Target, headers: Mapping[str, str], body: bytes
) -> Reply:
    """The personal address book (``contactbook.py``)."""
    member = ctx.member
    if method == "PROPFIND":
        deep = headers.get("depth", "1").strip() != "0"
        wanted = _wanted(parse(body))
        responses = []
        for url, getters in await contactbook.propfind(member, target, deep):
            values, missing = await props.answer(getters, wanted)
            responses.append(response(url, values, missing))
        return _multistatus(responses)
    if method == "PROPPATCH":
        return await proppatch(ctx, path, target, body)
    if method == "REPORT":
        root = parse(body)
        if root is None:
            raise BadXml("a REPORT needs a body")
        if target.kind is not Kind.CONTACTS:
            raise DavError(403, "reports are made on the book", tag(DAV, "supported-report"))
        found, token = await contactbook.report(member, root, _wanted(root))
        return _multistatus(found, token)
    if method in ("GET", "HEAD"):
        status, content, answer = await contactbook.get(member, target)
        return Reply(status, b"" if method == "HEAD" else content, answer)
    if method == "PUT":
        return Reply(*await contactbook.put(member, target, headers, body))
    if method == "DELETE":
        return Reply(*await contactbook.delete(member, target, headers))
    raise DavError(405, f"{method} is not supported here")


async def _shown(ctx: Context, calendar_id: int) -> props.Shown:
    calendar, level = await calendars.visible(ctx.who, calendar_id, Level.FREEBUSY)
    listed = await calendars.my_calendars(ctx.who, ctx.time_zone)
    color = next((i.color for i in listed if i.calendar.id == calendar.id), calendar.color)
    return props.Shown(calendar, level, color)


async def _listed(ctx: Context) -> list[props.Shown]:
    return [
        props.Shown(i.calendar, i.level, i.color)
        for i in await calendars.my_calendars(ctx.who, ctx.time_zone)
    ]


async def propfind(ctx: Context, path: str, target: Target, depth: str, body: bytes) -> Reply:
    wanted = _wanted(parse(body))
    deep = depth.strip() != "0"
    found: list[tuple[str, dict[str, props.Getter]]] = []
    member = ctx.member
    if target.kind is Kind.ROOT:
        found.append((paths.ROOT, props.root(member)))
        if deep:
            found.append((paths.principal(member.email), props.principal(member)))
    elif target.kind is Kind.PRINCIPAL:
        found.append((paths.principal(member.email), props.principal(member)))
    elif target.kind in (Kind.BOOKS, Kind.BOOK, Kind.CARD):
        found.extend(await books.propfind(ctx.member, ctx.who.enterprise_id, target, deep))
    elif target.kind is Kind.HOME:
        found.append((paths.home(member.email), props.home(member)))
        if deep:
            for shown in await _listed(ctx):
                url = paths.calendar(member.email, _segment(ctx, shown))
                found.append((url, props.calendar(member, shown)))
    elif target.kind in (Kind.INBOX, Kind.OUTBOX):
        found.append((path, schedule.props(target.kind)))
    elif target.kind is Kind.CALENDAR:
        shown = await _shown(ctx, target.calendar_id)
        found.append(
            (
                paths.calendar(member.email, _segment(ctx, shown)),
                props.calendar(member, shown),
            )
        )
        if deep:
            for event in await CalendarEvent.filter(calendar_id=shown.calendar.id).order_by("id"):
                found.append(_event(ctx, shown, event))
    else:
        shown = await _shown(ctx, target.calendar_id)
        event = await _find(shown, target.uid)
        found.append(_event(ctx, shown, event))
    responses = []
    for url, getters in found:
        values, missing = await props.answer(getters, wanted)
        responses.append(response(url, values, missing))
    return _multistatus(responses)


def _event(ctx: Context, shown: props.Shown, event: CalendarEvent) -> tuple[str, dict]:
    masked = objects.busy_only(ctx.who, shown.level, event)
    url = paths.event(ctx.member.email, _segment(ctx, shown), event.uid)
    return url, props.event(event, masked)


def _segment(ctx: Context, shown: props.Shown) -> int | str:
    return collections.segment(shown.calendar, ctx.who.member_id)


async def _find(shown: props.Shown, uid: str) -> CalendarEvent:
    event = await CalendarEvent.filter(calendar_id=shown.calendar.id, uid=uid).first()
    if event is None:
        raise DavError(404, "no such event")
    return event


async def proppatch(ctx: Context, path: str, target: Target, body: bytes) -> Reply:
    """A calendar's name, colour and description: ``collections.proppatch``. Elsewhere each
    property asked for is refused (403) in a multistatus, which clients take as "not
    changed"."""
    root = parse(body)
    if target.kind is Kind.CALENDAR:
        return _multistatus([await collections.proppatch(ctx.who, path, target.calendar_id, root)])
    if root is None or root.tag != tag(DAV, "propertyupdate"):
        raise BadXml("a PROPPATCH body is a propertyupdate")
    names = [child.tag for prop in root.iter(tag(DAV, "prop")) for child in prop]
    node = response(path, {}, [])
    if names:
        propstat = SubElement(node, tag(DAV, "propstat"))
        prop = SubElement(propstat, tag(DAV, "prop"))
        for name in names:
            SubElement(prop, name)
        SubElement(propstat, tag(DAV, "status")).text = "HTTP/1.1 403 Forbidden"
    return _multistatus([node])


async def report(ctx: Context, path: str, target: Target, body: bytes) -> Reply:
    root = parse(body)
    if root is None:
        raise BadXml("a REPORT needs a body")
    if target.kind is Kind.BOOK and root.tag == tag(CARDDAV, "addressbook-multiget"):
        found = await books.multiget(ctx.member, ctx.who.enterprise_id, hrefs(root), _wanted(root))
        return _multistatus(found)
    if target.kind is not Kind.CALENDAR:
        raise DavError(403, "this report is not supported here", tag(DAV, "supported-report"))
    shown = await _shown(ctx, target.calendar_id)
    wanted = _wanted(root)
    if root.tag == tag(CALDAV, "calendar-multiget"):
        return await _multiget(ctx, shown, root, wanted)
    if root.tag == tag(CALDAV, "calendar-query"):
        return await _query(ctx, shown, root, wanted)
    if root.tag == tag(DAV, "sync-collection"):
        return await _sync(ctx, shown, root, wanted)
    raise DavError(403, "this report is not supported", tag(DAV, "supported-report"))


async def _multiget(
    ctx: Context, shown: props.Shown, root: Element, wanted: list[str] | None
) -> Reply:
    uids: dict[str, str] = {}
    for url in hrefs(root)[:1000]:
        found = paths.resolve(url, ctx.member.email)
        if (
            found is not None
            and found.kind is Kind.EVENT
            and found.calendar_id == shown.calendar.id
        ):
            uids[found.uid] = url
        else:
            uids.setdefault("\0" + url, url)
    stored = {
        e.uid: e
        for e in await CalendarEvent.filter(calendar_id=shown.calendar.id, uid__in=list(uids))
    }
    responses = []
    for uid, url in uids.items():
        event = stored.get(uid)
        if event is None:
            responses.append(response(url, {}, status="404 Not Found"))
            continue
        _, getters = _event(ctx, shown, event)
        values, missing = await props.answer(getters, wanted)
        responses.append(response(url, values, missing))
    return _multistatus(responses)


async def _query(
    ctx: Context, shown: props.Shown, root: Element, wanted: list[str] | None
) -> Reply:
    start, end, component = _filter(root)
    responses = []
    if component != "VEVENT":
        return _multistatus(responses)
    query = CalendarEvent.filter(calendar_id=shown.calendar.id)
    if start is not None or end is not None:
        start, end = start or ical.EARLIEST, end or ical.LATEST
        if end <= start:
            return _multistatus(responses)
        query = query.filter(Q(until_at=None) | Q(until_at__gt=start), start_at__lt=end)
    for event in await query.order_by("start_at", "id"):
        if start is not None and end is not None:
            if not ical.occurrences(ical.read(event.ical), start, end, 1):
                continue
        url, getters = _event(ctx, shown, event)
        values, missing = await props.answer(getters, wanted)
        responses.append(response(url, values, missing))
    return _multistatus(responses)


def _filter(root: Element) -> tuple[datetime | None, datetime | None, str]:
    """The component asked for (VEVENT, VTODO, ...) and its time range, if any."""
    outer = root.find(f"{tag(CALDAV, 'filter')}/{tag(CALDAV, 'comp-filter')}")
    if outer is None or outer.get("name", "").upper() != "VCALENDAR":
        raise DavError(403, "a calendar-query filters VCALENDAR", tag(CALDAV, "valid-filter"))
    inner = outer.find(tag(CALDAV, "comp-filter"))
    if inner is None:
        return None, None, "VEVENT"
    span = inner.find(tag(CALDAV, "time-range"))
    if span is None:
        return None, None, inner.get("name", "").upper()
    return _moment(span.get("start")), _moment(span.get("end")), inner.get("name", "").upper()


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise DavError(403, f"not a UTC time: {value[:40]}", tag(CALDAV, "valid-filter")) from None
    return min(max(moment, ical.EARLIEST), ical.LATEST)


async def _sync(ctx: Context, shown: props.Shown, root: Element, wanted: list[str] | None) -> Reply:
    node = root.find(tag(DAV, "sync-token"))
    token = (node.text or "").strip() if node is not None else ""
    changes = await sync.since(shown.calendar, shown.level, token)
    stored = {
        e.uid: e
        for e in await CalendarEvent.filter(
            calendar_id=shown.calendar.id, uid__in=changes.changed or [""]
        )
    }
    responses = []
    for uid in changes.changed:
        event = stored.get(uid)
        if event is None:  # deleted since it was read: the next sync reports it
            continue
        url, getters = _event(ctx, shown, event)
        values, missing = await props.answer(getters, wanted)
        responses.append(response(url, values, missing))
    for uid in changes.deleted:
        url = paths.event(ctx.member.email, _segment(ctx, shown), uid)
        responses.append(response(url, {}, status="404 Not Found"))
    return _multistatus(responses, changes.token)


async def get(ctx: Context, target: Target) -> Reply:
    if target.kind is Kind.CARD:
        card = await books.card(ctx.who.enterprise_id, target.uid)
        headers = {"Content-Type": "text/vcard; charset=utf-8", "ETag": f'"{card.etag}"'}
        return Reply(200, card.text.encode(), headers)
    if target.kind is not Kind.EVENT:
        raise DavError(405, "only events are read with GET")
    shown = await _shown(ctx, target.calendar_id)
    event = await _find(shown, target.uid)
    masked = objects.busy_only(ctx.who, shown.level, event)
    return Reply(
        200,
        objects.text(event, masked).encode(),
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "ETag": f'"{objects.etag(event, masked)}"',
        },
    )


async def put(ctx: Context, target: Target, headers: Mapping[str, str], body: bytes) -> Reply:
    books.read_only(target)
    if target.kind is not Kind.EVENT:
        raise DavError(405, "only events are written with PUT")
    shown = await _writable(ctx, target.calendar_id)
    existing = await CalendarEvent.filter(calendar_id=shown.calendar.id, uid=target.uid).first()
    _preconditions(ctx, shown, existing, headers)
    content_type = headers.get("content-type", "text/calendar").split(";")[0].strip().lower()
    if content_type not in ("text/calendar", ""):
        raise DavError(415, "events are text/calendar", tag(CALDAV, "supported-calendar-data"))
    data = objects.parse(body, target.uid)
    await objects.check(data)
    await objects.put(ctx.who, shown.calendar.id, data, existing, shown.calendar.time_zone)
    # no ETag: the object is stored as this server writes it, not byte for byte (RFC 4791
    # section 5.3.4); clients read it again
    return Reply(204 if existing is not None else 201)


async def delete(ctx: Context, target: Target, headers: Mapping[str, str]) -> Reply:
    books.read_only(target)
    if target.kind is Kind.CALENDAR:  # one of the member's own calendars, with its events
        await collections.delete(ctx.who, target.calendar_id)
        return Reply(204)
    if target.kind is not Kind.EVENT:
        raise DavError(403, "only calendars and events are deleted", errors.NEED_PRIVILEGES)
    shown = await _writable(ctx, target.calendar_id)
    existing = await _find(shown, target.uid)
    _preconditions(ctx, shown, existing, headers)
    await events.delete(ctx.who, existing.id)
    return Reply(204)


async def _writable(ctx: Context, calendar_id: int) -> props.Shown:
    shown = await _shown(ctx, calendar_id)
    if shown.level < Level.EDIT:
        raise DavError(403, "this calendar is read-only for you", errors.NEED_PRIVILEGES)
    return shown


def _preconditions(
    ctx: Context, shown: props.Shown, existing: CalendarEvent | None, headers: Mapping[str, str]
) -> None:
    """If-Match and If-None-Match (RFC 9110 section 13): 412 when they fail."""
    if existing is not None and objects.busy_only(ctx.who, shown.level, existing):
        raise DavError(403, "this event is private", errors.NEED_PRIVILEGES)
    current = f'"{existing.etag}"' if existing is not None else None
    match = headers.get("if-match")
    if match is not None:
        tags = {t.strip() for t in match.split(",")}
        if current is None or ("*" not in tags and current not in tags):
            raise DavError(412, "the event changed (If-Match)")
    none_match = headers.get("if-none-match")
    if none_match is not None and current is not None:
        tags = {t.strip() for t in none_match.split(",")}
        if "*" in tags or current in tags:
            raise DavError(412, "the event exists (If-None-Match)")


def _multistatus(responses: list[Element], token: str | None = None) -> Reply:
    return Reply(207, multistatus(responses, token), {"Content-Type": XML})
