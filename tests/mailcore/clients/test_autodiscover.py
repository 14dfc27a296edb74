"""Reading untrusted autodiscover requests: the address and schema out of any namespace;
DTDs, entities, non-XML and oversize bodies refused with a typed error."""

from __future__ import annotations

import pytest

from mailcore.clients.autodiscover import (
    MAX_REQUEST,
    OUTLOOK_SCHEMA,
    check_schema,
    parse_request,
)
from mailcore.clients.errors import SetupError, SetupErrorCode

REQUEST = f"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress> bob@example.com </EMailAddress>
    <AcceptableResponseSchema>{OUTLOOK_SCHEMA}</AcceptableResponseSchema>
  </Request>
</Autodiscover>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Autodiscover><Request><EMailAddress>&lol2;</EMailAddress></Request></Autodiscover>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>"""


def code_of(body: bytes) -> SetupErrorCode:
    with pytest.raises(SetupError) as caught:
        parse_request(body)
    return caught.value.code


def test_the_address_and_schema_are_read_from_the_outlook_request():
    request = parse_request(REQUEST.encode())

    assert request.email == "bob@example.com"
    assert request.schema == OUTLOOK_SCHEMA
    check_schema(request)  # the Outlook schema is answered


def test_a_request_without_namespace_or_schema_is_read_too():
    request = parse_request(
        b"<Autodiscover><Request><EMailAddress>a@b.cn</EMailAddress></Request></Autodiscover>"
    )

    assert (request.email, request.schema) == ("a@b.cn", "")


@pytest.mark.parametrize(
    "body, code",
    [
        (BILLION_LAUGHS.encode(), SetupErrorCode.FORBIDDEN_XML),
        (EXTERNAL.encode(), SetupErrorCode.FORBIDDEN_XML),
        (
            b"<Autodiscover><Request><EMailAddress>&x;</EMailAddress>",
            SetupErrorCode.MALFORMED_REQUEST,
        ),
        (b"", SetupErrorCode.MALFORMED_REQUEST),
        (b"not xml", SetupErrorCode.MALFORMED_REQUEST),
        (b"\xff\xfe\x00<", SetupErrorCode.MALFORMED_REQUEST),
        (b"<Other><EMailAddress>a@b.cn</EMailAddress></Other>", SetupErrorCode.MALFORMED_REQUEST),
        (b"<Autodiscover><Request/></Autodiscover>", SetupErrorCode.MALFORMED_REQUEST),
        (b"<Autodiscover>" + b" " * MAX_REQUEST + b"</Autodiscover>", SetupErrorCode.TOO_LARGE),
    ],
    ids=[
        "entities",
        "external-entity",
        "undefined-entity",
        "empty",
        "text",
        "binary",
        "other-root",
        "no-address",
        "oversize",
    ],
)
def test_bad_requests_are_refused_with_a_code(body, code):
    assert code_of(body) == code


def test_an_activesync_request_is_not_answered():
    request = parse_request(
        REQUEST.replace(
            OUTLOOK_SCHEMA,
            "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006",
        ).encode()
    )

    with pytest.raises(SetupError) as caught:
        check_schema(request)
    assert caught.value.code == SetupErrorCode.UNSUPPORTED_SCHEMA
