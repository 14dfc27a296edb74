"""Calendars as DAV collections: MKCALENDAR (RFC 4791 5.3.1) of a new calendar with its
name, colour and description; PROPPATCH of a calendar's name (DAV:displayname), colour
(Apple's calendar-color) and description (CALDAV:calendar-description); DELETE of a
calendar — changes only on the member's own personal calendars, through the same services
as the web app (``calendars.create`` / ``update`` / ``delete``).

A calendar made by a client lives at the URL the client chose
(``/dav/calendars/<me>/<its name>/``, kept in ``Calendar.dav_name``; Apple and Thunderbird
choose a UUID), the others at their id.

A PROPPATCH is all or nothing (RFC 4918 9.2): when one property cannot be set (another
property, a calendar shared with the member, a value refused), that one answers 403 or 409
and the others 424 Failed Dependency, and nothing changes."""

from __future__ import annotations

import dataclasses
from xml.etree.ElementTree import Element, SubElement

from mailcore.calendar import calendars
from mailcore.calendar.access import Caller, Level
from mailcore.calendar.calendars import CalendarChanges
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import Calendar, CalendarKind
from mailcore.dav.errors import NEED_PRIVILEGES, DavError
from mailcore.dav.paths import Kind, Target
from mailcore.dav.xml import APPLE, CALDAV, DAV, BadXml, response, tag

SETTABLE = {
    tag(DAV, "displayname"): "name",
    tag(APPLE, "calendar-color"): "color",
    tag(CALDAV, "calendar-description"): "description",
}
STATUS = {
    200: "HTTP/1.1 200 OK",
    403: "HTTP/1.1 403 Forbidden",
    409: "HTTP/1.1 409 Conflict",
    424: "HTTP/1.1 424 Failed Dependency",
}


async def proppatch(who: Caller, path: str, calendar_id: int, root: Element | None) -> Element:
    """The multistatus response of a PROPPATCH of the calendar (see the module docstring)."""
    if root is None or root.tag != tag(DAV, "propertyupdate"):
        raise BadXml("a PROPPATCH body is a propertyupdate")
    wanted: list[tuple[str, str | None]] = []  # (property, value; None: remove)
    for action in root:
        if action.tag not in (tag(DAV, "set"), tag(DAV, "remove")):
            continue
        for prop in action.iter(tag(DAV, "prop")):
            for child in prop:
                value = (child.text or "").strip() if action.tag == tag(DAV, "set") else None
                wanted.append((child.tag, value))
    own = await _own(who, calendar_id)
    failed: dict[str, int] = {}
    changes = CalendarChanges()
    for name, value in wanted:
        field = SETTABLE.get(name)
        if field is None or own is None:
            failed[name] = 403  # not ours to set, or a calendar shared with the member
        elif field == "name" and not value:
            failed[name] = 409  # a calendar keeps a name
        else:
            setattr(changes, field, _color(value) if field == "color" else value or "")
    if wanted and not failed:
        try:
            await calendars.update(who, calendar_id, changes)
        except CalendarError as exc:  # a value refused: the property at fault
            at_fault = {n: 409 for n, _ in wanted if SETTABLE[n] == exc.field}
            failed = at_fault or {n: 409 for n, _ in wanted}
    node = response(path, {}, [])
    for name, _ in wanted:
        status = failed.get(name, 424 if failed else 200)
        propstat = SubElement(node, tag(DAV, "propstat"))
        SubElement(SubElement(propstat, tag(DAV, "prop")), name)
        SubElement(propstat, tag(DAV, "status")).text = STATUS[status]
    return node


def segment(calendar: Calendar, member_id: int) -> int | str:
    """What names the calendar in the member's URLs: the name their client gave it, else
    (anyone else's calendar) the id, which also still works for their own."""
    own = calendar.owner_id == member_id  # type: ignore[attr-defined]
    return calendar.dav_name if calendar.dav_name and own else calendar.id


async def named(who: Caller, target: Target) -> Target:
    """The target with the id of the member's calendar of that client-given name."""
    found = await Calendar.filter(owner_id=who.member_id, dav_name=target.name).first()
    if found is None:
        raise DavError(404, "no such calendar")
    return dataclasses.replace(target, calendar_id=found.id, name="")


async def mkcalendar(who: Caller, target: Target, root: Element | None, time_zone: str) -> None:
    """A new calendar of the member's at the URL the client chose, with the name, colour and
    description the request sets (a calendar there already: 405)."""
    if target.kind is not Kind.CALENDAR or not target.name:
        raise DavError(403, "a new calendar is made in your calendar home, under a name")
    if root is not None and root.tag != tag(CALDAV, "mkcalendar"):
        raise BadXml("a MKCALENDAR body is a mkcalendar")
    if await Calendar.filter(owner_id=who.member_id, dav_name=target.name).exists():
        raise DavError(405, "a calendar exists there")
    values: dict[str, str] = {}
    for prop in root.iter(tag(DAV, "prop")) if root is not None else ():
        for child in prop:
            field = SETTABLE.get(child.tag)
            if field is not None:
                values[field] = (child.text or "").strip()
    try:
        made = await calendars.create(
            who,
            values.get("name") or target.name,
            _color(values.get("color")),
            values.get("description", ""),
            time_zone,
        )
    except CalendarError as exc:
        raise DavError(403, exc.message, tag(DAV, "valid-resourcetype")) from None
    made.dav_name = target.name
    await made.save(update_fields=["dav_name"])


async def delete(who: Caller, calendar_id: int) -> None:
    """Delete one of the member's own calendars with its events (not the default one)."""
    if await _own(who, calendar_id) is None:
        raise DavError(403, "only your own calendars are deleted", NEED_PRIVILEGES)
    try:
        await calendars.delete(who, calendar_id)
    except CalendarError as exc:
        raise DavError(403, exc.message, NEED_PRIVILEGES) from None


async def _own(who: Caller, calendar_id: int) -> Calendar | None:
    """The calendar when it is the member's own personal one (NOT_FOUND when not visible)."""
    calendar, level = await calendars.visible(who, calendar_id, Level.FREEBUSY)
    if level is Level.OWNER and calendar.kind == CalendarKind.PERSONAL:
        return calendar
    return None


def _color(value: str | None) -> str:
    """Apple writes ``#RRGGBBAA``; we keep ``#rrggbb``."""
    text = (value or "").strip()
    return text[:7] if len(text) == 9 and text.startswith("#") else text
