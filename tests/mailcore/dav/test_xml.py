"""Request bodies read safely (no entity expansion, no external references) and the
properties a PROPFIND or REPORT asks for; Basic credentials."""

from __future__ import annotations

import base64

import pytest

from mailcore.dav import xml
from mailcore.dav.auth import Unauthorized, credentials
from mailcore.dav.xml import CALDAV, DAV, BadXml, tag


def test_the_properties_asked_for() -> None:
    body = b"""<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/><c:calendar-data/></d:prop></d:propfind>"""
    assert xml.wanted_props(xml.parse(body)) == [tag(DAV, "getetag"), tag(CALDAV, "calendar-data")]
    assert xml.wanted_props(xml.parse(b'<propfind xmlns="DAV:"><allprop/></propfind>')) is None
    assert xml.wanted_props(xml.parse(b"  ")) is None  # no body: allprop


@pytest.mark.parametrize(
    "body",
    [
        b"<d:propfind xmlns:d='DAV:'><d:prop>",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<d:propfind xmlns:d='DAV:'><d:nothing/></d:propfind>",
        b"<x>" + b"y" * (xml.MAX_BODY + 1) + b"</x>",
    ],
)
def test_bad_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(BadXml):
        xml.wanted_props(xml.parse(body))


def test_an_error_body_names_its_precondition() -> None:
    body = xml.error(tag(CALDAV, "valid-calendar-data"), "not iCalendar")
    root = xml.parse(body)
    assert root is not None and root.tag == tag(DAV, "error")
    assert root.find(tag(CALDAV, "valid-calendar-data")) is not None


def test_basic_credentials() -> None:
    header = "Basic " + base64.b64encode("ann@example.com:pa:ss wörd".encode()).decode()
    assert credentials(header) == ("ann@example.com", "pa:ss wörd")
    for bad in ("", "Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode()):
        with pytest.raises(Unauthorized):
            credentials(bad)
