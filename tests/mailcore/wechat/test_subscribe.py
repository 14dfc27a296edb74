"""New-mail reminders write the mail's time in the server's time zone (QIYOU_TIME_ZONE,
default Asia/Shanghai), not in UTC: a mail sent at 18:00 +0800 is announced as 18:00.

The mail goes through the real parser and ``new_mail_jobs`` (the outbox payload, through
JSON as the outbox stores it); ``reminder_data`` is what ``Reminders`` sends to WeChat.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from mailcore.core.config import SettingError, Settings
from mailcore.core.mime.parse import parse_message
from mailcore.core.models import FolderRole
from mailcore.store.request import IngestRequest, IngestResult, IngestSource, StoredEntry
from mailcore.wechat.subscribe import new_mail_jobs, reminder_data, utc_offset

RAW = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang@partner.test>\r\n"
    b"To: tom@example.com\r\n"
    b"Subject: =?utf-8?b?5ZCI5ZCM5bey55uW56ug?=\r\n"
    b"Date: Mon, 07 Dec 2026 18:00:00 +0800\r\n"
    b"Message-ID: <contract@partner.test>\r\n"
    b"\r\n"
    b"please see the contract\r\n"
)


def payload_of(raw: bytes) -> dict:
    """The outbox payload of one mail delivered to one Inbox, as the handler reads it."""
    request = IngestRequest(raw=raw, source=IngestSource.SMTP_INBOUND)
    result = IngestResult(
        message_pk=1,
        sha256="",
        parsed=parse_message(raw),
        entries=[StoredEntry(member_id=7, role=FolderRole.INBOX, entry_id=42)],
    )
    [job] = new_mail_jobs(request, result)
    [mail] = json.loads(json.dumps(job.payload))["mails"]
    return mail


def test_the_date_is_in_the_default_zone_asia_shanghai():
    settings = Settings.from_env({})
    assert settings.time_zone == "Asia/Shanghai"
    data = reminder_data(settings, payload_of(RAW))
    assert data == {"thing1": "张三", "thing2": "合同已盖章", "time3": "2026-12-07 18:00"}


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "2026-12-07 10:00"),
        ("Europe/Berlin", "2026-12-07 11:00"),
        ("America/New_York", "2026-12-07 05:00"),
        ("Asia/Tokyo", "2026-12-07 19:00"),
    ],
)
def test_the_date_follows_qiyou_time_zone(zone, shown):
    settings = Settings.from_env({"QIYOU_TIME_ZONE": zone})
    assert reminder_data(settings, payload_of(RAW))["time3"] == shown


def test_a_date_across_midnight_moves_the_day():
    raw = RAW.replace(b"Mon, 07 Dec 2026 18:00:00 +0800", b"Mon, 07 Dec 2026 20:30:00 -0500")
    data = reminder_data(Settings.from_env({}), payload_of(raw))
    assert data["time3"] == "2026-12-08 09:30"


def test_an_unknown_zone_is_refused_at_start():
    with pytest.raises(SettingError) as caught:
        Settings.from_env({"QIYOU_TIME_ZONE": "Mars/Olympus"})
    assert "QIYOU_TIME_ZONE" in str(caught.value)
    assert "IANA time zone" in str(caught.value)


@pytest.mark.parametrize(
    ("zone", "at", "minutes"),
    [
        ("Asia/Shanghai", "2026-12-07T10:00:00+00:00", 480),
        ("America/New_York", "2026-12-07T10:00:00+00:00", -300),
        ("America/New_York", "2026-07-07T10:00:00+00:00", -240),
        ("Asia/Kolkata", "2026-07-07T10:00:00+00:00", 330),
    ],
)
def test_the_offset_the_mini_program_falls_back_to(zone, at, minutes):
    settings = Settings.from_env({"QIYOU_TIME_ZONE": zone})
    assert utc_offset(settings, datetime.fromisoformat(at)) == minutes
