"""Calendar reminders (U7, issue 19 item 4): before an occurrence, by live push (the
``calendarReminder`` subscription), by mail, by WeChat subscribe message and by SMS,
scheduled durably and sent once.

Each time an event's row is stored (``rows.store``), the next occurrence of each of its
alarms (VALARM, relative to the start) becomes an outbox job due at the reminder's time
(``available_at``) naming the event's etag: the outbox worker of any process takes it when
it is due, also at start-up for a reminder that fell due while no server ran. A job whose
event changed since (another etag) does nothing: the change scheduled its own. A sent
reminder is recorded first (one row per event, occurrence and alarm, unique), so a job done
twice — by two processes, or again after a crash — sends nothing the second time; then the
next occurrence's reminder of that alarm is scheduled. Reminders go to the owner of the
personal calendar holding the event (an attendee's copy reminds the attendee); company
calendars remind nobody.

WECHAT spends one accepted subscribe message of the calendar template
(``QIYOU_WECHAT_CALENDAR_TEMPLATE``, ``wechat.subscribe.send_to_member``); SMS goes to the
mobile number of the member's directory entry (``QIYOU_SMS_REMINDER_TEMPLATE``). Either is
skipped with a log line when it cannot go (not set up, not bound, no credit, no number), and
a provider's failure is logged: it never stops the other channels, and the reminder is not
tried again (it was recorded before sending).
"""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from mailcore.calendar import ical
from mailcore.core import events as bus_events
from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.mime.build import build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import Calendar, CalendarEvent, CalendarReminderSent, Member, OutboxJob
from mailcore.sms import SmsError, sms_sender
from mailcore.sms.sender import e164
from mailcore.store import outbox
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestSource
from mailcore.store.registry import Job
from mailcore.wechat import subscribe

log = logging.getLogger(__name__)

TOPIC = "calendar.reminder"
HORIZON = timedelta(days=400)  # the next occurrence is looked for this far ahead
WECHAT_PAGE = "pages/event/event?id={id}&start={start}"  # the mini-program's event page
SMS_TITLE = 20  # characters of the title in a text message (template variables are short)


async def schedule(
    event: CalendarEvent, data, after: datetime | None = None, only: int | None = None
) -> None:
    """Outbox jobs for the reminder of each alarm (``only``: that alarm) before the next
    occurrence starting after ``after`` and after now: due at once if its time has passed
    (an event made 5 minutes before it starts, with a 15-minute reminder), and never for an
    occurrence that is over (after a server was down, the reminders of a daily event do not
    come in a burst)."""
    alarms = ical.alarms_of(data)
    if not alarms:
        return
    now = datetime.now(UTC)
    after = after or now
    jobs = []
    for index, alarm in enumerate(alarms):
        if only is not None and index != only:
            continue
        before = timedelta(minutes=alarm.minutes)
        occurrence = ical.next_occurrence(data, max(after, now), HORIZON)
        if occurrence is None:
            continue
        due = occurrence.start - before
        payload = {
            "event": event.id,
            "etag": event.etag,
            "at": occurrence.start.astimezone(UTC).isoformat(),
            "alarm": index,
        }
        row = outbox.rows([Job(TOPIC, payload)])[0]
        row.available_at = int(due.timestamp() * 1000)
        jobs.append(row)
    if jobs:
        await OutboxJob.bulk_create(jobs)


