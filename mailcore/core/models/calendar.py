"""Calendar models (U7, issue 19): calendars, who they are shared with, who shows them, and
events stored as iCalendar data with the columns a time-range query needs."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CalendarKind(StrEnum):
    PERSONAL = "personal"  # a member's own
    COMPANY = "company"  # the enterprise's: every member reads it, administrators edit it
    ROOM = "room"  # a meeting room's or resource's bookings (``MeetingRoom``)


class CalendarAccess(StrEnum):
    """What a share gives, weakest first (``ACCESS_ORDER``)."""

    FREEBUSY = "freebusy"  # when its events are, not what they are
    READ = "read"
    EDIT = "edit"


class EventPrivacy(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"  # others who may read the calendar see only that the time is busy


class Calendar(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="calendars", on_delete=fields.CASCADE
    )
    owner: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="calendars", null=True, on_delete=fields.CASCADE
    )  # None: a company calendar
    kind = fields.CharEnumField(CalendarKind, max_length=16, default=CalendarKind.PERSONAL)
    name = fields.CharField(max_length=200)
    color = fields.CharField(max_length=16, default="#1677ff")
    description = fields.TextField(default="")
    time_zone = fields.CharField(max_length=64, default="Asia/Shanghai")
    # The member whose default calendar this is (one each: unique; None for the others).
    default_of = fields.IntField(null=True, unique=True)
    # Raised by every change to the calendar's events (CalDAV's sync token and ctag).
    version = fields.BigIntField(default=0)
    # The name a CalDAV client gave the calendar it made (MKCALENDAR): its URL segment in
    # place of the id ("": none).
    dav_name = fields.CharField(max_length=64, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar"
        indexes = (("owner_id",), ("enterprise_id", "kind"))


class CalendarShare(Model):
    """A calendar shared with one member or one department (and its sub-departments)."""

    id = fields.IntField(primary_key=True)
    calendar: fields.ForeignKeyRelation[Calendar] = fields.ForeignKeyField(
        "qiyou.Calendar", related_name="shares", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="calendar_shares", null=True, on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Department", related_name="calendar_shares", null=True, on_delete=fields.CASCADE
    )
    access = fields.CharEnumField(CalendarAccess, max_length=16, default=CalendarAccess.READ)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_share"
        indexes = (("calendar_id",), ("member_id",), ("department_id",))


class CalendarSubscription(Model):
    """A calendar that is not the member's own shown in their list (shared or company)."""

    id = fields.IntField(primary_key=True)
    calendar: fields.ForeignKeyRelation[Calendar] = fields.ForeignKeyField(
        "qiyou.Calendar", related_name="subscriptions", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="calendar_subscriptions", on_delete=fields.CASCADE
    )
    color = fields.CharField(max_length=16, default="")  # "": the calendar's own

    class Meta:
        table = "calendar_subscription"
        unique_together = (("member", "calendar"),)


class CalendarEvent(Model):
    """One event (a series with its changed occurrences) as one iCalendar object, the form
    CalDAV serves, plus what a time-range query filters on, in UTC."""

    id = fields.BigIntField(primary_key=True)
    calendar: fields.ForeignKeyRelation[Calendar] = fields.ForeignKeyField(
        "qiyou.Calendar", related_name="events", on_delete=fields.CASCADE
    )
    uid = fields.CharField(max_length=255)
    ical = fields.TextField()  # VCALENDAR with the master VEVENT and its overrides
    summary = fields.TextField(default="")
    start_at = fields.DatetimeField()  # the first occurrence's start
    # The last occurrence's end; None: a recurrence without an end.
    until_at = fields.DatetimeField(null=True)
    all_day = fields.BooleanField(default=False)
    recurring = fields.BooleanField(default=False)
    privacy = fields.CharEnumField(EventPrivacy, max_length=16, default=EventPrivacy.PUBLIC)
    sequence = fields.IntField(default=0)
    etag = fields.CharField(max_length=64)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="created_events", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "calendar_event"
        unique_together = (("calendar", "uid"),)
        # uid: a meeting's copies in its attendees' calendars (mailcore/calendar/invitations.py)
        indexes = (("calendar_id", "start_at"), ("uid",))


class CalendarReminderSent(Model):
    """A reminder that went out: one row per event, occurrence and alarm, so a reminder is
    sent once even when its outbox job is done twice (two processes, a crash, a restart)."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[CalendarEvent] = fields.ForeignKeyField(
        "qiyou.CalendarEvent", related_name="reminders_sent", on_delete=fields.CASCADE
    )
    occurrence_at = fields.DatetimeField()
    alarm = fields.SmallIntField()
    sent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_reminder_sent"
        unique_together = (("event", "occurrence_at", "alarm"),)


class CalendarMailClaim(Model):
    """A meeting mail's outbox job being sent: its key is taken before the mail is, so two
    workers never both send it; a claim older than a minute whose mail never arrived (the
    process died in between) may be taken again."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    claimed_at = fields.DatetimeField()

    class Meta:
        table = "calendar_mail_claim"
        indexes = (("claimed_at",),)


class RoomKind(StrEnum):
    ROOM = "room"  # iCalendar CUTYPE=ROOM
    RESOURCE = "resource"  # a projector, a car: CUTYPE=RESOURCE


class MeetingRoom(Model):
    """A meeting room or resource: an address meetings invite like an attendee, and its own
    calendar of bookings. It accepts a booking when it is free and declines on a conflict."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="meeting_rooms", on_delete=fields.CASCADE
    )
    calendar: fields.OneToOneRelation[Calendar] = fields.OneToOneField(
        "qiyou.Calendar", related_name="room", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    address = fields.CharField(max_length=320, unique=True)
    kind = fields.CharEnumField(RoomKind, max_length=16, default=RoomKind.ROOM)
    capacity = fields.IntField(default=0)  # people; 0: not stated
    location = fields.CharField(max_length=200, default="")
    description = fields.TextField(default="")
    active = fields.BooleanField(default=True)  # bookable
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "meeting_room"
        indexes = (("enterprise_id",),)


class CalendarAttachment(Model):
    """A file attached to an event: a blob named by an ATTACH property of the event data
    (``X-QIYOU-ATTACHMENT-ID``), kept while the organizer's event is (blob GC keeps every
    blob a row here holds). Attendees' copies name the same row through their UID."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[CalendarEvent] = fields.ForeignKeyField(
        "qiyou.CalendarEvent", related_name="attachments", on_delete=fields.CASCADE
    )
    sha256 = fields.CharField(max_length=64)  # the blob's key
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=255)
    size = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_attachment"
        indexes = (("event_id",), ("sha256",))
