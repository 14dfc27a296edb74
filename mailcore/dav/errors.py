"""A refused DAV request: the HTTP status, and the precondition (RFC 4791 section 5.3.2.1,
RFC 4918 section 16, RFC 6578) named in the ``DAV:error`` body where one is defined."""

from __future__ import annotations

from mailcore.calendar.errors import CalendarError, CalendarErrorCode
from mailcore.dav.xml import CALDAV, DAV, tag

VALID_DATA = tag(CALDAV, "valid-calendar-data")
VALID_OBJECT = tag(CALDAV, "valid-calendar-object-resource")
SUPPORTED_COMPONENT = tag(CALDAV, "supported-calendar-component")
MAX_SIZE = tag(CALDAV, "max-resource-size")
MAX_ATTENDEES = tag(CALDAV, "max-attendees-per-instance")
NO_UID_CONFLICT = tag(CALDAV, "no-uid-conflict")
NEED_PRIVILEGES = tag(DAV, "need-privileges")
VALID_SYNC_TOKEN = tag(DAV, "valid-sync-token")


class DavError(Exception):
    def __init__(self, status: int, message: str, condition: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.condition = condition


def from_calendar(exc: CalendarError) -> DavError:
    """A calendar service's refusal: not found stays not found (no hint that it exists)."""
    if exc.code is CalendarErrorCode.NOT_FOUND:
        return DavError(404, exc.message)
    if exc.code is CalendarErrorCode.FORBIDDEN:
        return DavError(403, exc.message, NEED_PRIVILEGES)
    return DavError(403, f"{exc.field}: {exc.message}", VALID_OBJECT)