class Reminders:
    """The outbox handler of ``TOPIC``; without ``settings`` WECHAT and SMS are skipped."""

    def __init__(self, bus: Bus, ingestor: Ingestor, settings: Settings | None = None) -> None:
        self.bus = bus
        self.ingestor = ingestor
        self.settings = settings

    async def __call__(self, payloads: list[dict]) -> None:
        for payload in payloads:
            await self.send(payload)

    async def send(self, payload: dict) -> bool:
        event = await CalendarEvent.filter(id=int(payload["event"])).first()
        if event is None or event.etag != payload["etag"]:
            return False  # deleted, or changed: the change scheduled its own reminders
        calendar = await Calendar.get(id=event.calendar_id)  # type: ignore[attr-defined]
        data = ical.read(event.ical)
        alarms = ical.alarms_of(data)
        index = int(payload["alarm"])
        at = datetime.fromisoformat(payload["at"])
        if calendar.owner_id is None or index >= len(alarms):  # type: ignore[attr-defined]
            return False
        try:
            await CalendarReminderSent.create(event_id=event.id, occurrence_at=at, alarm=index)
        except IntegrityError:
            return False  # sent already (a repeat of this job)
        member = await Member.get(id=calendar.owner_id)  # type: ignore[attr-defined]
        alarm = alarms[index]
        occurrence = ical.next_occurrence(data, at, timedelta(minutes=1)) or ical.first_occurrence(
            data
        )
        try:
            await self._deliver(member, event, occurrence, alarm)
        finally:
            await schedule(event, data, after=at + timedelta(seconds=1), only=index)
        return True

    async def _deliver(self, member: Member, event: CalendarEvent, occurrence, alarm) -> None:
        if "PUSH" in alarm.channels:
            await self.bus.publish(
                member.id,
                bus_events.CALENDAR_REMINDER,
                event=event.id,
                summary=occurrence.summary,
                location=occurrence.location,
                start=occurrence.start.isoformat(),
                end=occurrence.end.isoformat(),
                minutes=alarm.minutes,
            )
        if "MAIL" in alarm.channels:
            await self._mail(member, occurrence)
        for channel, send in (("WECHAT", self._wechat), ("SMS", self._sms)):
            if channel not in alarm.channels:
                continue
            if self.settings is None:
                log.info("calendar reminder by %s skipped: no settings given", channel)
                continue
            try:
                await send(self.settings, member, event, occurrence)
            except Exception:  # noqa: BLE001 - a provider's failure must not stop the others
                log.exception("calendar reminder by %s to member %s failed", channel, member.id)

    @staticmethod
    async def _wechat(settings: Settings, member: Member, event: CalendarEvent, occurrence) -> None:
        template = subscribe.calendar_template_id(settings)
        if not template:
            log.info("calendar reminder by WeChat skipped: QIYOU_WECHAT_CALENDAR_TEMPLATE unset")
            return
        start = occurrence.start.astimezone(ZoneInfo(settings.time_zone))
        values = {
            "summary": (occurrence.summary or "(无标题)")[: subscribe.THING],
            "start": f"{start:%Y-%m-%d %H:%M}",
            "location": (occurrence.location or "-")[: subscribe.THING],
            "minutes": str(int((occurrence.start - datetime.now(UTC)).total_seconds() // 60)),
        }
        pairs = (p.partition("=") for p in settings.wechat_calendar_fields.split(","))
        data = {k.strip(): values.get(w.strip(), w.strip()[: subscribe.THING]) for k, _, w in pairs}
        page = WECHAT_PAGE.format(id=event.id, start=quote(occurrence.start.isoformat(), safe=""))
        if not await subscribe.send_to_member(settings, member.id, template, data, page):
            log.info("calendar reminder by WeChat to member %s not sent", member.id)

    @staticmethod
    async def _sms(settings: Settings, member: Member, event: CalendarEvent, occurrence) -> None:
        template = settings.sms_reminder_template
        if not template:
            log.info("calendar reminder by SMS skipped: QIYOU_SMS_REMINDER_TEMPLATE unset")
            return
        if not member.mobile:
            log.info("calendar reminder by SMS skipped: member %s has no mobile number", member.id)
            return
        start = occurrence.start.astimezone(ZoneInfo(settings.time_zone))
        title = (occurrence.summary or "(无标题)")[:SMS_TITLE]
        try:
            await sms_sender(settings).send_notice(
                e164(member.mobile), template, [title, f"{start:%m-%d %H:%M}"]
            )
        except SmsError as exc:
            log.warning("calendar reminder by SMS to member %s not sent: %s", member.id, exc)

    async def _mail(self, member: Member, occurrence) -> None:
        when = f"{occurrence.start:%Y-%m-%d %H:%M} ({occurrence.time_zone})"
        lines = [("主题 Subject", occurrence.summary), ("时间 When", when)]
        if occurrence.location:
            lines.append(("地点 Where", occurrence.location))
        cells = "".join(
            f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in lines
        )
        me = Address(name=member.name, address=member.email)
        raw, _ = build_message(
            from_=me,
            to=[me],
            cc=[],
            subject=f"提醒: {occurrence.summary} {occurrence.start:%m-%d %H:%M}",
            text=None,
            html=f"<table>{cells}</table>",
            extra_headers={"X-Qiyou-Reminder": json.dumps({"at": occurrence.start.isoformat()})},
            domain=member.email.rpartition("@")[2],
        )
        await self.ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.SYSTEM,
                envelope_from=member.email,
                deliveries=[Delivery(member_id=member.id)],
            )
        )
