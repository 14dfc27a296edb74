"""Events as iCalendar data: local times across daylight saving, changed and deleted
occurrences, the span a range query filters on, all-day dates in their zone, and the
recurrence rules refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailcore.calendar import ical
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import EventPrivacy

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def fields(**values) -> ical.EventFields:
    values.setdefault("summary", "Meeting")
    values.setdefault("end", None)
    values.setdefault("all_day", False)
    values.setdefault("time_zone", "Europe/Berlin")
    return ical.fields_for(**values)


def starts(data, start: datetime, end: datetime) -> list[datetime]:
    return [o.start for o in ical.occurrences(data, start, end, 100)]


def test_a_series_keeps_its_wall_clock_time_across_daylight_saving():
    data = ical.new_object(
        "a@q", fields(start=datetime(2027, 3, 22, 9, tzinfo=BERLIN), rrule="FREQ=WEEKLY;COUNT=3")
    )
    found = starts(
        ical.read(ical.write(data)),
        datetime(2027, 3, 1, tzinfo=UTC),
        datetime(2027, 5, 1, tzinfo=UTC),
    )
    assert [s.hour for s in found] == [9, 9, 9]  # Berlin moves to summer time on 28 March
    assert [s.astimezone(UTC).hour for s in found] == [8, 7, 7]
    first, last = ical.span(data)
    assert (first, last) == (
        datetime(2027, 3, 22, 8, tzinfo=UTC),
        datetime(2027, 4, 5, 8, tzinfo=UTC),  # the last occurrence's end
    )


def test_a_changed_and_a_deleted_occurrence():
    data = ical.new_object(
        "b@q", fields(start=datetime(2027, 1, 4, 10, tzinfo=BERLIN), rrule="FREQ=DAILY;COUNT=5")
    )
    second = datetime(2027, 1, 5, 10, tzinfo=BERLIN)
    third = datetime(2027, 1, 6, 10, tzinfo=BERLIN)
    ical.update_occurrence(
        data,
        second.astimezone(UTC),
        fields(summary="Moved", start=datetime(2027, 1, 5, 15, tzinfo=BERLIN)),
    )
    ical.exclude_occurrence(data, third)
    found = ical.occurrences(
        ical.read(ical.write(data)),
        datetime(2027, 1, 1, tzinfo=UTC),
        datetime(2027, 2, 1, tzinfo=UTC),
        100,
    )
    assert [(o.summary, o.start.day, o.start.hour) for o in found] == [
        ("Meeting", 4, 10),
        ("Moved", 5, 15),
        ("Meeting", 7, 10),
        ("Meeting", 8, 10),
    ]
    assert found[1].recurrence_id == second
    assert ical.changed_occurrence(data, second)
    # changing it again replaces the change instead of adding a second one
    ical.update_occurrence(
        data, second, fields(summary="Moved again", start=datetime(2027, 1, 5, 16, tzinfo=BERLIN))
    )
    assert len([e for e in data.walk("VEVENT") if "RECURRENCE-ID" in e]) == 1
    assert int(ical.master_of(data)["SEQUENCE"]) == 3


def test_a_series_without_an_end_is_open_and_a_long_one_is_open_too():
    endless = ical.new_object(
        "c@q", fields(start=datetime(2027, 1, 1, 9, tzinfo=BERLIN), rrule="FREQ=DAILY")
    )
    assert ical.span(endless)[1] is None
    far = starts(endless, datetime(2040, 1, 1, tzinfo=UTC), datetime(2040, 1, 3, tzinfo=UTC))
    assert [s.date().isoformat() for s in far] == ["2040-01-01", "2040-01-02"]
    long = ical.new_object(
        "d@q",
        fields(
            start=datetime(2027, 1, 1, 9, tzinfo=BERLIN),
            rrule=f"FREQ=HOURLY;COUNT={ical.WALK_LIMIT + 10}",
        ),
    )
    assert ical.span(long)[1] is None


def test_until_is_written_in_utc_for_a_timed_series():
    data = fields(
        start=datetime(2027, 1, 1, 9, tzinfo=SHANGHAI),
        time_zone="Asia/Shanghai",
        rrule="FREQ=DAILY;UNTIL=20270103",
    )
    assert data.rrule == "FREQ=DAILY;UNTIL=20270103T155959Z"
    found = starts(
        ical.new_object("e@q", data),
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 2, 1, tzinfo=UTC),
    )
    assert [s.day for s in found] == [1, 2, 3]


def test_all_day_events_are_dates_of_their_zone():
    data = fields(
        start=datetime(2027, 5, 19, 16, tzinfo=UTC), all_day=True, time_zone="Asia/Shanghai"
    )
    assert (data.start.isoformat(), data.end.isoformat()) == ("2027-05-20", "2027-05-21")
    event = ical.new_object("f@q", data)
    assert ical.span(event) == (
        datetime(2027, 5, 19, 16, tzinfo=UTC),
        datetime(2027, 5, 20, 16, tzinfo=UTC),
    )
    [day] = ical.occurrences(
        event, datetime(2027, 5, 19, tzinfo=UTC), datetime(2027, 5, 22, tzinfo=UTC), 10
    )
    assert day.all_day and day.start == datetime(2027, 5, 20, tzinfo=SHANGHAI)
    assert "DTSTART;VALUE=DATE:20270520" in ical.write(event)


def test_privacy_is_written_as_class():
    event = ical.new_object(
        "g@q", fields(start=datetime(2027, 1, 1, 9, tzinfo=BERLIN), privacy=EventPrivacy.PRIVATE)
    )
    assert "CLASS:PRIVATE" in ical.write(event)
    assert ical.privacy_of(ical.master_of(event)) is EventPrivacy.PRIVATE


def test_an_unknown_zone_in_stored_data_reads_as_utc():
    text = ical.write(ical.new_object("h@q", fields(start=datetime(2027, 1, 1, 9, tzinfo=BERLIN))))
    text = text.replace("TZID=Europe/Berlin", "TZID=Somewhere Standard Time")
    first = ical.first_occurrence(ical.read(text))
    assert first.time_zone == "Somewhere Standard Time"
    assert first.start.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"summary": "  "}, "summary"),
        ({"summary": "x" * (ical.MAX_SUMMARY + 1)}, "summary"),
        ({"end": datetime(2027, 1, 1, 8, tzinfo=BERLIN)}, "end"),
        ({"time_zone": "Nowhere/City"}, "timeZone"),
        ({"rrule": "FREQ=MINUTELY"}, "recurrence"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "recurrence"),
        ({"rrule": "COUNT=3"}, "recurrence"),
        ({"rrule": "FREQ=HOURLY"}, "recurrence"),
        ({"start": datetime(1969, 12, 31, tzinfo=UTC)}, "start"),
        ({"end": datetime(2200, 1, 1, tzinfo=UTC)}, "end"),
        ({"start": datetime(2027, 1, 1, 9)}, "start"),
        ({"rdates": [datetime(2027, 1, 2, tzinfo=UTC)] * (ical.MAX_DATES + 1)}, "rdates"),
    ],
)
def test_refused(values, field):
    values.setdefault("start", datetime(2027, 1, 1, 9, tzinfo=BERLIN))
    with pytest.raises(CalendarError) as caught:
        fields(**values)
    assert caught.value.field == field


def test_attendees_keep_their_answers_and_a_reply_names_only_the_one_answering():
    data = ical.new_object("i@q", fields(start=datetime(2027, 1, 1, 9, tzinfo=BERLIN)))
    boss = ical.Person("boss@example.com", "Boss")
    ann, bob = ical.Person("ann@example.com", "Ann"), ical.Person("bob@example.com")
    ical.set_people(data, boss, [ann, bob])
    assert ical.set_status(data, "ann@example.com", "ACCEPTED")
    assert not ical.set_status(data, "eve@example.com", "ACCEPTED")
    ical.set_people(data, boss, [ann, bob])  # saved again: Ann's answer stays
    assert [(p.address, p.status) for p in ical.attendees_of(data)] == [
        ("ann@example.com", "ACCEPTED"),
        ("bob@example.com", "NEEDS-ACTION"),
    ]
    assert ical.organizer_of(data) == ical.Person("boss@example.com", "Boss")
    reply = ical.read(ical.itip(data, "REPLY", "ann@example.com"))
    assert str(reply["METHOD"]) == "REPLY"
    assert [p.address for p in ical.attendees_of(reply)] == ["ann@example.com"]
    cancel = ical.read(ical.itip(data, "CANCEL"))
    assert str(ical.master_of(cancel)["STATUS"]) == "CANCELLED"
    assert not ical.blocks_time(cancel, "bob@example.com")
    ical.set_status(data, "bob@example.com", "DECLINED")
    assert not ical.blocks_time(data, "bob@example.com") and ical.blocks_time(
        data, "ann@example.com"
    )


def test_alarms_round_trip_and_outlooks_are_read_as_push():
    data = ical.new_object(
        "j@q",
        fields(
            start=datetime(2027, 1, 1, 9, tzinfo=BERLIN),
            alarms=[ical.Alarm(15, ("PUSH", "MAIL")), ical.Alarm(60 * 24, ("MAIL",))],
        ),
    )
    again = ical.read(ical.write(data))
    assert ical.alarms_of(again) == [ical.Alarm(15, ("PUSH", "MAIL")), ical.Alarm(1440, ("MAIL",))]
    outlook = ical.read(
        ical.write(data)
        .replace("X-QIYOU-CHANNELS:PUSH,MAIL\r\n", "")
        .replace("X-QIYOU-CHANNELS:MAIL\r\n", "")
    )
    assert ical.alarms_of(outlook) == [ical.Alarm(15, ("PUSH",)), ical.Alarm(1440, ("MAIL",))]
    ical.update_series(again, fields(start=datetime(2027, 1, 1, 10, tzinfo=BERLIN)))
    assert len(ical.alarms_of(again)) == 2  # a change without reminders keeps them
    ical.update_series(again, fields(start=datetime(2027, 1, 1, 10, tzinfo=BERLIN), alarms=[]))
    assert ical.alarms_of(again) == []
    with pytest.raises(CalendarError):
        ical.set_alarms(again, [ical.Alarm(ical.MAX_MINUTES + 1)])
    with pytest.raises(CalendarError):
        ical.set_alarms(again, [ical.Alarm(5)] * (ical.MAX_ALARMS + 1))


def test_a_series_change_keeps_its_excluded_dates_and_moves_them_with_it():
    shanghai = ZoneInfo("Asia/Shanghai")
    fields = ical.fields_for(
        summary="Standup",
        start=datetime(2027, 3, 1, 8, tzinfo=shanghai),
        end=None,
        all_day=False,
        time_zone="Asia/Shanghai",
        rrule="FREQ=DAILY;COUNT=4",
    )
    data = ical.new_object(ical.new_uid(), fields)
    ical.exclude_occurrence(data, datetime(2027, 3, 3, 8, tzinfo=shanghai))
    moved = ical.fields_for(
        summary="Standup",
        start=datetime(2027, 3, 1, 9, tzinfo=shanghai),
        end=None,
        all_day=False,
        time_zone="Asia/Shanghai",
        rrule="FREQ=DAILY;COUNT=4",
    )
    ical.update_series(data, moved)  # excluded dates not given: kept, an hour later
    window = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 6, tzinfo=UTC))
    starts = [o.start.astimezone(shanghai) for o in ical.occurrences(data, *window, 10)]
    assert [(s.day, s.hour) for s in starts] == [(1, 9), (2, 9), (4, 9)]
    moved.exdates = []  # given empty: none skipped
    ical.update_series(data, moved)
    assert len(ical.occurrences(data, *window, 10)) == 4
