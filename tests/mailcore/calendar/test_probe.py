"""Recurrence rules tried in a process of their own: one no date satisfies is refused (the
process is killed at the time limit), ordinary and rare-but-real rules pass."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mailcore.calendar import probe

START = datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("rule", "wanted", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,WE", 2, True),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", 2, True),  # every few decades
        ("FREQ=DAILY;COUNT=1", 1, True),
        ("FREQ=DAILY;UNTIL=20270104T030000Z", 2, False),  # only the first date
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", 2, False),  # no such date: killed in time
    ],
)
async def test_rules(rule, wanted, expected):
    assert await probe.repeats(rule, START, wanted) is expected


async def test_all_day_start():
    assert await probe.repeats("FREQ=YEARLY", date(2027, 5, 20))
