"""Invitations from other mail systems over MX (issue 19, item 2): an Outlook (Exchange)
REQUEST with its Windows time zone lands in the member's calendar at the right time, the
member's answer goes back as a REPLY mail, Outlook's CANCEL takes it away; a recurring
Google Calendar invitation (with its invite.ics attachment) lands as a series; a Gmail
REPLY to a meeting the member organizes updates the attendee's answer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.mail import find, mx
from tests.e2e.test_calendar import RESPOND, UPDATE_EVENT, event, invitation, make_team, utc

DATA = Path(__file__).resolve().parents[1] / "data" / "calendar"
PARTNER = "partner@external.test"
EVENTS = """
query R($s: DateTime!, $e: DateTime!) {
  calendarEvents(start: $s, end: $e) {
    id uid summary location description start end timeZone recurrence
    organizer { address } attendees { address status }
  }
}
"""


@pytest.fixture(scope="module")
async def team(server):
    return await make_team(server)


def ics(name: str, **values: str) -> str:
    text = (DATA / f"{name}.ics").read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def outlook_mail(to: str, subject: str, calendar: str, method: str) -> bytes:
    """As Exchange/Outlook sends it: text, HTML and a base64 text/calendar alternative."""
    mail = EmailMessage()
    mail["From"] = f"Partner Li <{PARTNER}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Thread-Topic"] = subject
    mail["Content-class"] = "urn:content-classes:calendarmessage"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@external.test>"
    mail.set_content("请准备第一季度的数字。", cte="base64")
    mail.add_alternative("<html><body><p>请准备第一季度的数字。</p></body></html>", subtype="html")
    mail.add_alternative(
        calendar.encode(),
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "utf-8"},
    )
    return mail.as_bytes()


def gmail_mail(to: str, subject: str, calendar: str, method: str) -> bytes:
    """As Gmail sends it: mixed(alternative(text, HTML, text/calendar), invite.ics)."""
    mail = EmailMessage()
    mail["From"] = PARTNER
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@external.test>"
    mail.set_content("You have been invited")
    mail.add_alternative("<p>You have been invited</p>", subtype="html")
    mail.add_alternative(calendar, subtype="calendar", params={"method": method})
    mail.add_attachment(
        calendar.encode(),
        maintype="application",
        subtype="ics",
        filename="invite.ics",
    )
    return mail.as_bytes()


async def arrived(client: GraphQLClient, uid: str, start: str, end: str, gone: bool = False):
    """The event with ``uid`` once the outbox worker applied the mail (None when ``gone``)."""
    for _ in range(100):
        found = (await client.data(EVENTS, s=start, e=end))["calendarEvents"]
        mine = [e for e in found if e["uid"] == uid]
        if gone and not mine:
            return None
        if mine and not gone:
            return mine
        await asyncio.sleep(0.1)
    raise AssertionError(f"event {uid} {'still there' if gone else 'never arrived'}")


async def test_an_outlook_invitation_is_answered_and_cancelled(server, team):
    member, client = team["outsider"], team["outsider_client"]
    uid = f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex.upper()}"
    request = ics("outlook-request", ORGANIZER=PARTNER, ATTENDEE=member, UID=uid)
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(PARTNER, [member], outlook_mail(member, "季度评审", request, "REQUEST"))
    window = ("2027-03-10T00:00:00+08:00", "2027-03-11T00:00:00+08:00")
    [got] = await arrived(client, uid, *window)
    assert got["summary"] == "季度评审" and got["location"] == "3 楼会议室"
    assert utc(got["start"]) == "2027-03-10T06:00:00+00:00"  # 14:00 China Standard Time
    assert got["timeZone"] == "Asia/Shanghai"
    assert got["organizer"]["address"] == PARTNER
    assert got["attendees"] == [{"address": member, "status": "NEEDS_ACTION"}]
    # the invitation mail itself stays in the inbox, its card beside the calendar's event
    mail = await find(client, "季度评审")
    card = await invitation(client, mail["id"])
    assert card["method"] == "REQUEST" and card["uid"] == uid and card["summary"] == "季度评审"
    assert utc(card["start"]) == "2027-03-10T06:00:00+00:00"
    assert card["organizer"]["address"] == PARTNER and card["event"]["id"] == got["id"]
    assert card["myStatus"] == "NEEDS_ACTION" and card["outdated"] is False

    answered = await client.data(RESPOND, id=got["id"], s="ACCEPTED")
    assert answered["respondToEvent"]["__typename"] == "CalendarEvent", answered
    assert (await invitation(client, mail["id"]))["myStatus"] == "ACCEPTED"
    reply = await find(client, "已接受: 季度评审", folder="SENT", wait=10)
    assert reply is not None
    async with httpx.AsyncClient(base_url=server.url) as http:
        raw = (await http.get(f"/messages/{reply['id']}/raw", headers=client.headers())).content
    [part] = [
        p
        for p in message_from_bytes(raw, policy=policy.default).walk()
        if p.get_content_type() == "text/calendar"
    ]
    assert part.get_param("method") == "REPLY"
    sent = icalendar.Calendar.from_ical(part.get_content())
    [answer] = sent.walk("VEVENT")
    assert str(sent["METHOD"]) == "REPLY" and str(answer["UID"]) == uid
    assert str(answer["ORGANIZER"]) == f"mailto:{PARTNER}"
    [attendee] = [answer["ATTENDEE"]]
    assert str(attendee) == f"mailto:{member}" and attendee.params["PARTSTAT"] == "ACCEPTED"

    cancel = ics("outlook-cancel", ORGANIZER=PARTNER, ATTENDEE=member, UID=uid)
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(PARTNER, [member], outlook_mail(member, "已取消: 季度评审", cancel, "CANCEL"))
    assert await arrived(client, uid, *window, gone=True) is None
    cancelled = await invitation(client, (await find(client, "已取消: 季度评审"))["id"])
    assert cancelled["method"] == "CANCEL" and cancelled["event"] is None
    assert (await invitation(client, mail["id"]))["event"] is None  # gone from the calendar


async def test_a_google_series_lands_and_a_gmail_reply_updates_the_organizers_meeting(server, team):
    member, client = team["indept"], team["indept_client"]
    uid = f"{uuid.uuid4().hex}@google.com"
    request = ics("gmail-request", ORGANIZER=PARTNER, ATTENDEE=member, UID=uid)
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            PARTNER, [member], gmail_mail(member, "Invitation: Pacific sync", request, "REQUEST")
        )
    found = await arrived(client, uid, "2027-04-01T00:00:00Z", "2027-05-01T00:00:00Z")
    # Mondays 17:00 in Los Angeles (PDT) = Tuesdays 00:00 UTC, three of them
    assert [utc(e["start"]) for e in found] == [
        "2027-04-06T00:00:00+00:00",
        "2027-04-13T00:00:00+00:00",
        "2027-04-20T00:00:00+00:00",
    ]
    assert found[0]["recurrence"] == "FREQ=WEEKLY;COUNT=3;BYDAY=MO"
    assert found[0]["timeZone"] == "America/Los_Angeles"

    # the member organizes a meeting with the partner, who declines from Gmail
    owner = team["owner_client"]
    title = f"Contract {uuid.uuid4().hex[:6]}"
    mine = await event(owner, summary=title, start="2027-06-10T10:00:00Z", attendees=[PARTNER])
    listed = await owner.data(EVENTS, s="2027-06-10T00:00:00Z", e="2027-06-11T00:00:00Z")
    meeting = next(e for e in listed["calendarEvents"] if e["id"] == mine["id"])
    reply = ics(
        "gmail-reply",
        ORGANIZER=team["owner"],
        ATTENDEE=PARTNER,
        UID=meeting["uid"],
        START="20270610T100000Z",
        END="20270610T110000Z",
        SUMMARY=title,
    )
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            PARTNER,
            [team["owner"]],
            gmail_mail(team["owner"], f"Declined: {title}", reply, "REPLY"),
        )
    for _ in range(100):
        listed = await owner.data(EVENTS, s="2027-06-10T00:00:00Z", e="2027-06-11T00:00:00Z")
        meeting = next(e for e in listed["calendarEvents"] if e["id"] == mine["id"])
        if meeting["attendees"][0]["status"] == "DECLINED":
            break
        await asyncio.sleep(0.1)
    assert meeting["attendees"] == [{"address": PARTNER, "status": "DECLINED"}]
    card = await invitation(owner, (await find(owner, f"Declined: {title}"))["id"])
    assert card["method"] == "REPLY" and card["event"]["id"] == mine["id"]
    assert card["replies"] == [{"address": PARTNER, "status": "DECLINED"}]
    assert card["myStatus"] is None  # the organizer is no attendee

    plain = EmailMessage()
    plain["From"], plain["To"], plain["Subject"] = PARTNER, team["owner"], f"Plain {title}"
    plain.set_content("Content-Type: text/calendar in the text is no invitation")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(PARTNER, [team["owner"]], plain.as_bytes())
    assert await invitation(owner, (await find(owner, f"Plain {title}"))["id"]) is None


async def test_a_reply_for_somebody_elses_meeting_changes_nothing(server, team):
    """Only the organizer's own meeting takes a REPLY: a forged one to an attendee is mail."""
    owner, reader = team["owner_client"], team["reader_client"]
    title = f"Forged {uuid.uuid4().hex[:6]}"
    mine = await event(
        owner, summary=title, start="2027-06-12T10:00:00Z", attendees=[team["reader"]]
    )
    listed = await owner.data(EVENTS, s="2027-06-12T00:00:00Z", e="2027-06-13T00:00:00Z")
    meeting = next(e for e in listed["calendarEvents"] if e["id"] == mine["id"])
    reply = ics(
        "gmail-reply",
        ORGANIZER=team["owner"],
        ATTENDEE=team["reader"],
        UID=meeting["uid"],
        START="20270612T100000Z",
        END="20270612T110000Z",
        SUMMARY=title,
    )
    with mx(server.smtp_port) as smtp:  # to the attendee, not the organizer
        smtp.sendmail(
            PARTNER, [team["reader"]], gmail_mail(team["reader"], f"R: {title}", reply, "REPLY")
        )
    assert await find(reader, f"R: {title}", wait=10) is not None
    # a later invitation to the same member has been applied: so has the forged reply's job
    later = f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex.upper()}"
    request = ics("outlook-request", ORGANIZER=PARTNER, ATTENDEE=team["reader"], UID=later)
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            PARTNER, [team["reader"]], outlook_mail(team["reader"], "later", request, "REQUEST")
        )
    await arrived(reader, later, "2027-03-10T00:00:00+08:00", "2027-03-11T00:00:00+08:00")
    listed = await reader.data(EVENTS, s="2027-06-12T00:00:00Z", e="2027-06-13T00:00:00Z")
    copy = next(e for e in listed["calendarEvents"] if e["uid"] == meeting["uid"])
    assert copy["attendees"] == [{"address": team["reader"], "status": "NEEDS_ACTION"}]
    assert datetime.fromisoformat(copy["start"]).astimezone(UTC).hour == 10


