"""The DAV tree of one member: their principal, home, calendars and events, and nothing of
anyone else's."""

from __future__ import annotations

import pytest

from mailcore.dav import paths
from mailcore.dav.paths import Kind, Target

ME = "ann@example.com"


def test_a_member_s_urls_resolve_back_to_what_they_name() -> None:
    assert paths.resolve(paths.principal(ME), ME) == Target(Kind.PRINCIPAL)
    assert paths.resolve(paths.home(ME), ME) == Target(Kind.HOME)
    assert paths.resolve(paths.calendar(ME, 7), ME) == Target(Kind.CALENDAR, 7)
    uid = "a/b c@qiyou"
    url = paths.event(ME, 7, uid)
    assert url == "/dav/calendars/ann@example.com/7/a%2Fb%20c%40qiyou.ics"
    assert paths.resolve(url, ME) == Target(Kind.EVENT, 7, uid)
    assert paths.resolve("/dav", ME) == paths.resolve("/dav/", ME) == Target(Kind.ROOT)
    assert paths.resolve("/dav/calendars/ANN%40example.com/", ME) == Target(Kind.HOME)
    absolute = "https://mail.example.com/dav/calendars/ann%40example.com/7/"
    assert paths.resolve(absolute, ME) == Target(Kind.CALENDAR, 7)


def test_a_calendar_a_client_made_is_named_by_it_and_the_scheduling_boxes_are_not() -> None:
    uuid = "6F2A1C0E-51B2-4D1B-9A33-0C0FFEE00001"
    assert paths.resolve(f"/dav/calendars/ann@example.com/{uuid}/", ME) == Target(
        Kind.CALENDAR, 0, name=uuid
    )
    assert paths.resolve(f"/dav/calendars/ann@example.com/{uuid}/e1.ics", ME) == Target(
        Kind.EVENT, 0, "e1", name=uuid
    )
    assert paths.resolve("/dav/calendars/ann@example.com/outbox/", ME) == Target(Kind.OUTBOX)
    assert paths.resolve("/dav/calendars/ann@example.com/inbox/", ME) == Target(Kind.INBOX)
    assert paths.calendar(ME, uuid).endswith(f"/{uuid}/")


@pytest.mark.parametrize(
    "path",
    [
        "/dav/calendars/bob@example.com/",
        "/dav/principals/bob@example.com/",
        "/dav/calendars/bob@example.com/7/x.ics",
        "/dav/calendars/ann@example.com/.seven/",  # a client-given name starts plainly
        "/dav/calendars/ann@example.com/outbox/x.ics",
        "/dav/calendars/ann@example.com/99999999999/",
        "/dav/calendars/ann@example.com/7/x.txt",
        "/dav/calendars/ann@example.com/7/.ics",
        "/dav/calendars/ann@example.com/7/x.ics/more",
        "/dav/other/ann@example.com/",
        "/elsewhere/",
    ],
)
def test_anything_else_is_nothing(path: str) -> None:
    assert paths.resolve(path, ME) is None
