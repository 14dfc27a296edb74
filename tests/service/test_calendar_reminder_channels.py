"""Calendar reminders by WeChat subscribe message and by SMS, against the loopback WeChat
server API and Tencent SMS API (tests/e2e/wechat_api.py, tests/e2e/tencent_sms.py): the
member accepts the calendar template as the mini-program does (``acceptMailNotification``),
a reminder spends one acceptance and sends one text to the directory mobile number; a
provider's failure stops neither the other channels nor sends anything twice."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailcore.calendar import calendars, events, ical, reminders
from mailcore.calendar.access import caller
from mailcore.core.models import (
    CalendarReminderSent,
    Member,
    Message,
    OutboxJob,
    WechatBinding,
    WechatSubscription,
)
from tests.e2e import tencent_sms, wechat_api
from tests.e2e.client import login
from tests.e2e.server import PASSWORD

CALENDAR_TEMPLATE = "tpl-calendar-reminder"
OPENID = "o-bob-calendar"
MOBILE = "138 0013 8000"
PHONE = "+8613800138000"

ACCEPT = """
mutation Accept($t: String!) {
  acceptMailNotification(templateId: $t) {
    __typename ... on MailNotifications { templateId remaining } ... on AuthError { code }
  }
}
"""
CREATE_EVENT = """
mutation E($i: EventInput!) {
  createEvent(input: $i) {
    __typename
    ... on CalendarEvent { id reminders { minutesBefore channels } }
    ... on CalendarError { code field message }
  }
}
"""


@pytest.fixture
def wechat() -> Iterator[wechat_api.WechatApi]:
    server = wechat_api.WechatApi()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[tencent_sms.TencentSms]:
    server = tencent_sms.TencentSms()
    server.start()
    yield server
    server.stop()


def settings_for(service, wechat, sms):
    """The service's settings with WeChat and SMS pointed at the loopback servers; the
    one-time-code template is another, so only the reminder template is accepted."""
    return replace(
        service.runtime.settings,
        wechat_api_url=wechat.url,
        wechat_appid=wechat_api.APPID,
        wechat_secret=wechat_api.SECRET,
        wechat_calendar_template=CALENDAR_TEMPLATE,
        sms_url=sms.url,
        sms_secret_id=tencent_sms.SECRET_ID,
        sms_secret_key=tencent_sms.SECRET_KEY,
        sms_app_id=tencent_sms.APP_ID,
        sms_sign_name=tencent_sms.SIGN_NAME,
        sms_template_id="code-template",
        sms_reminder_template=tencent_sms.TEMPLATE_ID,
    )


@pytest.fixture
async def bob(service):
    """Bob, bound to WeChat with a mobile number in his directory entry (undone after)."""
    member = await Member.get(email="bob@example.com")
    await Member.filter(id=member.id).update(mobile=MOBILE)
    await WechatBinding.create(member_id=member.id, openid=OPENID)
    yield await Member.get(id=member.id)
    await WechatSubscription.filter(member_id=member.id).delete()
    await WechatBinding.filter(member_id=member.id).delete()
    await Member.filter(id=member.id).update(mobile=member.mobile)


async def reminder_job(member: Member, summary: str, channels: tuple[str, ...]) -> dict:
    """An event starting in two days with a 15-minute reminder; its outbox job."""
    who = await caller(member.id)
    calendar_id = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    start = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    fields = ical.fields_for(
        summary=summary,
        start=start,
        end=None,
        all_day=False,
        time_zone="Asia/Shanghai",
        location="3F 会议室",
        alarms=[ical.Alarm(15, channels)],
    )
    made = await events.create(who, calendar_id, fields)
    for row in await OutboxJob.filter(topic=reminders.TOPIC).order_by("-id"):
        payload = json.loads(row.payload)
        if payload["event"] == made.id:
            return payload
    raise AssertionError("no reminder job")


async def mails(subject: str) -> int:
    for _ in range(50):  # the ingest of the reminder mail has committed when send returns
        if count := await Message.filter(subject__startswith=f"提醒: {subject}").count():
            return count
        await asyncio.sleep(0.1)
    return 0


async def test_a_reminder_goes_by_wechat_and_sms_once(service, bob, wechat, sms):
    settings = settings_for(service, wechat, sms)
    # given: Bob allowed one calendar reminder in the mini-program
    client = await login(service.graphql_url, "bob@example.com", PASSWORD)
    before = service.runtime.settings
    try:
        service.runtime.settings = settings
        accepted = (await client.data(ACCEPT, t=CALENDAR_TEMPLATE))["acceptMailNotification"]
    finally:
        service.runtime.settings = before
    assert accepted == {
        "__typename": "MailNotifications",
        "templateId": CALENDAR_TEMPLATE,
        "remaining": 1,
    }
    # and an event reminding by every channel, made through the API
    start = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    event = {
        "summary": "Quarterly review",
        "start": start.isoformat(),
        "reminders": [{"minutesBefore": 15, "channels": ["PUSH", "MAIL", "WECHAT", "SMS"]}],
    }
    made = (await client.data(CREATE_EVENT, i=event))["createEvent"]
    assert made["reminders"] == [
        {"minutesBefore": 15, "channels": ["PUSH", "MAIL", "WECHAT", "SMS"]}
    ]
    job = next(
        p
        for p in [json.loads(r.payload) for r in await OutboxJob.filter(topic=reminders.TOPIC)]
        if p["event"] == int(made["id"])
    )

    # when: the job is done twice at once, and once more later
    handler = reminders.Reminders(service.runtime.bus, service.runtime.ingestor, settings)
    first, second = await asyncio.gather(handler.send(job), handler.send(job))
    assert sorted([first, second]) == [False, True]
    assert await handler.send(job) is False

    # then: one subscribe message of the calendar template, opening the event
    [message] = wechat.sent
    local = start.astimezone(ZoneInfo("Asia/Shanghai"))
    assert message["touser"] == OPENID and message["template_id"] == CALENDAR_TEMPLATE
    assert message["data"] == {
        "thing1": {"value": "Quarterly review"},
        "time2": {"value": f"{local:%Y-%m-%d %H:%M}"},
        "thing3": {"value": "-"},
    }
    assert message["page"].startswith(f"pages/event/event?id={made['id']}&start=")
    spent = await WechatSubscription.get(member_id=bob.id, template_id=CALENDAR_TEMPLATE)
    assert (spent.credits, spent.sent) == (0, 1)
    # and one text with the reminder template to the E.164 number
    [text] = sms.sent
    assert text["phone"] == PHONE and text["TemplateId"] == tencent_sms.TEMPLATE_ID
    assert text["TemplateParamSet"] == ["Quarterly review", f"{local:%m-%d %H:%M}"]
    # and the mail, once
    assert await mails("Quarterly review") == 1
    assert await CalendarReminderSent.filter(event_id=int(made["id"])).count() == 1

    # a next reminder with no acceptance left goes by SMS only
    again = await reminder_job(bob, "Standup", ("WECHAT", "SMS"))
    assert await handler.send(again) is True
    assert len(wechat.sent) == 1 and [t["TemplateParamSet"][0] for t in sms.sent][-1] == "Standup"


async def test_a_provider_failure_stops_no_other_channel(service, bob, wechat, sms, caplog):
    settings = settings_for(service, wechat, sms)
    await WechatSubscription.create(member_id=bob.id, template_id=CALENDAR_TEMPLATE, credits=3)
    wechat.no_acceptance.add(OPENID)  # WeChat answers 43101
    sms.blocked.add(PHONE)  # the operator refuses the number
    handler = reminders.Reminders(service.runtime.bus, service.runtime.ingestor, settings)
    job = await reminder_job(bob, "Budget sync", ("WECHAT", "SMS", "MAIL"))

    with caplog.at_level(logging.INFO, logger=reminders.__name__):
        assert await handler.send(job) is True
    assert wechat.sent == [] and sms.sent == []
    # 43101: WeChat has no acceptance left, so neither do we
    row = await WechatSubscription.get(member_id=bob.id, template_id=CALENDAR_TEMPLATE)
    assert row.credits == 0
    assert "SMS to member" in caplog.text and "not sent" in caplog.text
    assert await mails("Budget sync") == 1  # the mail went all the same
    assert await handler.send(job) is False  # and is not sent again
    assert await mails("Budget sync") == 1

    # WeChat unreachable: the credit is given back for the next reminder
    await WechatSubscription.filter(id=row.id).update(credits=1)
    wechat.no_acceptance.clear()
    wechat.stop()  # (stopping it again in the fixture returns at once)
    unreachable = reminders.Reminders(
        service.runtime.bus, service.runtime.ingestor, replace(settings, wechat_api_url=wechat.url)
    )
    assert await unreachable.send(await reminder_job(bob, "Offsite", ("WECHAT", "MAIL"))) is True
    assert (await WechatSubscription.get(id=row.id)).credits == 1
    assert await mails("Offsite") == 1


async def test_sms_without_a_mobile_number_is_skipped(service, bob, wechat, sms, caplog):
    await Member.filter(id=bob.id).update(mobile="")
    handler = reminders.Reminders(
        service.runtime.bus, service.runtime.ingestor, settings_for(service, wechat, sms)
    )
    job = await reminder_job(bob, "Walk", ("SMS", "MAIL"))
    with caplog.at_level(logging.INFO, logger=reminders.__name__):
        assert await handler.send(job) is True
    assert sms.sent == []
    assert f"member {bob.id} has no mobile number" in caplog.text
    assert await mails("Walk") == 1
