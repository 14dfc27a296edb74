# ruff: noqa: E501 - the XML of each case reads best on one line
"""The filters of a CardDAV addressbook-query (mailcore/dav/cardquery.py), as RFC 6352
section 8.6 describes them and DAVx⁵ / Apple Contacts send them."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from mailcore.dav.cardquery import matches, parse_filter
from mailcore.dav.errors import DavError

CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Cyrus Daboo\r\nN:Daboo;Cyrus;;;\r\n"
    "EMAIL;TYPE=WORK:cyrus@example.com\r\nEMAIL;TYPE=HOME:cdaboo@example.net\r\n"
    "TEL;TYPE=CELL:+1 555 0100\r\nEND:VCARD\r\n"
)


def query(inner: str, test: str = "anyof", limit: str = "") -> str:
    return (
        '<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f'<D:prop><D:getetag/></D:prop><C:filter test="{test}">{inner}</C:filter>{limit}'
        "</C:addressbook-query>"
    )


def ok(body: str) -> bool:
    condition, _ = parse_filter(ElementTree.fromstring(body))
    return condition is None or matches(condition, CARD)


@pytest.mark.parametrize(
    ("inner", "test", "expected"),
    [
        ('<C:prop-filter name="FN"><C:text-match>daboo</C:text-match></C:prop-filter>', "anyof", True),
        ('<C:prop-filter name="FN"><C:text-match match-type="starts-with">Daboo</C:text-match></C:prop-filter>', "anyof", False),
        ('<C:prop-filter name="EMAIL"><C:text-match match-type="ends-with">.net</C:text-match></C:prop-filter>', "anyof", True),
        ('<C:prop-filter name="EMAIL"><C:text-match match-type="equals" collation="i;octet">CYRUS@example.com</C:text-match></C:prop-filter>', "anyof", False),
        ('<C:prop-filter name="EMAIL"><C:text-match negate-condition="yes">example</C:text-match></C:prop-filter>', "anyof", False),
        ('<C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter>', "anyof", True),
        ('<C:prop-filter name="EMAIL"><C:param-filter name="TYPE"><C:text-match>home</C:text-match></C:param-filter></C:prop-filter>', "anyof", True),
        ('<C:prop-filter name="FN"><C:text-match>nobody</C:text-match></C:prop-filter><C:prop-filter name="TEL"><C:text-match>555</C:text-match></C:prop-filter>', "anyof", True),
        ('<C:prop-filter name="FN"><C:text-match>nobody</C:text-match></C:prop-filter><C:prop-filter name="TEL"><C:text-match>555</C:text-match></C:prop-filter>', "allof", False),
    ],
)  # fmt: skip
def test_filters(inner, test, expected):
    assert ok(query(inner, test)) is expected


def test_limit_and_unsupported_collation():
    body = query("", limit="<C:limit><C:nresults>3</C:nresults></C:limit>")
    assert parse_filter(ElementTree.fromstring(body)) == (None, 3)
    bad = '<C:prop-filter name="FN"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>'
    with pytest.raises(DavError) as caught:
        ok(query(bad))
    assert caught.value.status == 403 and caught.value.condition.endswith("supported-collation")