async def test_an_outlook_counter_is_shown_to_the_organizer_who_takes_the_new_time(server, team):
    owner = team["owner_client"]
    title = f"Budget {uuid.uuid4().hex[:6]}"
    mine = await event(owner, summary=title, start="2027-06-15T10:00:00Z", attendees=[PARTNER])
    listed = await owner.data(EVENTS, s="2027-06-15T00:00:00Z", e="2027-06-16T00:00:00Z")
    meeting = next(e for e in listed["calendarEvents"] if e["id"] == mine["id"])
    counter = ics(
        "outlook-counter",
        ORGANIZER=team["owner"],
        ATTENDEE=PARTNER,
        UID=meeting["uid"],
        START="20270615T080000Z",
        END="20270615T090000Z",
        SUMMARY=title,
    )
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            PARTNER,
            [team["owner"]],
            outlook_mail(team["owner"], f"新的时间建议: {title}", counter, "COUNTER"),
        )
    mail = await find(owner, f"新的时间建议: {title}", wait=10)
    card = await invitation(owner, mail["id"])
    assert card["method"] == "COUNTER" and card["event"]["id"] == mine["id"]
    assert utc(card["start"]) == "2027-06-15T08:00:00+00:00"  # the proposal, not the meeting
    assert card["replies"] == [{"address": PARTNER, "status": "TENTATIVE"}]
    # a COUNTER changes nothing by itself
    listed = await owner.data(EVENTS, s="2027-06-15T00:00:00Z", e="2027-06-16T00:00:00Z")
    assert utc(next(e for e in listed["calendarEvents"] if e["id"] == mine["id"])["start"]) == (
        "2027-06-15T10:00:00+00:00"
    )
    # the organizer takes it: the meeting moves and the attendee gets the updated request
    taken = await owner.data(
        UPDATE_EVENT,
        id=mine["id"],
        i={"summary": title, "start": card["start"], "end": card["end"]},
    )
    assert taken["updateEvent"]["__typename"] == "CalendarEvent", taken
    assert await find(owner, f"已更新邀请: {title}", folder="SENT", wait=10) is not None
